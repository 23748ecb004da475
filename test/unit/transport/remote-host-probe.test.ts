import test from 'ava';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalConnection } from '../../../src/transport/local.js';
import { RemoteHost } from '../../../src/transport/remote-host.js';

/** A RemoteHost over the bastion's own /bin/sh, counting the command lines and reads it sends. */
function host(): { h: RemoteHost; sent: string[] } {
  const conn = new LocalConnection('probe');
  const sent: string[] = [];
  const exec = conn.exec.bind(conn);
  const get = conn.get.bind(conn);
  conn.exec = (command, stdin, timeoutMs) => {
    sent.push(command);
    return exec(command, stdin, timeoutMs);
  };
  conn.get = (path) => {
    sent.push(`get ${path}`);
    return get(path);
  };
  const h = new RemoteHost('probe', {}, conn, { enabled: false, user: 'root' }, async () => { throw new Error('no facts here'); });
  return { h, sent };
}

test('stat then read of a small file is one command; a second stat is none', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-probe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = join(dir, 'f.conf');
  const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 10, ...Buffer.from('\n__hostforge_content__\nafter')]);
  await writeFile(f, bytes, { mode: 0o640 });
  const { h, sent } = host();
  const st = await h.stat(f);
  t.is(st?.type, 'file');
  t.is(st?.mode, '0640');
  t.is(st?.size, bytes.length);
  t.deepEqual(await h.read(f), bytes, 'binary content, even with the marker inside it');
  t.deepEqual((await h.stat(f))?.size, bytes.length);
  t.is(sent.length, 1);
});

test('a command or a write in between makes the next stat and read go to the host again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-probe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const f = join(dir, 'f');
  await writeFile(f, 'one\n');
  const { h, sent } = host();
  await h.stat(f);
  await h.exec(['sh', '-c', `printf 'two\\n' > ${f}`]);
  t.is((await h.read(f))?.toString(), 'two\n');
  t.is((await h.stat(f))?.size, 4);
  await h.write(f, 'three!\n');
  t.is((await h.stat(f))?.size, 7);
  t.is((await h.read(f))?.toString(), 'three!\n');
  t.true(sent.length >= 5);
});

test('a missing path, a link, a directory and a large file: stat as before, content only for small regular files', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'hf-probe-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const big = join(dir, 'big');
  await writeFile(big, Buffer.alloc(70_000, 7));
  await symlink(big, join(dir, 'link'));
  const { h, sent } = host();
  t.is(await h.stat(join(dir, 'none')), null);
  t.is(await h.read(join(dir, 'none')), null);
  t.is(sent.length, 1, 'a missing file is known missing until something changes');
  t.is((await h.stat(join(dir, 'link')))?.type, 'link');
  t.is((await h.stat(join(dir, 'link')))?.linkTarget, big);
  t.is((await h.stat(dir))?.type, 'directory');
  t.is((await h.stat(big))?.size, 70_000);
  const before = sent.length;
  t.is((await h.read(big))?.length, 70_000);
  t.is(sent.length, before + 1, 'a large file is read on its own');
  t.is((await h.read(join(dir, 'link')))?.length, 70_000, 'a link is read through, as before');
});
