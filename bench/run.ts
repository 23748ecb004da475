/**
 * The benchmark: on the same fresh lab hosts and the same work, hostforge and ansible-playbook
 * (Debian's ansible-core, pipelining + ControlPersist + forks = min(N, 50)) run --check (fresh
 * hosts), converge and no-change; medians of R repetitions, ratios from the same run, the floor
 * (N parallel `ssh true`, one read per host), written to bench/RESULTS.md. Run as root:
 *   node dist/bench/run.js [--hosts 1,10,50,100,200] [--reps 3] [--ansible-hosts 1,10] [--out FILE]
 */
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labDown, labSshArgv, labUp, type LabInfo } from '../src/lab/index.js';
import { shJoin } from '../src/util/quote.js';
import { killMarked, measure, median, type Sample } from './measure.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(ROOT, 'dist/src/cli/main.js');
const LAB = `${process.env.HF_LAB_PREFIX ?? ''}bench`;
const MODES = ['check', 'converge', 'nochange'] as const;
type Mode = (typeof MODES)[number];
type Tool = 'hostforge' | 'ansible';

interface Opts {
  hosts: number[];
  reps: number;
  ansibleHosts: number[];
  playbook: string;
  out: string;
}

function parseArgs(argv: readonly string[]): Opts {
  const get = (flag: string, dflt: string): string => {
    const k = argv.indexOf(flag);
    return k >= 0 && argv[k + 1] !== undefined ? (argv[k + 1] as string) : dflt;
  };
  const nums = (text: string): number[] => text.split(',').filter(Boolean).map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a host count: ${x}`);
    return n;
  });
  return {
    hosts: nums(get('--hosts', '1,10,50,100,200')),
    reps: nums(get('--reps', '3'))[0] ?? 3,
    ansibleHosts: nums(get('--ansible-hosts', '1,10,50,100')),
    playbook: resolve(get('--playbook', join(ROOT, 'bench/bench.yaml'))),
    out: resolve(get('--out', join(ROOT, 'bench/RESULTS.md'))),
  };
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const hostsRoot = (info: LabInfo): string => `${join(info.stateDir, 'hosts')}/`;
const CP_DIR = `/tmp/hf-bench-cp-${process.pid}`;

function argvOf(tool: Tool, mode: Mode, info: LabInfo, playbook: string, n: number): string[] {
  const check = mode === 'check' ? ['--check'] : [];
  return tool === 'hostforge'
    ? [process.execPath, CLI, 'apply', playbook, '-i', info.inventoryPath, '--forks', String(n), ...check]
    : ['ansible-playbook', '-i', info.inventoryPath, playbook, ...check];
}

function ansibleEnv(n: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_FORKS: String(Math.min(n, 50)),
    ANSIBLE_SSH_ARGS: '-C -o ControlMaster=auto -o ControlPersist=300s',
    ANSIBLE_SSH_CONTROL_PATH_DIR: CP_DIR,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    SSH_AUTH_SOCK: '',
  };
}

type Results = Map<string, Sample[]>; // "N tool mode" → samples
const key = (n: number, tool: string, mode: string): string => `${n} ${tool} ${mode}`;

function push(r: Results, k: string, s: Sample): void {
  r.set(k, [...(r.get(k) ?? []), s]);
}

async function runTool(tool: Tool, n: number, opts: Opts, results: Results, log: string): Promise<void> {
  const info = await labUp({ name: LAB, count: n });
  for (const mode of MODES) {
    const s = await measure({
      argv: argvOf(tool, mode, info, opts.playbook, n),
      env: tool === 'ansible' ? ansibleEnv(n) : process.env,
      hostsRoot: hostsRoot(info), slot: info.slot,
      masterMarker: tool === 'ansible' ? CP_DIR : undefined,
      log,
    });
    const ok = mode === 'check' && tool === 'hostforge' ? s.code === 0 || s.code === 2 : s.code === 0;
    if (!ok) throw new Error(`${tool} ${mode} at ${n} hosts exited ${s.code}; see ${log}: ${(await readFile(log, 'utf8')).slice(-2000)}`);
    push(results, key(n, tool, mode), s);
    process.stderr.write(`  ${n} hosts ${tool} ${mode}: ${s.wall.toFixed(2)} s wall, ${s.cpu.toFixed(2)} s cpu, ${s.rssMb.toFixed(0)} MB, hosts ${s.hostCpu.toFixed(2)} s (load ${load()})\n`);
  }
  if (tool === 'ansible') await killMarked(CP_DIR);
  if (tool === 'hostforge') await floor(info, n, opts, results, log);
}

async function floor(info: LabInfo, n: number, opts: Opts, results: Results, log: string): Promise<void> {
  const script = `${info.hosts.map((h) => `${shJoin([...labSshArgv(info, h), 'true'])} &`).join('\n')}\nwait\n`;
  push(results, key(n, 'floor', 'ssh-true'), await measure({ argv: ['sh', '-c', script], hostsRoot: hostsRoot(info), slot: info.slot, log }));
  const pb = join(ROOT, 'bench/floor.yaml');
  const argv = [process.execPath, CLI, 'apply', pb, '-i', info.inventoryPath, '--forks', String(n)];
  push(results, key(n, 'floor', 'one-read'), await measure({ argv, hostsRoot: hostsRoot(info), slot: info.slot, log }));
}

const f = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
const med = (r: Results, k: string, pick: (s: Sample) => number): number => median((r.get(k) ?? []).map(pick));

function machine(start: string, end: string): string[] {
  const ver = (cmd: string, args: string[]): string => {
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    return r.error ? 'not installed' : (`${r.stdout}`.trim() || `${r.stderr}`.trim()).split('\n')[0] ?? '?';
  };
  return [
    `- CPU: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; memory ${(totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${ver('uname', ['-r'])}`,
    `- Node ${process.version}; ${ver('ansible-playbook', ['--version'])}; ${ver('ssh', ['-V'])}`.replace(/\n/g, ' '),
    `- load average (1/5/15 min) at start ${start}, at end ${end} (the machine is shared; see the notes)`,
  ];
}

function table(r: Results, opts: Opts, start: string, end: string): string {
  const lines = [
    '# Benchmark results',
    '',
    `Written by \`scripts/bench.sh\` (bench/run.ts) on ${new Date().toISOString()}: playbook ${opts.playbook.replace(`${ROOT}/`, '')},`,
    `medians of ${opts.reps} repetitions, fresh lab hosts for every check+converge+no-change series. Controller CPU is`,
    'user+sys of the whole process tree (plus Ansible\'s detached ControlPersist masters), RSS the sampled peak of the tree,',
    'target CPU the lab\'s cgroup counter (every process of its hosts, exited ones included). Ansible: pipelining, ControlPersist, forks min(N,50);',
    'hostforge: --forks N.',
    '',
    ...machine(start, end),
    '',
    '| hosts | run | hostforge wall s | ansible wall s | ratio | hf CPU s | ansible CPU s | hf RSS MB | ansible RSS MB | hf target CPU s | ansible target CPU s | target ratio |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const n of opts.hosts) {
    for (const mode of MODES) {
      const h = (p: (s: Sample) => number): number => med(r, key(n, 'hostforge', mode), p);
      const a = (p: (s: Sample) => number): number => med(r, key(n, 'ansible', mode), p);
      const wall = (s: Sample): number => s.wall;
      const cpu = (s: Sample): number => s.cpu;
      const host = (s: Sample): number => s.hostCpu;
      lines.push(
        `| ${n} | ${mode} | ${f(h(wall))} | ${f(a(wall))} | ${f(a(wall) / h(wall), 1)}× | ${f(h(cpu))} | ${f(a(cpu))} | ` +
          `${f(h((s) => s.rssMb), 0)} | ${f(a((s) => s.rssMb), 0)} | ${f(h(host))} | ${f(a(host))} | ${f(a(host) / h(host), 1)}× |`,
      );
    }
  }
  lines.push('', '## Floor: the cheapest possible round trip per host', '', '| hosts | N parallel `ssh true` wall s (CPU s) | hostforge, one read per host: wall s (CPU s) |', '|---:|---:|---:|');
  for (const n of opts.hosts) {
    const s = (m: string, p: (x: Sample) => number): number => med(r, key(n, 'floor', m), p);
    lines.push(`| ${n} | ${f(s('ssh-true', (x) => x.wall))} (${f(s('ssh-true', (x) => x.cpu))}) | ${f(s('one-read', (x) => x.wall))} (${f(s('one-read', (x) => x.cpu))}) |`);
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const start = load();
  const results: Results = new Map();
  const log = `/tmp/hf-bench-${process.pid}.log`;
  try {
    for (const n of opts.hosts) {
      for (let rep = 1; rep <= opts.reps; rep++) {
        process.stderr.write(`${n} hosts, repetition ${rep}/${opts.reps}\n`);
        await runTool('hostforge', n, opts, results, log);
        if (opts.ansibleHosts.includes(n)) await runTool('ansible', n, opts, results, log);
      }
      await writeFile(opts.out, table(results, opts, start, load())); // partial results survive a crash
    }
  } finally {
    await killMarked(CP_DIR);
    await labDown({ name: LAB });
  }
  const text = table(results, opts, start, load());
  await writeFile(opts.out, text);
  process.stdout.write(text);
}

await main();
