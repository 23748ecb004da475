/**
 * The lab's network on the machine: one bridge per slot, one netns + veth pair per host.
 * Listing reads /sys/class/net and /run/netns directly; changes go through iproute2.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { HostforgeError } from '../errors.js';
import { run, runGone, runOk } from './exec.js';
import {
  BRIDGE_RE,
  FIRST_SLOT,
  MAX_SLOTS,
  NETNS_RE,
  PREFIX_LEN,
  VETH_RE,
  bridgeIp,
  bridgeName,
  hostIp,
  netnsName,
  vethName,
} from './layout.js';

export const NETNS_DIR = '/run/netns';

export interface LinkInfo {
  name: string;
  alias: string;
}

/** hf* links of the machine (bridges hfbr<S> and veths hf<S>v<i>) with their alias. */
export async function listLabLinks(): Promise<LinkInfo[]> {
  const names = await readdir('/sys/class/net').catch(() => [] as string[]);
  const links: LinkInfo[] = [];
  for (const name of names) {
    if (!BRIDGE_RE.test(name) && !VETH_RE.test(name)) continue;
    const alias = await readFile(`/sys/class/net/${name}/ifalias`, 'utf8').catch(() => '');
    links.push({ name, alias: alias.trim() });
  }
  return links;
}

/** Named network namespaces hf<S>n<i>. */
export async function listLabNetns(): Promise<string[]> {
  const names = await readdir(NETNS_DIR).catch(() => [] as string[]);
  return names.filter((n) => NETNS_RE.test(n));
}

export function slotOfName(name: string): number | undefined {
  const m = BRIDGE_RE.exec(name) ?? NETNS_RE.exec(name) ?? VETH_RE.exec(name);
  return m ? Number(m[1]) : undefined;
}

async function writeSysctl(path: string, value: string): Promise<void> {
  await writeFile(path, value).catch(() => undefined);
}

/**
 * Claim a slot by creating its bridge: `ip link add` is atomic, so two labs starting at once
 * never share a slot, whatever state root they use. Tries `preferred` first.
 */
export async function claimSlot(alias: string, preferred?: number): Promise<number> {
  const valid = preferred !== undefined && preferred >= FIRST_SLOT && preferred < MAX_SLOTS;
  const all = Array.from({ length: MAX_SLOTS - FIRST_SLOT }, (_, k) => FIRST_SLOT + k);
  const order = [...(valid ? [preferred] : []), ...all];
  for (const slot of new Set(order)) {
    const r = await run(['ip', 'link', 'add', 'name', bridgeName(slot), 'type', 'bridge']);
    if (r.code === 0) {
      try {
        await configureBridge(slot, alias);
      } catch (err) {
        await deleteLink(bridgeName(slot)).catch(() => undefined);
        throw err;
      }
      return slot;
    }
    if (!/exists/i.test(r.stderr)) {
      throw new HostforgeError('LAB', `cannot create bridge ${bridgeName(slot)}: ${r.stderr.trim()}`);
    }
  }
  throw new HostforgeError(
    'LAB',
    `all ${MAX_SLOTS - FIRST_SLOT} lab slots are taken (bridges ${bridgeName(FIRST_SLOT)}..${bridgeName(MAX_SLOTS - 1)}); run \`hostforge lab down --all\` to free them`,
  );
}

async function configureBridge(slot: number, alias: string): Promise<void> {
  const br = bridgeName(slot);
  await runOk(['ip', 'link', 'set', 'dev', br, 'alias', alias]);
  // No route off the machine: never forward what arrives on the lab bridge, even when the
  // machine forwards for others (docker hosts do). No IPv6 chatter on the machine side.
  await writeSysctl(`/proc/sys/net/ipv4/conf/${br}/forwarding`, '0');
  await writeSysctl(`/proc/sys/net/ipv6/conf/${br}/disable_ipv6`, '1');
  await runOk(['ip', 'addr', 'add', `${bridgeIp(slot)}/${PREFIX_LEN}`, 'dev', br]);
  await runOk(['ip', 'link', 'set', 'dev', br, 'up']);
}

/**
 * Per host i: netns hfx<S>n<i> with eth0 (peer of hfx<S>v<i> in the bridge), lo up, default
 * route via the bridge. The machine side is two `ip -batch` runs for the whole lab (a lab of
 * hundreds of hosts would otherwise spawn four `ip` a host); each namespace's own side is one
 * `ip -n NS -batch`, run `parallel` at a time.
 */
export async function addHostNetworks(slot: number, indices: readonly number[], parallel = 32): Promise<void> {
  const create = indices.flatMap((i) => [
    `netns add ${netnsName(slot, i)}`,
    `link add name ${vethName(slot, i)} type veth peer name eth0 netns ${netnsName(slot, i)}`,
  ]);
  await runOk(['ip', '-batch', '-'], { input: `${create.join('\n')}\n` });
  await Promise.all(indices.map((i) => writeSysctl(`/proc/sys/net/ipv6/conf/${vethName(slot, i)}/disable_ipv6`, '1')));
  const attach = indices.map((i) => `link set dev ${vethName(slot, i)} master ${bridgeName(slot)} up`);
  await runOk(['ip', '-batch', '-'], { input: `${attach.join('\n')}\n` });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < indices.length) {
      const i = indices[next++] as number;
      const batch = [
        `addr add ${hostIp(slot, i)}/${PREFIX_LEN} dev eth0`,
        'link set dev lo up',
        'link set dev eth0 up',
        `route add default via ${bridgeIp(slot)}`,
      ];
      await runOk(['ip', '-n', netnsName(slot, i), '-batch', '-'], { input: `${batch.join('\n')}\n` });
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, indices.length) }, worker));
}

export const deleteLink = (name: string): Promise<void> => runGone(['ip', 'link', 'del', 'dev', name]);
export const deleteNetns = (name: string): Promise<void> => runGone(['ip', 'netns', 'del', name]);
