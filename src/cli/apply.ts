/**
 * `apply`, `plan` (= apply --check --diff) and `validate` (load + preflight, no host).
 */
import type { Command } from 'commander';
import type { Reporter } from '../engine/events.js';
import { InputError } from '../errors.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import type { PkiService } from '../pki/types.js';
import type { LoadedConfig } from '../config/load.js';
import type { Inventory } from '../inventory/index.js';
import { openInventory, parseExtraVars } from './options.js';
import { addConnectionOptions, addPlaybookOptions, connectionDefaults, loadRunConfig, rolesPathOf, type CommonRunOptions } from './run-options.js';
import { checkRunValues, limitHosts, splitTags } from './run-values.js';
import { stepper } from './step.js';
import { installVault } from './vault-options.js';
import { activeProblems, collecting, gather, type Problems } from '../util/problems.js';

interface ApplyOptions extends CommonRunOptions {
  check?: boolean;
  diff?: boolean;
  forks?: number;
  json?: boolean;
  acceptNewHostKeys?: boolean;
  verbose: number;
  pkiDir?: string;
  planFile?: string;
  shard?: string;
  startAtTask?: string;
  step?: boolean;
  out?: string;
}


function addRunOptions(cmd: Command): Command {
  return addConnectionOptions(addPlaybookOptions(cmd))
    .option('--shard <K/N>', 'only shard K of N of the hosts (stable by host name; merge the --json outputs with `recap merge`)')
    .option('--json', 'one JSON event per line, then a summary (schema: docs/events.schema.json)')
    .option('--accept-new-host-keys', 'record unknown host keys in known_hosts (a changed key is still refused)')
    .option('--pki-dir <dir>', 'certificate authority directory (default $HOSTFORGE_PKI_DIR or ./pki)')
    .option('--start-at-task <name>', 'start at the first task of this name (a glob; "role : name" or just "name")')
    .option('-o, --out <file>', 'write the check run as a saved plan (JSON, 0600) for `apply FILE` and `show FILE`')
    .option('--step', 'ask before each task: (y)es, (n)o, (c)ontinue without asking; needs a terminal')
    .option('-v, --verbose', 'more output (repeat for more)', (_v: string, prev: number) => prev + 1, 0);
}

export async function reporterFor(o: ApplyOptions, revealed: Set<string>): Promise<Reporter> {
  if (o.json) return new (await import('../report/json.js')).JsonReporter(revealed);
  const opts = { diff: o.diff === true, verbose: o.verbose, revealed };
  if (process.stdout.isTTY && !process.env.CI && !o.step) {
    const { ListrReporter } = await import('../report/listr.js');
    return new ListrReporter(opts);
  }
  return new (await import('../report/plain.js')).PlainReporter(opts);
}

/**
 * The CAs of a run, each opened (and its libraries loaded) only when a task needs it: a
 * host's hostforge_pki_dir, else --pki-dir, else $HOSTFORGE_PKI_DIR, else ./pki. One CA a directory.
 */
function caOpener(option: string | undefined): (dir?: string) => Promise<PkiService> {
  const open = new Map<string, Promise<PkiService>>();
  return async (dir) => {
    const [{ passphraseSource, resolvePkiDir }, { openPki }] = await Promise.all([import('../pki/passphrase.js'), import('../pki/service.js')]);
    const path = resolvePkiDir(dir ?? option);
    let ca = open.get(path);
    if (!ca) {
      ca = openPki(path, passphraseSource(open.size === 0 ? {} : { prompt: `CA passphrase (${path}): ` }));
      open.set(path, ca);
    }
    return ca;
  };
}

interface Loaded {
  config: LoadedConfig;
  playbook: LoadedPlaybook;
}

/** Config, vault secrets, then the playbook (its vars files and roles may be vaulted). */
async function loadAll(file: string, o: CommonRunOptions): Promise<Loaded> {
  const config = await loadRunConfig();
  await installVault(o, config.settings);
  const { loadPlaybook } = await import('../playbook/load.js'); // not at start-up (ajv, every module)
  const playbook = await loadPlaybook(file, { rolesPath: rolesPathOf(o, config) });
  return { config, playbook };
}

/** --syntax-check / --list-*: print and stop (true), as ansible-playbook does. */
async function listOnly(o: CommonRunOptions, playbook: LoadedPlaybook, inv: Inventory | undefined): Promise<boolean> {
  if (o.syntaxCheck) {
    process.stdout.write(`\nplaybook: ${file(playbook)}\n`);
    return true;
  }
  if (!(o.listHosts || o.listTasks || o.listTags) || !inv) return false;
  const limit = o.limit ? new Set(inv.resolvePattern(o.limit)) : undefined;
  const tagFilter = { tags: splitTags(o.tags), skipTags: splitTags(o.skipTags) };
  const { renderListing } = await import('./listing.js'); // the engine: not at start-up
  process.stdout.write(renderListing(playbook, inv, limit, tagFilter, { hosts: o.listHosts, tasks: o.listTasks, tags: o.listTags }));
  return true;
}

function file(pb: LoadedPlaybook): string {
  return pb.file;
}

function listing(o: CommonRunOptions): boolean {
  return o.syntaxCheck === true || o.listHosts === true || o.listTasks === true || o.listTags === true;
}

