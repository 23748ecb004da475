/**
 * Lockout guards under faults, on real lab hosts (issue #8, "Lockouts"). For every guarded kind
 * (sshd_config `AllowUsers nobody`, `pam_deny.so` in sshd's account stack, nsswitch without
 * `files`, the login key removed, a DROP of tcp/22, the login account's shell set to /bin/false),
 * with an 8 s window:
 *  (a) a run that locks out is rolled back: exit 2, a new login works, the files are byte for byte;
 *  (b) the bastion SIGKILLed inside the window: the host restores itself within the window, a NEW
 *      login works, the files and the live state are the old ones, the next run reports
 *      "rolled back on the host" once;
 *  (c) the link cut inside the window: the same, and the run ends unreachable (exit 4);
 *  (d) good changes are confirmed and disarmed: no guard directory, no timer, the changes stay;
 *  (e) `lockout_guard: false` really skips the guard (the host stays locked out).
 * The host is watched through /proc/PID/root and nsenter (an out-of-band console), never through
 * SSH, which the change cuts. In (b) and (c) the run's NEW-login probe is held back by a
 * connlimit rule in the host's netns (a second SSH connection's SYN is dropped), so the fault
 * lands inside the window whatever the machine's load; the DROP of tcp/22 holds it by itself.
 */
import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, events } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';
import { consoleRun, fingerprint, guardDirs, hostPid, timerPids } from '../helpers/lab-console.js';

const LAB = 'guardfaults';
const W = 8;
const STATE = '/var/lib/hostforge';
let lab: LabInfo;
let h: LabHost;
let skip: string | undefined;
let pub = '';
const dir = mkdtempSync(join(tmpdir(), 'hf-guard-'));

const veth = (x: LabHost): string => `hfx${lab.slot}v${lab.hosts.indexOf(x) + 1}`;
const inHost = (path: string): string => `/proc/${hostPid(h)}/root${path}`;
const read = (path: string): string => (existsSync(inHost(path)) ? readFileSync(inHost(path), 'utf8') : '');
const iptablesS = (): string => spawnSync('ip', ['netns', 'exec', h.netns, 'iptables', '-S'], { encoding: 'utf8' }).stdout;
const HOLD = ['INPUT', '-p', 'tcp', '--dport', '22', '--syn', '-m', 'connlimit', '--connlimit-above', '1', '-j', 'DROP'];
const nsIptables = (op: '-I' | '-D', rule: string[]): void => void spawnSync('ip', ['netns', 'exec', h.netns, 'iptables', op, ...rule]);

interface Kind {
  name: string;
  /** The task's module and arguments (YAML, indented for a task). */
  task: string;
  /** Files that must come back byte for byte (mode and owner too). */
  files: string[];
  /** Live state beside the files. */
  state?: () => string;
  /** The locking change is in effect on the host (`since`: epoch seconds of the arming). */
  live: (since: number) => boolean;
  /** The change itself holds the probe back (no connlimit needed). */
  holds?: boolean;
}

