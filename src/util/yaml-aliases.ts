/**
 * The bound on YAML alias expansion ("billion laughs"). js-yaml hands an alias back as the
 * same object as its anchor, so a 1 KB file can describe 10^9 nodes that only blow up later,
 * when a template, a deep copy or JSON walks them. Here every alias occurrence is charged the
 * expanded size of what it names (counted once per object, memoised by identity), in document
 * order; the first alias that takes the total past the limit is refused with its position.
 * An alias that names a node containing itself (`&a [*a]`) is refused too.
 */

/** Nodes (a string counts one per STRING_UNIT characters) all aliases of one document may add. */
export const ALIAS_NODE_LIMIT = 1_000_000;
const STRING_UNIT = 64;

export interface AliasUse {
  /** Offset of the `*name` in the text. */
  offset: number;
  /** `*name` as written. */
  name: string;
  value: unknown;
}

export type AliasProblem = { kind: 'limit'; at: AliasUse; total: number } | { kind: 'recursive'; at: AliasUse };

const IN_PROGRESS = -1;

/** Expanded size of `value`; `memo` holds finished objects' sizes, IN_PROGRESS while walking one. */
function sizeOf(value: unknown, memo: Map<object, number>): number {
  if (typeof value === 'string') return 1 + Math.floor(value.length / STRING_UNIT);
  if (value === null || typeof value !== 'object') return 1;
  const known = memo.get(value);
  if (known === IN_PROGRESS) throw new RecursiveAlias();
  if (known !== undefined) return known;
  memo.set(value, IN_PROGRESS);
  let n = 1;
  // Stop adding once past any sensible bound: the caller only compares with the limit.
  const children = Array.isArray(value) ? value : Object.values(value);
  for (const c of children) {
    n += sizeOf(c, memo);
    if (n > ALIAS_NODE_LIMIT * 4) break;
  }
  if (!Array.isArray(value)) n += Object.keys(value).length;
  memo.set(value, n);
  return n;
}

class RecursiveAlias extends Error {}

/** The first alias use that breaks the bound, or undefined when the document is within it. */
export function aliasProblem(uses: readonly AliasUse[], limit = ALIAS_NODE_LIMIT): AliasProblem | undefined {
  const memo = new Map<object, number>();
  let total = 0;
  for (const at of uses) {
    try {
      total += sizeOf(at.value, memo);
    } catch (err) {
      if (err instanceof RecursiveAlias) return { kind: 'recursive', at };
      throw err;
    }
    if (total > limit) return { kind: 'limit', at, total };
  }
  return undefined;
}
