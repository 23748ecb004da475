import test from 'ava';
import { editNsswitch, type NsswitchArgs, nsswitchSources, splitSources } from '../../../src/edit/nsswitch.js';
import { InputError } from '../../../src/errors.js';
import { DEBIAN12_NSSWITCH } from './fixtures.js';

interface Row {
  name: string;
  input: string;
  args: NsswitchArgs;
  text: string;
  changes: string[];
}

const N = DEBIAN12_NSSWITCH;

const rows: Row[] = [
  {
    name: 'runbook: passwd: compat unbit (exact list)',
    input: N,
    args: { database: 'passwd', sources: ['compat', 'unbit'] },
    text: N.replace('passwd:         files systemd', 'passwd:         compat unbit'),
    changes: ['passwd: set sources to compat unbit (was files systemd)'],
  },
  {
    name: 'exact list already there',
    input: 'passwd:\tcompat unbit\n',
    args: { database: 'passwd', sources: ['compat', 'unbit'] },
    text: 'passwd:\tcompat unbit\n',
    changes: [],
  },
  {
    name: 'sources_present appends once, alignment kept',
    input: N,
    args: { database: 'group', sources_present: ['unbit'] },
    text: N.replace('group:          files systemd', 'group:          files systemd unbit'),
    changes: ['group: add source unbit'],
  },
  {
    name: 'sources_present already there: nothing',
    input: 'shadow: compat unbit\n',
    args: { database: 'shadow', sources_present: ['unbit', 'compat'] },
    text: 'shadow: compat unbit\n',
    changes: [],
  },
  {
    name: 'a duplicated source is removed',
    input: 'shadow: compat unbit unbit\n',
    args: { database: 'shadow', sources_present: ['unbit'] },
    text: 'shadow: compat unbit\n',
    changes: ['shadow: remove duplicate source unbit'],
  },
  {
    name: 'sources_absent removes the source and its action item',
    input: 'hosts: files mdns4_minimal [NOTFOUND=return] dns\n',
    args: { database: 'hosts', sources_absent: ['mdns4_minimal'] },
    text: 'hosts: files dns\n',
    changes: ['hosts: remove source mdns4_minimal'],
  },
  {
    name: 'action items with spaces stay one item',
    input: 'hosts: files [NOTFOUND=return  UNAVAIL=continue] dns\n',
    args: { database: 'hosts', sources_present: ['myhostname'] },
    text: 'hosts: files [NOTFOUND=return UNAVAIL=continue] dns myhostname\n',
    changes: ['hosts: add source myhostname'],
  },
  {
    name: 'present and absent together (replace systemd with unbit)',
    input: N,
    args: { database: 'passwd', sources_present: ['unbit'], sources_absent: ['systemd'] },
    text: N.replace('passwd:         files systemd', 'passwd:         files unbit'),
    changes: ['passwd: remove source systemd', 'passwd: add source unbit'],
  },
  {
    name: 'missing database line is appended, aligned like Debian',
    input: 'passwd: files\n',
    args: { database: 'automount', sources: ['files'] },
    text: 'passwd: files\nautomount:      files\n',
    changes: ['automount: add line "automount:      files"'],
  },
  {
    name: 'a commented line is not the database',
    input: '#passwd: compat unbit\npasswd: files\n',
    args: { database: 'passwd', sources_present: ['unbit'] },
    text: '#passwd: compat unbit\npasswd: files unbit\n',
    changes: ['passwd: add source unbit'],
  },
  {
    name: 'a second line for the database is commented out',
    input: 'passwd: compat unbit\ngroup: files\npasswd: files\n',
    args: { database: 'passwd', sources: ['compat', 'unbit'] },
    text: 'passwd: compat unbit\ngroup: files\n#passwd: files\n',
    changes: ['passwd: comment out duplicate line 3'],
  },
  {
    name: 'a trailing comment is kept',
    input: 'passwd: files # local only\n',
    args: { database: 'passwd', sources_present: ['unbit'] },
    text: 'passwd: files unbit # local only\n',
    changes: ['passwd: add source unbit'],
  },
  {
    name: 'nothing to remove from a missing database',
    input: N,
    args: { database: 'automount', sources_absent: ['nis'] },
    text: N,
    changes: [],
  },
  {
    name: 'database without sources',
    input: 'passwd:\n',
    args: { database: 'passwd', sources_present: ['files'] },
    text: 'passwd: files\n',
    changes: ['passwd: add source files'],
  },
];

for (const row of rows) {
  test(`nsswitch: ${row.name}`, (t) => {
    const r = editNsswitch(row.input, row.args);
    t.is(r.text, row.text);
    t.deepEqual(r.changes, row.changes);
    const again = editNsswitch(r.text, row.args);
    t.deepEqual(again.changes, [], 'idempotent');
    t.is(again.text, r.text);
  });
}

test('nsswitch: input errors', (t) => {
  t.throws(() => editNsswitch('', { database: 'pass wd', sources: ['x'] }), { instanceOf: InputError });
  t.throws(() => editNsswitch('', { database: 'passwd', sources: ['x'], sources_present: ['y'] }), { instanceOf: InputError });
  t.throws(() => editNsswitch('', { database: 'passwd', sources_present: ['[NOTFOUND=return]'] }), { instanceOf: InputError });
  t.throws(() => editNsswitch('', { database: 'passwd', sources_present: ['a'], sources_absent: ['a'] }), { instanceOf: InputError });
});

test('nsswitch: reading sources', (t) => {
  t.deepEqual(nsswitchSources(DEBIAN12_NSSWITCH, 'hosts'), ['files', 'dns']);
  t.is(nsswitchSources(DEBIAN12_NSSWITCH, 'automount'), null);
  t.deepEqual(splitSources('a [x=y] b'), ['a', '[x=y]', 'b']);
});
