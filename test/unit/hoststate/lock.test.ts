/**
 * The run lock's pure parts and its host-side script, run by the local /bin/sh with flock(1)
 * in a scratch state directory: exclusive excludes everything, shared admits shared, a holder
 * that ends frees the lock, a waiter follows, the holder record is read back, the journal is
 * printed.
 */
import test from 'ava';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_BUSY, lockCommand } from '../../../src/hoststate/lock-script.js';
import { deadHere, describeHolder, maskedCommand, parseHolder, runEnded, runStarted, thisRun } from '../../../src/hoststate/lock-holder.js';
import { parseEntries } from '../../../src/hoststate/journal.js';
import { handlerNames } from '../../../src/engine/play-journal.js';

interface Run {
  child: ChildProcessWithoutNullStreams;
  out: string;
  ready: Promise<void>;
  code: Promise<number>;
}

const HOLDER = '{"user":"u","bastion":"b","pid":1,"started":"2026-01-01T00:00:00Z","command":"hostforge apply x","mode":"apply"}';

function start(dir: string, shared: boolean, waitSeconds = 0, more: { breakPids?: number[]; staleSeconds?: number } = {}): Run {
  const child = spawn('/bin/sh', ['-c', lockCommand({ shared, waitSeconds, holder: HOLDER, dir, ...more })]);
  const run = { child, out: '' } as Run;
  run.code = new Promise((r) => child.on('close', (c) => r(c ?? -1)));
  run.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      run.out += d.toString();
      if (run.out.includes('HF-READY\n')) resolve();
    });
    void run.code.then((c) => reject(new Error(`exit ${c}: ${run.out}`)));
  });
  run.ready.catch(() => undefined);
  return run;
}

const scratch = (): string => mkdtempSync(join(tmpdir(), 'hf-lock-'));

