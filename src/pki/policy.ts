/**
 * The signing policy for outside CSRs (`hostforge pki sign`), kept in the CA directory as
 * `policy.yaml`. Pure: parse the document, then judge a request against it.
 *
 *   subject:            # each attribute of the subject must match one pattern of its type, if any
 *     allow: ["CN=*.backend.example.org", "O=ORG"]
 *     deny:  ["CN=root", "O=system:masters"]      # always refused (default: these two)
 *   dns: ["*.backend.example.org"]   # allowed DNS SANs (glob; '*' is one label); absent: any
 *   ips: ["198.18.0.0/15"]           # allowed IP SANs (CIDR); absent: any
 *   wildcards: false                 # wildcard DNS SANs (default: refused)
 *   usages: [client]                 # allowed usages; absent: any
 *   max_days: 365                    # longest validity; absent: any the CA allows
 *
 * Without a policy file the defaults above apply: no wildcard SANs, no CN=root, no O=system:masters.
 */
import { BlockList, isIP } from 'node:net';
import { InputError } from '../errors.js';
import type { CertUsage, DnAttr } from './types.js';

export const POLICY_FILE = 'policy.yaml';

export interface SigningPolicy {
  allow: string[];
  deny: string[];
  dns?: string[];
  ips?: string[];
  wildcards: boolean;
  usages?: CertUsage[];
  maxDays?: number;
}

export interface SignPreview {
  subject: DnAttr[];
  dns: string[];
  ips: string[];
  usage: CertUsage;
  days: number;
}

export const DEFAULT_DENY = ['CN=root', 'O=system:masters'];
export const defaultPolicy = (): SigningPolicy => ({ allow: [], deny: [...DEFAULT_DENY], wildcards: false });

const USAGES: readonly CertUsage[] = ['server', 'client', 'both'];

function strings(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InputError(`${where}: expected a list of strings`);
  return v as string[];
}

/** Validate a parsed policy document; `file` names it in errors. */
export function parsePolicy(doc: unknown, file: string): SigningPolicy {
  if (doc === null || doc === undefined) return defaultPolicy();
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${file}: a signing policy must be a mapping`);
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) {
    if (!['subject', 'dns', 'ips', 'wildcards', 'usages', 'max_days'].includes(k)) throw new InputError(`${file}: unknown key "${k}"`);
  }
  const subject = (d.subject ?? {}) as Record<string, unknown>;
  if (typeof subject !== 'object' || Array.isArray(subject)) throw new InputError(`${file}: subject must be a mapping with allow/deny`);
  const usages = strings(d.usages, `${file}: usages`);
  for (const u of usages ?? []) if (!USAGES.includes(u as CertUsage)) throw new InputError(`${file}: usages: "${u}" is not server, client or both`);
  if (d.max_days !== undefined && (!Number.isInteger(d.max_days) || (d.max_days as number) < 1)) throw new InputError(`${file}: max_days must be a positive integer`);
  if (d.wildcards !== undefined && typeof d.wildcards !== 'boolean') throw new InputError(`${file}: wildcards must be true or false`);
  const ips = strings(d.ips, `${file}: ips`);
  for (const c of ips ?? []) cidr(c, file);
  return {
    allow: strings(subject.allow, `${file}: subject.allow`) ?? [],
    deny: strings(subject.deny, `${file}: subject.deny`) ?? [...DEFAULT_DENY],
    dns: strings(d.dns, `${file}: dns`),
    ips,
    wildcards: d.wildcards === true,
    usages: usages as CertUsage[] | undefined,
    maxDays: d.max_days as number | undefined,
  };
}

function cidr(text: string, file: string): { net: string; prefix: number; type: 'ipv4' | 'ipv6' } {
  const [net = '', p] = text.split('/');
  const v = isIP(net);
  const prefix = p === undefined ? (v === 6 ? 128 : 32) : Number(p);
  if (v === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (v === 6 ? 128 : 32)) throw new InputError(`${file}: ips: "${text}" is not an address or CIDR`);
  return { net, prefix, type: v === 6 ? 'ipv6' : 'ipv4' };
}

const globRe = (glob: string, any: string): RegExp =>
  new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join(any)}$`, 'i');

function attrMatches(pattern: string, a: DnAttr): boolean {
  const eq = pattern.indexOf('=');
  if (eq < 1) return false;
  return pattern.slice(0, eq).trim().toUpperCase() === a.type.toUpperCase() && globRe(pattern.slice(eq + 1).trim(), '.*').test(a.value);
}

/** Every reason the policy refuses this request (empty: allowed). */
export function policyViolations(policy: SigningPolicy, req: SignPreview): string[] {
  const out: string[] = [];
  for (const a of req.subject) {
    if (policy.deny.some((p) => attrMatches(p, a))) out.push(`subject ${a.type}=${a.value} is denied by the policy`);
    const ofType = policy.allow.filter((p) => p.split('=')[0]?.trim().toUpperCase() === a.type.toUpperCase());
    if (ofType.length > 0 && !ofType.some((p) => attrMatches(p, a))) out.push(`subject ${a.type}=${a.value} matches none of ${ofType.join(', ')}`);
  }
  for (const d of req.dns) {
    if (d.includes('*') && !policy.wildcards) out.push(`wildcard DNS name ${d} is not allowed (policy: wildcards: true allows it)`);
    if (policy.dns && !policy.dns.some((g) => globRe(g, '[^.]+').test(d) || g.toLowerCase() === d.toLowerCase())) out.push(`DNS name ${d} matches none of ${policy.dns.join(', ')}`);
  }
  if (policy.ips) {
    const list = new BlockList();
    for (const c of policy.ips) {
      const { net, prefix, type } = cidr(c, POLICY_FILE);
      list.addSubnet(net, prefix, type);
    }
    for (const ip of req.ips) if (!list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4')) out.push(`IP ${ip} is outside ${policy.ips.join(', ')}`);
  }
  if (policy.usages && !policy.usages.includes(req.usage)) out.push(`usage ${req.usage} is not one of ${policy.usages.join(', ')}`);
  if (policy.maxDays !== undefined && req.days > policy.maxDays) out.push(`validity ${req.days} days exceeds the policy's max_days ${policy.maxDays}`);
  return out;
}
