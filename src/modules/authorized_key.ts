/**
 * authorized_key: public keys in a user's authorized_keys (present/absent, or exactly the
 * declared ones with exclusive). The user's home and primary group come from ONE exec;
 * the file is read through host.read (so check mode sees earlier tasks' writes).
 * Creates ~/.ssh (0700) and the file (0600) owned by the user when needed.
 * A change to the keys of the account the run logs in as is guarded (default): the host
 * restores the file unless a NEW login works afterwards. Other users' keys need no guard.
 */
import { posix } from 'node:path';
import { TaskError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { editAuthorizedKeys } from '../edit/authorized_keys.js';
import { parseSections, sectionsScript } from '../edit/script.js';
import { applyFileChanges } from './support/apply-files.js';
import { guarded, loginUser } from './support/guard.js';
import { planAttrChanges, wantedAttrs } from './support/attrs.js';
import { planContent } from './support/content.js';
import { bool, nonEmpty, object, oneOfValues, strOrList, type Schema } from './support/schema.js';

export interface AuthorizedKeyArgs {
  user: string;
  key: string | string[];
  /** Default ~user/.ssh/authorized_keys; a relative path is relative to the home. */
  path?: string;
  state?: 'present' | 'absent';
  exclusive?: boolean;
  key_options?: string;
  /** Create the directory of the file (default true). */
  manage_dir?: boolean;
  /** When the user is the run's login account: prove a new login, else restore (default true). */
  lockout_guard?: boolean;
}

export const authorizedKeySchema: Schema = object(
  {
    user: { ...nonEmpty, pattern: '^[A-Za-z_][A-Za-z0-9_.-]*\\$?$' },
    key: strOrList,
    path: nonEmpty,
    state: oneOfValues('present', 'absent'),
    exclusive: bool,
    key_options: nonEmpty,
    manage_dir: bool,
    lockout_guard: bool,
  },
  ['user', 'key'],
);

export const authorizedKeyModule: Module<AuthorizedKeyArgs> = {
  name: 'authorized_key',
  args: authorizedKeySchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    const r = await host.exec({
      script: sectionsScript([
        { name: 'pw', cmd: ['getent', 'passwd', args.user] },
        { name: 'group', cmd: ['id', '-gn', args.user], stderr: 'drop' },
      ]),
    });
    const s = parseSections(r.stdout);
    const pw = s.get('pw');
    if (!pw || pw.rc !== 0) throw new TaskError(`authorized_key: user ${args.user} does not exist`);
    const home = pw.out.trim().split(':')[5] ?? '';
    const group = s.get('group')?.out.trim() || args.user;
    if (!posix.isAbsolute(home)) throw new TaskError(`authorized_key: user ${args.user} has no usable home (${home})`);
    const path = args.path === undefined ? posix.join(home, '.ssh', 'authorized_keys') : posix.resolve(home, args.path.replace(/^~\//, ''));
    const keys = Array.isArray(args.key) ? args.key : [args.key];
    const absent = args.state === 'absent';

    const dir = posix.dirname(path);
    const [dirSt, st] = await Promise.all([host.stat(dir), host.stat(path)]);
    if (st !== null && st.type !== 'file') throw new TaskError(`authorized_key: ${path} is not a regular file`);
    const current = st !== null ? await host.read(path) : null;
    if (current === null && absent) return [];
    const r2 = editAuthorizedKeys(current === null ? '' : current.toString('utf8'), {
      keys,
      state: absent ? 'absent' : 'present',
      ...(args.exclusive ? { exclusive: true } : {}),
      ...(args.key_options !== undefined ? { key_options: args.key_options } : {}),
    });
    const changes: Change[] = [];
    if (dirSt === null && !absent) {
      if (args.manage_dir === false) throw new TaskError(`authorized_key: ${dir} does not exist (manage_dir is false)`);
      changes.push({ action: 'create', kind: 'directory', target: dir, summary: `create ${dir} (0700, ${args.user}:${group})`, attrs: { mode: '0700', owner: args.user, group } });
    }
    const wanted = wantedAttrs({ mode: '0600', owner: args.user, group });
    if (r2.changes.length === 0) {
      if (st !== null) changes.push(...(await planAttrChanges(host, path, st, wanted)));
      return changes;
    }
    changes.push(...(await planContent(host, path, Buffer.from(r2.text, 'utf8'), st, current, { wanted, note: r2.changes.join('; ') })));
    return changes;
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const files = changes.filter((c) => c.kind !== 'directory').map((c) => c.target);
    const edit = () => applyFileChanges(host, changes);
    if (args.lockout_guard === false || files.length === 0 || args.user !== (await loginUser(host, ctx))) await edit();
    else await guarded(host, ctx, { what: `changing the login account's keys (${files.join(', ')})`, files, restored: 'the previous authorized_keys was restored' }, edit);
    return { user: args.user, msg: changes.map((c) => c.summary).join('\n') };
  },
};
