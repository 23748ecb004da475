/**
 * `hostforge lab up|down|status|inventory`: real SSH hosts on this machine to try a playbook on.
 * Errors are thrown (HostforgeError / InputError); the CLI entry maps them to exit codes.
 */
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { HostforgeError, InputError } from '../errors.js';
import {
  DEFAULT_LAB_NAME,
  MAX_HOSTS,
  labDown,
  labInventoryPath,
  labList,
  labStatus,
  labUp,
  type LabInfo,
  type LabStatus,
} from '../lab/index.js';
import { shJoin } from '../util/quote.js';

type Write = (text: string) => void;

interface NameOpts {
  name?: string;
  stateRoot?: string;
}

function parseCount(text: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_HOSTS) {
    throw new InputError(`lab up: COUNT must be a whole number from 1 to ${MAX_HOSTS}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

const nameOption = (): Option => new Option('--name <name>', 'lab name').default(DEFAULT_LAB_NAME);
const stateRootOption = (): Option =>
  new Option('--state-root <dir>', 'where labs keep their state (default /var/lib/hostforge/lab)').hideHelp();

function describeUp(info: LabInfo, ms: number): string {
  const nameArg = info.name === DEFAULT_LAB_NAME ? '' : ` --name ${info.name}`;
  const first = info.hosts[0];
  const lines = [
    `lab ${JSON.stringify(info.name)} is up: ${info.hosts.length} host(s) in ${(ms / 1000).toFixed(1)} s (slot ${info.slot})`,
    ...info.hosts.map((h) => `  ${h.name.padEnd(8)} ${h.ip.padEnd(14)} ${h.fqdn}`),
    '',
    `inventory:   ${info.inventoryPath}`,
    `known_hosts: ${info.knownHostsPath}`,
    '',
    'try:',
    `  hostforge apply playbooks/site.yaml -i ${info.inventoryPath}`,
    ...(first ? [`  ${shJoin(['ssh', '-i', info.keyPath, '-o', `UserKnownHostsFile=${info.knownHostsPath}`, `root@${first.ip}`])}`] : []),
    '',
    `tear down: hostforge lab down${nameArg}`,
  ];
  return `${lines.join('\n')}\n`;
}

function describeStatus(s: LabStatus): string {
  if (s.state === 'down') return `lab ${JSON.stringify(s.name)}: down\n`;
  const head = `lab ${JSON.stringify(s.name)}: ${s.state}${s.slot === undefined ? '' : ` (slot ${s.slot})`}  ${s.stateDir}`;
  const hosts = s.hosts.map((h) => `  ${h.name.padEnd(8)} ${h.ip.padEnd(14)} ${h.fqdn.padEnd(18)} ${h.running ? 'running' : 'stopped'}`);
  const hint = s.state === 'partial' ? ['  (leftovers: `hostforge lab down --name ' + s.name + '` removes them)'] : [];
  return `${[head, ...hosts, ...hint].join('\n')}\n`;
}

export function registerLabCommands(program: Command, write: Write = (t) => void process.stdout.write(t)): void {
  const lab = program
    .command('lab')
    .description('real SSH hosts on this machine (Linux, root): network namespaces + copy-on-write roots');

  lab
    .command('up')
    .description(`start COUNT (1-${MAX_HOSTS}) fresh lab hosts, in parallel; an existing lab of the same name is replaced`)
    .argument('<count>', 'number of hosts')
    .addOption(nameOption())
    .addOption(stateRootOption())
    .action(async (countText: string, opts: NameOpts) => {
      const count = parseCount(countText);
      const t0 = Date.now();
      const info = await labUp({ name: opts.name, count, stateRoot: opts.stateRoot });
      write(describeUp(info, Date.now() - t0));
    });

  lab
    .command('down')
    .description('remove a lab: its processes, mounts, namespaces, links and state (also after a crash)')
    .addOption(nameOption())
    .option('--all', 'remove every lab on this machine')
    .addOption(stateRootOption())
    .action(async (opts: NameOpts & { all?: boolean }) => {
      const r = await labDown({ name: opts.name, all: opts.all === true, stateRoot: opts.stateRoot });
      const what = opts.all ? 'all labs' : `lab ${JSON.stringify(opts.name ?? DEFAULT_LAB_NAME)}`;
      const removed = r.netns.length + r.links.length + r.dirs.length;
      write(
        removed === 0
          ? `${what}: nothing to remove\n`
          : `${what}: removed ${r.netns.length} namespace(s), ${r.links.length} link(s), ${r.dirs.length} state dir(s)\n`,
      );
    });

  lab
    .command('status')
    .description('show whether a lab (default: every lab) runs')
    .option('--name <name>', 'lab name')
    .addOption(stateRootOption())
    .action(async (opts: NameOpts) => {
      const names = opts.name !== undefined ? [opts.name] : await labList(opts.stateRoot);
      if (names.length === 0) {
        write('no lab is up\n');
        return;
      }
      for (const n of names) write(describeStatus(await labStatus(n, opts.stateRoot)));
    });

  lab
    .command('inventory')
    .description("print the path and content of a lab's inventory")
    .addOption(nameOption())
    .addOption(stateRootOption())
    .action(async (opts: NameOpts) => {
      const path = labInventoryPath(opts.name, opts.stateRoot);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (err) {
        throw new HostforgeError('LAB', `lab ${JSON.stringify(opts.name ?? DEFAULT_LAB_NAME)} has no inventory (${path}): is it up?`, { cause: err });
      }
      write(`# ${path}\n${text}`);
    });
}
