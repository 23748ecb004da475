import test from 'ava';
import { editGrubCmdline, grubCmdlineArgs, type GrubArgs } from '../../../src/edit/grub.js';
import { InputError, TaskError } from '../../../src/errors.js';

interface Row {
  name: string;
  input: string;
  args: GrubArgs;
  text: string;
  changes: string[];
}

const UBUNTU = `# If you change this file, run 'update-grub' afterwards to update
GRUB_DEFAULT=0
GRUB_TIMEOUT=10
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="nomodeset"
GRUB_CMDLINE_LINUX=""
`;

const rows: Row[] = [
  {
    name: 'runbook: nomodeset -> nomodeset elevator=cfq',
    input: UBUNTU,
    args: { args_present: ['elevator=cfq'] },
    text: UBUNTU.replace('"nomodeset"', '"nomodeset elevator=cfq"'),
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'already present: no change',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq splash"\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq splash"\n',
    changes: [],
  },
  {
    name: 'key=value replaces the same key in place',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=deadline splash"\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq splash"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: replace elevator=deadline with elevator=cfq'],
  },
  {
    name: 'duplicates of the key are removed (elevator=cfq once)',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq quiet elevator=cfq elevator=noop"\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq quiet"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: remove duplicate elevator=cfq elevator=noop'],
  },
  {
    name: 'single quotes are kept',
    input: "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n",
    args: { args_present: ['elevator=cfq'] },
    text: "GRUB_CMDLINE_LINUX_DEFAULT='quiet splash elevator=cfq'\n",
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'unquoted value gets double quotes',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT=quiet\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'empty value',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT=""\n',
    args: { args_present: ['elevator=cfq', 'quiet'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq quiet"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq', 'GRUB_CMDLINE_LINUX_DEFAULT: add quiet'],
  },
  {
    name: 'commented assignment is ignored, active one edited',
    input: '#GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n',
    args: { args_present: ['elevator=cfq'] },
    text: '#GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"\nGRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'only commented assignment: a new line is added',
    input: '#GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n',
    args: { args_present: ['elevator=cfq'] },
    text: '#GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq (new assignment)'],
  },
  {
    name: 'the last assignment wins and is the one edited',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="a"\nGRUB_CMDLINE_LINUX_DEFAULT="b"\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="a"\nGRUB_CMDLINE_LINUX_DEFAULT="b elevator=cfq"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'self-referencing assignment: the earlier value counts',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=deadline"\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT quiet"\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq"\nGRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT quiet"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: replace elevator=deadline with elevator=cfq'],
  },
  {
    name: 'args_absent bare key removes every value',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=deadline splash elevator"\n',
    args: { args_absent: ['elevator'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: remove elevator=deadline elevator'],
  },
  {
    name: 'args_absent key=value removes only that value',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty0 console=ttyS0"\n',
    args: { args_absent: ['console=ttyS0'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="console=tty0"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: remove console=ttyS0'],
  },
  {
    name: 'GRUB_CMDLINE_LINUX is another variable',
    input: UBUNTU,
    args: { variable: 'GRUB_CMDLINE_LINUX', args_present: ['cgroup_enable=memory', 'swapaccount=1'] },
    text: UBUNTU.replace('GRUB_CMDLINE_LINUX=""', 'GRUB_CMDLINE_LINUX="cgroup_enable=memory swapaccount=1"'),
    changes: ['GRUB_CMDLINE_LINUX: add cgroup_enable=memory', 'GRUB_CMDLINE_LINUX: add swapaccount=1'],
  },
  {
    name: 'the _DEFAULT variable does not match GRUB_CMDLINE_LINUX',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n',
    args: { variable: 'GRUB_CMDLINE_LINUX', args_present: ['x=1'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="x=1"\n',
    changes: ['GRUB_CMDLINE_LINUX: add x=1 (new assignment)'],
  },
  {
    name: 'trailing comment and export are kept',
    input: 'export GRUB_CMDLINE_LINUX_DEFAULT="quiet"  # tuned\n',
    args: { args_present: ['elevator=cfq'] },
    text: 'export GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"  # tuned\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'flag present twice is deduplicated',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash quiet"\n',
    args: { args_present: ['quiet'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: remove duplicate quiet'],
  },
  {
    name: 'file without final newline keeps it that way',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet"',
    args: { args_present: ['elevator=cfq'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet elevator=cfq"',
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: add elevator=cfq'],
  },
  {
    name: 'empty file: nothing to remove',
    input: '',
    args: { args_absent: ['quiet'] },
    text: '',
    changes: [],
  },
  {
    name: 'removing all arguments leaves an empty quoted value',
    input: "GRUB_CMDLINE_LINUX_DEFAULT='quiet'\n",
    args: { args_absent: ['quiet'] },
    text: "GRUB_CMDLINE_LINUX_DEFAULT=''\n",
    changes: ['GRUB_CMDLINE_LINUX_DEFAULT: remove quiet'],
  },
  {
    name: 'tabs between arguments are normalised only when the line changes',
    input: 'GRUB_CMDLINE_LINUX_DEFAULT="a\tb"\nGRUB_TIMEOUT=5\n',
    args: { args_present: ['a'] },
    text: 'GRUB_CMDLINE_LINUX_DEFAULT="a\tb"\nGRUB_TIMEOUT=5\n',
    changes: [],
  },
];

for (const row of rows) {
  test(`grub: ${row.name}`, (t) => {
    const r = editGrubCmdline(row.input, row.args);
    t.is(r.text, row.text);
    t.deepEqual(r.changes, row.changes);
    const again = editGrubCmdline(r.text, row.args);
    t.deepEqual(again.changes, [], 'idempotent');
    t.is(again.text, r.text);
  });
}

test('grub: bad arguments are input errors', (t) => {
  t.throws(() => editGrubCmdline('', { args_present: ['a b'] }), { instanceOf: InputError });
  t.throws(() => editGrubCmdline('', { args_present: ['x="y"'] }), { instanceOf: InputError });
  t.throws(() => editGrubCmdline('', { args_present: ['elevator=cfq'], args_absent: ['elevator'] }), { instanceOf: InputError });
});

test('grub: a value built from several quoted parts is refused, not mangled', (t) => {
  t.throws(() => editGrubCmdline('GRUB_CMDLINE_LINUX_DEFAULT="a"$X\n', { args_present: ['b'] }), { instanceOf: TaskError });
  t.throws(() => editGrubCmdline('GRUB_CMDLINE_LINUX_DEFAULT="a\n', { args_present: ['b'] }), { instanceOf: TaskError });
});

test('grub: effective argument list follows the shell', (t) => {
  const text = 'GRUB_CMDLINE_LINUX_DEFAULT="a"\nGRUB_CMDLINE_LINUX_DEFAULT="${GRUB_CMDLINE_LINUX_DEFAULT} b"\n';
  t.deepEqual(grubCmdlineArgs(text), ['a', 'b']);
  t.is(grubCmdlineArgs('X=1\n'), null);
});
