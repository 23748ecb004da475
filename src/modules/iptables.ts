/**
 * iptables: the rules of one chain (and a built-in chain's policy), persisted.
 *
 * plan:  ONE exec: `iptables -S CHAIN`, `iptables -C CHAIN rule` for each declared rule,
 *        and (persist) `iptables-save` + the saved file. Changes: one 'rule' change per
 *        operation (-N/-D/-I/-A/-P, see edit/iptables.ts), then a 'file' change for the
 *        saved rules when they differ from the live ones.
 * apply: plans again and refuses to act when the chain changed since the plan. Then, with
 *        the lockout guard (default on, support/guard.ts): the host saves the table in a
 *        guard directory and arms a detached timer that restores it after the window
 *        (`rollback_seconds`, else `hostforge_lockout_guard_seconds`, default 60); the
 *        operations go to `iptables-restore --noflush` (one atomic transaction); a NEW SSH
 *        connection must log in; then the timer is cancelled. If the login fails, the table
 *        is restored at once (or by the timer, when this run's own connection is cut too)
 *        and the task fails. Finally `iptables-save` is written to /etc/iptables/rules.v4.
 */
import { posix } from 'node:path';
import { TaskError } from '../errors.js';
import { shJoin, shQuote } from '../util/quote.js';
import { guarded } from './support/guard.js';
import type { ApplyResult, Change, Host, Module, ModuleContext } from './types.js';
import {
  BUILTIN_CHAINS,
  type ChainArgs,
  canonicalWords,
  type IptOp,
  normalizeSave,
  parseChainListing,
  planChain,
  restoreInput,
  ruleWords,
  type RuleSpec,
} from '../edit/iptables.js';
import { parseSections, sectionsScript, type Section } from '../edit/script.js';
import { bool, int, nonEmpty, object, oneOfValues, str, type Schema } from './support/schema.js';

export interface IptablesArgs extends Omit<ChainArgs, 'rules'> {
  /** Rule specs; a string holds one rule per line (blank lines and # comments skipped), for templates with loops. */
  rules?: RuleSpec[] | string;
  table?: 'filter' | 'nat' | 'mangle' | 'raw' | 'security';
  persist?: boolean;
  /** Default /etc/iptables/rules.v4. */
  persist_path?: string;
  lockout_guard?: boolean;
  /** Seconds after which the host restores the old rules by itself unless the guard passed (default: hostforge_lockout_guard_seconds, 60). */
  rollback_seconds?: number;
}

const ruleObject: Schema = object({
  protocol: nonEmpty,
  source: nonEmpty,
  destination: nonEmpty,
  sport: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] },
  dport: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string', minLength: 1 }] },
  in_interface: nonEmpty,
  out_interface: nonEmpty,
  ctstate: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string' }, minItems: 1 }] },
  comment: str,
  extra: nonEmpty,
  jump: nonEmpty,
  goto: nonEmpty,
  reject_with: nonEmpty,
});

export const iptablesSchema: Schema = object(
  {
    table: oneOfValues('filter', 'nat', 'mangle', 'raw', 'security'),
    chain: { ...nonEmpty, pattern: '^[A-Za-z0-9_.-]{1,28}$' },
    rules: { anyOf: [{ type: 'string' }, { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, ruleObject] } }] },
    policy: oneOfValues('ACCEPT', 'DROP'),
    exclusive: bool,
    state: oneOfValues('present', 'absent'),
    position: oneOfValues('append', 'top'),
    persist: bool,
    persist_path: nonEmpty,
    lockout_guard: bool,
    rollback_seconds: { ...int, minimum: 5, maximum: 3600 },
  },
  ['chain'],
);

export const DEFAULT_RULES_V4 = '/etc/iptables/rules.v4';

interface Observed {
  ops: IptOp[];
  listing: string;
  save?: string;
  file?: string | null;
}

function ipt(table: string, ...rest: string[]): string[] {
  return ['iptables', '-w', '-t', table, ...rest];
}

