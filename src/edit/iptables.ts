/**
 * iptables chain planner: parse `iptables -S CHAIN` / `iptables-save` output and compute the
 * operations that make a chain hold the declared rules (and policy).
 *
 * Operations are iptables-restore --noflush lines (`-N`, `-D`, `-I`, `-A`, `-P`), applied in
 * one atomic transaction by the module.
 */
import { InputError } from '../errors.js';
import { canonicalKey, canonicalWords, renderWords, type RuleSpec, ruleWords, tokenize } from './iptables_rule.js';
import { splitLines } from './text.js';

export { canonicalWords, canonicalKey, ruleWords, tokenize, renderWords, type RuleSpec };
export type { RuleObject } from './iptables_rule.js';

export const BUILTIN_CHAINS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

export interface ChainListing {
  /** Policy of a built-in chain (`-P INPUT ACCEPT`), null for user chains. */
  policy: string | null;
  /** Rules in order, as words after `-A CHAIN`. */
  rules: string[][];
}

/** Parse `iptables -S CHAIN` output (lines of other chains are ignored). */
export function parseChainListing(text: string, chain: string): ChainListing {
  let policy: string | null = null;
  const rules: string[][] = [];
  for (const line of splitLines(text).lines) {
    const w = tokenize(line);
    if (w[1] !== chain) continue;
    if (w[0] === '-P') policy = w[2] ?? null;
    else if (w[0] === '-A') rules.push(w.slice(2));
  }
  return { policy, rules };
}

export interface ChainArgs {
  chain: string;
  rules?: RuleSpec[];
  policy?: 'ACCEPT' | 'DROP';
  exclusive?: boolean;
  state?: 'present' | 'absent';
  /** Where missing rules go when not exclusive: appended (default) or at the top. */
  position?: 'append' | 'top';
}

export interface ChainState {
  exists: boolean;
  listing: ChainListing;
  /** `iptables -C` for each declared rule: true present, false absent, null unknown. */
  checks?: Array<boolean | null>;
}

export interface IptOp {
  /** One iptables-restore line, e.g. ["-A", "INPUT", "-p", "tcp", ...]. */
  words: string[];
  summary: string;
}

function validChain(chain: string): void {
  if (!/^[A-Za-z0-9_.-]{1,28}$/.test(chain)) throw new InputError(`iptables: bad chain name ${JSON.stringify(chain)}`);
}

/** Longest common subsequence of two key lists: pairs of indices. */
function lcs(a: readonly string[], b: readonly string[]): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = t[i] as number[];
      row[j] = a[i] === b[j] ? ((t[i + 1] as number[])[j + 1] as number) + 1 : Math.max((t[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push([i, j]);
      i++;
      j++;
    } else if (((t[i + 1] as number[])[j] as number) >= ((t[i] as number[])[j + 1] as number)) i++;
    else j++;
  }
  return out;
}

/**
 * The operations that bring one chain into the declared state. Pure: `state` is what the host
 * reported (listing and -C results).
 */
export function planChain(state: ChainState, args: ChainArgs): IptOp[] {
  const chain = args.chain;
  validChain(chain);
  const mode = args.state ?? 'present';
  const declared = (args.rules ?? []).map(ruleWords);
  const keys = declared.map(canonicalKey);
  const builtin = BUILTIN_CHAINS.has(chain);
  if (args.policy !== undefined && !builtin) throw new InputError(`iptables: only built-in chains have a policy (${chain})`);
  if (args.exclusive && mode === 'absent') throw new InputError('iptables: exclusive needs state present');

  const ops: IptOp[] = [];
  const show = (w: readonly string[]): string => renderWords(canonicalWords(w));
  const actual = state.exists ? state.listing.rules : [];
  const actualKeys = actual.map(canonicalKey);
  const present = (i: number): boolean => state.checks?.[i] ?? actualKeys.includes(keys[i] as string);

  if (mode === 'absent') {
    declared.forEach((w, i) => {
      if (!state.exists) return;
      let count = actualKeys.filter((k) => k === keys[i]).length;
      if (count === 0 && state.checks?.[i] === true) count = 1;
      for (let c = 0; c < count; c++) ops.push({ words: ['-D', chain, ...w], summary: `delete -A ${chain} ${show(w)}` });
    });
    return ops;
  }

  if (!state.exists) {
    if (builtin) throw new InputError(`iptables: built-in chain ${chain} does not exist in this table`);
    ops.push({ words: ['-N', chain], summary: `create chain ${chain}` });
  }

  if (args.exclusive) {
    // A declared rule that -C finds but no listed rule matches means our canonical form is off:
    // refuse rather than delete and re-add the same rule forever.
    declared.forEach((w, i) => {
      if (state.checks?.[i] === true && !actualKeys.includes(keys[i] as string)) {
        throw new InputError(
          `iptables: rule "${renderWords(w)}" exists in ${chain} but hostforge cannot tell which listed rule it is; ` +
            'write it as `iptables -S` prints it',
        );
      }
    });
    const keep = lcs(actualKeys, keys);
    const keptActual = new Set(keep.map(([a]) => a));
    const keptDeclared = new Set(keep.map(([, d]) => d));
    for (let a = actual.length - 1; a >= 0; a--) {
      if (keptActual.has(a)) continue;
      const why = keys.includes(actualKeys[a] as string) ? 'duplicate or out of order' : 'not declared';
      ops.push({ words: ['-D', chain, String(a + 1)], summary: `delete rule ${a + 1} -A ${chain} ${renderWords(actual[a] as string[])} (${why})` });
    }
    let pos = 1;
    let length = keep.length;
    declared.forEach((w, d) => {
      if (!keptDeclared.has(d)) {
        if (pos > length) ops.push({ words: ['-A', chain, ...w], summary: `append -A ${chain} ${show(w)}` });
        else ops.push({ words: ['-I', chain, String(pos), ...w], summary: `insert at ${pos}: -A ${chain} ${show(w)}` });
        length++;
      }
      pos++;
    });
  } else {
    let top = 1;
    declared.forEach((w, i) => {
      if (present(i)) {
        top++;
        return;
      }
      if (args.position === 'top') {
        ops.push({ words: ['-I', chain, String(top), ...w], summary: `insert at ${top}: -A ${chain} ${show(w)}` });
        top++;
      } else ops.push({ words: ['-A', chain, ...w], summary: `append -A ${chain} ${show(w)}` });
    });
  }

  if (args.policy !== undefined && state.listing.policy !== args.policy) {
    ops.push({ words: ['-P', chain, args.policy], summary: `policy ${chain} ${state.listing.policy ?? '?'} -> ${args.policy}` });
  }
  return ops;
}

/** The iptables-restore --noflush input for a list of operations on one table. */
export function restoreInput(table: string, ops: readonly IptOp[]): string {
  return [`*${table}`, ...ops.map((o) => renderWords(o.words)), 'COMMIT', ''].join('\n');
}

/** iptables-save output without comments and counters, to compare a saved file with the live rules. */
export function normalizeSave(text: string): string[] {
  return splitLines(text)
    .lines.map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith(':') ? l.replace(/\s*\[\d+:\d+\]$/, '') : l.replace(/^\[\d+:\d+\]\s*/, '')));
}