async function apply(arg: string, given: ApplyOptions): Promise<void> {
  const saved = await (await import('./plan-file.js')).planArgument(arg, given);
  const [playbookFile, o] = saved ? [saved.playbook, saved.options] : [arg, given];
  const first = await gather(() => loadAll(playbookFile, o));
  if (first.problems.size > 0 || !first.value) {
    // Bad input: report it all (the preflight of what did load too), contact nothing.
    await collecting(async () => {
      if (first.value) await checkLoaded(first.value, o, true);
    }, first.problems);
    return;
  }
  const { config, playbook: loaded } = first.value;
  if (o.syntaxCheck) {
    await listOnly(o, loaded, undefined);
    return;
  }
  const defaults = listing(o) ? {} : await connectionDefaults(o, config);
  const inventory = await openInventory(o.inventory, [loaded.dir], { configured: config.settings.inventory, defaults });
  if (await listOnly(o, loaded, inventory)) return;
  let playbook = loaded;
  if (o.startAtTask !== undefined) {
    const { startAtTask } = await import('./listing.js');
    const started = startAtTask(loaded, o.startAtTask);
    if (!started) throw new InputError(`--start-at-task: no task named "${o.startAtTask}" in ${loaded.file}`, { code: 'USAGE' });
    playbook = started;
  }
  await collecting(async () => {
    limitHosts(o.limit, (p) => inventory.resolvePattern(p));
    checkRunValues(o, playbook);
  });
  const beforeTask = o.step ? stepper() : undefined;
  const extraVars = saved ? (await import('./plan-file.js')).planExtraVars(saved.plan, await parseExtraVars(o.extraVars)) : await parseExtraVars(o.extraVars);
  const savedPlan = o.planFile ? await (await import('../engine/saved-plan.js')).loadSavedPlan(o.planFile) : undefined;
  const [{ runWithPlan }, { parseShard }] = await Promise.all([import('./plan-file.js'), import('../engine/shard.js')]);
  const shard = o.shard === undefined ? undefined : parseShard(o.shard);
  const revealed = new Set<string>();
  const summary = await runWithPlan({
    playbook,
    inventory,
    limit: o.limit,
    shard,
    check: o.check === true,
    forks: o.forks ?? config.settings.forks ?? 50,
    tags: splitTags(o.tags),
    skipTags: splitTags(o.skipTags),
    extraVars,
    acceptNewHostKeys: o.acceptNewHostKeys === true || config.settings.hostKeyChecking === false,
    reporter: await reporterFor(o, revealed),
    pki: caOpener(o.pkiDir),
    revealed,
    savedPlan,
    beforeTask,
  }, { out: o.out, plan: saved?.plan, options: o });
  process.exitCode = summary.exitCode;
}

/** The preflight of a loaded playbook against the inventory, problems collected (no host contacted). */
async function checkLoaded({ config, playbook }: Loaded, o: CommonRunOptions, partial: boolean): Promise<{ hosts: number } | undefined> {
  const inv = await openInventory(o.inventory, [playbook.dir], { configured: config.settings.inventory });
  const extraVars = await parseExtraVars(o.extraVars);
  const limit = limitHosts(o.limit, (p) => inv.resolvePattern(p));
  checkRunValues(o, partial ? undefined : playbook);
  const plays = playbook.plays.map((play) => ({ play, hosts: inv.resolvePattern(play.hosts).filter((h) => !limit || limit.has(h)) }));
  const tagFilter = { tags: splitTags(o.tags), skipTags: splitTags(o.skipTags) };
  const { preflight } = await import('../engine/preflight.js');
  await preflight({ plays, inv, run: { extraVars, playbookDir: playbook.dir, check: true, revealed: new Set() }, tagFilter, partial });
  return { hosts: new Set(plays.flatMap((p) => p.hosts)).size };
}

async function validate(playbookFile: string, o: CommonRunOptions): Promise<void> {
  const problems: { set?: Problems } = {};
  const result = await collecting(async () => {
    problems.set = activeProblems();
    const loaded = await loadAll(playbookFile, o);
    if (o.syntaxCheck) {
      if (problems.set?.size === 0) await listOnly(o, loaded.playbook, undefined);
      return undefined;
    }
    if (o.listHosts || o.listTasks || o.listTags) {
      const inv = await openInventory(o.inventory, [loaded.playbook.dir], { configured: loaded.config.settings.inventory });
      if (problems.set?.size === 0 && (await listOnly(o, loaded.playbook, inv))) return undefined;
    }
    const checked = await checkLoaded(loaded, o, (problems.set?.size ?? 0) > 0);
    return checked && { playbook: loaded.playbook, hosts: checked.hosts };
  });
  if (!result) return;
  const { playbook } = result;
  const tasks = playbook.plays.reduce((n, p) => n + p.tasks.length, 0);
  process.stdout.write(`${playbook.file}: OK (${playbook.plays.length} plays, ${tasks} tasks, ${result.hosts} hosts)\n`);
}

export function registerApplyCommands(program: Command): void {
  addRunOptions(
    program
      .command('apply')
      .argument('<playbook>', 'playbook YAML file, or a saved plan (plan.json) to apply exactly')
      .description('bring hosts to the state the playbook declares')
      .option('-C, --check', 'plan only: report what would change, change nothing')
      .option('-D, --diff', 'show unified diffs of file changes')
      .option('--plan-file <file>', 'apply only what a saved plan (`plan -o FILE`, or `apply --check --json` output) planned; a host or task whose plan changed since fails untouched'),
  ).action((f: string, o: ApplyOptions) => apply(f, o));

  addRunOptions(
    program
      .command('plan')
      .argument('<playbook>', 'playbook YAML file')
      .description('what apply would change, with diffs (= apply --check --diff)'),
  ).action((f: string, o: ApplyOptions) => apply(f, { ...o, check: true, diff: true }));

  addPlaybookOptions(
    program
      .command('validate')
      .argument('<playbook>', 'playbook YAML file')
      .description('check the playbook, its roles, module arguments and templates against the inventory; contacts no host'),
  ).action((f: string, o: CommonRunOptions) => validate(f, o));
}