/** The declared rules as a list (a string holds one rule per line). */
export function ruleList(rules: IptablesArgs['rules']): RuleSpec[] {
  if (rules === undefined) return [];
  if (typeof rules !== 'string') return rules;
  return rules
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

function chainArgs(args: IptablesArgs): ChainArgs {
  return { ...args, rules: ruleList(args.rules) };
}

/** Read the chain (and what persisting needs) in one exec and compute the operations. */
async function observe(host: Host, args: IptablesArgs, opts: { persist: boolean }): Promise<Observed> {
  const table = args.table ?? 'filter';
  const declared: string[][] = ruleList(args.rules).map((r: RuleSpec) => ruleWords(r));
  const sections: Section[] = [
    { name: 'list', cmd: ipt(table, '-S', args.chain), stderr: 'drop' },
    ...declared.map((w, i) => ({ name: `c${i}`, cmd: ipt(table, '-C', args.chain, ...w) })),
  ];
  const path = args.persist_path ?? DEFAULT_RULES_V4;
  if (opts.persist) {
    sections.push({ name: 'save', cmd: ['iptables-save'], stderr: 'drop' }, { name: 'file', cmd: ['cat', '--', path], stderr: 'drop' });
  }
  const r = await host.exec({ script: sectionsScript(sections) });
  const s = parseSections(r.stdout);
  const list = s.get('list');
  if (!list) throw new TaskError(`iptables: could not read chain ${args.chain}: ${r.stderr.trim() || `exit ${r.code}`}`);
  const exists = list.rc === 0;
  if (!exists && BUILTIN_CHAINS.has(args.chain) && list.rc !== 1) {
    throw new TaskError(`iptables -t ${table} -S ${args.chain} failed (exit ${list.rc})`);
  }
  const checks = declared.map((_w, i) => {
    const c = s.get(`c${i}`);
    if (!exists || !c) return null;
    return c.rc === 0 ? true : c.rc === 1 ? false : null;
  });
  const listing = exists ? list.out : '';
  const ops = planChain({ exists, listing: parseChainListing(listing, args.chain), checks }, chainArgs(args));
  const out: Observed = { ops, listing };
  if (opts.persist) {
    const save = s.get('save');
    if (!save || save.rc !== 0) throw new TaskError('iptables-save failed');
    out.save = save.out;
    const file = s.get('file');
    out.file = file && file.rc === 0 ? file.out : null;
  }
  return out;
}

/** The chain after the operations (for the predicted saved file shown in the diff). */
function simulate(listing: string, chain: string, ops: readonly IptOp[]): { rules: string[][]; policy: string | null } {
  const cur = parseChainListing(listing, chain);
  const rules = cur.rules.map((r) => canonicalWords(r));
  let policy = cur.policy;
  for (const op of ops) {
    const [verb, , arg, ...rest] = op.words;
    if (verb === '-D' && arg !== undefined && /^\d+$/.test(arg)) rules.splice(Number(arg) - 1, 1);
    else if (verb === '-D') {
      const key = canonicalWords(op.words.slice(2)).join('\0');
      const i = rules.findIndex((r) => r.join('\0') === key);
      if (i >= 0) rules.splice(i, 1);
    } else if (verb === '-I' && arg !== undefined) rules.splice(Number(arg) - 1, 0, canonicalWords(rest));
    else if (verb === '-A') rules.push(canonicalWords(op.words.slice(2)));
    else if (verb === '-P' && arg !== undefined) policy = arg;
  }
  return { rules, policy };
}

/** The live rules (normalised iptables-save) as they will be after the operations. */
/** Built-in chains of each table, as iptables-save lists them once the table is in use. */
const TABLE_CHAINS: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

function predictedSave(save: string, table: string, chain: string, listing: string, ops: readonly IptOp[]): string[] {
  let lines = normalizeSave(save);
  if (ops.length === 0) return lines;
  const after = simulate(listing, chain, ops);
  if (!lines.includes(`*${table}`)) {
    // The table is not in use yet: the first rule brings it in with its built-in chains.
    lines = [...lines, `*${table}`, ...(TABLE_CHAINS[table] ?? []).map((c) => `:${c} ACCEPT`), 'COMMIT'];
  }
  const start = lines.indexOf(`*${table}`);
  let end = lines.indexOf('COMMIT', start);
  if (end < 0) end = lines.length;
  const body = lines.slice(start + 1, end).filter((l) => !l.startsWith(`-A ${chain} `));
  const head = body.filter((l) => l.startsWith(':'));
  const rest = body.filter((l) => !l.startsWith(':'));
  const chainLine = head.findIndex((l) => l.split(' ')[0] === `:${chain}`);
  if (chainLine < 0) head.push(`:${chain} ${BUILTIN_CHAINS.has(chain) ? (after.policy ?? 'ACCEPT') : '-'}`);
  else if (after.policy !== null) head[chainLine] = `:${chain} ${after.policy}`;
  const ruleLines = after.rules.map((r) => `-A ${chain} ${r.map((w) => (/[\s"]/.test(w) ? JSON.stringify(w) : w)).join(' ')}`);
  return [...lines.slice(0, start + 1), ...head, ...rest, ...ruleLines, ...lines.slice(end)];
}

function opChange(table: string, chain: string, op: IptOp): Change {
  const verb = op.words[0];
  return {
    action: verb === '-D' ? 'delete' : verb === '-P' ? 'update' : 'create',
    kind: 'rule',
    target: `${table}/${chain}`,
    summary: `iptables -t ${table}: ${op.summary}`,
    data: { words: op.words },
  };
}

function sameOps(a: readonly IptOp[], planned: readonly Change[]): boolean {
  const b = planned.filter((c) => c.kind === 'rule').map((c) => JSON.stringify(c.data?.words ?? null));
  return a.length === b.length && a.every((o, i) => JSON.stringify(o.words) === b[i]);
}

export const iptablesModule: Module<IptablesArgs> = {
  name: 'iptables',
  args: iptablesSchema,
  checkMode: 'full',

  async plan(host, args): Promise<Change[]> {
    const table = args.table ?? 'filter';
    const persist = args.persist !== false;
    const o = await observe(host, args, { persist });
    const changes = o.ops.map((op) => opChange(table, args.chain, op));
    if (persist && o.save !== undefined) {
      const path = args.persist_path ?? DEFAULT_RULES_V4;
      const want = predictedSave(o.save, table, args.chain, o.listing, o.ops);
      const have = o.file === null || o.file === undefined ? null : normalizeSave(o.file);
      // In check mode an earlier task may have (predictably) written the file: stat sees that.
      const exists = have !== null || (await host.stat(path)) !== null;
      if (have === null || have.join('\n') !== want.join('\n')) {
        changes.push({
          action: exists ? 'update' : 'create',
          kind: 'file',
          target: path,
          summary: `save the rules to ${path} (iptables-save)`,
          before: have === null ? '' : `${have.join('\n')}\n`,
          after: `${want.join('\n')}\n`,
          data: { predicted: false, persist: true },
        });
      }
    }
    return changes;
  },

  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const table = args.table ?? 'filter';
    const ruleChanges = changes.filter((c) => c.kind === 'rule');
    const msgs: string[] = [];
    if (ruleChanges.length > 0) {
      const o = await observe(host, args, { persist: false });
      if (!sameOps(o.ops, changes)) throw new TaskError(`iptables: chain ${args.chain} changed since it was planned; run again`);
      await applyGuarded(host, ctx, table, o.ops, args);
      msgs.push(...ruleChanges.map((c) => c.summary));
    }
    if (changes.some((c) => c.data?.persist === true)) {
      const path = args.persist_path ?? DEFAULT_RULES_V4;
      const r = await host.exec({ script: `${shJoin(['mkdir', '-p', '--', posix.dirname(path)])} && iptables-save` });
      if (r.code !== 0) throw new TaskError(`iptables-save failed: ${r.stderr.trim()}`);
      await host.write(path, r.stdout, { mode: '0640' });
      host.invalidate(path);
      msgs.push(`saved to ${path}`);
    }
    return { msg: msgs.join('\n') };
  },
};

