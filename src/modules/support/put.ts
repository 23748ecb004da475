/**
 * What copy and template share: resolve the destination (a directory or a trailing "/"
 * means dest/basename(src)), read what is there, and plan the write.
 */
import { posix } from 'node:path';
import { TaskError } from '../../errors.js';
import type { Change, Host } from '../types.js';
import { wantedAttrs, type AttrArgs } from './attrs.js';
import { planContent } from './content.js';

export interface PutArgs extends AttrArgs {
  dest: string;
  backup?: boolean;
  validate?: string;
  force?: boolean;
}

export async function resolveDest(host: Host, dest: string, srcName: string | undefined): Promise<string> {
  if (dest.endsWith('/')) {
    if (srcName === undefined) throw new TaskError(`dest ${dest} is a directory; with content, dest must be a file path`);
    return posix.join(dest, posix.basename(srcName));
  }
  const st = await host.stat(dest);
  if (st?.type === 'directory') {
    if (srcName === undefined) throw new TaskError(`dest ${dest} is a directory; with content, dest must be a file path`);
    return posix.join(dest, posix.basename(srcName));
  }
  return dest;
}

export async function planPut(host: Host, args: PutArgs, data: Buffer, srcName: string | undefined, sensitive = false): Promise<Change[]> {
  const wanted = wantedAttrs(args);
  const dest = await resolveDest(host, args.dest, srcName);
  const st = await host.stat(dest);
  if (st !== null && st.type === 'directory') throw new TaskError(`dest ${dest} is a directory`);
  if (st !== null && args.force === false) return [];
  if (st === null) {
    const dir = posix.dirname(dest);
    const dst = await host.stat(dir);
    if (dst === null || dst.type === 'file') throw new TaskError(`Destination directory ${dir} does not exist`);
  }
  const current = st !== null && (st.type === 'file' || st.type === 'link') ? await host.read(dest) : null;
  if (st !== null && current === null && st.type !== 'link') throw new TaskError(`cannot read ${dest} (${st.type})`);
  return planContent(host, dest, data, current === null ? null : st, current, {
    wanted,
    ...(args.validate !== undefined ? { validate: args.validate } : {}),
    ...(args.backup ? { backup: true } : {}),
    ...(sensitive ? { sensitive: true } : {}),
  });
}

export function checkValidate(validate: string | undefined): void {
  if (validate !== undefined && !validate.includes('%s')) throw new TaskError(`validate must contain %s: ${validate}`);
}
