/** Read-only views of a lab: its info (state.json), its status (what actually runs), its inventory. */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import {
  DEFAULT_LAB_NAME,
  DEFAULT_STATE_ROOT,
  checkLabName,
  checkStateRoot,
  labStateDir,
  parseBridgeAlias,
} from './layout.js';
import { NETNS_DIR, listLabLinks } from './net.js';
import { nsKey, scanProcs } from './procs.js';
import { hostPaths } from './rootfs.js';
import { infoOf, readState } from './state.js';
import type { LabInfo, LabStatus } from './types.js';

function dirOf(name: string, stateRoot: string | undefined): string {
  checkLabName(name);
  return labStateDir(checkStateRoot(stateRoot ?? DEFAULT_STATE_ROOT), name);
}

export function labInventoryPath(name: string = DEFAULT_LAB_NAME, stateRoot?: string): string {
  return join(dirOf(name, stateRoot), 'inventory.yaml');
}

/** The running lab's description; a LAB error when it is not up. */
export async function labInfo(name: string = DEFAULT_LAB_NAME, stateRoot?: string): Promise<LabInfo> {
  const dir = dirOf(name, stateRoot);
  const state = await readState(dir);
  if (!state || state.phase !== 'up') {
    throw new HostforgeError('LAB', `lab ${JSON.stringify(name)} is not up (no ${state ? 'finished ' : ''}state in ${dir}); start it with \`hostforge lab up N --name ${name}\``);
  }
  return infoOf(state);
}

export async function labStatus(name: string = DEFAULT_LAB_NAME, stateRoot?: string): Promise<LabStatus> {
  const stateDir = dirOf(name, stateRoot);
  const state = await readState(stateDir).catch(() => undefined);
  if (!state) {
    const leftovers =
      (await stat(stateDir).then(() => true, () => false)) ||
      (await listLabLinks()).some((l) => parseBridgeAlias(l.alias)?.stateDir === stateDir);
    return { name, stateDir, state: leftovers ? 'partial' : 'down', hosts: [] };
  }
  const procs = await scanProcs();
  const hosts = await Promise.all(
    state.hosts.map(async (h) => {
      const key = await nsKey(join(NETNS_DIR, h.netns));
      const root = hostPaths(stateDir, h.name).root;
      const running = key !== undefined && procs.some((p) => p.net === key && p.root === root);
      return { ...h, running };
    }),
  );
  const all = hosts.length > 0 && hosts.every((h) => h.running) && state.phase === 'up';
  return { name, stateDir, state: all ? 'up' : 'partial', slot: state.slot, hosts };
}

/** Names of the labs that have a state directory under the state root. */
export async function labList(stateRoot?: string): Promise<string[]> {
  const root = checkStateRoot(stateRoot ?? DEFAULT_STATE_ROOT);
  const names: string[] = [];
  for (const entry of (await readdir(root).catch(() => [] as string[])).sort()) {
    if (await stat(join(root, entry, 'state.json')).then(() => true, () => false)) names.push(entry);
  }
  return names;
}
