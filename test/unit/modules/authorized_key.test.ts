import test from 'ava';
import { editAuthorizedKeys, parseKeyLine } from '../../../src/edit/authorized_keys.js';
import { InputError, TaskError } from '../../../src/errors.js';
import { authorizedKeyModule } from '../../../src/modules/authorized_key.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl ops@bastion';
const K2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 deploy@ci';
const K3 = 'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTY= old@laptop';

interface Row {
  name: string;
  input: string;
  keys: string[];
  opts?: { state?: 'present' | 'absent'; exclusive?: boolean; key_options?: string };
  text: string;
  changes: number;
}

const rows: Row[] = [
  { name: 'add to an empty file', input: '', keys: [K1], text: `${K1}\n`, changes: 1 },
  { name: 'present with another comment: no change', input: `${K1.replace('ops@bastion', 'other')}\n`, keys: [K1.replace(' ops@bastion', '')], text: `${K1.replace('ops@bastion', 'other')}\n`, changes: 0 },
  { name: 'comment updated when declared', input: `${K1.replace('ops@bastion', 'other')}\n`, keys: [K1], text: `${K1}\n`, changes: 1 },
  { name: 'options kept when not declared', input: `from="10.0.0.0/8" ${K1}\n`, keys: [K1], text: `from="10.0.0.0/8" ${K1}\n`, changes: 0 },
  { name: 'key_options replace options', input: `from="10.0.0.0/8" ${K1}\n`, keys: [K1], opts: { key_options: 'no-pty,command="/bin/x y"' }, text: `no-pty,command="/bin/x y" ${K1}\n`, changes: 1 },
  { name: 'two keys in one string, one present', input: `${K1}\n`, keys: [`${K1}\n${K2}\n`], text: `${K1}\n${K2}\n`, changes: 1 },
  { name: 'duplicates are removed', input: `${K1}\n# note\n${K1}\n`, keys: [K1], text: `${K1}\n# note\n`, changes: 1 },
  { name: 'exclusive removes the others, keeps comments', input: `# keys\n${K3}\n${K1}\n`, keys: [K1, K2], opts: { exclusive: true }, text: `# keys\n${K1}\n${K2}\n`, changes: 2 },
  { name: 'absent', input: `${K3}\n${K1}\n`, keys: [K1], opts: { state: 'absent' }, text: `${K3}\n`, changes: 1 },
  { name: 'absent, not there', input: `${K3}\n`, keys: [K1], opts: { state: 'absent' }, text: `${K3}\n`, changes: 0 },
];

for (const row of rows) {
  test(`authorized_keys: ${row.name}`, (t) => {
    const r = editAuthorizedKeys(row.input, { keys: row.keys, ...row.opts });
    t.is(r.text, row.text);
    t.is(r.changes.length, row.changes, r.changes.join('; '));
    t.deepEqual(editAuthorizedKeys(r.text, { keys: row.keys, ...row.opts }).changes, []);
  });
}

test('authorized_keys: parsing and bad keys', (t) => {
  t.deepEqual(parseKeyLine(`command="echo a b",no-pty ${K2}`)?.options, 'command="echo a b",no-pty');
  t.is(parseKeyLine('garbage here'), null);
  t.throws(() => editAuthorizedKeys('', { keys: ['not a key'] }), { instanceOf: InputError });
});

test('authorized_key: schema', (t) => {
  const v = validator(authorizedKeyModule.args as object, false);
  t.true(v({ user: 'root', key: K1 }));
  t.true(v({ user: 'root', key: [K1, K2], exclusive: true, path: '.ssh/uwsgi_authorized_keys' }));
  t.false(v({ user: 'root' }));
});

function keyHost(files: Record<string, string> = {}): FakeHost {
  const host = new FakeHost({ files });
  host.addDir('/home/alice', { owner: 'alice', group: 'alice' });
  host.on('hostforge begin pw', (text) => {
    const known = text.includes('passwd alice');
    return {
      stdout: known
        ? '@@hostforge begin pw\nalice:x:1000:1000::/home/alice:/bin/sh\n\n@@hostforge end pw 0\n@@hostforge begin group\nalice\n\n@@hostforge end group 0\n'
        : '@@hostforge begin pw\n\n@@hostforge end pw 2\n@@hostforge begin group\n\n@@hostforge end group 1\n',
    };
  });
  return host;
}

test('authorized_key: creates ~/.ssh and the file with the right owner and modes, twice', async (t) => {
  const host = keyHost();
  const { first, second } = await runTwice(authorizedKeyModule, host, { user: 'alice', key: K1 });
  t.deepEqual(
    first.map((c) => `${c.kind}:${c.target}:${c.attrs?.mode ?? ''}`),
    ['directory:/home/alice/.ssh:0700', 'file:/home/alice/.ssh/authorized_keys:0600'],
  );
  t.deepEqual(second, []);
  const f = host.node('/home/alice/.ssh/authorized_keys');
  t.like(f, { type: 'file', mode: '0600', owner: 'alice', group: 'alice' });
  t.is(host.text('/home/alice/.ssh/authorized_keys'), `${K1}\n`);
});

test('authorized_key: a relative path is under the home; a wrong mode is fixed', async (t) => {
  const host = keyHost();
  host.addDir('/home/alice/.ssh', { mode: '0700', owner: 'alice', group: 'alice' });
  host.addFile('/home/alice/.ssh/uwsgi_authorized_keys', `${K1}\n`, { mode: '0644', owner: 'alice', group: 'alice' });
  const args = { user: 'alice', key: K1, path: '.ssh/uwsgi_authorized_keys' };
  const first = await plan(authorizedKeyModule, host, args);
  t.deepEqual(
    first.map((c) => c.kind),
    ['attributes'],
  );
  const { second } = await runTwice(authorizedKeyModule, host, args);
  t.deepEqual(second, []);
});

test('authorized_key: unknown user', async (t) => {
  await t.throwsAsync(plan(authorizedKeyModule, keyHost(), { user: 'bob', key: K1 }), { instanceOf: TaskError, message: /bob does not exist/ });
});
