/**
 * unarchive over this machine's /bin/sh, tar and unzip (LocalHost) in a private directory:
 * bastion and remote archives, tar.gz and zip, each unpacked once and then found in state.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { InputError } from '../../../src/errors.js';
import { archiveFormat, unarchiveModule, type UnarchiveArgs } from '../../../src/modules/unarchive.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { LocalHost } from '../../helpers/local-host.js';

function archives(): { dir: string; tgz: string; zip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'hf-unarchive-'));
  mkdirSync(join(dir, 'src', 'app', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'src', 'app', 'README'), 'hello\n');
  writeFileSync(join(dir, 'src', 'app', 'bin', 'run'), '#!/bin/sh\necho run\n', { mode: 0o755 });
  execFileSync('tar', ['-czf', join(dir, 'app.tar.gz'), '-C', join(dir, 'src'), 'app']);
  execFileSync('zip', ['-qr', join(dir, 'app.zip'), 'app'], { cwd: join(dir, 'src') });
  return { dir, tgz: join(dir, 'app.tar.gz'), zip: join(dir, 'app.zip') };
}

function ctxFor(file: string) {
  const base = fakeContext().ctx;
  return { ...base, readLocal: async (rel: string) => ({ path: file, data: readFileSync(file), rel }) };
}

async function twice(a: UnarchiveArgs, file: string): Promise<{ first: number; second: number }> {
  const host = new LocalHost();
  const ctx = ctxFor(file);
  const first = await unarchiveModule.plan(host, a, ctx);
  await unarchiveModule.apply(host, first, a, ctx);
  const second = await unarchiveModule.plan(host, a, ctx);
  return { first: first.length, second: second.length };
}

test('unarchive: formats by name', (t) => {
  t.deepEqual(archiveFormat('x.TGZ'), { kind: 'tar', flag: ['-z'] });
  t.deepEqual(archiveFormat('x.zip'), { kind: 'zip' });
  t.throws(() => archiveFormat('x.rar'), { instanceOf: InputError });
});

for (const kind of ['tgz', 'zip'] as const) {
  for (const where of ['bastion', 'remote'] as const) {
    test(`unarchive: ${kind} from the ${where}, then in state; a changed file is unpacked again`, async (t) => {
      const a = archives();
      const file = kind === 'tgz' ? a.tgz : a.zip;
      const dest = join(a.dir, 'dest');
      mkdirSync(dest);
      const args: UnarchiveArgs = { src: where === 'remote' ? file : basename(file), dest, ...(where === 'remote' ? { remote_src: true } : {}) };
      t.deepEqual(await twice(args, file), { first: 1, second: 0 });
      t.is(readFileSync(join(dest, 'app', 'README'), 'utf8'), 'hello\n');
      writeFileSync(join(dest, 'app', 'README'), 'drift\n');
      t.deepEqual(await twice(args, file), { first: 1, second: 0 });
      t.is(readFileSync(join(dest, 'app', 'README'), 'utf8'), 'hello\n');
    });
  }
}

test('unarchive: creates skips; dest must be a directory; list_files', async (t) => {
  const a = archives();
  const host = new LocalHost();
  const ctx = ctxFor(a.tgz);
  t.deepEqual(await unarchiveModule.plan(host, { src: 'app.tar.gz', dest: a.dir, creates: a.tgz }, ctx), []);
  await t.throwsAsync(unarchiveModule.plan(host, { src: 'app.tar.gz', dest: join(a.dir, 'nope') }, ctx), { message: /is not a directory/ });
  const dest = join(a.dir, 'd2');
  mkdirSync(dest);
  const args = { src: a.tgz, dest, remote_src: true, list_files: true };
  const r = await unarchiveModule.apply(host, await unarchiveModule.plan(host, args, ctx), args, ctx);
  t.true(((r as { files: string[] }).files).includes('app/bin/run'));
});