const KINDS: Kind[] = [
  {
    name: 'sshd_config',
    task: '      sshd_config:\n        settings:\n          AllowUsers: nobody\n',
    files: ['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d'],
    state: () => consoleRun(h, "sshd -T | grep -i '^allowusers' || true").stdout,
    // Written, and sshd restarted (its pid file is newer than the arming).
    live: (since) => /AllowUsers nobody/.test(read('/etc/ssh/sshd_config') + readdirSafe('/etc/ssh/sshd_config.d')) && mtime('/run/sshd.pid') >= since,
  },
  {
    name: 'pam',
    task: '      pam:\n        service: sshd\n        type: account\n        control: required\n        module: pam_deny.so\n        after: pam_nologin.so\n',
    files: ['/etc/pam.d/sshd'],
    live: () => read('/etc/pam.d/sshd').includes('pam_deny.so'),
  },
  {
    name: 'nsswitch',
    task: '      nsswitch:\n        database: passwd\n        sources: [nis]\n',
    files: ['/etc/nsswitch.conf'],
    live: () => /^passwd:\s+nis\s*$/m.test(read('/etc/nsswitch.conf')),
  },
  {
    name: 'authorized_key',
    task: '      authorized_key:\n        user: root\n        key: "{{ lab_pub }}"\n        state: absent\n',
    files: ['/root/.ssh/authorized_keys'],
    live: () => !read('/root/.ssh/authorized_keys').includes(pub.split(' ')[1] ?? '?'),
  },
  {
    name: 'iptables',
    task: '      iptables:\n        chain: INPUT\n        position: top\n        rules:\n          - "-p tcp --dport 22 -j DROP"\n',
    files: ['/etc/iptables/rules.v4'],
    state: iptablesS,
    live: () => /--dport 22 -j DROP/.test(iptablesS()),
    holds: true,
  },
  {
    name: 'user',
    task: '      user:\n        name: root\n        shell: /bin/false\n',
    files: ['/etc/passwd', '/etc/shadow', '/etc/group', '/etc/gshadow'],
    live: () => /^root:.*:\/bin\/false$/m.test(read('/etc/passwd')),
  },
];

function readdirSafe(path: string): string {
  return existsSync(inHost(path)) ? readdirSync(inHost(path)).map((f) => read(`${path}/${f}`)).join('\n') : '';
}
function mtime(path: string): number {
  const r = consoleRun(h, `stat -c %Y ${path} 2>/dev/null || echo 0`);
  return Number(r.stdout.trim());
}

function playbook(name: string, tasks: string, vars = ''): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `- hosts: node1\n  gather_facts: false\n  vars:\n    hostforge_lockout_guard_seconds: ${W}\n    lab_pub: "${pub}"\n${vars}  tasks:\n${tasks}`);
  return path;
}
const lockoutTask = (k: Kind, extra = ''): string => `    - name: lockout ${k.name}\n${k.task}${extra}`;

interface Run {
  code: number;
  out: string;
}

/** Start `hostforge apply --json`; `onArmed(guardDir)` is called once a guard is armed on the host. */
function apply(pb: string, onArmed?: (guard: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'apply', pb, '-i', lab.inventoryPath, '--json'], { cwd: REPO, env: { ...process.env, CI: '1', SSH_AUTH_SOCK: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => out.push(b));
  let seen = false;
  const poll = setInterval(() => {
    if (seen || !onArmed) return;
    const g = guardDirs(h, STATE).find((d) => existsSync(inHost(`${d}/armed`)));
    if (g) {
      seen = true;
      onArmed(g, child);
    }
  }, 50);
  const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  return new Promise((resolve) =>
    child.on('close', (c) => {
      clearInterval(poll);
      clearTimeout(killer);
      resolve({ code: c ?? 137, out: Buffer.concat(out).toString() });
    }),
  );
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now();
}
const loginWorks = async (): Promise<boolean> => (await sshRun(lab, h, 'true', { timeoutMs: 8000 })).code === 0;

function snapshot(k: Kind): string {
  return `${fingerprint(h, k.files)}\n${k.state?.() ?? ''}`;
}

/** Back to a clean host after a test that may have failed half-way. */
function clean(): void {
  nsIptables('-D', HOLD);
  spawnSync('ip', ['link', 'set', 'dev', veth(h), 'up']);
}

/** After a guard fired on the host: no guard left armed, no timer, and the next run reports it once. */
async function reportedOnce(t: ExecutionContext, k: Kind): Promise<void> {
  t.deepEqual(timerPids(h), [], 'no timer process is left on the host');
  const pb = playbook('noop', '    - name: noop\n      command: "true"\n');
  const next = await apply(pb);
  t.is(next.code, 0, next.out.slice(-2000));
  const warned = events(next.out).filter((e) => e.type === 'warning' && e.host === 'node1' && /rolled back on the host at /.test(e.msg ?? ''));
  t.is(warned.length, 1, next.out.slice(-2000));
  t.regex(warned[0]?.msg ?? '', new RegExp(`guard for lockout ${k.name}: no new login was confirmed in time`));
  t.deepEqual(guardDirs(h, STATE), [], 'the fired guard was archived');
  const again = await apply(pb);
  t.false(events(again.out).some((e) => e.type === 'warning' && /rolled back on the host/.test(e.msg ?? '')), 'reported once');
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 1);
  h = lab.hosts[0] as LabHost;
  pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
});
test.after.always(async () => {
  if (!skip) {
    clean();
    await stopLab(LAB);
  }
});

