/**
 * One run per host, nothing lost between runs — experiments on real lab hosts, each with a
 * pass/fail assertion (issue #8):
 * - two concurrent applies: the second is refused (exit 75) naming the holder, and changes
 *   nothing; every line and key of the first is there;
 * - with --wait-lock both complete, and every line and authorized_keys entry of both is there;
 * - a SIGKILLed run's lock frees itself: the next run starts at once; so does a run whose
 *   link was cut (the bastion knows that run is over); a holder of another bastion whose link
 *   was cut (the host never learns it) is freed by the host's watchdog within its window;
 * - --check runs share the lock with each other, never with an apply;
 * - SIGKILL right after a task notified a handler: the next --check lists the pending handler,
 *   the next apply runs it exactly once (a counter file on the host), a third run zero times.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';
import { labSshArgv } from '../../src/lab/index.js';
import { lockCommand, ROOT_STATE_DIR, STALE_SECONDS } from '../../src/hoststate/lock-script.js';
import { sleep, startRun, until, type Finished } from '../helpers/runs.js';

const LAB = 'flock';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-flock-'));
const keys: string[] = [];

const home = (h: LabHost): string => join(lab.stateDir, 'hosts', h.name, 'home');
const marker = (h: LabHost, name: string): string => join(home(h), name);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function sh(h: LabHost, cmd: string): Promise<string> {
  const r = await sshRun(lab, h, cmd);
  if (r.code !== 0) throw new Error(`${h.name}: ${cmd}: ${r.stderr}`);
  return r.stdout;
}

const apply = (play: string, ...more: string[]): string[] => ['apply', play, '-i', lab.inventoryPath, '--json', ...more];
const why = (r: Finished): string => `exit ${r.code} ${r.signal ?? ''}\n${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`;

/** Ports of the established SSH connections into a host (as seen from inside its namespace). */
function sshPeerPorts(h: LabHost): string[] {
  const ss = spawnSync('ip', ['netns', 'exec', h.netns, 'ss', '-Htn', 'state', 'established', '( sport = :22 )'], { encoding: 'utf8' });
  return [...new Set(ss.stdout.split('\n').map((l) => /:(\d+)\s*$/.exec(l.trim())?.[1]).filter((p): p is string => p !== undefined))];
}

/** iptables rules (for -I/-D) that drop these connections both ways, for good: their FIN never arrives. */
const dropRules = (ports: string[]): string[][] =>
  ports.flatMap((p) => [
    ['INPUT', '-p', 'tcp', '--dport', '22', '--sport', p, '-j', 'DROP'],
    ['OUTPUT', '-p', 'tcp', '--sport', '22', '--dport', p, '-j', 'DROP'],
  ]);
const iptables = (h: LabHost, op: '-I' | '-D', rules: string[][]): void => {
  for (const r of rules) spawnSync('ip', ['netns', 'exec', h.netns, 'iptables', op, ...r]);
};

/** A run that writes lines and authorized_keys entries of its own, after holding the hosts until /root/TAG-release appears (at most `hold_s` seconds). */
const WRITER = `- hosts: lab
  gather_facts: false
  tasks:
    - name: hold
      shell: "touch /root/{{tag}}-started; n=0; while [ ! -e /root/{{tag}}-release ] && [ $n -lt $(({{hold_s}} * 5)) ]; do sleep 0.2; n=$((n+1)); done"
    - name: the keys' user
      user: {name: lockops}
    - name: lines
      lineinfile: {path: /root/shared.txt, line: "{{tag}} {{item}}", create: true}
      loop: "{{lines}}"
    - name: keys
      authorized_key: {user: lockops, key: "{{item}}"}
      loop: "{{keys}}"
`;

function writerVars(tag: string, holdSeconds: number, keySlice: string[]): string {
  const lines = Array.from({ length: 15 }, (_, i) => `line-${i}`);
  return file(`${tag}.json`, JSON.stringify({ tag, hold_s: holdSeconds, lines, keys: keySlice }));
}

async function reset(): Promise<void> {
  await Promise.all(lab.hosts.map((h) => sh(h, 'rm -f /root/shared.txt /root/*-started /root/*-release /root/count /root/release /root/checked; userdel -r lockops 2>/dev/null; rm -f /var/lib/hostforge/handlers.journal; true')));
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 2);
  for (let i = 0; i < 20; i++) {
    const k = join(dir, `k${i}`);
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `lock-test-${i}`, '-f', k]);
    keys.push(readFileSync(`${k}.pub`, 'utf8').trim());
  }
  file('writer.yaml', WRITER);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

