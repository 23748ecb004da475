import test from 'ava';
import { createHash } from 'node:crypto';
import { copyModule } from '../../../src/modules/copy.js';
import { templateModule } from '../../../src/modules/template.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

test('copy content: create, then no change', async (t) => {
  const h = new FakeHost().addDir('/etc');
  const { first, second, result } = await runTwice(copyModule, h, { content: 'a=1\n', dest: '/etc/app.conf', mode: '0640', owner: 'root', group: 'www' });
  t.is(first.length, 1);
  t.like(first[0], { action: 'create', kind: 'file', target: '/etc/app.conf', before: '', after: 'a=1\n', attrs: { mode: '0640', owner: 'root', group: 'www' } });
  t.regex(first[0]!.summary, /create \/etc\/app.conf \(1 line, mode 0640, owner root:www\)/);
  t.deepEqual(second, []);
  t.like(h.node('/etc/app.conf'), { mode: '0640', group: 'www' });
  t.like(result, { dest: '/etc/app.conf' });
});

test('copy content: update carries before/after for the diff and only differing attrs', async (t) => {
  const h = new FakeHost().addFile('/etc/app.conf', 'a=1\n', { mode: '0640', owner: 'root', group: 'www' });
  const c = await plan(copyModule, h, { content: 'a=2\n', dest: '/etc/app.conf', mode: '0640', group: 'www' });
  t.is(c.length, 1);
  t.like(c[0], { action: 'update', kind: 'file', before: 'a=1\n', after: 'a=2\n', attrs: {} });
  t.is(c[0]!.data?.sha256, createHash('sha256').update('a=2\n').digest('hex'));
  t.is(c[0]!.data?.content, undefined, 'text changes carry after, not base64');
});

test('copy content: same bytes, other mode → one attributes change, no write', async (t) => {
  const h = new FakeHost().addFile('/etc/app.conf', 'a=1\n', { mode: '0644' });
  const { first, second } = await runTwice(copyModule, h, { content: 'a=1\n', dest: '/etc/app.conf', mode: '0600' });
  t.deepEqual(first.map((c) => [c.action, c.kind, c.attrs]), [['update', 'attributes', { mode: '0600' }]]);
  t.false(h.log.some((e) => e.op === 'write'));
  t.deepEqual(second, []);
});

test('copy src: looked up on the bastion; dest directory → dest/basename', async (t) => {
  const h = new FakeHost().addDir('/usr/local/bin');
  const { ctx } = fakeContext({ local: { 'tools/hello.sh': '#!/bin/sh\necho hi\n' } });
  const { first, second } = await runTwice(copyModule, h, { src: 'tools/hello.sh', dest: '/usr/local/bin', mode: 0o755 }, ctx);
  t.is(first[0]!.target, '/usr/local/bin/hello.sh');
  t.like(h.node('/usr/local/bin/hello.sh'), { mode: '0755' });
  t.deepEqual(second, []);
});

test('copy: binary content has no diff text, the bytes travel base64', async (t) => {
  const h = new FakeHost().addDir('/srv');
  const bin = Buffer.from([0, 1, 2, 255, 254]);
  const { ctx } = fakeContext({ local: { 'blob.bin': bin } });
  const { first, second } = await runTwice(copyModule, h, { src: 'blob.bin', dest: '/srv/blob.bin' }, ctx);
  t.is(first[0]!.after, undefined);
  t.is(first[0]!.before, undefined);
  t.is(first[0]!.data?.content, bin.toString('base64'));
  t.regex(first[0]!.summary, /5 bytes/);
  t.true((h.node('/srv/blob.bin') as { data: Buffer }).data.equals(bin));
  t.deepEqual(second, []);
});

test('copy: a private key is sensitive: no text in the plan', async (t) => {
  const h = new FakeHost().addDir('/etc/ssl');
  const key = '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n';
  const c = await plan(copyModule, h, { content: key, dest: '/etc/ssl/k.pem', mode: '0600' });
  t.true(c[0]!.sensitive);
  t.is(c[0]!.after, undefined);
  t.false(JSON.stringify({ ...c[0], data: { ...c[0]!.data, content: null } }).includes('MIIE'));
  t.is(Buffer.from(String(c[0]!.data?.content), 'base64').toString(), key);
});

test('copy: force=false leaves an existing file alone', async (t) => {
  const h = new FakeHost().addFile('/etc/motd', 'old');
  t.deepEqual(await plan(copyModule, h, { content: 'new', dest: '/etc/motd', force: false }), []);
});

