/**
 * certificate: a host certificate signed by the bastion's CA, with the key made ON THE HOST.
 *
 * plan (one round trip): the key's attributes and public key (`openssl pkey -pubout`),
 * the certificate, the installed CA certificate and, if asked, whether the key+cert
 * bundle is current (`cmp` on the host). Reasons to issue are decided locally
 * (issueReasons, a pure function): missing or unparseable cert, another issuer, key
 * mismatch, subject / SAN / usage change, or less than the renewal window left.
 *
 * apply: `openssl genpkey` under umask 077 (then chown, rename) and `openssl req -new`
 * on the host in one round trip; the CSR comes back, the CA signs it (the bastion sets
 * the subject and SANs, the CSR only proves possession of the key), the cert and CA
 * cert are written atomically. The private key never leaves the host and never appears
 * in a change, a diff or a log.
 *
 * Changes: key 'other' create ("generate RSA 2048 key (on host)"), key attributes, cert
 * 'file' (content known only after signing: data.predicted = false), CA cert 'file'
 * (exact content), bundle 'other'.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import type { CertInfo, CertUsage, DnAttr, PkiService, SignRequest } from '../pki/types.js';
import { shQuote } from '../util/quote.js';
import { commandsFor } from './support/apply-files.js';
import { keptCertificateWarning, predictRevocations, revokeReplaced, revokeReplacedChange } from './certificate-rotation.js';
import { planAttrChanges, wantedAttrs, type AttrArgs } from './support/attrs.js';
import { attrProps, bool, id, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import type { ApplyResult, Change, FileAttrs, FileStat, Host, Json, Module, ModuleContext, Vars } from './types.js';

export type KeyType = 'rsa' | 'ec';

export interface CertificateArgs extends AttrArgs {
  path: string;
  key_path: string;
  ca_path?: string;
  /** key + cert concatenated in one 0600 file (MongoDB's certificateKeyFile), built on the host. */
  bundle_path?: string;
  common_name?: string;
  organization?: string;
  organizational_unit?: string;
  dns?: string[];
  ips?: string[];
  include_host_names?: boolean;
  usage?: CertUsage;
  days?: number;
  renew_before_days?: number;
  key_type?: KeyType;
  key_size?: number;
  force?: boolean;
  /** Revoke the certificate this one replaces (reason superseded): see certificate-rotation.ts. */
  revoke_replaced?: boolean;
}

const list: Schema = { type: 'array', items: { type: 'string', minLength: 1 } };

export const certificateSchema: Schema = object(
  {
    path: nonEmpty,
    key_path: nonEmpty,
    ca_path: nonEmpty,
    bundle_path: nonEmpty,
    common_name: nonEmpty,
    organization: nonEmpty,
    organizational_unit: nonEmpty,
    dns: list,
    ips: list,
    include_host_names: { type: 'boolean', default: true },
    usage: { ...oneOfValues('server', 'client', 'both'), default: 'server' },
    days: { type: 'integer', minimum: 1, maximum: 36500, default: 365 },
    renew_before_days: { type: 'number', exclusiveMinimum: 0 },
    key_type: { ...oneOfValues('rsa', 'ec'), default: 'rsa' },
    key_size: { type: 'integer', enum: [256, 384, 2048, 3072, 4096] },
    force: bool,
    revoke_replaced: bool,
    mode: attrProps.mode!,
    owner: id,
    group: id,
  },
  ['path', 'key_path'],
);

// ---------------------------------------------------------------------------------------------
// Probing the host in one round trip (shared with keypair).

export type ProbeItem =
  | { name: string; kind: 'key'; path: string }
  | { name: string; kind: 'file'; path: string }
  | { name: string; kind: 'bundle'; path: string; key: string; cert: string };

export interface Probe {
  marker: string;
  script: string;
}

const STAT = ['stat', '-L', '-c', '%F|%a|%U|%G|%s', '--'];