async function assertWrote(t: import('ava').ExecutionContext, tag: string, keySlice: string[]): Promise<void> {
  for (const h of lab.hosts) {
    const lines = (await sh(h, 'cat /root/shared.txt')).split('\n');
    const keysOnHost = await sh(h, 'cat ~lockops/.ssh/authorized_keys');
    const missing = Array.from({ length: 15 }, (_, i) => `${tag} line-${i}`).filter((l) => !lines.includes(l));
    t.deepEqual(missing, [], `${h.name}: lines of run ${tag} lost`);
    t.deepEqual(keySlice.filter((k) => !keysOnHost.includes(k)), [], `${h.name}: keys of run ${tag} lost`);
  }
}

test.serial('two concurrent applies: the second is refused with exit 75 naming the holder, nothing of the first is lost', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const a = startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('a', 120, keys.slice(0, 10))}`));
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'a-started'))), 120_000), 'run a holds the hosts');
  const b = await startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, keys.slice(10))}`)).done;
  await Promise.all(lab.hosts.map((h) => sh(h, 'touch /root/a-release')));
  t.is(b.code, 75, why(b));
  t.regex(b.stderr, new RegExp(`node1: locked by a run by \\S+@\\S+ \\(pid ${a.child.pid}, since [^)]+\\): hostforge apply \\S*writer.yaml -i \\S+ --json -e \\*\\*\\*`));
  t.regex(b.stderr, /node2: locked by a run by/);
  t.regex(b.stderr, /nothing was changed on any host/);
  t.false(lab.hosts.some((h) => existsSync(marker(h, 'b-started'))), 'the refused run ran no task');
  const ra = await a.done;
  t.is(ra.code, 0, why(ra));
  await assertWrote(t, 'a', keys.slice(0, 10));
  for (const h of lab.hosts) t.notRegex(await sh(h, 'cat /root/shared.txt'), /^b /m, 'the refused run wrote nothing');
});

test.serial('--wait-lock 120: both runs complete, one after the other, and every line and key of both is there', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const a = startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('a', 120, keys.slice(0, 10))}`, '--wait-lock', '120'));
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'a-started'))), 120_000));
  const b = startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, keys.slice(10))}`, '--wait-lock', '120'));
  // Once the second run's lock script waits on both hosts (a second hostforge-lock process), let the first go on.
  const waiting = async (h: LabHost): Promise<boolean> => Number((await sshRun(lab, h, 'pgrep -fc "[h]ostforge-lock"')).stdout.trim()) >= 2;
  t.true(await until(async () => (await Promise.all(lab.hosts.map(waiting))).every(Boolean), 120_000, 500), 'the second run queues on both hosts');
  await Promise.all(lab.hosts.map((h) => sh(h, 'touch /root/a-release')));
  const [ra, rb] = await Promise.all([a.done, b.done]);
  t.is(ra.code, 0, why(ra));
  t.is(rb.code, 0, why(rb));
  const waited = events(rb.stdout).filter((e) => e.type === 'warning' && /waiting up to 120 s for the run lock, held by a run by/.test(String(e.msg)));
  t.is(waited.length, 2, 'the second run says whom it waits for, per host');
  t.true(rb.endedAt >= ra.endedAt, 'the waiting run finished after the holder');
  await assertWrote(t, 'a', keys.slice(0, 10));
  await assertWrote(t, 'b', keys.slice(10));
  t.is(recapOf(rb.stdout).node1?.failed, 0);
});

test.serial('a SIGKILLed run frees its lock by itself: the next run starts at once', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const a = startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('a', 60, [])}`));
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'a-started')))));
  a.kill();
  const ka = await a.done;
  t.is(ka.signal, 'SIGKILL');
  const b = await startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, keys.slice(10, 12))}`)).done;
  t.is(b.code, 0, why(b));
  const took = (b.endedAt - ka.endedAt) / 1000;
  t.log(`next run done ${took.toFixed(1)} s after the kill`);
  t.true(took < 60, `the next run did not wait for the killed one's 60 s sleep (${took} s)`);
  await assertWrote(t, 'b', keys.slice(10, 12));
  for (const h of lab.hosts) t.is((await sh(h, 'ls /var/lib/hostforge/holders')).trim(), '', `${h.name}: no holder record is left`);
});

