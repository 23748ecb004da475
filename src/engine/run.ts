/**
 * A whole run: resolve each play's hosts, preflight everything (no connection yet),
 * then run the plays, count the recap and pick the exit code
 * (0 ok, 2 a task failed, 4 a host was unreachable).
 */
import { InputError } from '../errors.js';
import { gatherFacts as readFacts } from '../facts/index.js';
import { connectionFor, type Inventory } from '../inventory/index.js';
import type { Vars } from '../modules/types.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import { flattenTasks, type Task } from '../playbook/types.js';
import { openRunCas } from './pki-dir.js';
import type { PkiService } from '../pki/types.js';
import { withSshConfig } from './ssh-spec.js';
import { ConnectionPool } from './connections.js';
import type { HostRunState, RunVars } from './context.js';
import { emptyRecap, type Recap, type Reporter, type TaskResultEvent } from './events.js';
import { runPlay, type TagFilter } from './play-runner.js';
import { countResult } from './recap.js';
import { PredictedState } from './predicted-host.js';
import { preflight } from './preflight.js';
import { rebootRequired } from './reboot-required.js';
import type { SavedPlan } from './saved-plan.js';
import { inShard, type Shard } from './shard.js';

export interface RunOptions {
  playbook: LoadedPlaybook;
  inventory: Inventory;
  limit?: string;
  /** --shard K/N: only the hosts of shard K (after --limit). */
  shard?: Shard;
  check: boolean;
  forks: number;
  tags: string[];
  skipTags: string[];
  extraVars: Vars;
  acceptNewHostKeys: boolean;
  reporter: Reporter;
  /** Opens the bastion's CA on first use: `dir` from the host's hostforge_pki_dir, else the run's default. */
  pki: (dir?: string) => Promise<PkiService>;
  /** apply --plan-file: the saved `--check --json` output the run must match. */
  savedPlan?: SavedPlan;
  /** Filled with every secret value revealed by templates, for redaction. */
  revealed?: Set<string>;
  /** --step: asked before each task; false skips it. */
  beforeTask?: (task: Task) => Promise<boolean>;
}

export interface RunSummary {
  exitCode: number;
  recap: Record<string, Recap>;
  durationMs: number;
  /** Hosts that need a reboot, with why (reboot-required.ts). */
  rebootRequired: Record<string, string[]>;
}

/** Ansible's implicit localhost: the bastion, unless the inventory says how to reach it. */
export const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '::1']);

export function isLocalHost(h: string, inv: { hosts(): string[]; hostVars(h: string): Record<string, unknown> }): boolean {
  if (!inv.hosts().includes(h)) return LOCAL_NAMES.has(h);
  return inv.hostVars(h).ansible_connection === 'local';
}

/** A play's `order:` of its hosts. */
export function orderHosts(hosts: string[], order: string | undefined): string[] {
  const h = [...hosts];
  if (order === 'reverse_inventory') return h.reverse();
  if (order === 'sorted') return h.sort();
  if (order === 'reverse_sorted') return h.sort().reverse();
  if (order === 'shuffle') {
    for (let i = h.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [h[i], h[j]] = [h[j]!, h[i]!];
    }
  }
  return h;
}

export function exitCodeFor(recap: Record<string, Recap>): number {
  const all = Object.values(recap);
  if (all.some((r) => r.failed > 0)) return 2;
  if (all.some((r) => r.unreachable > 0)) return 4;
  return 0;
}

