/**
 * keypair: the host's own keypair (BigchainDB's "every node needs its own keypair").
 * The private key is made on the host (0600) and never leaves it; the public key is
 * written beside it (`public_path`, default `<path>.pub`), returned as the task result
 * (`public_key`, and `public_key_base58` for Ed25519, BigchainDB's encoding) and recorded
 * on the bastion (pki dir, hostkeys.json) so that a later `keyring` task on any host of
 * the group can list every member's public key, including hosts outside this run's --limit.
 *
 * plan: one round trip (key attributes + `openssl pkey -pubout`, the public file).
 * Changes: key 'other' create, key attributes, public file 'file' (exact content when the
 * key exists, else known after generation: data.predicted = false), bastion record 'other'.
 */
import { createPublicKey } from 'node:crypto';
import { InputError, TaskError } from '../errors.js';
import type { PkiService } from '../pki/types.js';
import { shQuote } from '../util/quote.js';
import { genkeyCommand, keyLabel, parseProbe, probeScript, type ProbeSection } from './certificate.js';
import { commandsFor } from './support/apply-files.js';
import { planAttrChanges, wantedAttrs } from './support/attrs.js';
import { bool, id, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import type { ApplyResult, Change, FileAttrs, Host, Module, ModuleContext } from './types.js';

export type KeypairType = 'ed25519' | 'rsa' | 'ec';

export interface KeypairArgs {
  path: string;
  public_path?: string;
  type?: KeypairType;
  size?: number;
  owner?: string | number;
  group?: string | number;
  /** Record the public key on the bastion for keyrings (default true). */
  record?: boolean;
}

export const keypairSchema: Schema = object(
  {
    path: nonEmpty,
    public_path: nonEmpty,
    type: { ...oneOfValues('ed25519', 'rsa', 'ec'), default: 'ed25519' },
    size: { type: 'integer', enum: [256, 384, 2048, 3072, 4096] },
    owner: id,
    group: id,
    record: { ...bool, default: true },
  },
  ['path'],
);

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

export function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)]! + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** The type of a public key PEM ("ed25519", "rsa", "ec"), or null if unparseable. */
export function publicKeyType(pem: string): string | null {
  try {
    return createPublicKey(pem).asymmetricKeyType ?? null;
  } catch {
    return null;
  }
}

/** BigchainDB's encoding: base58 of the raw 32-byte Ed25519 public key; null for other types. */
export function publicKeyBase58(pem: string): string | null {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') return null;
    const x = key.export({ format: 'jwk' }).x;
    return x ? base58(Buffer.from(x, 'base64url')) : null;
  } catch {
    return null;
  }
}

function norm(pem: string): string {
  return `${pem.replace(/\r\n/g, '\n').trim()}\n`;
}

function attrsOf(args: KeypairArgs, mode: string): FileAttrs {
  return { mode, ...(args.owner !== undefined ? { owner: String(args.owner) } : {}), ...(args.group !== undefined ? { group: String(args.group) } : {}) };
}

function spec(args: KeypairArgs): { type: KeypairType; size: number } {
  const type = args.type ?? 'ed25519';
  const size = args.size ?? (type === 'rsa' ? 2048 : type === 'ec' ? 256 : 0);
  if (type === 'rsa' && size < 2048) throw new InputError(`keypair: size ${size} is not an RSA size`);
  if (type === 'ec' && size !== 256 && size !== 384) throw new InputError(`keypair: size ${size} is not an EC size (256, 384)`);
  return { type, size };
}

