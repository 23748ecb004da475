/**
 * keyring: the public keys of the other members of a group, in one file on every host
 * (BigchainDB's "keyring": "share your public key with all the other nodes").
 *
 * Where the keys come from: the keypair task records each host's public key on the
 * bastion (pki dir, hostkeys.json). Tasks run in lockstep (every host finishes task N
 * before any host starts task N+1), so a role that runs `keypair` then `keyring` builds
 * the whole keyring in one run; and since the records persist, a run limited to some
 * hosts still writes keyrings that list every member. In check mode, a member whose key
 * is not generated yet makes the content unknown (data.predicted = false).
 *
 * Formats: pem (default; "# host" then the PEM, hosts sorted), base58 (Ed25519 only:
 * one BigchainDB-style key a line, hosts sorted), json ({host: {type, public_key, base58?}}).
 */
import { InputError, TaskError } from '../errors.js';
import type { HostKeyRecord, PkiService } from '../pki/types.js';
import { andThen } from '../util/quote.js';
import { publicKeyBase58 } from './keypair.js';
import { commandsFor } from './support/apply-files.js';
import { planAttrChanges, wantedAttrs, type AttrArgs } from './support/attrs.js';
import { attrProps, bool, has, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import type { ApplyResult, Change, Host, Module } from './types.js';

export type KeyringFormat = 'pem' | 'base58' | 'json';

export interface KeyringArgs extends AttrArgs {
  path: string;
  /** Inventory group whose members' keys are listed. */
  from_group?: string;
  /** Or an explicit list of hosts. */
  hosts?: string[];
  include_self?: boolean;
  format?: KeyringFormat;
}

export const keyringSchema: Schema = object(
  {
    path: nonEmpty,
    from_group: nonEmpty,
    hosts: { type: 'array', items: { type: 'string', minLength: 1 } },
    include_self: bool,
    format: { ...oneOfValues('pem', 'base58', 'json'), default: 'pem' },
    ...attrProps,
  },
  ['path'],
  { oneOf: [has('from_group'), has('hosts')] },
);

export function keyringMembers(args: KeyringArgs, self: string, groups: Record<string, string[]>): string[] {
  let members: string[];
  if (args.hosts) members = args.hosts;
  else {
    const g = groups[args.from_group ?? ''];
    if (!g) throw new InputError(`keyring: no inventory group "${args.from_group ?? ''}"`);
    members = g;
  }
  return [...new Set(members)].filter((h) => args.include_self === true || h !== self).sort();
}

/** The keyring file's text for these records (hosts sorted). */
export function renderKeyring(records: ReadonlyArray<[string, HostKeyRecord]>, format: KeyringFormat): string {
  const sorted = [...records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (format === 'pem') return sorted.map(([h, r]) => `# ${h}\n${r.publicKeyPem.trim()}\n`).join('');
  if (format === 'base58') {
    return sorted
      .map(([h, r]) => {
        const b = publicKeyBase58(r.publicKeyPem);
        if (b === null) throw new TaskError(`keyring: the key of ${h} is ${r.type}, base58 needs Ed25519 keys`);
        return `${b}\n`;
      })
      .join('');
  }
  const obj: Record<string, { type: string; public_key: string; base58?: string }> = {};
  for (const [h, r] of sorted) {
    const b = publicKeyBase58(r.publicKeyPem);
    obj[h] = { type: r.type, public_key: r.publicKeyPem.trim() + '\n', ...(b !== null ? { base58: b } : {}) };
  }
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** Records of every member; 'pending' members (check mode) are listed apart. */
async function collect(pki: PkiService, members: readonly string[]): Promise<{ records: [string, HostKeyRecord][]; pending: string[] }> {
  const records: [string, HostKeyRecord][] = [];
  const pending: string[] = [];
  const missing: string[] = [];
  for (const m of members) {
    const r = await pki.hostKey(m);
    if (r === 'pending') pending.push(m);
    else if (r === null) missing.push(m);
    else records.push([m, r]);
  }
  if (missing.length > 0) {
    throw new TaskError(`keyring: no public key recorded for ${missing.join(', ')}: run the keypair task on ${missing.length > 1 ? 'them' : 'it'} first`);
  }
  return { records, pending };
}

export async function planKeyring(host: Host, args: KeyringArgs, pki: PkiService, groups: Record<string, string[]>): Promise<Change[]> {
  const format = args.format ?? 'pem';
  const members = keyringMembers(args, host.name, groups);
  const w = wantedAttrs({ mode: args.mode ?? '0644', owner: args.owner, group: args.group });
  if (!w.mode || !('octal' in w.mode)) throw new InputError('keyring: mode must be octal (such as "0644")');
  const attrs = { mode: w.mode.octal, ...(w.owner !== undefined ? { owner: w.owner } : {}), ...(w.group !== undefined ? { group: w.group } : {}) };
  const { records, pending } = await collect(pki, members);
  const data = await host.read(args.path);
  const text = data ? data.toString('utf8') : null;
  const action = text === null ? 'create' : 'update';
  if (pending.length > 0) {
    return [
      {
        action,
        kind: 'file',
        target: args.path,
        summary: `write keyring ${args.path} (${members.length} keys; not generated yet: ${pending.join(', ')})`,
        ...(text !== null ? { before: text } : {}),
        after: `(keys of ${members.join(', ')}, known once generated)\n`,
        attrs,
        data: { op: 'keyring', predicted: false, members, format },
      },
    ];
  }
  const content = renderKeyring(records, format);
  if (text !== content) {
    return [
      {
        action,
        kind: 'file',
        target: args.path,
        summary: `write keyring ${args.path} (${members.length} keys: ${members.join(', ')})`,
        ...(text !== null ? { before: text } : {}),
        after: content,
        attrs,
        data: { op: 'keyring', members, format },
      },
    ];
  }
  const st = await host.stat(args.path);
  return st ? planAttrChanges(host, args.path, st, w) : [];
}

export const keyringModule: Module<KeyringArgs> = {
  name: 'keyring',
  args: keyringSchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    return planKeyring(host, args, await ctx.pki(), ctx.groups);
  },
  async apply(host, changes, _args, ctx): Promise<ApplyResult> {
    for (const c of changes) {
      if (c.data?.op === 'keyring') {
        let content = c.after ?? '';
        if (c.data.predicted === false) {
          const members = (c.data.members as string[]) ?? [];
          const { records } = await collect(await ctx.pki(), members);
          content = renderKeyring(records, (c.data.format as KeyringFormat) ?? 'pem');
        }
        await host.write(c.target, content, c.attrs ?? {});
      } else {
        const cmds = commandsFor(c) ?? [];
        if (cmds.length === 0) continue;
        const r = await host.exec(andThen(...cmds));
        if (r.code !== 0) throw new TaskError(`keyring: ${c.summary}: ${r.stderr.trim()}`, { details: r.stderr });
      }
      host.invalidate(c.target);
    }
    return { msg: `wrote ${changes[0]?.target ?? ''}` };
  },
};
