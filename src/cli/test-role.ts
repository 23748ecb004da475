/**
 * `hostforge test ROLE [--hosts N] [--keep]`: the role's scenario on fresh lab hosts, phase by
 * phase (see test-phases.ts), one line a phase, the failing phase's details, and an exit code
 * naming the phase: 0 passed, 1 bad input (no lab started), 3 lab/prepare, 5 converge,
 * 6 idempotence, 7 check, 8 verify, 9 tear-down.
 */
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { redactOutput } from '../util/secret.js';
import { shJoin } from '../util/quote.js';
import { collect, positiveInt } from './options.js';
import { loadRunConfig, rolesPathOf } from './run-options.js';
import type { Verdict } from './test-phases.js';

interface TestCliOptions {
  hosts?: number;
  keep?: boolean;
  name?: string;
  scenario?: string;
  rolesPath?: string[];
  verbose: number;
}

let muted = false;
const write = (s: string): void => {
  if (!muted) process.stdout.write(redactOutput(s));
};

function verdictLines(v: Verdict): string {
  const head = `${v.phase.padEnd(12)} ${(v.ok ? 'ok' : 'FAILED').padEnd(7)} ${v.summary} (${(v.ms / 1000).toFixed(1)} s)`;
  const shown = v.details.slice(0, 40).map((d) => `    ${d.split('\n').join('\n    ')}`);
  if (v.details.length > 40) shown.push(`    ... and ${v.details.length - 40} more`);
  return `${[head, ...shown].join('\n')}\n`;
}

/** A lab name of its own: t-ROLE-XXXX (at most 40 characters with the check lab's "-c"). */
function labNameFor(role: string, given?: string): string {
  if (given !== undefined) return given;
  const prefix = process.env.HF_LAB_PREFIX ?? '';
  return `${prefix}t-${role.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 24)}-${randomBytes(2).toString('hex')}`;
}

async function testRole(roleArg: string, o: TestCliOptions): Promise<void> {
  const [{ findRoleDir, loadScenario }, { runScenario }, { roleSearchDirs }] = await Promise.all([
    import('./test-scenario.js'),
    import('./test-phases.js'),
    import('../playbook/load.js'),
  ]);
  const config = await loadRunConfig();
  const extra = rolesPathOf(o, config);
  const roleDir = findRoleDir(roleArg, roleSearchDirs(process.cwd(), extra));
  const scenario = await loadScenario(roleDir, { file: o.scenario, hosts: o.hosts });
  const { dirname } = await import('node:path');
  const labName = labNameFor(scenario.role, o.name);
  if (`${labName}-c`.length > 40) throw new InputError(`--name ${labName}: at most 37 characters (the check lab adds "-c")`, { code: 'USAGE' });
  const { labUnavailableReason } = await import('../lab/index.js');
  const why = await labUnavailableReason();
  if (why) {
    write(`lab          FAILED  no lab on this machine: ${why}\n`);
    process.exitCode = 3;
    return;
  }
  write(`test ${scenario.role}: ${scenario.file} (${scenario.hosts} host(s))\n`);
  const release = tearDownOnSignal([labName, `${labName}-c`]);
  const t0 = Date.now();
  const result = await runScenario(scenario, {
    labName,
    keep: o.keep === true,
    rolesPath: [dirname(roleDir), ...extra],
    verbose: o.verbose,
    write,
    onVerdict: (v) => write(verdictLines(v)),
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const failed = result.verdicts.find((v) => !v.ok);
  write(failed ? `FAILED: ${scenario.role} at ${failed.phase} (exit ${result.exitCode}, ${secs} s)\n` : `PASSED: ${scenario.role} (${secs} s)\n`);
  if (result.kept) {
    const k = result.kept;
    const first = k.hosts[0];
    write(
      [
        `\nlab ${k.name} is kept (the converged hosts):`,
        ...k.hosts.map((h) => `  ${h.name.padEnd(8)} ${h.ip}`),
        `  inventory: ${k.inventoryPath}`,
        ...(first ? [`  ssh:       ${shJoin(['ssh', '-i', k.keyPath, '-o', `UserKnownHostsFile=${k.knownHostsPath}`, `root@${first.ip}`])}`] : []),
        `  tear down: hostforge lab down --name ${k.name}`,
        '',
      ].join('\n'),
    );
  }
  release();
  process.exitCode = result.exitCode;
}

/**
 * Interrupted (Ctrl-C, kill, a closed terminal) or its output closed (| head): the labs still
 * come down. Returns the function that removes the handlers once the run tore them down itself.
 */
function tearDownOnSignal(names: string[]): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: removing labs ${names.join(', ')}\n`);
    void import('../lab/index.js')
      .then(async ({ labDown }) => {
        for (const name of names) await labDown({ name }).catch(() => undefined);
      })
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // A closed stdout (EPIPE) must not end the run before its labs are down: output stops, the run goes on.
  const quiet = (): void => {
    muted = true;
  };
  process.stdout.on('error', quiet);
  for (const sig of signals) process.on(sig, stop);
  return () => {
    for (const sig of signals) process.off(sig, stop);
  };
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .argument('<role>', 'role directory (./demo) or name (looked up like a play\'s roles)')
    .description('test a role on fresh lab hosts: converge, converge again (no change), check on fresh hosts (= converge), verify, tear down')
    .option('--hosts <n>', 'lab hosts (default: the scenario\'s hosts, else 1)', positiveInt)
    .option('--keep', 'leave the converged lab up and print how to reach it')
    .option('--scenario <file>', 'scenario file relative to the role (default tests/scenario.yaml)')
    .option('--name <name>', 'lab name (default t-ROLE-XXXX; the check lab is NAME-c)')
    .option('--roles-path <dir>', 'more role directories (repeatable; also roles_path in the config)', collect)
    .option('-v, --verbose', 'print every run\'s output (repeat for command output)', (_v: string, prev: number) => prev + 1, 0)
    .addHelpText('after', '\nExit codes: 0 passed, 1 bad input (no lab started), 3 lab or prepare, 5 converge, 6 idempotence, 7 check, 8 verify, 9 tear-down.')
    .action((role: string, o: TestCliOptions) => testRole(role, o));
}