test('copy: validate and backup reach host.write', async (t) => {
  const h = new FakeHost().addFile('/etc/ssh/sshd_config', 'Port 22\n');
  const args = { content: 'Port 2222\n', dest: '/etc/ssh/sshd_config', validate: '/usr/sbin/sshd -t -f %s', backup: true };
  const c = await plan(copyModule, h, args);
  t.like(c[0]!.data, { validate: '/usr/sbin/sshd -t -f %s', backup: true });
  const r = await copyModule.apply(h, c, args, fakeContext().ctx);
  t.like(r, { backup_file: '/etc/ssh/sshd_config.backup~' });
  const w = h.log.find((e) => e.op === 'write');
  t.like(w?.opts, { validate: '/usr/sbin/sshd -t -f %s', backup: true });
});

test('copy: failed validation fails the task and leaves the file', async (t) => {
  const h = new FakeHost().addFile('/etc/x', 'ok\n');
  h.validator = () => ({ code: 1, stdout: '', stderr: 'line 1: bad' });
  const args = { content: 'bad\n', dest: '/etc/x', validate: 'check %s' };
  const c = await plan(copyModule, h, args);
  await t.throwsAsync(copyModule.apply(h, c, args, fakeContext().ctx), { message: /validation failed/ });
  t.is(h.text('/etc/x'), 'ok\n');
});

test('copy: argument errors', async (t) => {
  const h = new FakeHost().addDir('/etc');
  await t.throwsAsync(plan(copyModule, h, { content: 'x', dest: '/etc/x', validate: 'visudo -c' }), { message: /must contain %s/ });
  await t.throwsAsync(plan(copyModule, h, { content: 'x', dest: '/etc' }), { message: /is a directory/ });
  await t.throwsAsync(plan(copyModule, h, { content: 'x', dest: '/etc/x', mode: 'bogus' }), { message: /expected an octal mode/ });
  await t.throwsAsync(plan(copyModule, h, { content: 'x', dest: '/etc/nodir/x' }), { message: /Destination directory \/etc\/nodir does not exist/ });
});

test('copy: dest is a symlink with the same content → no change; different → replaced by a file', async (t) => {
  const h = new FakeHost().addFile('/run/real.conf', 'same\n').addLink('/etc/real.conf', '/run/real.conf');
  t.deepEqual(await plan(copyModule, h, { content: 'same\n', dest: '/etc/real.conf' }), []);
  const { second } = await runTwice(copyModule, h, { content: 'other\n', dest: '/etc/real.conf' });
  t.deepEqual(second, []);
  t.is(h.node('/etc/real.conf')?.type, 'file');
});

test('template: renders with the task variables', async (t) => {
  const h = new FakeHost().addDir('/etc/etcd');
  const { ctx } = fakeContext({ vars: { name: 'node1', port: 2379 }, local: { 'etcd.conf.hbs': 'ETCD_NAME={{ name }}\nPORT={{port}}\n' } });
  const { first, second } = await runTwice(templateModule, h, { src: 'etcd.conf.hbs', dest: '/etc/etcd/etcd.conf', mode: '0644' }, ctx);
  t.is(first[0]!.after, 'ETCD_NAME=node1\nPORT=2379\n');
  t.is(h.text('/etc/etcd/etcd.conf'), 'ETCD_NAME=node1\nPORT=2379\n');
  t.deepEqual(second, []);
});

test('template: an undefined variable fails the plan', async (t) => {
  const h = new FakeHost().addDir('/etc');
  const { ctx } = fakeContext({ local: { 't.hbs': '{{ missing }}' } });
  await t.throwsAsync(plan(templateModule, h, { src: 't.hbs', dest: '/etc/t' }, ctx), { message: /missing is not defined/ });
});

test('copy: an update that also changes attributes says so and passes only those', async (t) => {
  const h = new FakeHost().addFile('/etc/app.conf', 'a=1\n', { mode: '0644', owner: 'root', group: 'root' });
  const c = await plan(copyModule, h, { content: 'a=2\n', dest: '/etc/app.conf', mode: '0600', owner: 'root', group: 'www' });
  t.is(c.length, 1);
  t.deepEqual(c[0]!.attrs, { mode: '0600', group: 'www' });
  t.is(c[0]!.summary, 'update /etc/app.conf (1 → 1 lines, mode 0644 → 0600, owner :root → :www)');
});