export function probeScript(items: readonly ProbeItem[]): Probe {
  const marker = `@@hostforge-${randomBytes(6).toString('hex')}@@`;
  const lines: string[] = [];
  for (const it of items) {
    const p = shQuote(it.path);
    lines.push(`printf '%s\\n' ${shQuote(`${marker} ${it.name}`)}`);
    const stat = `${STAT.map(shQuote).join(' ')} ${p}`;
    if (it.kind === 'key') {
      lines.push(`if [ -e ${p} ]; then ${stat}; openssl pkey -in ${p} -pubout -passin pass: 2>/dev/null </dev/null || echo UNREADABLE; fi`);
    } else if (it.kind === 'file') {
      lines.push(`if [ -e ${p} ]; then ${stat} && cat -- ${p}; fi`);
    } else {
      lines.push(
        `if [ -e ${p} ]; then ${stat}; if cat -- ${shQuote(it.key)} ${shQuote(it.cert)} 2>/dev/null | cmp -s - ${p}; then echo SAME; else echo DIFFERS; fi; fi`,
      );
    }
  }
  lines.push(`printf '%s\\n' ${shQuote(`${marker} end`)}`);
  return { marker, script: lines.join('\n') };
}

/** Section name → text (without the stat line); stat parsed separately. */
export interface ProbeSection {
  stat: FileStat | null;
  body: string;
}

export function parseProbe(stdout: string, probe: Probe): Map<string, ProbeSection> {
  const out = new Map<string, ProbeSection>();
  const parts = stdout.split(`${probe.marker} `);
  if (!parts[parts.length - 1]!.startsWith('end')) throw new TaskError('probe output is truncated', { details: stdout.slice(-500) });
  for (const part of parts.slice(1, -1)) {
    const nl = part.indexOf('\n');
    const name = part.slice(0, nl);
    const rest = part.slice(nl + 1);
    if (rest === '') {
      out.set(name, { stat: null, body: '' });
      continue;
    }
    const nl2 = rest.indexOf('\n');
    const first = nl2 < 0 ? rest : rest.slice(0, nl2);
    out.set(name, { stat: parseStatLine(first), body: nl2 < 0 ? '' : rest.slice(nl2 + 1) });
  }
  return out;
}

export function parseStatLine(line: string): FileStat | null {
  const m = /^([^|]+)\|([0-7]+)\|([^|]*)\|([^|]*)\|(\d+)$/.exec(line.trim());
  if (!m) return null;
  const kind = m[1]!;
  const type: FileStat['type'] = kind.includes('regular') ? 'file' : kind === 'directory' ? 'directory' : kind.includes('link') ? 'link' : 'other';
  return { type, mode: m[2]!.padStart(4, '0'), owner: m[3]!, group: m[4]!, size: Number(m[5]) };
}

/** The key generation script: umask 077, genpkey to a temp file, chown, rename. */
export function genkeyCommand(path: string, type: KeyType | 'ed25519', size: number, attrs: FileAttrs): string {
  const tmp = `${path}.hostforge-new`;
  const algo =
    type === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${size}`]
      : type === 'ec'
        ? ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${size === 384 ? 'P-384' : 'P-256'}`, '-pkeyopt', 'ec_param_enc:named_curve']
        : ['-algorithm', 'ED25519'];
  const steps = [
    `rm -f -- ${shQuote(tmp)}`,
    ['openssl', 'genpkey', ...algo, '-out', tmp].map(shQuote).join(' ') + ' </dev/null',
    `chmod 0600 -- ${shQuote(tmp)}`,
  ];
  const own = `${attrs.owner ?? ''}${attrs.group !== undefined ? `:${attrs.group}` : ''}`;
  if (own) steps.push(`chown ${shQuote(own)} -- ${shQuote(tmp)}`);
  steps.push(`mv -f -- ${shQuote(tmp)} ${shQuote(path)}`);
  return `(umask 077 && ${steps.join(' && ')}) || { rm -f -- ${shQuote(tmp)}; exit 1; }`;
}

export function keyLabel(type: KeyType | 'ed25519', size: number): string {
  return type === 'rsa' ? `RSA ${size}` : type === 'ec' ? `EC ${size === 384 ? 'P-384' : 'P-256'}` : 'Ed25519';
}

