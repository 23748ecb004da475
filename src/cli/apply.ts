/**
 * `apply`, `plan` (= apply --check --diff) and `validate` (load + preflight, no host).
 */
import type { Command } from 'commander';
import type { Reporter } from '../engine/events.js';
import type { PkiService } from '../pki/types.js';
import { collect, openInventory, parseExtraVars, positiveInt } from './options.js';

// The engine, the playbook loader (ajv, every module's schema) and the reporters are imported
// when a command runs, not at start-up: `--version`, `--help` and the other commands skip them.
const loadPlaybook = async (...a: Parameters<typeof import('../playbook/load.js').loadPlaybook>) =>
  (await import('../playbook/load.js')).loadPlaybook(...a);

interface ApplyOptions {
  inventory?: string[];
  check?: boolean;
  diff?: boolean;
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  extraVars?: string[];
  forks: number;
  json?: boolean;
  acceptNewHostKeys?: boolean;
  verbose: number;
  pkiDir?: string;
  rolesPath?: string[];
  planFile?: string;
  shard?: string;
}

function splitTags(list: string[] | undefined): string[] {
  return (list ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <file>', 'inventory file or directory (repeatable)', collect)
    .option('-l, --limit <pattern>', 'only hosts matching this pattern')
    .option('--shard <K/N>', 'only shard K of N of the hosts (stable by host name; merge the --json outputs with `recap merge`)')
    .option('-t, --tags <tags>', 'only tasks with these tags (comma-separated, repeatable)', collect)
    .option('--skip-tags <tags>', 'skip tasks with these tags', collect)
    .option('-e, --extra-vars <vars>', 'key=value, @file.yaml or a JSON mapping (repeatable; highest precedence)', collect)
    .option('-f, --forks <n>', 'hosts worked on in parallel', positiveInt, 50)
    .option('--json', 'one JSON event per line, then a summary')
    .option('--accept-new-host-keys', 'record unknown host keys in known_hosts (a changed key is still refused)')
    .option('--pki-dir <dir>', 'certificate authority directory (default $HOSTFORGE_PKI_DIR or ./pki)')
    .option('--roles-path <dir>', 'extra role directory (repeatable)', collect)
    .option('-v, --verbose', 'more output (repeat for more)', (_v: string, prev: number) => prev + 1, 0);
}

async function reporterFor(o: ApplyOptions, revealed: Set<string>): Promise<Reporter> {
  if (o.json) return new (await import('../report/json.js')).JsonReporter(revealed);
  const opts = { diff: o.diff === true, verbose: o.verbose, revealed };
  if (process.stdout.isTTY && !process.env.CI) {
    const { ListrReporter } = await import('../report/listr.js');
    return new ListrReporter(opts);
  }
  return new (await import('../report/plain.js')).PlainReporter(opts);
}

/** The CA is opened (and its libraries loaded) only when a task needs it. */
async function openCa(dir?: string): Promise<PkiService> {
  const [{ passphraseSource, resolvePkiDir }, { openPki }] = await Promise.all([import('../pki/passphrase.js'), import('../pki/service.js')]);
  return openPki(resolvePkiDir(dir), passphraseSource());
}

async function apply(playbookFile: string, o: ApplyOptions): Promise<void> {
  const playbook = await loadPlaybook(playbookFile, { rolesPath: o.rolesPath });
  const inventory = await openInventory(o.inventory, [playbook.dir]);
  const extraVars = await parseExtraVars(o.extraVars);
  const savedPlan = o.planFile ? await (await import('../engine/saved-plan.js')).loadSavedPlan(o.planFile) : undefined;
  const [{ runPlaybook }, { parseShard }] = await Promise.all([import('../engine/run.js'), import('../engine/shard.js')]);
  const shard = o.shard === undefined ? undefined : parseShard(o.shard);
  const revealed = new Set<string>();
  let pki: Promise<PkiService> | undefined;
  const summary = await runPlaybook({
    playbook,
    inventory,
    limit: o.limit,
    shard,
    check: o.check === true,
    forks: o.forks,
    tags: splitTags(o.tags),
    skipTags: splitTags(o.skipTags),
    extraVars,
    acceptNewHostKeys: o.acceptNewHostKeys === true,
    reporter: await reporterFor(o, revealed),
    pki: () => (pki ??= openCa(o.pkiDir)),
    revealed,
    savedPlan,
  });
  process.exitCode = summary.exitCode;
}

export function registerApplyCommands(program: Command): void {
  addRunOptions(
    program
      .command('apply')
      .argument('<playbook>', 'playbook YAML file')
      .description('bring hosts to the state the playbook declares')
      .option('-C, --check', 'plan only: report what would change, change nothing')
      .option('-D, --diff', 'show unified diffs of file changes')
      .option('--plan-file <file>', 'apply only what a saved `apply --check --json` output planned; a task whose plan changed since fails untouched'),
  ).action((file: string, o: ApplyOptions) => apply(file, o));

  addRunOptions(
    program
      .command('plan')
      .argument('<playbook>', 'playbook YAML file')
      .description('what apply would change, with diffs (= apply --check --diff)'),
  ).action((file: string, o: ApplyOptions) => apply(file, { ...o, check: true, diff: true }));

  program
    .command('validate')
    .argument('<playbook>', 'playbook YAML file')
    .description('check the playbook, its roles, module arguments and templates against the inventory; contacts no host')
    .option('-i, --inventory <file>', 'inventory file or directory (repeatable)', collect)
    .option('-e, --extra-vars <vars>', 'extra vars', collect)
    .option('-l, --limit <pattern>', 'only hosts matching this pattern')
    .action(async (file: string, o: { inventory?: string[]; extraVars?: string[]; limit?: string }) => {
      const playbook = await loadPlaybook(file);
      const inv = await openInventory(o.inventory, [playbook.dir]);
      const extraVars = await parseExtraVars(o.extraVars);
      const limit = o.limit ? new Set(inv.resolvePattern(o.limit)) : undefined;
      const plays = playbook.plays.map((play) => ({ play, hosts: inv.resolvePattern(play.hosts).filter((h) => !limit || limit.has(h)) }));
      const { preflight } = await import('../engine/preflight.js');
      await preflight({ plays, inv, run: { extraVars, playbookDir: playbook.dir, check: true, revealed: new Set() }, tagFilter: { tags: [], skipTags: [] } });
      const tasks = playbook.plays.reduce((n, p) => n + p.tasks.length, 0);
      process.stdout.write(`${playbook.file}: OK (${playbook.plays.length} plays, ${tasks} tasks, ${new Set(plays.flatMap((p) => p.hosts)).size} hosts)\n`);
    });
}
