import test from 'ava';
import { blockinfileModule } from '../../../src/modules/blockinfile.js';
import { lineinfileModule } from '../../../src/modules/lineinfile.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

test('lineinfile: edit, diff, then no change', async (t) => {
  const h = new FakeHost().addFile('/etc/ssh/sshd_config', 'Port 22\nPermitRootLogin yes\n');
  const args = { path: '/etc/ssh/sshd_config', regexp: '^#?PermitRootLogin', line: 'PermitRootLogin no', validate: 'sshd -t -f %s' };
  const { first, second, result } = await runTwice(lineinfileModule, h, args);
  t.is(first.length, 1);
  t.like(first[0], {
    action: 'update',
    kind: 'file',
    before: 'Port 22\nPermitRootLogin yes\n',
    after: 'Port 22\nPermitRootLogin no\n',
    data: { validate: 'sshd -t -f %s', note: 'line replaced' },
  });
  t.regex(first[0]!.summary, /update \/etc\/ssh\/sshd_config \(line replaced, 2 → 2 lines\)/);
  t.deepEqual(second, []);
  t.like(result, { msg: 'line replaced' });
});

test('lineinfile: plan reads once (stat + read), no exec', async (t) => {
  const h = new FakeHost().addFile('/etc/hosts', '127.0.0.1 localhost\n');
  await plan(lineinfileModule, h, { path: '/etc/hosts', line: '198.18.0.2 node2' });
  t.deepEqual(h.log.map((e) => e.op), ['stat', 'read']);
});

test('lineinfile: missing file fails unless create; create makes a missing parent directory', async (t) => {
  const h = new FakeHost();
  await t.throwsAsync(plan(lineinfileModule, h, { path: '/etc/new/x.conf', line: 'a' }), { message: /does not exist/ });
  const { first, second } = await runTwice(lineinfileModule, h, { path: '/etc/new/x.conf', line: 'a', create: true, mode: '0600' });
  t.deepEqual(first.map((c) => [c.action, c.kind, c.target]), [
    ['create', 'directory', '/etc/new'],
    ['create', 'file', '/etc/new/x.conf'],
  ]);
  t.is(h.text('/etc/new/x.conf'), 'a\n');
  t.like(h.node('/etc/new/x.conf'), { mode: '0600' });
  t.deepEqual(second, []);
});

test('lineinfile: absent on a missing file is fine', async (t) => {
  t.deepEqual(await plan(lineinfileModule, new FakeHost(), { path: '/nope', state: 'absent', regexp: 'x' }), []);
});

test('lineinfile: a directory is an error', async (t) => {
  await t.throwsAsync(plan(lineinfileModule, new FakeHost().addDir('/etc'), { path: '/etc', line: 'x' }), { message: /is a directory/ });
});

test('lineinfile: follows a symlink and edits the real file', async (t) => {
  const h = new FakeHost().addFile('/etc/alternatives/conf', 'a\n').addLink('/etc/conf', 'alternatives/conf');
  const { first, second } = await runTwice(lineinfileModule, h, { path: '/etc/conf', line: 'b' });
  t.is(first[0]!.target, '/etc/alternatives/conf');
  t.is(h.node('/etc/conf')?.type, 'link');
  t.is(h.text('/etc/alternatives/conf'), 'a\nb\n');
  t.deepEqual(second, []);
});

test('lineinfile: unchanged content but wrong mode → attributes change only', async (t) => {
  const h = new FakeHost().addFile('/etc/x', 'a\n', { mode: '0666' });
  const c = await plan(lineinfileModule, h, { path: '/etc/x', line: 'a', mode: '0644' });
  t.deepEqual(c.map((x) => x.kind), ['attributes']);
});

test('lineinfile: non-UTF-8 bytes are preserved', async (t) => {
  const h = new FakeHost().addFile('/etc/latin', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  await runTwice(lineinfileModule, h, { path: '/etc/latin', line: 'x' });
  t.deepEqual([...(h.node('/etc/latin') as { data: Buffer }).data], [0x63, 0x61, 0x66, 0xe9, 0x0a, 0x78, 0x0a]);
});

test('lineinfile: dest alias', async (t) => {
  const h = new FakeHost().addFile('/etc/x', '');
  const c = await plan(lineinfileModule, h, { dest: '/etc/x', line: 'a' });
  t.is(c[0]!.target, '/etc/x');
});

test('blockinfile: insert, then no change, then remove', async (t) => {
  const h = new FakeHost().addFile('/etc/fstab', 'UUID=1 / ext4 defaults 0 1\n');
  const args = { path: '/etc/fstab', block: 'cgroup /sys/fs/cgroup cgroup defaults 0 0' };
  const { first, second } = await runTwice(blockinfileModule, h, args);
  t.is(first[0]!.after, 'UUID=1 / ext4 defaults 0 1\n# BEGIN HOSTFORGE MANAGED BLOCK\ncgroup /sys/fs/cgroup cgroup defaults 0 0\n# END HOSTFORGE MANAGED BLOCK\n');
  t.deepEqual(second, []);
  const rm = await runTwice(blockinfileModule, h, { path: '/etc/fstab', state: 'absent' });
  t.is(rm.first.length, 1);
  t.is(h.text('/etc/fstab'), 'UUID=1 / ext4 defaults 0 1\n');
  t.deepEqual(rm.second, []);
});

test('blockinfile: create with marker', async (t) => {
  const h = new FakeHost().addDir('/etc/profile.d');
  const args = { path: '/etc/profile.d/x.sh', block: 'export A=1\n', create: true, marker: '## {mark} x' };
  const { second } = await runTwice(blockinfileModule, h, args, fakeContext().ctx);
  t.is(h.text('/etc/profile.d/x.sh'), '## BEGIN x\nexport A=1\n## END x\n');
  t.deepEqual(second, []);
});
