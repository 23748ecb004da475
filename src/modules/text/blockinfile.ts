/**
 * Ansible's blockinfile as a pure text transform (lib/ansible/modules/blockinfile.py):
 *
 * - the block sits between two marker lines, `marker` with `{mark}` replaced by
 *   `marker_begin` / `marker_end`; hostforge's default marker is
 *   "# {mark} HOSTFORGE MANAGED BLOCK".
 * - both markers present (last occurrence of each): the block between them is replaced
 *   in place (insertafter/insertbefore are ignored).
 * - otherwise it is inserted after the LAST line matching `insertafter` or before the
 *   last line matching `insertbefore` (EOF when nothing matches), at BOF, or at EOF
 *   (the default). A `(?m)` regexp is searched in the whole text, not line by line.
 * - state=absent, or an empty block, removes the markers and what is between them.
 */
import { InputError } from '../../errors.js';
import { splitLinesKeepEnds } from './lines.js';
import { pyRegex } from './pyregex.js';

export const DEFAULT_MARKER = '# {mark} HOSTFORGE MANAGED BLOCK';

export interface BlockInFileSpec {
  state?: 'present' | 'absent';
  block?: string;
  marker?: string;
  marker_begin?: string;
  marker_end?: string;
  insertafter?: string;
  insertbefore?: string;
  prepend_newline?: boolean;
  append_newline?: boolean;
}

export interface BlockEdit {
  text: string;
  changed: boolean;
  msg: string;
}

const LINESEP = '\n';

export function markerLines(spec: BlockInFileSpec): { begin: string; end: string } {
  const marker = spec.marker ?? DEFAULT_MARKER;
  return {
    begin: marker.split('{mark}').join(spec.marker_begin ?? 'BEGIN'),
    end: marker.split('{mark}').join(spec.marker_end ?? 'END'),
  };
}

/** Apply a blockinfile spec to a file's text (null: the file does not exist yet). */
export function blockInFile(original: string | null, spec: BlockInFileSpec): BlockEdit {
  if (spec.insertafter !== undefined && spec.insertbefore !== undefined) {
    throw new InputError('blockinfile: insertafter and insertbefore are mutually exclusive');
  }
  const present = (spec.state ?? 'present') === 'present';
  if (!present && original === null) return { text: '', changed: false, msg: 'file not present' };
  const lines = original === null ? [] : splitLinesKeepEnds(original);
  let insertafter = spec.insertafter;
  const insertbefore = spec.insertbefore;
  if (insertafter === undefined && insertbefore === undefined) insertafter = 'EOF';

  let insertre: ReturnType<typeof pyRegex> | undefined;
  if (insertafter !== undefined && insertafter !== 'EOF') insertre = pyRegex(insertafter);
  else if (insertbefore !== undefined && insertbefore !== 'BOF') insertre = pyRegex(insertbefore);

  const { begin, end } = markerLines(spec);
  const marker0 = begin + LINESEP;
  const marker1 = end + LINESEP;
  let block = spec.block ?? '';
  let blocklines: string[] = [];
  if (present && block !== '') {
    if (!block.endsWith(LINESEP)) block += LINESEP;
    blocklines = [marker0, ...splitLinesKeepEnds(block), marker1];
  }

  let n0: number | undefined;
  let n1: number | undefined;
  lines.forEach((l, i) => {
    if (l === marker0) n0 = i;
    if (l === marker1) n1 = i;
  });

  let at: number;
  if (n0 === undefined || n1 === undefined) {
    let found: number | undefined;
    if (insertre) {
      if (insertre.multiline) {
        const text = original ?? '';
        const m = insertre.re.exec(text);
        if (m) {
          const upto = insertafter !== undefined ? m.index + m[0].length : m.index;
          found = (text.slice(0, upto).match(/\n/g) ?? []).length;
        }
      } else {
        lines.forEach((l, i) => {
          if (insertre!.re.test(l.replace(/\n$/, ''))) found = i;
        });
      }
      if (found === undefined) at = lines.length;
      else at = insertafter !== undefined ? found + 1 : found;
    } else if (insertbefore !== undefined) {
      at = 0; // BOF
    } else {
      at = lines.length; // EOF
    }
  } else if (n0 < n1) {
    lines.splice(n0, n1 - n0 + 1);
    at = n0;
  } else {
    lines.splice(n1, n0 - n1 + 1);
    at = n1;
  }

  if (at > 0 && !lines[at - 1]!.endsWith(LINESEP)) lines[at - 1] += LINESEP;
  if (spec.prepend_newline && present && at !== 0 && lines[at - 1] !== LINESEP) {
    lines.splice(at, 0, LINESEP);
    at++;
  }
  lines.splice(at, 0, ...blocklines);
  if (spec.append_newline && present) {
    const after = at + blocklines.length;
    if (after < lines.length && lines[after] !== LINESEP) lines.splice(after, 0, LINESEP);
  }
  const result = lines.join('');
  let msg = '';
  if (original === result) msg = '';
  else if (original === null) msg = 'File created';
  else if (blocklines.length === 0) msg = 'Block removed';
  else msg = 'Block inserted';
  return { text: result, changed: msg !== '', msg };
}
