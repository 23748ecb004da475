import test from 'ava';
import { TaskError } from '../../../src/errors.js';
import { parseGroup, parsePasswd, passwordNeedsSet, planUser, shadowField, type UserArgs } from '../../../src/edit/users.js';
import { userModule } from '../../../src/modules/user.js';
import { validator } from '../../../src/playbook/schema.js';
import { splitWords } from '../../../src/modules/text/shellwords.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n';
const GROUP = 'root:x:0:\ndaemon:x:1:\nadm:x:4:alice\nstaff:x:50:\nalice:x:1000:\nuwsgi:x:2000:\n';

interface Row {
  name: string;
  args: UserArgs;
  argv: string[] | null;
}

const rows: Row[] = [
  { name: 'new user', args: { name: 'uwsgi', uid: 2000, group: 'uwsgi', shell: '/bin/false', home: '/containers', system: true, create_home: false }, argv: ['useradd', '-r', '-u', '2000', '-g', 'uwsgi', '-s', '/bin/false', '-d', '/containers', '-M', 'uwsgi'] },
  { name: 'new user with groups and home', args: { name: 'bob', groups: ['adm', 'staff'], comment: 'Bob' }, argv: ['useradd', '-G', 'adm,staff', '-c', 'Bob', '-m', 'bob'] },
  { name: 'in state', args: { name: 'alice', uid: 1000, shell: '/bin/bash', groups: ['adm'], home: '/home/alice', comment: 'Alice', group: 1000 }, argv: null },
  { name: 'shell and uid change', args: { name: 'alice', uid: 1001, shell: '/bin/sh' }, argv: ['usermod', '-u', '1001', '-s', '/bin/sh', 'alice'] },
  { name: 'groups exactly', args: { name: 'alice', groups: ['staff'] }, argv: ['usermod', '-G', 'staff', 'alice'] },
  { name: 'groups appended', args: { name: 'alice', groups: ['staff', 'adm'], append: true }, argv: ['usermod', '-a', '-G', 'staff', 'alice'] },
  { name: 'appending a group the user has: nothing', args: { name: 'alice', groups: ['adm'], append: true }, argv: null },
  { name: 'primary group by name', args: { name: 'alice', group: 'staff' }, argv: ['usermod', '-g', 'staff', 'alice'] },
  { name: 'absent', args: { name: 'alice', state: 'absent', remove: true }, argv: ['userdel', '-r', 'alice'] },
  { name: 'absent already', args: { name: 'nobody2', state: 'absent' }, argv: null },
];

for (const row of rows) {
  test(`user plan: ${row.name}`, (t) => {
    const p = planUser(parsePasswd(PASSWD), parseGroup(GROUP), row.args);
    t.deepEqual(p?.argv ?? null, row.argv);
  });
}

test('user plan: a missing group fails the task', (t) => {
  t.throws(() => planUser(parsePasswd(PASSWD), parseGroup(GROUP), { name: 'x', groups: ['nope'] }), { instanceOf: TaskError, message: /nope/ });
});

test('user: schema', (t) => {
  const v = validator(userModule.args as object, false);
  t.true(v({ name: 'uwsgi', uid: 2000, groups: ['adm'], system: true }));
  t.false(v({ name: 'bad name' }));
  t.false(v({ name: 'x', uid: -1 }));
});

/** A host whose passwd/group live in its in-memory files, edited by useradd/usermod/userdel. */
function userHost(): FakeHost {
  const host = new FakeHost({ files: { '/etc/passwd': PASSWD, '/etc/group': GROUP } });
  host.on('hostforge begin passwd', () => ({
    stdout: `@@hostforge begin passwd\n${host.text('/etc/passwd') ?? ''}\n@@hostforge end passwd 0\n@@hostforge begin group\n${host.text('/etc/group') ?? ''}\n@@hostforge end group 0\n`,
  }));
  host.on(/^(useradd|usermod|userdel) /, (text) => {
    const argv = splitWords(text);
    const name = argv[argv.length - 1] as string;
    const lines = (host.text('/etc/passwd') ?? '').split('\n').filter((l) => l !== '' && !l.startsWith(`${name}:`));
    if (argv[0] !== 'userdel') {
      const opt = (f: string): string | undefined => {
        const i = argv.indexOf(f);
        return i < 0 ? undefined : argv[i + 1];
      };
      lines.push(`${name}:x:${opt('-u') ?? '3000'}:${opt('-g') === 'uwsgi' ? '2000' : '100'}::${opt('-d') ?? `/home/${name}`}:${opt('-s') ?? '/bin/sh'}`);
    }
    host.addFile('/etc/passwd', `${lines.join('\n')}\n`);
    return { code: 0 };
  });
  return host;
}

test('user: run twice', async (t) => {
  const host = userHost();
  const args: UserArgs = { name: 'uwsgi', uid: 2000, group: 'uwsgi', shell: '/bin/false', home: '/containers', create_home: false };
  const { first, second } = await runTwice(userModule, host, args);
  t.is(first.length, 1);
  t.is(first[0]?.kind, 'user');
  t.deepEqual(second, []);
  t.regex(host.text('/etc/passwd') ?? '', /^uwsgi:x:2000:2000::\/containers:\/bin\/false$/m);
  t.deepEqual(await plan(userModule, host, { name: 'uwsgi', shell: '/bin/false' }), []);
});

test('user password: set for a new user, when the crypted value differs, never with on_create for an existing one', (t) => {
  const hash = '$6$salt$abcdef';
  const shadow = `root:*:19000:0:99999:7:::\nalice:${hash}:19000:0:99999:7:::\nbob:!:19000::::::\n`;
  t.is(shadowField(shadow, 'alice'), hash);
  t.is(shadowField(shadow, 'bob'), '!');
  t.is(shadowField(shadow, 'carol'), undefined);
  t.true(passwordNeedsSet({ name: 'carol', password: hash }, undefined));
  t.false(passwordNeedsSet({ name: 'alice', password: hash }, hash));
  t.true(passwordNeedsSet({ name: 'bob', password: hash }, '!'));
  t.false(passwordNeedsSet({ name: 'bob', password: hash, update_password: 'on_create' }, '!'));
  t.false(passwordNeedsSet({ name: 'bob' }, '!'));
  t.false(passwordNeedsSet({ name: 'bob', password: hash, state: 'absent' }, '!'));
  const v = validator(userModule.args as object, false);
  t.true(v({ name: 'x', password: hash, update_password: 'on_create' }));
  t.false(v({ name: 'x', password: 'a:b' }));
});