export async function planKeypair(host: Host, args: KeypairArgs, pki: PkiService | null): Promise<Change[]> {
  const { type, size } = spec(args);
  const pubPath = args.public_path ?? `${args.path}.pub`;
  if (pubPath === args.path) throw new InputError('keypair: public_path must differ from path');
  const probe = probeScript([
    { name: 'key', kind: 'key', path: args.path },
    { name: 'pub', kind: 'file', path: pubPath },
  ]);
  const r = await host.exec({ script: probe.script });
  if (r.code !== 0) throw new TaskError(`keypair: cannot inspect ${args.path}: ${r.stderr.trim()}`);
  const s = parseProbe(r.stdout, probe);
  const key: ProbeSection = s.get('key') ?? { stat: null, body: '' };
  let pub: { stat: ProbeSection['stat']; text: string | null };
  if (host.checkMode) {
    const [d, st] = await Promise.all([host.read(pubPath), host.stat(pubPath)]);
    pub = { stat: st, text: d ? d.toString('utf8') : null };
  } else {
    const sec = s.get('pub');
    pub = { stat: sec?.stat ?? null, text: sec?.stat ? sec.body : null };
  }

  const changes: Change[] = [];
  let pubPem: string | null = null;
  if (key.stat === null) {
    changes.push({
      action: 'create',
      kind: 'other',
      target: args.path,
      summary: `generate ${keyLabel(type, size)} keypair ${args.path} (on host)`,
      attrs: attrsOf(args, '0600'),
      data: { op: 'genkey', type, size },
    });
  } else {
    if (key.stat.type !== 'file') throw new TaskError(`keypair: ${args.path} is a ${key.stat.type}, not a key file`);
    const have = key.body.trim() === 'UNREADABLE' ? null : publicKeyType(key.body);
    if (have === null) throw new TaskError(`keypair: ${args.path} exists but openssl cannot read it as an unencrypted private key`);
    if (have !== type) throw new TaskError(`keypair: ${args.path} is a ${have} key, not ${type}: move it away to have a new one made`);
    pubPem = norm(key.body);
    for (const c of await planAttrChanges(host, args.path, key.stat, wantedAttrs({ mode: '0600', owner: args.owner, group: args.group }))) {
      changes.push({ ...c, data: { ...c.data, op: 'keyattrs' } });
    }
  }

  if (pubPem === null || pub.text === null || norm(pub.text) !== pubPem) {
    changes.push({
      action: pub.text === null ? 'create' : 'update',
      kind: 'file',
      target: pubPath,
      summary: `write public key ${pubPath}`,
      ...(pub.text !== null ? { before: pub.text } : {}),
      after: pubPem ?? '(the public key of the new keypair)\n',
      attrs: attrsOf(args, '0644'),
      data: pubPem === null ? { op: 'pub', predicted: false } : { op: 'pub', content: Buffer.from(pubPem).toString('base64') },
    });
  } else if (pub.stat) {
    changes.push(...(await planAttrChanges(host, pubPath, pub.stat, wantedAttrs({ mode: '0644', owner: args.owner, group: args.group }))));
  }

  if (args.record !== false && pki) {
    const rec = await pki.hostKey(host.name);
    const recorded = rec && rec !== 'pending' ? norm(rec.publicKeyPem) : null;
    if (pubPem === null || recorded !== pubPem) {
      changes.push({
        action: recorded === null ? 'create' : 'update',
        kind: 'other',
        target: `bastion:hostkeys/${host.name}`,
        summary: `record the public key of ${host.name} on the bastion (for keyrings)`,
        data: { op: 'record', type },
      });
      if (host.checkMode) pki.predictHostKey(host.name, type, pubPem);
    }
  }
  return changes;
}

export async function applyKeypair(host: Host, changes: readonly Change[], args: KeypairArgs, ctx: Pick<ModuleContext, 'pki'>): Promise<ApplyResult> {
  const op = (c: Change): unknown => c.data?.op;
  const genkey = changes.find((c) => op(c) === 'genkey');
  const steps: string[] = [];
  if (genkey) {
    const t = genkey.data?.type;
    steps.push(genkeyCommand(args.path, t === 'rsa' || t === 'ec' ? t : 'ed25519', Number(genkey.data?.size ?? 0), genkey.attrs ?? {}));
  }
  steps.push(`openssl pkey -in ${shQuote(args.path)} -pubout -passin pass: </dev/null`);
  const attrCmds = changes.filter((c) => c.kind === 'attributes').flatMap((c) => commandsFor(c) ?? []);
  for (const c of attrCmds) steps.push(Array.isArray(c) ? (c as string[]).map(shQuote).join(' ') : (c as { script: string }).script);
  const r = await host.exec({ script: steps.join(' && ') });
  host.invalidate(args.path);
  if (r.code !== 0) throw new TaskError(`keypair: ${genkey ? 'generating' : 'reading'} ${args.path} failed: ${r.stderr.trim()}`, { details: r.stderr });
  const m = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/.exec(r.stdout);
  if (!m) throw new TaskError('keypair: openssl printed no public key');
  const pubPem = norm(m[0]);
  const type = publicKeyType(pubPem) ?? 'unknown';

  for (const c of changes) {
    if (op(c) === 'pub') {
      await host.write(c.target, pubPem, c.attrs ?? {});
      host.invalidate(c.target);
    } else if (op(c) === 'record') {
      await (await ctx.pki()).recordHostKey(host.name, type, pubPem);
    }
  }
  const b58 = publicKeyBase58(pubPem);
  return { public_key: pubPem, type, ...(b58 !== null ? { public_key_base58: b58 } : {}), msg: genkey ? `generated ${args.path}` : 'updated' };
}

export const keypairModule: Module<KeypairArgs> = {
  name: 'keypair',
  args: keypairSchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    return planKeypair(host, args, args.record === false ? null : await ctx.pki());
  },
  apply(host, changes, args, ctx): Promise<ApplyResult> {
    return applyKeypair(host, changes, args, ctx);
  },
};
