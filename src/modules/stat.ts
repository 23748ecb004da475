/**
 * stat: facts about one path, for `register:`. No change. Result:
 * { stat: { exists, path, isdir, isreg, islnk, mode, owner, group, pw_name, gr_name,
 *   size, lnk_target?, lnk_source?, checksum? (sha1, with get_checksum) } }.
 * Reads go through Host.stat/read, so in check mode it sees the predicted state.
 */
import { createHash } from 'node:crypto';
import type { ApplyResult, Change, FileStat, Json } from './types.js';
import { followLinks } from './support/paths.js';
import type { ReadOnlyModule } from './support/readonly.js';
import { bool, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';

export interface StatArgs {
  path: string;
  follow?: boolean;
  get_checksum?: boolean;
  checksum_algorithm?: 'sha1' | 'sha256' | 'md5';
}

export const statSchema: Schema = object(
  { path: nonEmpty, follow: bool, get_checksum: bool, checksum_algorithm: oneOfValues('sha1', 'sha256', 'md5') },
  ['path'],
);

export function statResult(path: string, st: FileStat | null, extra: { [k: string]: Json } = {}): { [k: string]: Json } {
  if (st === null) return { exists: false, path };
  return {
    exists: true,
    path,
    isdir: st.type === 'directory',
    isreg: st.type === 'file',
    islnk: st.type === 'link',
    mode: st.mode,
    owner: st.owner,
    group: st.group,
    pw_name: st.owner,
    gr_name: st.group,
    size: st.size,
    ...(st.linkTarget !== undefined ? { lnk_target: st.linkTarget } : {}),
    ...extra,
  };
}

export const statModule: ReadOnlyModule<StatArgs> = {
  name: 'stat',
  args: statSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(): Promise<Change[]> {
    return [];
  },
  async apply(host, _changes, args): Promise<ApplyResult> {
    let path = args.path;
    let st = await host.stat(path);
    const extra: { [k: string]: Json } = {};
    if (st?.type === 'link' && args.follow === true) {
      const t = await followLinks(host, path);
      extra.lnk_source = t.path;
      path = t.path;
      st = t.st;
    }
    if (st?.type === 'file' && args.get_checksum === true) {
      const data = await host.read(path);
      if (data !== null) extra.checksum = createHash(args.checksum_algorithm ?? 'sha1').update(data).digest('hex');
    }
    return { stat: statResult(args.path, st, extra) };
  },
};
