import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import { fetchDest, fetchModule } from '../../../src/modules/fetch.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');

function withSha1(h: FakeHost): FakeHost {
  return h.on(/^sha1sum -- /, (t) => {
    const p = t.split(' ').pop()!;
    const txt = h.text(p);
    return txt === undefined ? { code: 1, stderr: `sha1sum: ${p}: No such file or directory` } : { stdout: `${sha1(txt)}  ${p}\n` };
  });
}

test('fetch: dest layout as Ansible', (t) => {
  t.is(fetchDest({ src: '/etc/ssh/sshd_config', dest: '/b' }, 'node1').file, '/b/node1/etc/ssh/sshd_config');
  t.is(fetchDest({ src: '/etc/hosts', dest: '/b/', flat: true }, 'node1').file, '/b/hosts');
  t.is(fetchDest({ src: '/etc/hosts', dest: '/b/h-node1', flat: true }, 'node1').file, '/b/h-node1');
  t.throws(() => fetchDest({ src: 'a/../../x', dest: '/b' }, 'node1'));
});

test('fetch: copies once, then the checksum says nothing to do; a drifted local copy is replaced', async (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'hf-fetch-'));
  const host = withSha1(new FakeHost({ files: { '/etc/app.conf': 'v1\n' } }));
  const { first, second, result } = await runTwice(fetchModule, host, { src: '/etc/app.conf', dest });
  t.deepEqual(first.map((c) => c.action), ['create']);
  t.deepEqual(second, []);
  const file = join(dest, 'node1', 'etc', 'app.conf');
  t.is(readFileSync(file, 'utf8'), 'v1\n');
  t.like(result, { dest: file, checksum: sha1('v1\n') });
  writeFileSync(file, 'local edit\n');
  t.deepEqual((await plan(fetchModule, host, { src: '/etc/app.conf', dest })).map((c) => c.action), ['update']);
});

test('fetch: a symlink below dest on the bastion is refused', async (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'hf-fetch-'));
  const elsewhere = mkdtempSync(join(tmpdir(), 'hf-elsewhere-'));
  symlinkSync(elsewhere, join(dest, 'node1'));
  const host = withSha1(new FakeHost({ files: { '/etc/app.conf': 'v1\n' } }));
  await t.throwsAsync(plan(fetchModule, host, { src: '/etc/app.conf', dest }), { instanceOf: TaskError, message: /symbolic link/ });
  mkdirSync(join(dest, 'x'));
  symlinkSync('/etc/passwd', join(dest, 'x', 'app.conf'));
  await t.throwsAsync(plan(fetchModule, host, { src: '/etc/app.conf', dest: join(dest, 'x') + '/', flat: true }), { instanceOf: TaskError, message: /symbolic link/ });
});

test('fetch: missing remote file fails unless fail_on_missing is false; the content is checked against the plan', async (t) => {
  const dest = mkdtempSync(join(tmpdir(), 'hf-fetch-'));
  const host = withSha1(new FakeHost({ files: { '/etc/app.conf': 'v1\n' } }));
  await t.throwsAsync(plan(fetchModule, host, { src: '/nope', dest }), { message: /does not exist/ });
  t.deepEqual(await plan(fetchModule, host, { src: '/nope', dest, fail_on_missing: false }), []);
  const changes = await plan(fetchModule, host, { src: '/etc/app.conf', dest });
  host.addFile('/etc/app.conf', 'v2\n');
  await t.throwsAsync(fetchModule.apply(host, changes, { src: '/etc/app.conf', dest }, (await import('../../helpers/fake-host.js')).fakeContext().ctx), { message: /checksum mismatch/ });
});
