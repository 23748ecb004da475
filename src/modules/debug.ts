/** debug: print a message or a variable. No change. */
import type { ApplyResult, Change, Json, Vars } from './types.js';
import { toJson } from './support/json.js';
import type { ReadOnlyModule } from './support/readonly.js';
import { exclusive, int, object, str, type Schema } from './support/schema.js';

export interface DebugArgs {
  msg?: unknown;
  var?: string;
  verbosity?: number;
}

export const debugSchema: Schema = object({ msg: {}, var: str, verbosity: { ...int, minimum: 0 } }, [], exclusive('msg', 'var'));

/** Look up `a.b[0].c` in the task's variables; undefined when any step is missing. */
export function lookupVar(vars: Vars, path: string): unknown {
  let cur: unknown = vars;
  for (const seg of path.replace(/\[(\d+)\]/g, '.$1').replace(/\[["']([^"']+)["']\]/g, '.$1').split('.')) {
    if (seg === '') continue;
    if (cur === null || typeof cur !== 'object' || !(seg in (cur as object))) return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

export const debugModule: ReadOnlyModule<DebugArgs> = {
  name: 'debug',
  args: debugSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(): Promise<Change[]> {
    return [];
  },
  async apply(_host, _changes, args, ctx): Promise<ApplyResult> {
    if (args.var !== undefined) {
      const v = lookupVar(ctx.vars, args.var.trim());
      const value: Json = v === undefined ? 'VARIABLE IS NOT DEFINED!' : toJson(v);
      const result: { [k: string]: Json } = {};
      result[args.var] = value;
      return result as ApplyResult;
    }
    if (args.msg === undefined) return { msg: 'Hello world!' };
    // ApplyResult.msg is text: structured messages are shown as JSON.
    return { msg: typeof args.msg === 'string' ? args.msg : JSON.stringify(toJson(args.msg), null, 2) };
  },
};
