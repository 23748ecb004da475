/**
 * Rendering of changes, diffs and the recap as text. Renders only; never decides.
 * Every text leaves through the process-wide redactor (every tainted value, every encoding).
 */
import { createTwoFilesPatch } from 'diff';
import type { Recap } from '../engine/events.js';
import type { Change } from '../modules/types.js';
import { printable, printableText } from '../util/printable.js';
import { redactOutput, trackSecrets } from '../util/secret.js';

/**
 * A name on one output line (host, play, task, item, file): redacted, then control characters
 * escaped, so a newline in a file name cannot split a line and an ESC cannot reach the terminal.
 * Redaction comes first: a secret holding a control character is still recognised.
 */
export function shownName(s: string): string {
  return printable(redactOutput(s));
}

/** Text of several lines (a message, command output, a diff): the same, with newlines kept. */
export function shownText(s: string): string {
  return printableText(redactOutput(s));
}

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-', run: '>' };

export function changeLine(c: Change): string {
  return `${SIGN[c.action]} ${shownName(c.summary)}`;
}

/** A unified diff of a change's before/after, or a note when it has none to show. */
export function changeDiff(c: Change): string | undefined {
  if (c.before === undefined && c.after === undefined) return undefined;
  if (c.sensitive) return `  (content hidden: sensitive)\n`;
  const before = c.before ?? '';
  const after = c.after ?? '';
  if (before === after) return undefined;
  const patch = createTwoFilesPatch(
    c.action === 'create' ? '/dev/null' : `${shownName(c.target)} (before)`,
    c.action === 'delete' ? '/dev/null' : `${shownName(c.target)} (after)`,
    before.endsWith('\n') || before === '' ? before : `${before}\n\\ No newline at end of file\n`,
    after.endsWith('\n') || after === '' ? after : `${after}\n\\ No newline at end of file\n`,
    undefined,
    undefined,
    { context: 3 },
  );
  // Drop the "=====" line; keep ---/+++ and hunks.
  return shownText(patch.split('\n').filter((l) => !/^={5,}$/.test(l)).join('\n'));
}

export function recapLines(recap: Record<string, Recap>): string[] {
  const hosts = Object.keys(recap);
  const shown = new Map(hosts.map((h) => [h, shownName(h)]));
  const width = Math.max(4, ...[...shown.values()].map((h) => h.length));
  return hosts.map((h) => {
    const r = recap[h]!;
    return `${shown.get(h)!.padEnd(width)} : ok=${r.ok}  changed=${r.changed}  unreachable=${r.unreachable}  failed=${r.failed}  skipped=${r.skipped}  rescued=${r.rescued}  ignored=${r.ignored}`;
  });
}

export function redactor(revealed: Set<string>): (s: string) => string {
  trackSecrets(revealed);
  return redactOutput;
}
