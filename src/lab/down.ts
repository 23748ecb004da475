/**
 * Tear a lab down from what the machine shows, not from what we recorded: namespaces and
 * links by name (hf*), the slot's owner by the bridge's alias, processes by netns and by root
 * directory. So it also works after a crash, with or without a state file, and twice in a row.
 */
import { readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { removeCpuGroup } from './cgroup.js';
import { run } from './exec.js';
import {
  BRIDGE_RE,
  DEFAULT_LAB_NAME,
  DEFAULT_STATE_ROOT,
  VETH_RE,
  bridgeName,
  checkLabName,
  checkStateRoot,
  labStateDir,
  parseBridgeAlias,
} from './layout.js';
import { NETNS_DIR, deleteLink, deleteNetns, listLabLinks, listLabNetns, slotOfName, type LinkInfo } from './net.js';
import { assertLabPlatform } from './preflight.js';
import { killAll, nsKey } from './procs.js';
import { readState } from './state.js';
import type { LabDownOptions } from './types.js';

export interface LabDownReport {
  netns: string[];
  links: string[];
  dirs: string[];
}

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/** Remove namespaces, veths and bridges of the given slots, after killing every process in them. */
async function teardownSlots(
  slots: ReadonlySet<number>,
  rootPrefixes: readonly string[],
  links: readonly LinkInfo[],
  opts: { keepBridges?: boolean } = {},
): Promise<{ netns: string[]; links: string[] }> {
  const inSlots = (name: string): boolean => {
    const s = slotOfName(name);
    return s !== undefined && slots.has(s);
  };
  const netns = (await listLabNetns()).filter(inSlots);
  const keys = await Promise.all(netns.map((n) => nsKey(join(NETNS_DIR, n))));
  await killAll({ netKeys: new Set(keys.filter((k): k is string => k !== undefined)), rootPrefixes });
  // Then whatever is still in the slot's CPU group (a host caught before it entered its namespace).
  await Promise.all([...slots].map((s) => removeCpuGroup(s)));

  const veths = links.map((l) => l.name).filter((n) => VETH_RE.test(n) && inSlots(n));
  await Promise.all(veths.map(deleteLink)); // deleting a veth also removes its eth0 peer
  await Promise.all(netns.map(deleteNetns));
  const bridges = opts.keepBridges ? [] : links.map((l) => l.name).filter((n) => BRIDGE_RE.test(n) && inSlots(n));
  await Promise.all(bridges.map(deleteLink));
  return { netns, links: [...veths, ...bridges] };
}

/** Machine mounts at or below a lab directory (there should be none: hosts mount privately). */
async function unmountUnder(prefixes: readonly string[]): Promise<void> {
  const text = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const points = text
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p !== '' && prefixes.some((pre) => under(p, pre)))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run(['umount', '-l', p]);
}

/** A directory an alias names is removed only if it really looks like a lab's. */
async function looksLikeLabDir(dir: string): Promise<boolean> {
  if (!isAbsolute(dir) || normalize(dir) !== dir || dir.split('/').length < 4) return false;
  for (const marker of ['state.json', 'hosts', 'id_ed25519']) {
    if (await stat(join(dir, marker)).then(() => true, () => false)) return true;
  }
  return false;
}

/** Tear down the lab `name` (default "default"), or with `all` every lab on the machine. Idempotent. */
export async function labDown(opts: LabDownOptions = {}): Promise<LabDownReport> {
  assertLabPlatform();
  const stateRoot = checkStateRoot(opts.stateRoot ?? DEFAULT_STATE_ROOT);
  return opts.all ? downAll(stateRoot) : downOne(stateRoot, opts.name ?? DEFAULT_LAB_NAME);
}

async function downOne(stateRoot: string, name: string): Promise<LabDownReport> {
  checkLabName(name);
  const stateDir = labStateDir(stateRoot, name);
  const links = await listLabLinks();
  const owner = new Map<number, string | undefined>(); // slot → stateDir named by its bridge alias
  for (const l of links) {
    const m = BRIDGE_RE.exec(l.name);
    if (m) owner.set(Number(m[1]), parseBridgeAlias(l.alias)?.stateDir);
  }
  const slots = new Set<number>();
  for (const [slot, dir] of owner) if (dir === stateDir) slots.add(slot);
  const state = await readState(stateDir).catch(() => undefined);
  // The recorded slot is ours unless another lab's bridge holds it now.
  if (state && (owner.get(state.slot) ?? stateDir) === stateDir) slots.add(state.slot);
  const prefix = join(stateDir, 'hosts');
  const torn = await teardownSlots(slots, [prefix], links);
  await unmountUnder([stateDir]);
  const exists = await stat(stateDir).then(() => true, () => false);
  await rm(stateDir, { recursive: true, force: true });
  return { ...torn, dirs: exists ? [stateDir] : [] };
}

async function downAll(stateRoot: string): Promise<LabDownReport> {
  const links = await listLabLinks();
  const slots = new Set<number>();
  const dirs = new Set<string>();
  for (const n of [...links.map((l) => l.name), ...(await listLabNetns())]) {
    const s = slotOfName(n);
    if (s !== undefined) slots.add(s);
  }
  for (const l of links) {
    const dir = parseBridgeAlias(l.alias)?.stateDir;
    if (dir !== undefined && (await looksLikeLabDir(dir))) dirs.add(dir);
  }
  for (const entry of await readdir(stateRoot).catch(() => [] as string[])) {
    if (await looksLikeLabDir(join(stateRoot, entry))) dirs.add(join(stateRoot, entry));
  }
  const torn = await teardownSlots(slots, [...dirs].map((d) => join(d, 'hosts')), links);
  await unmountUnder([...dirs]);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  await rmdir(stateRoot).catch(() => undefined);
  // `ip netns add` leaves /run/netns bind-mounted on itself; with no namespace left, undo that too.
  if ((await readdir(NETNS_DIR).catch(() => ['?'])).length === 0) await run(['umount', NETNS_DIR]);
  return { ...torn, dirs: [...dirs] };
}

/** Remove leftovers of an earlier crash in a slot just claimed (its bridge is new and ours). */
export async function purgeSlot(slot: number): Promise<void> {
  const links = (await listLabLinks()).filter((l) => l.name !== bridgeName(slot));
  await teardownSlots(new Set([slot]), [], links, { keepBridges: true });
}
