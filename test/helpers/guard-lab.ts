/**
 * The lab side of the lockout-guard fault tests (test/e2e/faults-guard*.test.ts): the guarded
 * kinds, each with a change that locks the run's login out, how to see it is live and what must
 * come back byte for byte; running `hostforge apply --json` with a hook when a guard is armed;
 * holding the run's NEW-login probe back (a connlimit rule in the host's netns drops a second
 * SSH connection's SYN) so that a fault lands inside the window whatever the machine's load.
 */
import type { ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, events } from './cli.js';
import { sshRun, type LabHost, type LabInfo } from './lab.js';
import { consoleRun, fingerprint, guardDirs, hostPid, timerPids } from './lab-console.js';

/** The guard window of every experiment (hostforge_lockout_guard_seconds). */
export const W = 8;
export const STATE = '/var/lib/hostforge';
let lab: LabInfo;
let h: LabHost;
let pub = '';
const dir = mkdtempSync(join(tmpdir(), 'hf-guard-'));

/** Use this lab's first host for everything below. */
export function useGuardLab(info: LabInfo): LabHost {
  lab = info;
  h = info.hosts[0] as LabHost;
  pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  return h;
}

export const veth = (x: LabHost): string => `hfx${lab.slot}v${lab.hosts.indexOf(x) + 1}`;
export const inHost = (path: string): string => `/proc/${hostPid(h)}/root${path}`;
export const read = (path: string): string => (existsSync(inHost(path)) ? readFileSync(inHost(path), 'utf8') : '');
export const iptablesS = (): string => spawnSync('ip', ['netns', 'exec', h.netns, 'iptables', '-S'], { encoding: 'utf8' }).stdout;
export const HOLD = ['INPUT', '-p', 'tcp', '--dport', '22', '--syn', '-m', 'connlimit', '--connlimit-above', '1', '-j', 'DROP'];
export const nsIptables = (op: '-I' | '-D', rule: string[]): void => void spawnSync('ip', ['netns', 'exec', h.netns, 'iptables', op, ...rule]);

export interface Kind {
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

export const KINDS: Kind[] = [
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

export function playbook(name: string, tasks: string, vars = ''): string {
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, `- hosts: node1\n  gather_facts: false\n  vars:\n    hostforge_lockout_guard_seconds: ${W}\n    lab_pub: "${pub}"\n${vars}  tasks:\n${tasks}`);
  return path;
}
export const lockoutTask = (k: Kind, extra = ''): string => `    - name: lockout ${k.name}\n${k.task}${extra}`;

export interface Run {
  code: number;
  out: string;
}

/** Start `hostforge apply --json`; `onArmed(guardDir)` is called once a guard is armed on the host. */
export function apply(pb: string, onArmed?: (guard: string, child: ReturnType<typeof spawn>) => void, extra: string[] = []): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'apply', pb, '-i', lab.inventoryPath, '--json', ...extra], { cwd: REPO, env: { ...process.env, CI: '1', SSH_AUTH_SOCK: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
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

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
  return Date.now();
}
export const loginWorks = async (): Promise<boolean> => (await sshRun(lab, h, 'true', { timeoutMs: 8000 })).code === 0;

export function snapshot(k: Kind): string {
  return `${fingerprint(h, k.files)}\n${k.state?.() ?? ''}`;
}

/** Back to a clean host after a test that may have failed half-way. */
export function clean(): void {
  nsIptables('-D', HOLD);
  spawnSync('ip', ['link', 'set', 'dev', veth(h), 'up']);
}

/** After a guard fired on the host: no guard left armed, no timer, and the next run reports it once. */
export const NOOP = '    - name: noop\n      command: "true"\n';

/** The guard's timer dies (the host went down): SIGKILL to its process group, inside the host. */
export function killTimer(guard: string): void {
  const pid = /^pid=(\d+)$/m.exec(read(`${guard}/meta`))?.[1];
  if (!pid) throw new Error(`no timer pid in ${guard}/meta`);
  consoleRun(h, `kill -s KILL -- -${pid}`);
}

/** Run `lockout` until its change is live, then SIGKILL the bastion and the host's timer (a crash of both). */
export async function crashInsideWindow(k: Kind, pb: string): Promise<string> {
  nsIptables('-I', HOLD);
  let guard = '';
  try {
    await apply(pb, (g, child) => {
      guard = g;
      const t0 = Date.now();
      const hit = (): void => {
        if (!k.live(0) && Date.now() - t0 < 6000) return void setTimeout(hit, 50);
        child.kill('SIGKILL');
        killTimer(g);
      };
      hit();
    });
  } finally {
    nsIptables('-D', HOLD);
  }
  if (!guard) throw new Error('no guard was armed');
  return guard;
}

export async function reportedOnce(t: ExecutionContext, k: Kind): Promise<void> {
  t.deepEqual(timerPids(h), [], 'no timer process is left on the host');
  const pb = playbook('noop', NOOP);
  const next = await apply(pb);
  t.is(next.code, 0, next.out.slice(-2000));
  const warned = events(next.out).filter((e) => e.type === 'warning' && e.host === 'node1' && /rolled back on the host at /.test(e.msg ?? ''));
  t.is(warned.length, 1, next.out.slice(-2000));
  t.regex(warned[0]?.msg ?? '', new RegExp(`guard for lockout ${k.name}: no new login was confirmed in time`));
  t.deepEqual(guardDirs(h, STATE), [], 'the fired guard was archived');
  const again = await apply(pb);
  t.false(events(again.out).some((e) => e.type === 'warning' && /rolled back on the host/.test(e.msg ?? '')), 'reported once');
}
