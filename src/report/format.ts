/**
 * Rendering of changes, diffs and the recap as text. Renders only; never decides.
 * Every text leaves through the process-wide redactor (every tainted value, every encoding).
 */
import { createTwoFilesPatch } from 'diff';
import type { Recap } from '../engine/events.js';
import type { Change } from '../modules/types.js';
import { redactOutput, trackSecrets } from '../util/secret.js';

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', run: '>' };

export function changeLine(c: Change): string {
  return `${SIGN[c.action]} ${c.summary}`;
}

/** A unified diff of a change's before/after, or a note when it has none to show. */
export function changeDiff(c: Change): string | undefined {
  if (c.before === undefined && c.after === undefined) return undefined;
  if (c.sensitive) return `  (content hidden: sensitive)\n`;
  const before = c.before ?? '';
  const after = c.after ?? '';
  if (before === after) return undefined;
  const patch = createTwoFilesPatch(
    c.action === 'create' ? '/dev/null' : `${c.target} (before)`,
    c.action === 'delete' ? '/dev/null' : `${c.target} (after)`,
    before.endsWith('\n') || before === '' ? before : `${before}\n\\ No newline at end of file\n`,
    after.endsWith('\n') || after === '' ? after : `${after}\n\\ No newline at end of file\n`,
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "=====" line; keep ---/+++ and hunks.
  return patch.split('\n').filter((l) => !/^={5,}$/.test(l)).join('\n');
}

export function recapLines(recap: Record<string, Recap>): string[] {
  const hosts = Object.keys(recap);
  const width = Math.max(4, ...hosts.map((h) => h.length));
  return hosts.map((h) => {
    const r = recap[h]!;
    return `${h.padEnd(width)} : ok=${r.ok}  changed=${r.changed}  unreachable=${r.unreachable}  failed=${r.failed}  skipped=${r.skipped}  rescued=${r.rescued}  ignored=${r.ignored}`;
  });
}

export function redactor(revealed: Set<string>): (s: string) => string {
  trackSecrets(revealed);
  return redactOutput;
}
