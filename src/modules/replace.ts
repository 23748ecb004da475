/**
 * replace (ansible.builtin.replace): every match of a Python regexp (MULTILINE) in a
 * file replaced by a template (`\1`, `\g<name>`), optionally only in the section after
 * `after` / before `before` (DOTALL; both: the shortest section between them). A file
 * that does not exist is an error, as in Ansible; symlinks are followed to the real file.
 */
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import type { AttrArgs } from './support/attrs.js';
import { checkValidate } from './support/put.js';
import { attrProps, bool, has, nonEmpty, object, str, type Schema } from './support/schema.js';
import { planTextFile, type TextEditResult } from './support/text-file.js';
import { pyExpand, pyRegex } from './text/pyregex.js';

export interface ReplaceArgs extends AttrArgs {
  path?: string;
  dest?: string;
  destfile?: string;
  name?: string;
  regexp: string;
  replace?: string;
  after?: string;
  before?: string;
  backup?: boolean;
  validate?: string;
  encoding?: string;
}

export const replaceSchema: Schema = object(
  {
    path: nonEmpty,
    dest: nonEmpty,
    destfile: nonEmpty,
    name: nonEmpty,
    regexp: str,
    replace: str,
    after: str,
    before: str,
    backup: bool,
    validate: nonEmpty,
    encoding: { type: 'string', enum: ['utf-8', 'utf8', 'UTF-8', 'latin-1', 'latin1', 'iso-8859-1'] },
    ...attrProps,
  },
  ['regexp'],
  { oneOf: [has('path'), has('dest'), has('destfile'), has('name')] },
);

export function replacePath(a: ReplaceArgs): string {
  return (a.path ?? a.dest ?? a.destfile ?? a.name) as string;
}

/** Python's re.subn(pattern, repl, text) with MULTILINE: the new text and the count (JS's empty-match rule is Python 3.7+'s). */
export function pySubn(regexp: string, repl: string, text: string): { text: string; count: number } {
  const { re } = pyRegex(regexp, 'mg');
  let out = '';
  let last = 0;
  let count = 0;
  for (const m of text.matchAll(re)) {
    out += text.slice(last, m.index) + pyExpand(repl, m as RegExpExecArray);
    last = (m.index ?? 0) + m[0].length;
    count++;
  }
  return { text: out + text.slice(last), count };
}

/** The pure transform, Ansible's main() without the file handling. */
export function replaceText(text: string, a: Pick<ReplaceArgs, 'regexp' | 'replace' | 'after' | 'before'>): TextEditResult {
  let section = text;
  let from = 0;
  let to = text.length;
  const after = a.after !== undefined && a.after !== '' ? a.after : undefined;
  const before = a.before !== undefined && a.before !== '' ? a.before : undefined;
  if (after !== undefined || before !== undefined) {
    const pattern = after !== undefined && before !== undefined ? `${after}(?P<subsection>.*?)${before}` : after !== undefined ? `${after}(?P<subsection>.*)` : `(?P<subsection>.*)${before ?? ''}`;
    const { re } = pyRegex(pattern, 'sd');
    const span = re.exec(text)?.indices?.groups?.subsection;
    if (span === undefined) return { text, changed: false, msg: `Pattern for before/after params did not match the given file: ${pattern}` };
    [from, to] = span;
    section = text.slice(from, to);
  }
  const r = pySubn(a.regexp, a.replace ?? '', section);
  if (r.count === 0 || r.text === section) return { text, changed: false, msg: '' };
  return { text: text.slice(0, from) + r.text + text.slice(to), changed: true, msg: `${r.count} replacements made` };
}

async function planReplace(host: Host, args: ReplaceArgs): Promise<Change[]> {
  checkValidate(args.validate);
  const path = replacePath(args);
  const st = await host.stat(path);
  if (st?.type === 'directory') throw new TaskError(`Path ${path} is a directory !`);
  if (st === null) throw new TaskError(`Path ${path} does not exist !`);
  return planTextFile(host, path, { ...args, create: false, missingOk: false }, (text) => replaceText(text ?? '', args));
}

export const replaceModule: Module<ReplaceArgs> = {
  name: 'replace',
  args: replaceSchema,
  checkMode: 'full',
  plan: planReplace,
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applyFileChanges(host, changes);
    const note = changes.find((c) => c.kind === 'file')?.data?.note;
    return { rc: 0, path: replacePath(args), msg: typeof note === 'string' ? note : 'ownership, perms or SE linux context changed', ...(r.backup_file !== undefined ? { backup_file: r.backup_file } : {}) };
  },
};