for (const k of KINDS) {
  test.serial(`(a) ${k.name}: a run that locks out is rolled back at once: exit 2, reachable, byte for byte`, async (t) => {
    if (skip) return t.pass(skip);
    clean();
    const before = snapshot(k);
    const t0 = Date.now();
    const r = await apply(playbook(`a-${k.name}`, lockoutTask(k)));
    t.is(r.code, 2, r.out.slice(-2000));
    const failed = events(r.out).find((e) => e.type === 'task_result' && e.status === 'failed');
    t.regex(failed?.msg ?? '', /lockout guard: .*rolled back/);
    t.true(await loginWorks(), 'a new login works');
    t.is(snapshot(k), before);
    t.deepEqual(guardDirs(h, STATE), []);
    t.deepEqual(timerPids(h), []);
    t.log(`${k.name}: rolled back in ${((Date.now() - t0) / 1000).toFixed(1)} s (exit ${r.code})`);
  });
}

for (const fault of ['SIGKILL', 'link cut'] as const) {
  for (const k of KINDS) {
    test.serial(`(${fault === 'SIGKILL' ? 'b' : 'c'}) ${k.name}: ${fault} inside the window: the host restores itself and is reachable`, async (t) => {
      if (skip) return t.pass(skip);
      clean();
      const before = snapshot(k);
      if (!k.holds) nsIptables('-I', HOLD);
      let armedAt = 0;
      let faultAt = 0;
      let guard = '';
      let refused = '';
      const run = apply(playbook(`${fault === 'SIGKILL' ? 'b' : 'c'}-${k.name}`, lockoutTask(k)), (g, child) => {
        guard = g;
        armedAt = Date.now();
        const since = Number(/armed_at=(\d+)/.exec(read(`${g}/meta`))?.[1] ?? 0);
        const hit = (): void => {
          if (faultAt !== 0) return;
          if (!k.live(since) && Date.now() - armedAt < 6000) return void setTimeout(hit, 50);
          faultAt = Date.now();
          if (fault === 'SIGKILL') child.kill('SIGKILL');
          else spawnSync('ip', ['link', 'set', 'dev', veth(h), 'down']);
        };
        hit();
      });
      await until('the fault', () => faultAt !== 0, 60_000);
      t.true(faultAt - armedAt < W * 1000, `the fault landed ${faultAt - armedAt} ms after arming`);
      if (fault === 'SIGKILL') {
        await run;
        if (!k.holds) nsIptables('-D', HOLD);
        // Still inside the window: the lockout is real (a new login is refused).
        if (Date.now() - armedAt < (W - 3) * 1000) {
          t.false((await sshRun(lab, h, 'true', { timeoutMs: 2000 })).code === 0, 'locked out inside the window');
          refused = ` (a new login refused ${((Date.now() - armedAt) / 1000).toFixed(1)} s after arming)`;
        }
      }
      const restoredAt = await until('the host to restore itself', () => existsSync(inHost(`${guard}/restore_rc`)), (W + 20) * 1000);
      const took = (restoredAt - armedAt) / 1000;
      t.true(took <= W + 3, `restored ${took.toFixed(1)} s after arming (window ${W} s)`);
      t.true(existsSync(inHost(`${guard}/fired`)), 'the timer claimed the guard');
      let code = 137;
      if (fault === 'link cut') {
        code = (await run).code;
        if (!k.holds) nsIptables('-D', HOLD);
        spawnSync('ip', ['link', 'set', 'dev', veth(h), 'up']);
        t.is(code, 4, 'the run ends unreachable');
      }
      await until('a new login', loginWorks, 20_000);
      t.is(snapshot(k), before);
      t.is(read(`${guard}/restore_rc`).trim(), '0', `restore.sh succeeded: ${read(`${guard}/restore.log`)}`);
      await reportedOnce(t, k);
      t.log(`${k.name}: ${fault} ${((faultAt - armedAt) / 1000).toFixed(1)} s after arming; restored by the host ${took.toFixed(1)} s after arming${refused}${fault === 'link cut' ? `; run exit ${code}` : ''}`);
    });
  }
}