// ---------------------------------------------------------------------------------------------
// What is wanted, and why to issue (pure).

export interface CertWant {
  subject: DnAttr[];
  dns: string[]; // normalised, sorted
  ips: string[]; // canonical, sorted
  usage: CertUsage;
  days: number;
  renewBeforeMs: number;
  force: boolean;
}

export interface CertState {
  /** The host key's public key id; null when the key is missing (it will be generated). */
  keyId: string | null;
  cert: CertInfo | 'missing' | 'unparseable';
  /** The CA revoked the current certificate (`hostforge pki revoke`): it must be replaced. */
  revoked?: { date: string; reason: string } | null;
}

const DAY = 86_400_000;

function fmtName(attrs: readonly DnAttr[]): string {
  return attrs.map((a) => `${a.type}=${a.value}`).join(', ');
}

function sameSubject(a: readonly DnAttr[], b: readonly DnAttr[]): boolean {
  return a.length === b.length && a.every((x, i) => x.type === b[i]!.type && x.value === b[i]!.value);
}

function listDiff(have: readonly string[], want: readonly string[]): string {
  const add = want.filter((x) => !have.includes(x)).map((x) => `+${x}`);
  const del = have.filter((x) => !want.includes(x)).map((x) => `-${x}`);
  return [...add, ...del].join(' ');
}

/** Why the certificate must be (re-)issued; [] when the current one is right. */
export function issueReasons(s: CertState, w: CertWant, now: number): string[] {
  const reasons: string[] = [];
  if (w.force) reasons.push('forced');
  if (s.keyId === null) reasons.push('new key');
  if (s.cert === 'missing') return [...reasons, 'no certificate'];
  if (s.cert === 'unparseable') return [...reasons, 'certificate unparseable'];
  const c = s.cert;
  if (!c.issuedByCa) reasons.push(`issued by another CA (${fmtName(c.issuer)})`);
  if (c.issuedByCa && s.revoked) reasons.push(`revoked by the CA on ${s.revoked.date} (${s.revoked.reason})`);
  if (s.keyId !== null && c.publicKeyId !== s.keyId) reasons.push('key mismatch');
  if (!sameSubject(c.subject, w.subject)) reasons.push(`subject ${fmtName(c.subject)} → ${fmtName(w.subject)}`);
  if (c.dns.join() !== w.dns.join()) reasons.push(`DNS names ${listDiff(c.dns, w.dns)}`);
  if (c.ips.join() !== w.ips.join()) reasons.push(`IP addresses ${listDiff(c.ips, w.ips)}`);
  if (c.usage !== w.usage) reasons.push(`usage ${c.usage ?? 'none'} → ${w.usage}`);
  const left = Date.parse(c.notAfter) - now;
  if (left <= 0) reasons.push(`expired ${c.notAfter}`);
  else if (left < w.renewBeforeMs) {
    reasons.push(`expires in ${(left / DAY).toFixed(1)} days (renewal window ${(w.renewBeforeMs / DAY).toFixed(1)} days)`);
  }
  return reasons;
}

/** Human text of a certificate for the diff (never any key material). */
export function describeCert(c: CertInfo): string {
  return [
    `subject: ${fmtName(c.subject)}`,
    `issuer: ${fmtName(c.issuer)}${c.issuedByCa ? '' : ' (not our CA)'}`,
    `dns: ${c.dns.join(', ')}`,
    `ips: ${c.ips.join(', ')}`,
    `usage: ${c.usage ?? 'none'}`,
    `not after: ${c.notAfter}`,
    `serial: ${c.serial}`,
    `public key: sha256:${c.publicKeyId.slice(0, 16)}`,
    '',
  ].join('\n');
}