/** The operations in one iptables-restore transaction, under the host-side lockout guard. */
async function applyGuarded(host: Host, ctx: ModuleContext, table: string, ops: IptOp[], args: IptablesArgs): Promise<void> {
  const change = async (): Promise<void> => {
    const r = await host.exec(['iptables-restore', '-w', '--noflush'], { stdin: restoreInput(table, ops) });
    if (r.code !== 0) throw new TaskError(`iptables-restore refused the changes (nothing was changed): ${r.stderr.trim()}`, { details: r.stderr });
  };
  if (args.lockout_guard === false) return change();
  // A table not in use yet saves as nothing: restoring it means its built-in chains, empty, ACCEPT.
  const empty = [`*${table}`, ...(TABLE_CHAINS[table] ?? []).map((c) => `:${c} ACCEPT [0:0]`), 'COMMIT', ''].join('\n');
  const restoreState = [`if [ -s "$D/s0" ]; then iptables-restore -w < "$D/s0"; else printf '%s' ${shQuote(empty)} | iptables-restore -w; fi`];
  await guarded(
    host,
    ctx,
    {
      what: `changing ${table}/${args.chain}`,
      files: [],
      snapshots: [['iptables-save', '-t', table]],
      restoreState,
      restored: 'the previous rules were restored',
      cutsOwnConnection: true,
      ...(args.rollback_seconds !== undefined ? { seconds: args.rollback_seconds } : {}),
    },
    change,
  );
}
