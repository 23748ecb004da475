/**
 * One round trip, several answers: compose a /bin/sh script of sections whose output can be
 * split apart again. Each section prints a begin marker, the command's output, a newline and
 * an end marker carrying the exit status, so the output is recovered byte for byte.
 */
import { type Command, shQuote, toShell } from '../util/quote.js';

const MARK = '@@hostforge';

export interface Section {
  name: string;
  cmd: Command;
  /** What to do with the command's stderr: merge it into the section (default) or drop it. */
  stderr?: 'merge' | 'drop';
}

export interface SectionResult {
  out: string;
  rc: number;
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new Error(`bad section name ${name}`);
}

/** The script (text for `{ script }`). */
export function sectionsScript(sections: readonly Section[]): string {
  return sections
    .map((s) => {
      checkName(s.name);
      const begin = shQuote(`${MARK} begin ${s.name}`);
      const end = shQuote(`\\n${MARK} end ${s.name} %s\\n`);
      const redirect = s.stderr === 'drop' ? ' 2>/dev/null' : ' 2>&1';
      return `printf '%s\\n' ${begin}; ( ${toShell(s.cmd)}
)${redirect}; printf ${end} "$?"`;
    })
    .join('\n');
}

/** Split the script's stdout back into sections. Missing sections are absent from the map. */
export function parseSections(stdout: string): Map<string, SectionResult> {
  const out = new Map<string, SectionResult>();
  let at = 0;
  for (;;) {
    const b = stdout.indexOf(`${MARK} begin `, at);
    if (b < 0) break;
    const nl = stdout.indexOf('\n', b);
    if (nl < 0) break;
    const name = stdout.slice(b + MARK.length + 7, nl);
    const endMark = `\n${MARK} end ${name} `;
    const e = stdout.indexOf(endMark, nl);
    if (e < 0) break;
    const rcEnd = stdout.indexOf('\n', e + endMark.length);
    const rc = Number(stdout.slice(e + endMark.length, rcEnd < 0 ? undefined : rcEnd));
    out.set(name, { out: stdout.slice(nl + 1, e), rc });
    at = rcEnd < 0 ? stdout.length : rcEnd + 1;
  }
  return out;
}