function describeWanted(w: CertWant, keyId: string | null, issuer: string): string {
  return [
    `subject: ${fmtName(w.subject)}`,
    `issuer: ${issuer}`,
    `dns: ${w.dns.join(', ')}`,
    `ips: ${w.ips.join(', ')}`,
    `usage: ${w.usage}`,
    `not after: ${w.days} days after signing`,
    'serial: assigned at signing',
    `public key: ${keyId === null ? 'the new key (made on the host)' : `sha256:${keyId.slice(0, 16)}`}`,
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Arguments → wanted state.

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

function normIpText(ip: string): string {
  // URL parsing gives the canonical (RFC 5952) text of an IPv6 address.
  return isIP(ip) === 6 ? new URL(`http://[${ip}]/`).hostname.slice(1, -1) : ip;
}

/** DNS names and IPs for the SAN: args plus (include_host_names) FQDN, inventory name, short name, ansible_host / ip. */
export function sanFromArgs(args: CertificateArgs, hostName: string, vars: Vars): { dns: string[]; ips: string[] } {
  const dns = new Set<string>();
  const ips = new Set<string>();
  const add = (v: string | undefined): void => {
    if (v === undefined) return;
    if (isIP(v)) {
      ips.add(normIpText(v));
      return;
    }
    const d = v.toLowerCase().replace(/\.$/, '');
    if (!DNS_NAME.test(d) || d.length > 253) throw new InputError(`certificate: "${v}" is not a DNS name`);
    dns.add(d);
  };
  for (const d of args.dns ?? []) add(d);
  for (const i of args.ips ?? []) {
    if (!isIP(i)) throw new InputError(`certificate: ips: "${i}" is not an IP address`);
    ips.add(normIpText(i));
  }
  if (args.include_host_names !== false) {
    add(str(vars.fqdn));
    add(hostName);
    if (!isIP(hostName)) add(hostName.split('.')[0]);
    add(str(vars.ansible_host));
    const ip = vars.ip;
    if (typeof ip === 'string') add(str(ip));
    else if (Array.isArray(ip)) for (const x of ip) add(str(x));
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

export function wantFromArgs(args: CertificateArgs, hostName: string, vars: Vars): CertWant {
  const days = args.days ?? 365;
  const renewBeforeDays = args.renew_before_days ?? days / 3;
  if (renewBeforeDays >= days) {
    throw new InputError(`certificate: renew_before_days (${renewBeforeDays}) must be less than days (${days}), or every run would re-issue`);
  }
  const subject: DnAttr[] = [];
  if (args.organization) subject.push({ type: 'O', value: args.organization });
  if (args.organizational_unit) subject.push({ type: 'OU', value: args.organizational_unit });
  subject.push({ type: 'CN', value: args.common_name ?? hostName });
  return { subject, ...sanFromArgs(args, hostName, vars), usage: args.usage ?? 'server', days, renewBeforeMs: renewBeforeDays * DAY, force: args.force === true };
}

function keySpec(args: CertificateArgs): { type: KeyType; size: number } {
  const type = args.key_type ?? 'rsa';
  const size = args.key_size ?? (type === 'rsa' ? 2048 : 256);
  if (type === 'rsa' && size < 2048) throw new InputError(`certificate: key_size ${size} is not an RSA size (2048, 3072, 4096)`);
  if (type === 'ec' && size !== 256 && size !== 384) throw new InputError(`certificate: key_size ${size} is not an EC size (256, 384)`);
  return { type, size };
}

// ---------------------------------------------------------------------------------------------
// plan

interface Observed {
  key: ProbeSection;
  cert: { stat: FileStat | null; text: string | null };
  ca?: { stat: FileStat | null; text: string | null };
  bundle?: ProbeSection;
}

async function observe(host: Host, args: CertificateArgs): Promise<Observed> {
  const items: ProbeItem[] = [
    { name: 'key', kind: 'key', path: args.key_path },
    { name: 'cert', kind: 'file', path: args.path },
  ];
  if (args.ca_path) items.push({ name: 'ca', kind: 'file', path: args.ca_path });
  if (args.bundle_path) items.push({ name: 'bundle', kind: 'bundle', path: args.bundle_path, key: args.key_path, cert: args.path });
  const probe = probeScript(items);
  const r = await host.exec({ script: probe.script });
  if (r.code !== 0) throw new TaskError(`certificate: cannot inspect ${args.path}: ${r.stderr.trim() || `exit ${r.code}`}`);
  const s = parseProbe(r.stdout, probe);
  const section = (n: string): ProbeSection => s.get(n) ?? { stat: null, body: '' };
  const file = async (n: string, path: string): Promise<{ stat: FileStat | null; text: string | null }> => {
    if (host.checkMode) {
      // Check mode: earlier tasks of this run may have (virtually) written the file.
      const [data, stat] = await Promise.all([host.read(path), host.stat(path)]);
      return { stat, text: data ? data.toString('utf8') : null };
    }
    const sec = section(n);
    return { stat: sec.stat, text: sec.stat ? sec.body : null };
  };
  return {
    key: section('key'),
    cert: await file('cert', args.path),
    ...(args.ca_path ? { ca: await file('ca', args.ca_path) } : {}),
    ...(args.bundle_path ? { bundle: section('bundle') } : {}),
  };
}

function pemBody(text: string): string {
  return text.replace(/\r\n/g, '\n').trim();
}

function fileAttrs(args: CertificateArgs, mode: string): FileAttrs {
  const a: FileAttrs = { mode };
  if (args.owner !== undefined) a.owner = String(args.owner);
  if (args.group !== undefined) a.group = String(args.group);
  return a;
}

export async function planCertificate(host: Host, args: CertificateArgs, pki: PkiService, vars: Vars, now = Date.now(), warn?: (msg: string) => void): Promise<Change[]> {
  const want = wantFromArgs(args, host.name, vars);
  const key = keySpec(args);
  const certMode = args.mode !== undefined ? wantedAttrs({ mode: args.mode }).mode : undefined;
  if (certMode && !('octal' in certMode)) throw new InputError('certificate: mode must be octal (such as "0644")');
  const certAttrs = fileAttrs(args, certMode && 'octal' in certMode ? certMode.octal : '0644');
  const keyAttrs = fileAttrs(args, '0600');
  const obs = await observe(host, args);
  const changes: Change[] = [];

  // The key.
  let keyId: string | null = null;
  if (obs.key.stat === null) {
    changes.push({
      action: 'create',
      kind: 'other',
      target: args.key_path,
      summary: `generate ${keyLabel(key.type, key.size)} key ${args.key_path} (on host)`,
      attrs: keyAttrs,
      data: { op: 'genkey', type: key.type, size: key.size },
    });
  } else {
    if (obs.key.stat.type !== 'file') throw new TaskError(`certificate: ${args.key_path} is a ${obs.key.stat.type}, not a key file`);
    if (obs.key.body.trim() === 'UNREADABLE' || (keyId = pki.publicKeyId(obs.key.body)) === null) {
      throw new TaskError(`certificate: ${args.key_path} exists but openssl cannot read it as an unencrypted private key; move it away to have a new one made`);
    }
    for (const c of await planAttrChanges(host, args.key_path, obs.key.stat, wantedAttrs({ mode: '0600', owner: args.owner, group: args.group }))) {
      changes.push({ ...c, data: { ...c.data, op: 'keyattrs' } });
    }
  }

  // The certificate.
  const text = obs.cert.text;
  const info = text === null ? null : pki.inspectCert(text);
  const revoked = info?.issuedByCa ? await pki.revocation(info.serial) : null;
  const state: CertState = { keyId, cert: text === null ? 'missing' : info === null ? 'unparseable' : info, revoked };
  const reasons = issueReasons(state, want, now);
  const caPem = await pki.caCertPem();
  const caInfo = pki.inspectCert(caPem);
  const issuerText = caInfo ? fmtName(caInfo.subject) : 'our CA';
  const issuing = reasons.length > 0;
  if (issuing) {
    const request: { [k: string]: Json } = {
      subject: want.subject.map((a) => ({ type: a.type, value: a.value })),
      dns: want.dns,
      ips: want.ips,
      usage: want.usage,
      days: want.days,
    };
    const data: { [k: string]: Json } = { op: 'issue', predicted: false, reasons, request };
    changes.push({
      action: text === null ? 'create' : 'update',
      kind: 'file',
      target: args.path,
      summary: `issue certificate ${args.path}: ${reasons.join('; ')}`,
      ...(info ? { before: describeCert(info) } : text !== null ? { before: '(unparseable)\n' } : {}),
      after: describeWanted(want, keyId, issuerText),
      attrs: certAttrs,
      data,
    });
  } else if (obs.cert.stat) {
    changes.push(...(await planAttrChanges(host, args.path, obs.cert.stat, wantedAttrs({ mode: certAttrs.mode, owner: args.owner, group: args.group }))));
  }
  // Rotation: the predecessor revoked on request; a kept certificate near its end warned about.
  const revocation = revokeReplacedChange(info, Boolean(revoked), issuing, args.revoke_replaced);
  if (revocation) changes.push(revocation);
  const expiring = keptCertificateWarning(args.path, info, issuing, vars, now);
  if (expiring && warn) warn(expiring);

  // The CA certificate.
  if (args.ca_path && obs.ca) {
    const ca = obs.ca;
    if (ca.text === null || pemBody(ca.text) !== pemBody(caPem)) {
      changes.push({
        action: ca.text === null ? 'create' : 'update',
        kind: 'file',
        target: args.ca_path,
        summary: `${ca.text === null ? 'write' : 'replace'} CA certificate ${args.ca_path}`,
        ...(ca.text !== null ? { before: ca.text } : {}),
        after: caPem,
        attrs: fileAttrs(args, '0644'),
        data: { op: 'ca' },
      });
    } else if (ca.stat) {
      changes.push(...(await planAttrChanges(host, args.ca_path, ca.stat, wantedAttrs({ mode: '0644', owner: args.owner, group: args.group }))));
    }
  }

  // The bundle (key + cert, on the host).
  if (args.bundle_path && obs.bundle) {
    const b = obs.bundle;
    const keyNew = keyId === null;
    if (b.stat === null || issuing || keyNew || b.body.trim() !== 'SAME') {
      changes.push({
        action: b.stat === null ? 'create' : 'update',
        kind: 'other',
        target: args.bundle_path,
        summary: `write key + certificate bundle ${args.bundle_path} (on host)`,
        attrs: keyAttrs,
        data: { op: 'bundle' },
      });
    } else {
      for (const c of await planAttrChanges(host, args.bundle_path, b.stat, wantedAttrs({ mode: '0600', owner: args.owner, group: args.group }))) {
        changes.push(c);
      }
    }
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// apply

async function runScript(host: Host, script: string, what: string): Promise<string> {
  const r = await host.exec({ script });
  if (r.code !== 0) throw new TaskError(`certificate: ${what} failed: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`, { details: r.stderr });
  return r.stdout;
}

function attrScript(changes: readonly Change[]): string | null {
  const cmds = changes.flatMap((c) => commandsFor({ ...c, kind: 'attributes' }) ?? []);
  if (cmds.length === 0) return null;
  return cmds.map((c) => (Array.isArray(c) ? (c as string[]).map(shQuote).join(' ') : (c as { script: string }).script)).join(' && ');
}

/** The signing request a planned 'issue' change carries (the plan is data: apply uses it as is). */
function requestOf(c: Change): SignRequest {
  const r = c.data?.request as { subject?: DnAttr[]; dns?: string[]; ips?: string[]; usage?: CertUsage; days?: number } | undefined;
  if (!r || !Array.isArray(r.subject) || !r.usage || typeof r.days !== 'number') throw new TaskError('certificate: the planned change carries no signing request');
  return { subject: r.subject, dns: r.dns ?? [], ips: r.ips ?? [], usage: r.usage, days: r.days };
}

function toSubj(attrs: readonly DnAttr[]): string {
  return attrs.map((a) => `/${a.type}=${a.value.replace(/([/+\\])/g, '\\$1')}`).join('');
}

export async function applyCertificate(host: Host, changes: readonly Change[], args: CertificateArgs, ctx: ModuleContext): Promise<ApplyResult> {
  const op = (c: Change): unknown => c.data?.op;
  const genkey = changes.find((c) => op(c) === 'genkey');
  const issue = changes.find((c) => op(c) === 'issue');
  const result: ApplyResult = {};

  // 1. key (and CSR) on the host: one round trip.
  const steps: string[] = [];
  if (genkey) {
    const d = genkey.data ?? {};
    steps.push(genkeyCommand(args.key_path, d.type === 'ec' ? 'ec' : 'rsa', Number(d.size), genkey.attrs ?? {}));
  }
  const req = issue ? requestOf(issue) : undefined;
  if (req) steps.push(['openssl', 'req', '-new', '-sha256', '-key', args.key_path, '-subj', toSubj(req.subject!)].map(shQuote).join(' '));
  let csr = '';
  if (steps.length > 0) {
    const out = await runScript(host, steps.join(' && '), genkey ? `generating ${args.key_path}` : `making a CSR for ${args.key_path}`);
    host.invalidate(args.key_path);
    const m = /-----BEGIN CERTIFICATE REQUEST-----[\s\S]+?-----END CERTIFICATE REQUEST-----/.exec(out);
    if (issue && !m) throw new TaskError('certificate: openssl req printed no CSR');
    csr = m ? `${m[0]}\n` : '';
  }
  const keyAttrScript = attrScript(changes.filter((c) => op(c) === 'keyattrs'));
  if (keyAttrScript) await runScript(host, keyAttrScript, `setting attributes of ${args.key_path}`);

  // 2. sign on the bastion, write the cert.
  if (issue) {
    const pki = await ctx.pki();
    const pem = await pki.signCsr(csr, { ...req!, requester: host.name });
    const a = issue.attrs ?? {};
    await host.write(args.path, pem, a);
    host.invalidate(args.path);
    const info = pki.inspectCert(pem);
    if (info) {
      result.serial = info.serial;
      result.not_after = info.notAfter;
    }
  }
  const revokedSerials = await revokeReplaced(await ctx.pki(), changes);
  if (revokedSerials.length > 0) result.revoked = revokedSerials;

  // 3. the CA cert, attributes, bundle.
  for (const c of changes) {
    if (op(c) === 'ca') {
      await host.write(c.target, c.after ?? '', c.attrs ?? {});
      host.invalidate(c.target);
    }
  }
  const otherAttrs = attrScript(changes.filter((c) => c.kind === 'attributes' && op(c) !== 'keyattrs'));
  if (otherAttrs) await runScript(host, otherAttrs, 'setting attributes');
  const bundle = changes.find((c) => op(c) === 'bundle');
  if (bundle) {
    const b = bundle.target;
    const tmp = `${b}.hostforge-new`;
    const a = bundle.attrs ?? {};
    const own = `${a.owner ?? ''}${a.group !== undefined ? `:${a.group}` : ''}`;
    const script = [
      `(umask 077 && cat -- ${shQuote(args.key_path)} ${shQuote(args.path)} > ${shQuote(tmp)}`,
      `chmod 0600 -- ${shQuote(tmp)}`,
      ...(own ? [`chown ${shQuote(own)} -- ${shQuote(tmp)}`] : []),
      `mv -f -- ${shQuote(tmp)} ${shQuote(b)}) || { rm -f -- ${shQuote(tmp)}; exit 1; }`,
    ].join(' && ');
    await runScript(host, script, `writing ${b}`);
    host.invalidate(b);
  }
  result.msg = issue ? `issued ${args.path}${result.serial ? ` (serial ${String(result.serial)})` : ''}` : 'updated';
  return result;
}

export const certificateModule: Module<CertificateArgs> = {
  name: 'certificate',
  args: certificateSchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    if (args.bundle_path && posix.resolve(args.bundle_path) === posix.resolve(args.key_path)) {
      throw new InputError('certificate: bundle_path must differ from key_path');
    }
    const pki = await ctx.pki();
    const changes = await planCertificate(host, args, pki, ctx.vars, Date.now(), (msg) => ctx.warn(msg));
    predictRevocations(pki, changes);
    return changes;
  },
  apply(host, changes, args, ctx): Promise<ApplyResult> {
    return applyCertificate(host, changes, args, ctx);
  },
};
