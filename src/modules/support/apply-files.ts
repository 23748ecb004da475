/**
 * Apply planned filesystem changes, whatever module planned them:
 *   file        create|update  host.write(target, bytes, {attrs, validate, backup})
 *   directory   create         mkdir -p, then chmod/chown of the target itself
 *   link        create|update  ln -s (data.replace: 'file' → rm -f first, 'directory' → rmdir first)
 *   absent      delete         rm -rf
 *   attributes  update         chmod / chown (data.recurse → -R; data.link → chown -h)
 * Consecutive command-based changes go to the host as ONE script (one round trip).
 */
import { TaskError } from '../../errors.js';
import { andThen, type Command } from '../../util/quote.js';
import type { Change, FileAttrs, Host } from '../types.js';

export interface FileApplyResult {
  backup_file?: string;
}

/** The exact bytes a 'file' change writes. */
export function changeBytes(c: Change): Buffer {
  const content = c.data?.content;
  if (typeof content === 'string') return Buffer.from(content, 'base64');
  return Buffer.from(c.after ?? '', 'utf8');
}

function ownerArg(a: FileAttrs): string | undefined {
  if (a.owner === undefined && a.group === undefined) return undefined;
  return `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`;
}

function attrCommands(path: string, a: FileAttrs, opts: { recurse?: boolean; link?: boolean } = {}): Command[] {
  const cmds: Command[] = [];
  const r = opts.recurse ? ['-R'] : [];
  if (a.mode !== undefined && !opts.link) cmds.push(['chmod', ...r, a.mode, '--', path]);
  const o = ownerArg(a);
  if (o !== undefined) cmds.push(['chown', ...r, ...(opts.link || opts.recurse ? ['-h'] : []), o, '--', path]);
  return cmds;
}

/** The commands for one non-write change, or null when the change is a write. */
export function commandsFor(c: Change): Command[] | null {
  const path = c.target;
  switch (c.kind) {
    case 'file':
      return null;
    case 'directory':
      return [['mkdir', '-p', '--', path], ...attrCommands(path, c.attrs ?? {})];
    case 'link': {
      const src = String(c.data?.src ?? c.after ?? '');
      const replace = c.data?.replace;
      const pre: Command[] =
        replace === 'file' ? [['rm', '-f', '--', path]] : replace === 'directory' ? [['rmdir', '--', path]] : [];
      const ln: Command = c.action === 'update' && replace === undefined ? ['ln', '-sfn', '--', src, path] : ['ln', '-s', '--', src, path];
      return [...pre, ln, ...attrCommands(path, c.attrs ?? {}, { link: true })];
    }
    case 'absent':
      if (path === '/' || path === '') throw new TaskError(`refusing to remove ${JSON.stringify(path)}`);
      return [['rm', '-rf', '--', path]];
    case 'attributes':
      return attrCommands(path, c.attrs ?? {}, { recurse: c.data?.recurse === true, link: c.data?.link === true });
    default:
      throw new TaskError(`cannot apply a '${c.kind}' change to ${path} as a file change`);
  }
}

async function run(host: Host, cmds: Command[], changes: Change[]): Promise<void> {
  if (cmds.length === 0) return;
  const r = await host.exec(andThen(...cmds));
  for (const c of changes) host.invalidate(c.target);
  if (r.code !== 0) {
    const what = changes.map((c) => c.summary).join('; ');
    throw new TaskError(`${what}: ${r.stderr.trim() || `exit code ${r.code}`}`, { details: r.stderr });
  }
}

/** Apply file/directory/link/absent/attributes changes in order. */
export async function applyFileChanges(host: Host, changes: readonly Change[]): Promise<FileApplyResult> {
  const result: FileApplyResult = {};
  let pending: Command[] = [];
  let pendingChanges: Change[] = [];
  for (const c of changes) {
    const cmds = commandsFor(c);
    if (cmds !== null) {
      pending.push(...cmds);
      pendingChanges.push(c);
      continue;
    }
    await run(host, pending, pendingChanges);
    pending = [];
    pendingChanges = [];
    const a = c.attrs ?? {};
    const validate = typeof c.data?.validate === 'string' ? c.data.validate : undefined;
    const w = await host.write(c.target, changeBytes(c), {
      ...(a.mode !== undefined ? { mode: a.mode } : {}),
      ...(a.owner !== undefined ? { owner: a.owner } : {}),
      ...(a.group !== undefined ? { group: a.group } : {}),
      ...(validate !== undefined ? { validate } : {}),
      ...(c.data?.backup === true ? { backup: true } : {}),
    });
    host.invalidate(c.target);
    if (w.backup !== undefined) result.backup_file = w.backup;
  }
  await run(host, pending, pendingChanges);
  return result;
}