test.serial('a run whose link was cut leaves no lock behind: the next run of this bastion is not refused', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const n1 = lab.hosts[0]!;
  const a = startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('a', 30, [])}`));
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'a-started')))));
  // Cut exactly this run's connection to node1, in both directions, for good: its FIN never
  // arrives, so node1's sshd never learns the run ended (no ClientAliveInterval in the lab).
  const ports = sshPeerPorts(n1);
  t.true(ports.length > 0, 'the run is connected');
  const rules = dropRules(ports);
  iptables(n1, '-I', rules);
  try {
    const ra = await a.done;
    t.is(ra.code, 4, why(ra));
    t.regex(await sh(n1, 'ls /var/lib/hostforge/holders'), /^\d+$/m, 'the cut run still holds node1 on the host');
    const b = await startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, [])}`)).done;
    t.is(b.code, 0, why(b));
    t.true(
      events(b.stdout).some((e) => e.type === 'warning' && e.host === 'node1' && new RegExp(`node1: ended the run lock of a run that is over \\(a run by .* \\(pid ${a.child.pid},`).test(String(e.msg))),
      b.stdout.slice(-1500),
    );
  } finally {
    iptables(n1, '-D', rules);
  }
});

test.serial("a holder of another bastion whose link was cut: refused while it holds, freed by the host's watchdog within its window", async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const n2 = lab.hosts[1]!;
  const before = new Set(sshPeerPorts(n2));
  // The lock script as another bastion's run holds it, through the system ssh; its stdin stays
  // open and silent from now on (no heartbeat, no EOF): what the host sees of a cut link.
  const holder = JSON.stringify({ user: 'ops', bastion: 'bastion-elsewhere', pid: 4242, started: new Date().toISOString(), command: 'hostforge apply other.yaml', mode: 'apply', run: 'feedfeedfeed' });
  const [cmd, ...args] = [...labSshArgv(lab, n2), '--', lockCommand({ shared: false, waitSeconds: 0, holder, dir: ROOT_STATE_DIR })];
  const other = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, SSH_AUTH_SOCK: '' } });
  let out = '';
  other.stdout.on('data', (d: Buffer) => (out += d.toString()));
  let rules: string[][] = [];
  try {
    t.true(await until(() => out.includes('HF-READY'), 30_000), out);
    const locked = Date.now();
    rules = dropRules(sshPeerPorts(n2).filter((p) => !before.has(p)));
    t.true(rules.length > 0);
    iptables(n2, '-I', rules);
    const refused = await startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, [])}`)).done;
    t.is(refused.code, 75, why(refused));
    t.regex(refused.stderr, /node2: locked by a run by ops@bastion-elsewhere \(pid 4242, since [^)]+\): hostforge apply other\.yaml/);
    t.false(/node1: locked/.test(refused.stderr), 'only node2 is held');
    const freed = await until(async () => (await sh(n2, `ls ${ROOT_STATE_DIR}/holders`)).trim() === '', (STALE_SECONDS + 60) * 1000, 1000);
    const after = (Date.now() - locked) / 1000;
    t.true(freed, 'the watchdog freed the lock');
    t.log(`a silent holder of another bastion freed by the host after ${after.toFixed(1)} s (window ${STALE_SECONDS} s)`);
    t.true(after >= STALE_SECONDS - 10, `not before the window (${after} s)`);
    const next = await startRun(apply(join(dir, 'writer.yaml'), '-e', `@${writerVars('b', 0, [])}`)).done;
    t.is(next.code, 0, why(next));
  } finally {
    other.kill('SIGKILL');
    iptables(n2, '-D', rules);
  }
});

test.serial('--check runs share the lock; an apply is refused while one runs', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  // The first check holds its hosts until the test releases it (no timing: a loaded machine is slow).
  const slowCheck = file(
    'slow-check.yaml',
    '- hosts: lab\n  gather_facts: false\n  tasks:\n    - name: slow look\n' +
      '      shell: "touch /root/{{tag}}-started; n=0; while [ {{hold_for_release}} = yes ] && [ ! -e /root/release ] && [ $n -lt 900 ]; do sleep 0.2; n=$((n+1)); done"\n' +
      '      check_mode: false\n      changed_when: false\n    - name: a file\n      copy: {dest: /root/checked, content: "x\\n"}\n',
  );
  await Promise.all(lab.hosts.map((h) => sh(h, 'rm -f /root/release /root/checked')));
  const c1 = startRun(apply(slowCheck, '--check', '-e', 'tag=c1', '-e', 'hold_for_release=yes'));
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'c1-started'))), 120_000));
  const c2 = await startRun(apply(slowCheck, '--check', '-e', 'tag=c2', '-e', 'hold_for_release=no')).done;
  t.is(c2.code, 0, why(c2));
  t.is(c1.child.exitCode, null, 'the second check ran while the first still held its shared lock');
  const x = await startRun(apply(slowCheck, '-e', 'tag=x', '-e', 'hold_for_release=no')).done;
  t.is(x.code, 75, why(x));
  t.regex(x.stderr, /locked by a --check run by /);
  t.is(c1.child.exitCode, null, 'the apply was refused while the first check held the hosts');
  await Promise.all(lab.hosts.map((h) => sh(h, 'touch /root/release')));
  const r1 = await c1.done;
  t.is(r1.code, 0, why(r1));
  for (const h of lab.hosts) t.false(existsSync(join(home(h), 'checked')), 'check runs wrote nothing');
});

test.serial('SIGKILL after a notify: the next check lists the pending handler, the next apply runs it once, a third run zero times', async (t) => {
  if (skip) return t.pass(skip);
  await reset();
  const play = file(
    'notify.yaml',
    `- hosts: lab
  gather_facts: false
  tasks:
    - name: config
      copy: {dest: /root/app.conf, content: "version={{ver}}\\n"}
      notify: count restarts
    - name: slow step
      shell: "touch /root/slow-started; sleep {{slow_s}}"
      changed_when: false
  handlers:
    - name: count restarts
      shell: "echo restart >> /root/count"
