/**
 * Transport faults on real lab hosts: a link cut (the host's veth set down on the machine)
 * during a long command and during an upload, and a TCP reset during an upload, are all
 * "unreachable" (exit 4), never a task failure (exit 2), whatever the moment; a dead link is
 * noticed by the keepalives (default 5 s × 3) within ~20 s. The other host finishes.
 */
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO, events, recapOf } from '../helpers/cli.js';
import { labSkipReason, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';

const LAB = 'faults';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-faults-'));

const home = (h: LabHost): string => join(lab.stateDir, 'hosts', h.name, 'home');
const veth = (h: LabHost): string => `hfx${lab.slot}v${lab.hosts.indexOf(h) + 1}`;

function sh(argv: string[]): void {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')}: ${r.stderr}`);
}
const nsIptables = (h: LabHost, args: string[]): void => sh(['ip', 'netns', 'exec', h.netns, 'iptables', ...args]);

interface Run {
  code: number;
  stdout: string;
  endedAt: number;
}

/** Start `hostforge apply`; `fault` runs once `ready()` holds (polled every 50 ms); returns when the run ends. */
async function runWithFault(play: string, inventories: string[], ready: () => boolean, fault: () => void): Promise<Run & { faultAt: number }> {
  const child = spawn(process.execPath, [CLI, 'apply', play, ...inventories.flatMap((i) => ['-i', i]), '--json'], { cwd: REPO, env: { ...process.env, CI: '1', SSH_AUTH_SOCK: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => out.push(b));
  let faultAt = 0;
  const poll = setInterval(() => {
    if (faultAt === 0 && ready()) {
      faultAt = Date.now();
      fault();
    }
  }, 50);
  const killer = setTimeout(() => child.kill('SIGKILL'), 180_000);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  clearInterval(poll);
  clearTimeout(killer);
  return { code, stdout: Buffer.concat(out).toString(), endedAt: Date.now(), faultAt };
}

/** A temporary upload file of ours in node's /root, at least `bytes` long. */
function uploading(h: LabHost, bytes: number): boolean {
  const d = home(h);
  return readdirSync(d).some((f) => f.startsWith('.big.hostforge-') && statSync(join(d, f)).size >= bytes);
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 2);
  writeFileSync(join(dir, 'big'), Buffer.alloc(24 * 1024 * 1024, 'x'));
  writeFileSync(join(dir, 'long.yaml'), '- hosts: lab\n  gather_facts: false\n  tasks:\n    - name: long command\n      shell: "touch /root/started; sleep {{sleep_s}}"\n');
  writeFileSync(join(dir, 'upload.yaml'), `- hosts: node1\n  gather_facts: false\n  tasks:\n    - name: upload\n      copy: {src: ${join(dir, 'big')}, dest: /root/big}\n    - name: after\n      command: "true"\n`);
});
test.after.always(async () => {
  if (!skip) {
    for (const h of lab.hosts) spawnSync('ip', ['link', 'set', 'dev', veth(h), 'up']);
    await stopLab(LAB);
  }
});

function restore(h: LabHost): void {
  sh(['ip', 'link', 'set', 'dev', veth(h), 'up']);
  spawnSync('tc', ['qdisc', 'del', 'dev', veth(h), 'root']);
}

test.serial('a link cut during a long command: exit 4 within ~20 s, the other host finishes', async (t) => {
  if (skip) return t.pass(skip);
  const n1 = lab.hosts[0]!;
  writeFileSync(join(dir, 'long-inv.yaml'), 'all:\n  children:\n    lab:\n      hosts:\n        node1: {sleep_s: 120}\n        node2: {sleep_s: 1}\n');
  const child = await runWithFault(join(dir, 'long.yaml'), [lab.inventoryPath, join(dir, 'long-inv.yaml')], () => existsSync(join(home(n1), 'started')), () => sh(['ip', 'link', 'set', 'dev', veth(n1), 'down']));
  restore(n1);
  const noticed = (child.endedAt - child.faultAt) / 1000;
  t.is(child.code, 4, child.stdout.slice(-2000));
  const recap = recapOf(child.stdout);
  t.is(recap.node1?.unreachable, 1);
  t.is(recap.node2?.failed, 0);
  t.is(recap.node2?.changed, 1);
  t.regex(events(child.stdout).find((e) => e.host === 'node1' && e.status === 'unreachable')?.msg ?? '', /node1: connection lost during a command: no answer to keepalives/);
  t.true(noticed >= 10 && noticed <= 25, `noticed after ${noticed} s`);
  t.log(`link cut noticed after ${noticed.toFixed(1)} s`);
});

test.serial('link cuts and TCP resets at different moments of an upload: always exit 4, never a task failure', async (t) => {
  if (skip) return t.pass(skip);
  const n1 = lab.hosts[0]!;
  const results: string[] = [];
  // Slow node1's link to ~4 MB/s so that the upload lasts a few seconds.
  for (const [kind, at] of [['cut', 1], ['cut', 8], ['reset', 1], ['reset', 12]] as const) {
    // Partial files of the previous cut (removed by the next write to /root/big, but not here: the poll would see them).
    for (const f of readdirSync(home(n1))) if (f.startsWith('.big.hostforge-') || f === 'big') rmSync(join(home(n1), f));
    sh(['tc', 'qdisc', 'add', 'dev', veth(n1), 'root', 'tbf', 'rate', '32mbit', 'burst', '64kb', 'latency', '200ms']);
    const fault = kind === 'cut'
      ? () => sh(['ip', 'link', 'set', 'dev', veth(n1), 'down'])
      : () => nsIptables(n1, ['-I', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    // An experiment whose fault did not land inside the upload (a loaded machine) is repeated, at most 3 times.
    let r = await runWithFault(join(dir, 'upload.yaml'), [lab.inventoryPath], () => uploading(n1, at * 1024 * 1024), fault);
    for (let attempt = 1; attempt < 3 && r.faultAt === 0; attempt++) {
      restore(n1);
      if (kind === 'reset') nsIptables(n1, ['-D', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
      for (const f of readdirSync(home(n1))) if (f.startsWith('.big.hostforge-') || f === 'big') rmSync(join(home(n1), f));
      sh(['tc', 'qdisc', 'add', 'dev', veth(n1), 'root', 'tbf', 'rate', '32mbit', 'burst', '64kb', 'latency', '200ms']);
      r = await runWithFault(join(dir, 'upload.yaml'), [lab.inventoryPath], () => uploading(n1, at * 1024 * 1024), fault);
    }
    restore(n1);
    if (kind === 'reset') nsIptables(n1, ['-D', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    const msg = events(r.stdout).find((e) => e.status === 'unreachable' || e.status === 'failed')?.msg ?? '';
    results.push(`${kind} at ${at} MB: exit ${r.code} after ${((r.endedAt - r.faultAt) / 1000).toFixed(1)} s: ${msg.split('\n')[0]}`);
    t.true(r.faultAt > 0, `${kind} at ${at} MB: the fault happened during the upload`);
    t.is(r.code, 4, `${kind} at ${at} MB: ${r.stdout.slice(-1500)}`);
    t.is(recapOf(r.stdout).node1?.unreachable, 1);
    t.regex(msg, /node1: connection lost during/);
  }
  t.log(results.join('\n'));
});