test('exclusive refuses a second run and names the holder; the end of stdin frees it', async (t) => {
  const d = scratch();
  const a = start(d, false);
  await a.ready;
  t.regex(a.out, new RegExp(`HF-LOCKED ${d}`));
  const b = start(d, false);
  t.is(await b.code, LOCK_BUSY);
  t.regex(b.out, /HF-BUSY\nHF-HOLDER \d+ \{"user":"u".*\nHF-END\n/);
  a.child.stdin.end();
  t.is(await a.code, 0);
  t.deepEqual(readdirSync(join(d, 'holders')), [], 'the holder record goes with the holder');
  const c = start(d, false);
  await c.ready;
  c.child.stdin.end();
  t.is(await c.code, 0);
});

test('a killed holder frees the lock; its stale record is not shown', async (t) => {
  const d = scratch();
  const a = start(d, false);
  await a.ready;
  // What sshd does when the bastion dies: the held command's stdin closes.
  a.child.kill('SIGKILL');
  await a.code;
  const b = start(d, false);
  await b.ready;
  t.notRegex(b.out, /HF-BUSY/);
  b.child.stdin.end();
  await b.code;
});

test('shared locks admit each other and exclude an exclusive one; a waiter follows', async (t) => {
  const d = scratch();
  const s1 = start(d, true);
  const s2 = start(d, true);
  await Promise.all([s1.ready, s2.ready]);
  const x = start(d, false);
  t.is(await x.code, LOCK_BUSY);
  t.is((x.out.match(/HF-HOLDER/g) ?? []).length, 2, 'both shared holders are named');
  const w = start(d, false, 10);
  setTimeout(() => {
    s1.child.stdin.end();
    s2.child.stdin.end();
  }, 300);
  await w.ready;
  t.regex(w.out, /HF-BUSY[\s\S]*HF-LOCKED/);
  w.child.stdin.end();
  t.is(await w.code, 0);
});

test('the journal is printed after the lock is taken', async (t) => {
  const d = scratch();
  writeFileSync(join(d, 'handlers.journal'), '{"handler":"restart app"}\n{"handler":"reload x"}\n');
  const a = start(d, false);
  await a.ready;
  t.regex(a.out, /HF-J \{"handler":"restart app"\}\nHF-J \{"handler":"reload x"\}\nHF-READY/);
  a.child.stdin.end();
  await a.code;
});

test('the holder record: extra vars masked, parsed back, described', (t) => {
  t.is(maskedCommand(['apply', 'site.yaml', '-e', 'pw=hunter2', '--extra-vars=a=1', '-eb=2', '--extra-vars', '@s.yaml']), 'hostforge apply site.yaml -e *** --extra-vars=*** -e*** --extra-vars ***');
  const h = thisRun('check', ['plan', 'x.yaml'], new Date('2026-01-01T00:00:00Z'));
  const back = parseHolder(JSON.stringify(h));
  t.deepEqual(back, h);
  t.regex(describeHolder(back, Date.parse('2026-01-01T00:01:00Z')), /^a --check run by .+@.+ \(pid \d+, since 2026-01-01T00:00:00.000Z, 60 s ago\): hostforge plan x.yaml$/);
  t.is(parseHolder('garbage'), 'garbage');
});

test('journal lines: a torn last line is skipped; handler names include role-less names and listen topics', (t) => {
  t.deepEqual(
    parseEntries(['{"handler":"a","play":"p","task":"t","at":"x","by":"y"}', '{"handler":"b"', '']).map((e) => e.handler),
    ['a'],
  );
  t.deepEqual([...handlerNames({ handlers: [{ name: 'web : restart nginx', listen: ['web config'] }] })].sort(), ['restart nginx', 'web : restart nginx', 'web config'].sort());
});

test('a holder named as dead is ended and the lock taken; a planted record of another process is never killed', async (t) => {
  const d = scratch();
  const a = start(d, false);
  await a.ready;
  const probe = start(d, false);
  t.is(await probe.code, LOCK_BUSY);
  const pid = Number(/HF-HOLDER (\d+) /.exec(probe.out)?.[1]);
  const b = start(d, false, 0, { breakPids: [pid] });
  await b.ready;
  t.regex(b.out, new RegExp(`HF-BROKE ${pid}\n(HF-BUSY[\\s\\S]*)?HF-LOCKED`));
  t.not(await a.code, 0, 'the dead holder was ended');
  b.child.stdin.end();
  t.is(await b.code, 0);
  // A holder record naming a process that is not a lock script: removed, the process left alone.
  const other = spawn('sleep', ['30']);
  writeFileSync(join(d, 'holders', String(other.pid)), `${HOLDER}\n`);
  const c = start(d, false, 0, { breakPids: [other.pid!] });
  await c.ready;
  t.notRegex(c.out, /HF-BROKE/);
  t.is(other.exitCode, null);
  t.true(other.kill());
  c.child.stdin.end();
  t.is(await c.code, 0);
});

test('without heartbeats the host frees the lock by itself (a cut link sshd never noticed)', async (t) => {
  const d = scratch();
  // stdin stays open and silent: what a host sees of a link cut without a FIN.
  const a = start(d, false, 0, { staleSeconds: 5 });
  await a.ready;
  const freed = await Promise.race([a.code.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 120_000))]);
  t.true(freed, 'the watchdog ended the silent holder');
  const b = start(d, false);
  await b.ready;
  t.notRegex(b.out, /HF-BUSY/);
  b.child.stdin.end();
  await b.code;
  // Heartbeats keep it: a holder that beats outlives several watchdog windows.
  const c = start(d, false, 0, { staleSeconds: 5 });
  await c.ready;
  const beat = setInterval(() => c.child.stdin.write('\n'), 1000);
  await new Promise((r) => setTimeout(r, 12_000));
  t.is(c.child.exitCode, null, 'a beating holder keeps its lock');
  const x = start(d, false);
  t.is(await x.code, LOCK_BUSY);
  clearInterval(beat);
  c.child.stdin.end();
  t.is(await c.code, 0);
});

test('dead holders: a finished run of this process, a gone process; never a live one or another bastion', (t) => {
  const h = thisRun('apply', ['apply', 'x.yaml']);
  runStarted(h);
  t.false(deadHere(h), 'a run of this process that is still going');
  runEnded(h);
  t.true(deadHere(h), 'the same run once over');
  t.false(deadHere({ ...h, run: undefined }), 'a record without a run id is taken as alive');
  t.false(deadHere({ ...h, bastion: `${hostname()}-other` }), 'another bastion');
  t.false(deadHere({ ...h, pid: process.ppid }), 'another live process of this bastion');
  const gone = spawn('true');
  const pid = gone.pid!;
  return new Promise<void>((resolve) =>
    gone.on('close', () => {
      t.true(deadHere({ ...h, pid }), 'a process that is gone');
      t.false(deadHere('not a record'));
      resolve();
    }),
  );
});