`,
  );
  await Promise.all(lab.hosts.map((h) => sh(h, 'rm -f /root/app.conf /root/slow-started /root/count')));
  const a = startRun(apply(play, '-e', 'ver=2', '-e', 'slow_s=60'));
  // The notifying task has changed (and journaled) once the slow step has started.
  t.true(await until(() => lab.hosts.every((h) => existsSync(marker(h, 'slow-started')))));
  a.kill();
  t.is((await a.done).signal, 'SIGKILL');
  for (const h of lab.hosts) {
    t.is(readFileSync(join(home(h), 'app.conf'), 'utf8'), 'version=2\n', `${h.name}: the config was written`);
    t.false(existsSync(join(home(h), 'count')), `${h.name}: the handler did not run`);
    t.regex(await sh(h, 'cat /var/lib/hostforge/handlers.journal'), /"handler":"count restarts"/, `${h.name}: journaled`);
  }

  const check = await startRun(apply(play, '--check', '-e', 'ver=2', '-e', 'slow_s=0')).done;
  t.is(check.code, 0, why(check));
  const pending = events(check.stdout).filter((e) => e.type === 'warning' && /handler "count restarts" pending from an interrupted run \(notified by "config" at .*\): it runs at the end of play/.test(String(e.msg)));
  t.deepEqual(pending.map((e) => e.host).sort(), ['node1', 'node2'], 'the check plan lists the pending handler on both hosts');
  t.deepEqual(events(check.stdout).filter((e) => e.type === 'task_result' && e.task === 'count restarts').map((e) => e.host).sort(), ['node1', 'node2'], 'the plan has the handler run');
  for (const h of lab.hosts) {
    t.false(existsSync(join(home(h), 'count')), 'check ran nothing');
    t.regex(await sh(h, 'cat /var/lib/hostforge/handlers.journal'), /count restarts/, 'check kept the journal');
  }

  const second = await startRun(apply(play, '-e', 'ver=2', '-e', 'slow_s=0')).done;
  t.is(second.code, 0, why(second));
  t.is(recapOf(second.stdout).node1?.changed, 1, 'only the handler changed');
  for (const h of lab.hosts) {
    t.is(readFileSync(join(home(h), 'count'), 'utf8'), 'restart\n', `${h.name}: the handler ran exactly once`);
    t.is((await sshRun(lab, h, 'test -e /var/lib/hostforge/handlers.journal')).code, 1, `${h.name}: the journal is cleared`);
  }

  const third = await startRun(apply(play, '-e', 'ver=2', '-e', 'slow_s=0')).done;
  t.is(third.code, 0, why(third));
  t.is(recapOf(third.stdout).node1?.changed, 0);
  for (const h of lab.hosts) t.is(readFileSync(join(home(h), 'count'), 'utf8'), 'restart\n', `${h.name}: the third run ran it zero times`);
  t.false(events(third.stdout).some((e) => e.type === 'warning' && /pending/.test(String(e.msg))));
  await sleep(0);
  rmSync(join(dir, 'notify.yaml'));
});
