/** POSIX path helpers and symlink resolution through Host.stat. */
import { posix } from 'node:path';
import { TaskError } from '../../errors.js';
import type { FileStat, Host } from '../types.js';

export function resolveFrom(base: string | undefined, p: string): string {
  if (posix.isAbsolute(p) || base === undefined) return p;
  return posix.join(base, p);
}

/**
 * Follow symlinks (up to 20) from `path`: the final path and its stat (null when the
 * final target does not exist). Used by the line editors, which edit the real file as
 * Ansible does instead of replacing the link.
 */
export async function followLinks(host: Host, path: string): Promise<{ path: string; st: FileStat | null }> {
  let cur = path;
  for (let i = 0; i < 20; i++) {
    const st = await host.stat(cur);
    if (st === null || st.type !== 'link' || st.linkTarget === undefined) return { path: cur, st };
    cur = posix.resolve(posix.dirname(cur), st.linkTarget);
  }
  throw new TaskError(`too many levels of symbolic links: ${path}`);
}
