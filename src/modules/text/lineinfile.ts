/**
 * Ansible's lineinfile as a pure text transform (lib/ansible/modules/lineinfile.py,
 * `present()` / `absent()`), line for line, so the same task gives the same file:
 *
 * - `regexp` (or `search_string`) matches: the LAST matching line (the first with
 *   `firstmatch`) is replaced by `line` (expanded with `backrefs`); insertafter/before
 *   are ignored.
 * - no match, but `line` is already in the file (anywhere): no change.
 * - otherwise `line` is inserted after the last line matching `insertafter` (the first
 *   with `firstmatch`), before the one matching `insertbefore`, at BOF, or at EOF (the
 *   default, and also when the insertafter/insertbefore regexp matches nothing).
 * - `backrefs` with no regexp match: no change at all.
 * - absent: every line matching regexp / containing search_string / equal to line goes.
 *
 * Regexps are Python syntax (see pyregex.ts); a line is matched without its "\n".
 */
import { InputError } from '../../errors.js';
import { chompNl, readLines, rstripEol, endsWithEol } from './lines.js';
import { pyExpand, pyRegex } from './pyregex.js';

export interface LineInFileSpec {
  state?: 'present' | 'absent';
  line?: string;
  regexp?: string;
  search_string?: string;
  insertafter?: string;
  insertbefore?: string;
  backrefs?: boolean;
  firstmatch?: boolean;
}

export interface LineEdit {
  text: string;
  changed: boolean;
  msg: string;
  /** absent: how many lines were removed. */
  found?: number;
}

const LINESEP = '\n';

function checkSpec(s: LineInFileSpec): void {
  if (s.insertafter !== undefined && s.insertbefore !== undefined) {
    throw new InputError('lineinfile: insertafter and insertbefore are mutually exclusive');
  }
  if (s.regexp !== undefined && s.search_string !== undefined) {
    throw new InputError('lineinfile: regexp and search_string are mutually exclusive');
  }
  if (s.backrefs && s.search_string !== undefined) {
    throw new InputError('lineinfile: backrefs and search_string are mutually exclusive');
  }
}

/** Apply a lineinfile spec to a file's text (null: the file does not exist yet). */
export function lineInFile(text: string | null, spec: LineInFileSpec): LineEdit {
  checkSpec(spec);
  if ((spec.state ?? 'present') === 'absent') return absent(text, spec);
  return present(text ?? '', spec);
}

function present(text: string, s: LineInFileSpec): LineEdit {
  if (s.line === undefined) throw new InputError('lineinfile: line is required with state=present');
  if (s.backrefs && s.regexp === undefined) throw new InputError('lineinfile: regexp is required with backrefs=true');
  const line = s.line;
  const lines = readLines(text);
  const firstmatch = s.firstmatch === true;
  let insertafter = s.insertafter;
  const insertbefore = s.insertbefore;
  if (insertafter === undefined && insertbefore === undefined) insertafter = 'EOF';

  const reM = s.regexp !== undefined ? pyRegex(s.regexp).re : undefined;
  let reIns: RegExp | undefined;
  if (insertafter !== undefined && insertafter !== 'BOF' && insertafter !== 'EOF') reIns = pyRegex(insertafter).re;
  else if (insertbefore !== undefined && insertbefore !== 'BOF') reIns = pyRegex(insertbefore).re;

  let idxMatch = -1; // index[0]
  let idxIns = -1; // index[1]
  let match: RegExpExecArray | null = null;
  let matched = false;

  if (reM) {
    for (let n = 0; n < lines.length; n++) {
      const m = reM.exec(chompNl(lines[n]!));
      if (m) {
        idxMatch = n;
        match = m;
        matched = true;
        if (firstmatch) break;
      }
    }
  }
  if (s.search_string !== undefined) {
    for (let n = 0; n < lines.length; n++) {
      if (lines[n]!.includes(s.search_string)) {
        idxMatch = n;
        matched = true;
        if (firstmatch) break;
      }
    }
  }
  if (!matched) {
    for (let n = 0; n < lines.length; n++) {
      const cur = lines[n]!;
      if (line === rstripEol(cur)) {
        idxMatch = n;
      } else if (reIns && reIns.test(chompNl(cur))) {
        if (insertafter !== undefined) {
          idxIns = n + 1;
          if (firstmatch) break;
        }
        if (insertbefore !== undefined) {
          idxIns = n;
          if (firstmatch) break;
        }
      }
    }
  }

  const result = (msg: string): LineEdit => ({ text: lines.join(''), changed: msg !== '', msg });

  if (idxMatch !== -1) {
    let newLine = s.backrefs && match ? pyExpand(line, match) : line;
    if (!newLine.endsWith(LINESEP)) newLine += LINESEP;
    if (lines[idxMatch] !== newLine) {
      lines[idxMatch] = newLine;
      return result('line replaced');
    }
    return result('');
  }
  if (s.backrefs) return result(''); // never build a line without the groups it refers to
  if (insertbefore === 'BOF' || insertafter === 'BOF') {
    lines.unshift(line + LINESEP);
    return result('line added');
  }
  if (insertafter === 'EOF' || idxIns === -1) {
    if (lines.length > 0 && !endsWithEol(lines[lines.length - 1]!)) lines.push(LINESEP);
    lines.push(line + LINESEP);
    return result('line added');
  }
  if (insertafter !== undefined) {
    if (lines.length === idxIns) {
      if (rstripEol(lines[idxIns - 1]!) !== line) {
        lines.push(line + LINESEP);
        return result('line added');
      }
      return result('');
    }
    if (line !== rstripEol(lines[idxIns]!)) {
      lines.splice(idxIns, 0, line + LINESEP);
      return result('line added');
    }
    return result('');
  }
  lines.splice(idxIns, 0, line + LINESEP);
  return result('line added');
}

function absent(text: string | null, s: LineInFileSpec): LineEdit {
  if (s.regexp === undefined && s.search_string === undefined && s.line === undefined) {
    throw new InputError('lineinfile: one of line, search_string or regexp is required with state=absent');
  }
  if (text === null) return { text: '', changed: false, msg: 'file not present', found: 0 };
  const re = s.regexp !== undefined ? pyRegex(s.regexp).re : undefined;
  const kept: string[] = [];
  let found = 0;
  for (const cur of readLines(text)) {
    let hit: boolean;
    if (re) hit = re.test(chompNl(cur));
    else if (s.search_string !== undefined) hit = cur.includes(s.search_string);
    else hit = s.line === rstripEol(cur);
    if (hit) found++;
    else kept.push(cur);
  }
  return { text: kept.join(''), changed: found > 0, msg: found > 0 ? `${found} line(s) removed` : '', found };
}
