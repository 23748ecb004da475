/**
 * assert: every `that` item must be true. An item is a Handlebars expression: either a
 * bare one (`eq os.family "debian"`, rendered as `{{EXPR}}`) or a template containing
 * `{{ }}`. The rendered text is true unless it is empty, "false", "no", "0" or "off"
 * (case-insensitive, trimmed). Evaluated at plan time, so check mode fails too.
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, ModuleContext } from './types.js';
import type { ReadOnlyModule } from './support/readonly.js';
import { bool, object, str, strOrList, type Schema } from './support/schema.js';

export interface AssertArgs {
  that: string | string[];
  fail_msg?: string;
  msg?: string;
  success_msg?: string;
  quiet?: boolean;
}

export const assertSchema: Schema = object({ that: strOrList, fail_msg: str, msg: str, success_msg: str, quiet: bool }, ['that']);

const FALSY = new Set(['', 'false', 'no', '0', 'off']);

export function isTruthyText(s: string): boolean {
  return !FALSY.has(s.trim().toLowerCase());
}

export function renderCondition(expr: string, render: (t: string) => string): string {
  const e = expr.trim();
  return render(e.includes('{{') ? e : `{{${e}}}`);
}

/** The first failing item, or null when all hold. */
export function firstFailing(that: string | string[], ctx: Pick<ModuleContext, 'render'>): string | null {
  for (const item of Array.isArray(that) ? that : [that]) {
    if (!isTruthyText(renderCondition(item, (t) => ctx.render(t)))) return item;
  }
  return null;
}

function check(args: AssertArgs, ctx: Pick<ModuleContext, 'render'>): ApplyResult {
  const failed = firstFailing(args.that, ctx);
  if (failed !== null) {
    throw new TaskError(args.fail_msg ?? args.msg ?? `Assertion failed: ${failed}`, { details: `assertion: ${failed}` });
  }
  return { msg: args.success_msg ?? 'All assertions passed' };
}

export const assertModule: ReadOnlyModule<AssertArgs> = {
  name: 'assert',
  args: assertSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(_host, args, ctx): Promise<Change[]> {
    check(args, ctx);
    return [];
  },
  async apply(_host, _changes, args, ctx): Promise<ApplyResult> {
    return check(args, ctx);
  },
};
