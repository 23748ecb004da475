/**
 * The host side of the lockout guard, run for real by this machine's /bin/sh (DirHost) in a
 * private state directory: the timer restores by itself, disarm and rollback win the race
 * against it, the next run's sweep reports and archives fired guards and rolls back guards
 * whose timer is gone.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armGuard, type GuardSpec } from '../../../src/hoststate/guard.js';
import { sweepGuards } from '../../../src/hoststate/guard-sweep.js';
import { armScript, restoreScript } from '../../../src/hoststate/guard-script.js';
import { TaskError } from '../../../src/errors.js';
import { guardSeconds } from '../../../src/modules/support/guard.js';
import { DirHost } from '../edit/local-hosts.js';

interface World {
  dir: string;
  state: string;
  host: DirHost;
  f: string;
  missing: string;
  marker: string;
  spec: (seconds: number) => GuardSpec;
}

function world(): World {
  const dir = mkdtempSync(join(tmpdir(), 'hf-guard-'));
  const state = join(dir, 'state');
  const f = join(dir, 'pam-sshd');
  const missing = join(dir, 'not-there-before');
  const marker = join(dir, 'reloaded');
  writeFileSync(f, 'account required pam_unix.so\n', { mode: 0o640 });
  const host = new DirHost();
  (host.vars as Record<string, unknown>).hostforge_state_dir = state;
  const spec = (seconds: number): GuardSpec => ({ label: 'pam: deny everyone', files: [f, missing], seconds, stateDir: state, reload: [['touch', marker]] });
  return { dir, state, host, f, missing, marker, spec };
}

function timerAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the timer restores the files and restarts by itself; the sweep reports it once and archives it', async (t) => {
  const w = world();
  try {
    const g = await armGuard(w.host, w.spec(1));
    t.true(timerAlive(g.pid));
    t.is((readdirSync(w.state).length), 1);
    writeFileSync(w.f, 'account required pam_deny.so\n');
    writeFileSync(w.missing, 'new\n');
    await sleep(2500);
    t.is(readFileSync(w.f, 'utf8'), 'account required pam_unix.so\n');
    t.is((readFileSync(w.f).length, (await w.host.stat(w.f))?.mode), '0640');
    t.false(existsSync(w.missing), 'a file that did not exist is removed again');
    t.true(existsSync(w.marker), 'the service was restarted');
    t.true(existsSync(join(g.dir, 'fired')));

    const warnings: string[] = [];
    const check = await sweepGuards(w.host, { check: true, warn: (m) => warnings.push(m) });
    t.is(check.length, 1);
    t.true(existsSync(g.dir), 'check mode archives nothing');
    const swept = await sweepGuards(w.host, { check: false, warn: (m) => warnings.push(m) });
    t.is(swept.length, 1);
    t.regex(warnings[1] ?? '', /^rolled back on the host at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(guard for pam: deny everyone: no new login was confirmed in time\)$/);
    t.false(existsSync(g.dir));
    t.is(readdirSync(join(w.state, 'archive')).length, 1);
    t.deepEqual(await sweepGuards(w.host, { check: false, warn: () => undefined }), [], 'reported once');
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('disarm cancels the timer and removes the guard; the change stays', async (t) => {
  const w = world();
  try {
    const g = await armGuard(w.host, w.spec(2));
    writeFileSync(w.f, 'changed\n');
    t.deepEqual(await g.disarm(), { state: 'cancelled' });
    await sleep(200);
    t.false(timerAlive(g.pid), 'the timer is gone');
    t.deepEqual(readdirSync(w.state), []);
    await sleep(2500);
    t.is(readFileSync(w.f, 'utf8'), 'changed\n');
    t.false(existsSync(w.marker));
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('rollback restores now (no restart: the caller does that) and stops the timer; after the timer fired it says so', async (t) => {
  const w = world();
  try {
    const g = await armGuard(w.host, w.spec(30));
    writeFileSync(w.f, 'changed\n');
    writeFileSync(w.missing, 'x');
    t.deepEqual(await g.rollback(), { state: 'restored' });
    t.is(readFileSync(w.f, 'utf8'), 'account required pam_unix.so\n');
    t.false(existsSync(w.missing));
    t.false(existsSync(w.marker));
    await sleep(200);
    t.false(timerAlive(g.pid));
    t.deepEqual(readdirSync(w.state), []);

    const late = await armGuard(w.host, w.spec(1));
    await sleep(2000);
    const r = await late.rollback();
    t.is(r.state, 'fired');
    const d = await late.disarm().catch((e: unknown) => e);
    t.true(d instanceof TaskError || (d as { state?: string }).state === 'fired');
    t.deepEqual(readdirSync(w.state).filter((n) => n.startsWith('guard.')), [], 'archived');
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('a guard whose timer is gone (a reboot) is rolled back by the next real run, only reported by a check run', async (t) => {
  const w = world();
  try {
    const g = await armGuard(w.host, w.spec(5));
    process.kill(-g.pid, 'SIGKILL');
    writeFileSync(w.f, 'account required pam_deny.so\n');
    // Still inside its window: a live run may be about to confirm it; left alone.
    t.deepEqual(await sweepGuards(w.host, { check: false, warn: () => undefined }), []);
    const meta = readFileSync(join(g.dir, 'meta'), 'utf8').replace(/^armed_at=\d+/m, 'armed_at=1000');
    writeFileSync(join(g.dir, 'meta'), meta);
    const warnings: string[] = [];
    const c = await sweepGuards(w.host, { check: true, warn: (m) => warnings.push(m) });
    t.is(c[0]?.state, 'stale');
    t.regex(warnings[0] ?? '', /still armed but its timer is gone/);
    t.is(readFileSync(w.f, 'utf8'), 'account required pam_deny.so\n', 'check mode changes nothing');
    const a = await sweepGuards(w.host, { check: false, warn: (m) => warnings.push(m) });
    t.is(a[0]?.state, 'fired');
    t.regex(warnings[1] ?? '', /^rolled back on the host at .* \(guard for pam: deny everyone: no timer left/);
    t.is(readFileSync(w.f, 'utf8'), 'account required pam_unix.so\n');
    t.true(existsSync(w.marker));
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('snapshots are restored by their own commands', async (t) => {
  const w = world();
  try {
    const live = join(w.dir, 'live-table');
    writeFileSync(live, 'old rules\n');
    const g = await armGuard(w.host, { ...w.spec(30), files: [], snapshots: [['cat', live]], restoreState: [`cat "$D/s0" > '${live}'`] });
    writeFileSync(live, 'DROP everything\n');
    t.deepEqual(await g.rollback(), { state: 'restored' });
    t.is(readFileSync(live, 'utf8'), 'old rules\n');
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('a failed arm leaves nothing behind', async (t) => {
  const w = world();
  try {
    await t.throwsAsync(armGuard(w.host, { ...w.spec(30), snapshots: [['false']] }), { instanceOf: TaskError, message: /could not arm/ });
    t.deepEqual(readdirSync(w.state), []);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

test('the window variable', (t) => {
  t.is(guardSeconds({ vars: {} }), 60);
  t.is(guardSeconds({ vars: { hostforge_lockout_guard_seconds: '8' } }), 8);
  t.is(guardSeconds({ vars: { hostforge_lockout_guard_seconds: 8 } }, 20), 20);
  for (const bad of [0, 4, 3601, 'soon', 7.5]) {
    t.throws(() => guardSeconds({ vars: { hostforge_lockout_guard_seconds: bad } }), { instanceOf: TaskError, message: /hostforge_lockout_guard_seconds/ });
  }
});

test('a restore that fails on the host is reported with its exit status and log', async (t) => {
  const w = world();
  try {
    const g = await armGuard(w.host, { ...w.spec(1), reload: [['sh', '-c', 'echo cannot restart >&2; exit 3']] });
    writeFileSync(w.f, 'account required pam_deny.so\n');
    await sleep(2500);
    t.is(readFileSync(join(g.dir, 'restore_rc'), 'utf8').trim(), '1');
    t.is(readFileSync(w.f, 'utf8'), 'account required pam_unix.so\n', 'the files are back even so');
    const warnings: string[] = [];
    const swept = await sweepGuards(w.host, { check: false, warn: (m) => warnings.push(m) });
    t.is(swept[0]?.restoreExit, '1');
    const archived = join(w.state, 'archive', g.dir.replace(/^.*\//, ''));
    t.regex(warnings[0] ?? '', new RegExp(`no new login was confirmed in time\\); restoring failed \\(exit 1\\): see ${archived}/restore\\.log$`));
    t.regex(readFileSync(join(archived, 'restore.log'), 'utf8'), /cannot restart/);
  } finally {
    rmSync(w.dir, { recursive: true, force: true });
  }
});

/** The arm script as a host with systemd would run it, with a stand-in systemd-run first on PATH. */
function armUnderSystemd(w: World, fake: string): { dir: string; pid: number; log: string } {
  const bin = join(w.dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'systemd-run'), `#!/bin/sh\necho "$*" >> ${join(w.dir, 'systemd-run.log')}\n${fake}\n`, { mode: 0o755 });
  const script = armScript(w.spec(1)).replace('[ -d /run/systemd/system ]', 'true');
  const r = spawnSync('sh', ['-c', script], { input: restoreScript(w.spec(1)), encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` } });
  const m = /^(\/\S+) (\d+)\s*$/.exec(r.stdout);
  if (r.status !== 0 || !m) throw new Error(`arm failed: ${r.stderr}`);
  const log = existsSync(join(w.dir, 'systemd-run.log')) ? readFileSync(join(w.dir, 'systemd-run.log'), 'utf8') : '';
  return { dir: m[1] as string, pid: Number(m[2]), log };
}

test('under systemd the timer gets its own scope; a systemd-run that fails falls back to setsid', async (t) => {
  for (const [fake, via] of [['while [ "$1" != -- ]; do shift; done; shift; exec "$@"', 'scope'], ['exit 1', 'fallback']] as const) {
    const w = world();
    try {
      const g = armUnderSystemd(w, fake);
      t.regex(g.log, /^--scope --quiet --collect --unit=hostforge-guard-\S+ -- setsid sh -c /, via);
      t.true(timerAlive(g.pid), via);
      writeFileSync(w.f, 'account required pam_deny.so\n');
      await sleep(2500);
      t.is(readFileSync(w.f, 'utf8'), 'account required pam_unix.so\n', `${via}: the timer restored`);
      t.is(readFileSync(join(g.dir, 'restore_rc'), 'utf8').trim(), '0');
    } finally {
      rmSync(w.dir, { recursive: true, force: true });
    }
  }
});
