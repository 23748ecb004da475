/**
 * Names and addresses of a lab, as pure functions. Slot S (0..15) owns 198.18.0.(16S)/28:
 * the machine side of bridge hfbr<S> is .16S+1, host i (1-based) is .16S+1+i.
 */
import { isAbsolute, join, normalize } from 'node:path';
import { HostforgeError, InputError } from '../errors.js';
import type { LabHost } from './types.js';

export const MAX_SLOTS = 16;
export const MAX_HOSTS = 13;
export const PREFIX_LEN = 28;
export const LAB_DOMAIN = 'lab.test';
export const DEFAULT_LAB_NAME = 'default';
export const DEFAULT_STATE_ROOT = '/var/lib/hostforge/lab';

export const BRIDGE_RE = /^hfbr(\d{1,2})$/;
export const NETNS_RE = /^hf(\d{1,2})n(\d{1,2})$/;
export const VETH_RE = /^hf(\d{1,2})v(\d{1,2})$/;

export const bridgeName = (slot: number): string => `hfbr${slot}`;
export const netnsName = (slot: number, i: number): string => `hf${slot}n${i}`;
export const vethName = (slot: number, i: number): string => `hf${slot}v${i}`;
export const hostName = (i: number): string => `node${i}`;
export const bridgeIp = (slot: number): string => `198.18.0.${16 * slot + 1}`;
export const hostIp = (slot: number, i: number): string => `198.18.0.${16 * slot + 1 + i}`;

export function labHosts(slot: number, count: number): LabHost[] {
  checkSlot(slot);
  checkCount(count);
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return { name: hostName(i), ip: hostIp(slot, i), fqdn: `${hostName(i)}.${LAB_DOMAIN}`, netns: netnsName(slot, i) };
  });
}

export function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_SLOTS) {
    throw new HostforgeError('LAB', `lab slot ${slot} is out of range 0..${MAX_SLOTS - 1}`);
  }
}

export function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_HOSTS) {
    throw new HostforgeError('LAB', `a lab has 1 to ${MAX_HOSTS} hosts, not ${String(count)}`);
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

export function checkLabName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new InputError(
      `invalid lab name ${JSON.stringify(name)}: use 1-40 letters, digits, '-' or '_', starting with a letter or digit`,
    );
  }
}

/**
 * The state root ends up in overlay mount options (comma separated) and in
 * /proc/PID/root comparisons: it must be a plain absolute path.
 */
export function checkStateRoot(stateRoot: string): string {
  const root = normalize(stateRoot).replace(/\/+$/, '');
  if (!isAbsolute(root) || root === '' || /[\s,:\\"']/.test(root) || root.split('/').length < 3) {
    throw new InputError(
      `invalid lab state root ${JSON.stringify(stateRoot)}: need an absolute path below two levels, without spaces, commas, colons or quotes`,
    );
  }
  return root;
}

export const labStateDir = (stateRoot: string, name: string): string => join(stateRoot, name);

/** /etc/hosts of every lab host: localhost lines, then every lab host. */
export function hostsFileText(hosts: readonly LabHost[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    '',
    '# hostforge lab',
    ...hosts.map((h) => `${h.ip}\t${h.fqdn}\t${h.name}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * The bridge's alias (ifalias, kept by the kernel) names the lab that owns the slot, so a
 * lab can be found and torn down from the machine's state alone, without its state file.
 */
export function bridgeAlias(name: string, stateDir: string): string {
  return `hostforge-lab name=${name} dir=${stateDir}`;
}

export function parseBridgeAlias(alias: string): { name: string; stateDir: string } | undefined {
  const m = /^hostforge-lab name=(\S+) dir=(\/\S+)$/.exec(alias.trim());
  return m ? { name: m[1] as string, stateDir: m[2] as string } : undefined;
}