test.serial('(d) good changes of every kind are confirmed and disarmed: no guard, no timer, the changes stay', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'extra', '-f', join(dir, 'extra')]);
  const extra = readFileSync(join(dir, 'extra.pub'), 'utf8').trim();
  const tasks = [
    '    - name: good sshd_config\n      sshd_config:\n        settings:\n          MaxAuthTries: 5\n',
    '    - name: good pam\n      pam:\n        service: sshd\n        type: account\n        control: optional\n        module: pam_permit.so\n        after: pam_nologin.so\n',
    '    - name: good nsswitch\n      nsswitch:\n        database: netgroup\n        sources: [files]\n',
    `    - name: good authorized_key\n      authorized_key:\n        user: root\n        key: "${extra}"\n`,
    '    - name: good iptables\n      iptables:\n        chain: INPUT\n        rules:\n          - "-p tcp --dport 2222 -j ACCEPT"\n',
    '    - name: good user\n      user:\n        name: root\n        comment: hostforge guard test\n',
  ].join('');
  const t0 = Date.now();
  const r = await apply(playbook('d-good', tasks));
  t.is(r.code, 0, r.out.slice(-3000));
  t.is(events(r.out).filter((e) => e.type === 'task_result' && e.status === 'changed').length, 6, r.out.slice(-3000));
  t.deepEqual(guardDirs(h, STATE), [], 'every guard was disarmed');
  t.deepEqual(timerPids(h), [], 'no timer left');
  await sleep((W + 3) * 1000);
  t.deepEqual(guardDirs(h, STATE), []);
  t.regex(consoleRun(h, 'sshd -T').stdout, /^maxauthtries 5$/m);
  t.regex(read('/etc/pam.d/sshd'), /account\s+optional\s+pam_permit\.so/);
  t.regex(read('/etc/nsswitch.conf'), /^netgroup:\s+files$/m);
  t.true(read('/root/.ssh/authorized_keys').includes(extra));
  t.regex(iptablesS(), /--dport 2222 -j ACCEPT/);
  t.regex(read('/etc/passwd'), /^root:x:0:0:hostforge guard test:/m);
  t.true(await loginWorks());
  const again = await apply(playbook('d-good', tasks));
  t.is(again.code, 0);
  t.false(events(again.out).some((e) => e.type === 'task_result' && e.status === 'changed'), 'the second run changes nothing');
  t.log(`six guarded changes confirmed in ${((Date.now() - t0) / 1000 - W - 3).toFixed(1)} s`);
});

test.serial('(e) lockout_guard: false really skips the guard: exit 0 and the host stays locked out', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  const pam = KINDS.find((k) => k.name === 'pam') as Kind;
  const before = read('/etc/pam.d/sshd');
  const r = await apply(playbook('e-optout', lockoutTask(pam, '        lockout_guard: false\n')));
  t.is(r.code, 0, r.out.slice(-2000));
  t.deepEqual(guardDirs(h, STATE), [], 'no guard was armed');
  t.deepEqual(timerPids(h), []);
  await sleep((W + 2) * 1000);
  t.false(await loginWorks(), 'still locked out after the window');
  // Repair through the console, as an operator would.
  writeFileSync(inHost('/etc/pam.d/sshd'), before);
  t.true(await loginWorks());
});
