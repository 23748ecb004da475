/**
 * Names and addresses of a lab, as pure functions. Slot S (1..127) owns the /22 at offset
 * 1024·S in 198.18.0.0/15 (198.18.4.0/22, 198.18.8.0/22 ... 198.19.252.0/22): the machine side
 * of bridge hfx<S> is the block's .1, host i (1-based, up to 1000) is .1+i. Block 0
 * (198.18.0.0/22) and the names hfbr<S>, hf<S>n<i>, hf<S>v<i> belong to the earlier layout
 * (16 slots of 13 hosts in 198.18.0.0/24), so labs of both layouts coexist on one machine.
 */
import { isAbsolute, join, normalize } from 'node:path';
import { HostforgeError, InputError } from '../errors.js';
import type { LabHost } from './types.js';

export const FIRST_SLOT = 1;
export const MAX_SLOTS = 128;
export const MAX_HOSTS = 1000;
export const PREFIX_LEN = 22;
const BLOCK = 2 ** (32 - PREFIX_LEN);
/** 198.18.0.0 as a number. */
const RANGE_BASE = ((198 << 24) >>> 0) + (18 << 16);
export const LAB_DOMAIN = 'lab.test';
export const DEFAULT_LAB_NAME = 'default';
export const DEFAULT_STATE_ROOT = '/var/lib/hostforge/lab';

export const BRIDGE_RE = /^hfx(\d{1,3})$/;
export const NETNS_RE = /^hfx(\d{1,3})n(\d{1,4})$/;
export const VETH_RE = /^hfx(\d{1,3})v(\d{1,4})$/;

export const bridgeName = (slot: number): string => `hfx${slot}`;
export const netnsName = (slot: number, i: number): string => `hfx${slot}n${i}`;
export const vethName = (slot: number, i: number): string => `hfx${slot}v${i}`;
export const hostName = (i: number): string => `node${i}`;

function dotted(n: number): string {
  return [24, 16, 8, 0].map((shift) => (n >>> shift) & 255).join('.');
}

const slotBase = (slot: number): number => RANGE_BASE + BLOCK * slot;
export const bridgeIp = (slot: number): string => dotted(slotBase(slot) + 1);
export const hostIp = (slot: number, i: number): string => dotted(slotBase(slot) + 1 + i);
/** The slot's network in CIDR form, e.g. 198.18.4.0/22. */
export const slotCidr = (slot: number): string => `${dotted(slotBase(slot))}/${PREFIX_LEN}`;

export function labHosts(slot: number, count: number): LabHost[] {
  checkSlot(slot);
  checkCount(count);
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return { name: hostName(i), ip: hostIp(slot, i), fqdn: `${hostName(i)}.${LAB_DOMAIN}`, netns: netnsName(slot, i) };
  });
}

export function checkSlot(slot: number): void {
  if (!Number.isInteger(slot) || slot < FIRST_SLOT || slot >= MAX_SLOTS) {
    throw new HostforgeError('LAB', `lab slot ${slot} is out of range ${FIRST_SLOT}..${MAX_SLOTS - 1}`);
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
