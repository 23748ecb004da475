/**
 * The write script, run by the local /bin/sh in a scratch directory: content from stdin,
 * a private temp file beside the target, planted links never followed, stale temp files of
 * our naming removed (all of them under the run lock, old ones only without it), nothing
 * left behind after a failed validate.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VALIDATE_FAILED, writeScript } from '../../../src/transport/write-script.js';
import type { WriteOptions } from '../../../src/modules/types.js';

function run(script: string, stdin: string | Buffer): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('/bin/sh', ['-c', script], { input: stdin });
  return { code: r.status ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

const scratch = (): string => mkdtempSync(join(tmpdir(), 'hf-ws-'));
const ago = (p: string, minutes: number): void => {
  const t = Date.now() / 1000 - minutes * 60;
  utimesSync(p, t, t);
};

test('content from stdin lands atomically with the asked mode; no temp file remains', (t) => {
  const d = scratch();
  const p = join(d, 'app.conf');
  const big = Buffer.alloc(3 * 1024 * 1024, 'x');
  const r = run(writeScript(p, { mode: '0640' }), big);
  t.is(r.code, 0, r.stderr);
  t.true(readFileSync(p).equals(big));
  t.is((statSync(p).mode & 0o777).toString(8), '640');
  t.deepEqual(readdirSync(d), ['app.conf']);
});

test('a new file without a mode is 0644, an existing one keeps its mode', (t) => {
  const d = scratch();
  const p = join(d, 'n.conf');
  t.is(run(writeScript(p, {}), 'a\n').code, 0);
  t.is((statSync(p).mode & 0o777).toString(8), '644');
  spawnSync('chmod', ['600', p]);
  t.is(run(writeScript(p, {}), 'b\n').code, 0);
  t.is((statSync(p).mode & 0o777).toString(8), '600');
  t.is(readFileSync(p, 'utf8'), 'b\n');
});

const cases: { title: string; exclusive: boolean; files: [string, number][]; left: string[] }[] = [
  {
    title: 'under the run lock every temp file of our naming goes; a recent one of the old naming stays',
    exclusive: true,
    files: [['.t.hostforge-AbCdEf0123', 0], ['.t.hostforge-ZZZZZZZZZZ', 30], ['.t.hostforge-0123456789ab', 30], ['.t.hostforge-ffffffffffff', 0]],
    left: ['.t.hostforge-ffffffffffff', 't'],
  },
  {
    title: 'without the lock only temp files older than 5 minutes go',
    exclusive: false,
    files: [['.t.hostforge-AbCdEf0123', 0], ['.t.hostforge-ZZZZZZZZZZ', 30], ['.t.hostforge-0123456789ab', 30]],
    left: ['.t.hostforge-AbCdEf0123', 't'],
  },
  {
    title: 'files that merely look alike are not ours and stay',
    exclusive: true,
    files: [['.t.hostforge-short', 30], ['.t.hostforge-ghijklmnopqr', 30], ['.other.hostforge-AbCdEf0123', 30], ['t.hostforge-AbCdEf0123', 30]],
    left: ['.other.hostforge-AbCdEf0123', '.t.hostforge-ghijklmnopqr', '.t.hostforge-short', 't', 't.hostforge-AbCdEf0123'],
  },
];

for (const c of cases) {
  test(c.title, (t) => {
    const d = scratch();
    for (const [name, age] of c.files) {
      writeFileSync(join(d, name), 'partial');
      ago(join(d, name), age);
    }
    const r = run(writeScript(join(d, 't'), {}, { exclusive: c.exclusive }), 'new\n');
    t.is(r.code, 0, r.stderr);
    t.deepEqual(readdirSync(d).sort(), c.left.sort());
  });
}

test('a planted symlink of our naming is removed, never followed', (t) => {
  const d = scratch();
  const victim = join(d, 'victim');
  writeFileSync(victim, 'victim\n');
  symlinkSync(victim, join(d, '.t.hostforge-AAAAAAAAAA'));
  const r = run(writeScript(join(d, 't'), {}, { exclusive: true }), 'new\n');
  t.is(r.code, 0, r.stderr);
  t.is(readFileSync(victim, 'utf8'), 'victim\n');
  t.false(readdirSync(d).includes('.t.hostforge-AAAAAAAAAA'));
});

test('a failed validate keeps the old file, prints the validator, leaves no temp file', (t) => {
  const d = scratch();
  const p = join(d, 'v.conf');
  writeFileSync(p, 'old\n');
  const opts: WriteOptions = { validate: 'sh -c "echo nope: $(cat %s) >&2; exit 1"' };
  const r = run(writeScript(p, opts), 'bad\n');
  t.is(r.code, VALIDATE_FAILED);
  t.regex(r.stderr, /nope: bad/);
  t.is(readFileSync(p, 'utf8'), 'old\n');
  t.deepEqual(readdirSync(d), ['v.conf']);
});

test('validate sees the temp file with its final mode; backup keeps the old file', (t) => {
  const d = scratch();
  const p = join(d, 'k');
  writeFileSync(p, 'old\n');
  const seen = join(d, 'seen-mode');
  // The validator runs on the temp file before its rename: record its mode and type there.
  const r = run(writeScript(p, { mode: '0600', validate: `stat -c %a %s > ${seen}` }, { backup: join(d, 'k.bak~') }), 'secret\n');
  t.is(r.code, 0, r.stderr);
  t.is(readFileSync(seen, 'utf8').trim(), '600');
  t.is(readFileSync(join(d, 'k.bak~'), 'utf8'), 'old\n');
  t.regex(r.stdout, /BACKUP/);
  t.false(lstatSync(p).isSymbolicLink());
});

test('content that arrives cut short (stdin ended early) is never installed, and leaves no temp file', (t) => {
  const d = scratch();
  const p = join(d, 'big.bin');
  writeFileSync(p, 'old\n');
  const full = Buffer.alloc(256 * 1024, 'n');
  const r = run(writeScript(p, { mode: '0600' }, { bytes: full.length }), full.subarray(0, 100_000));
  t.not(r.code, 0);
  t.regex(r.stderr, /cut short \(100000 of 262144 bytes\)/);
  t.is(readFileSync(p, 'utf8'), 'old\n');
  t.deepEqual(readdirSync(d), ['big.bin']);
  const ok = run(writeScript(p, { mode: '0600' }, { bytes: full.length }), full);
  t.is(ok.code, 0, ok.stderr);
  t.true(readFileSync(p).equals(full));
});