export async function runPlaybook(opts: RunOptions): Promise<RunSummary> {
  const t0 = Date.now();
  const { inventory: inv, reporter } = opts;
  const limit = opts.limit ? new Set(inv.resolvePattern(opts.limit)) : undefined;
  if (limit && limit.size === 0) throw new InputError(`--limit ${opts.limit} matches no host`, { code: 'USAGE' });
  const plays = opts.playbook.plays.map((play) => ({
    play,
    hosts: inv.resolvePattern(play.hosts, (part) => reporter.emit({ type: 'warning', msg: `pattern "${part}" in play "${play.name}" matches no host` })).filter((h) => (!limit || limit.has(h)) && (!opts.shard || inShard(h, opts.shard))),
  }));
  const run: RunVars = { extraVars: opts.extraVars, playbookDir: opts.playbook.dir, check: opts.check, revealed: opts.revealed ?? new Set() };
  const tagFilter: TagFilter = { tags: opts.tags, skipTags: opts.skipTags };

  // Everything that can be checked without a host is checked before connecting.
  await preflight({ plays, inv, run, tagFilter });
  // A run that issues certificates needs the CA: find out now, not half-way through.
  const CA_MODULES = new Set(['certificate', 'crl']);
  const caHosts = plays.filter(({ play }) => flattenTasks([...play.tasks, ...play.handlers]).some((t) => CA_MODULES.has(t.module))).flatMap((p) => p.hosts);
  const caWarnings = await openRunCas(caHosts, inv, run, opts.pki);

  const allHosts = [...new Set(plays.flatMap((p) => p.hosts))];
  reporter.emit({ type: 'run_start', playbook: opts.playbook.file, check: opts.check, hosts: allHosts.length });
  for (const msg of caWarnings) reporter.emit({ type: 'warning', msg });
  const states = new Map<string, HostRunState>();
  const recap: Record<string, Recap> = {};
  for (const h of allHosts) {
    states.set(h, { name: h, registered: {}, predicted: new PredictedState(), failed: false, unreachable: false, notified: new Set() });
    recap[h] = emptyRecap();
  }
  // Hosts of later plays that were not in earlier ones.
  const pool = new ConnectionPool({
    specFor: (h) => {
      const vars = inv.hostVars(h);
      const c = connectionFor(h, vars);
      return withSshConfig({ name: h, host: c.host, port: c.port, user: c.user, privateKeyFile: c.privateKeyFile, knownHostsFile: c.knownHostsFile, password: c.password, connectTimeoutMs: c.connectTimeoutMs, acceptNewHostKeys: opts.acceptNewHostKeys }, vars);
    },
    becomeFor: (h) => {
      if (!inv.hosts().includes(h)) return { enabled: false, user: 'root' };
      const c = connectionFor(h, inv.hostVars(h));
      return { enabled: c.become ?? false, user: c.becomeUser ?? 'root', password: c.becomePassword, method: c.becomeMethod, flags: c.becomeFlags };
    },
    varsFor: (h) => (inv.hosts().includes(h) ? inv.hostVars(h) : {}),
    readFacts,
    isLocal: (h) => isLocalHost(h, inv),
  });

  const onResult = (e: TaskResultEvent): void => {
    countResult(recap[e.host] ?? (recap[e.host] = emptyRecap()), e);
    reporter.emit(e);
  };

  let reboots: Record<string, string[]> = {};
  try {
    for (const { play, hosts } of plays) {
      const eligible = hosts.filter((h) => !states.get(h)!.unreachable && !states.get(h)!.failed);
      const onRescue = (h: string): void => {
        const r = recap[h]!;
        if (r.failed > 0) r.failed--;
        r.rescued++;
      };
      const { aborted } = await runPlay(play, orderHosts(eligible, play.order), { inv, run, states, pool, reporter, pki: opts.pki, forks: opts.forks, tagFilter, onResult, onRescue, savedPlan: opts.savedPlan, beforeTask: opts.beforeTask });
      if (aborted) break;
    }
    reboots = await rebootRequired(states, pool, opts.check);
  } finally {
    await pool.closeAll();
  }
  const exitCode = exitCodeFor(recap);
  const durationMs = Date.now() - t0;
  reporter.emit({ type: 'run_end', recap, durationMs, exitCode, rebootRequired: reboots });
  await reporter.close();
  return { exitCode, recap, durationMs, rebootRequired: reboots };
}
