/** state.json of a lab: written atomically, read back with shape checks. */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import type { LabHost, LabInfo, LabState } from './types.js';

export const stateFile = (stateDir: string): string => join(stateDir, 'state.json');

export async function writeState(state: LabState): Promise<void> {
  const path = stateFile(state.stateDir);
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, path);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

function isHost(v: unknown): v is LabHost {
  return isObj(v) && isStr(v.name) && isStr(v.ip) && isStr(v.fqdn) && isStr(v.netns);
}

/** The lab's state, or undefined when it has no (readable) state file. */
export async function readState(stateDir: string): Promise<LabState | undefined> {
  let text: string;
  try {
    text = await readFile(stateFile(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new HostforgeError('LAB', `${stateFile(stateDir)} is not valid JSON`, { cause: err });
  }
  if (
    !isObj(v) ||
    v.version !== 1 ||
    !isStr(v.name) ||
    typeof v.slot !== 'number' ||
    !isStr(v.stateDir) ||
    !Array.isArray(v.hosts) ||
    !v.hosts.every(isHost)
  ) {
    throw new HostforgeError('LAB', `${stateFile(stateDir)} does not look like a hostforge lab state file`);
  }
  return v as unknown as LabState;
}

export function infoOf(state: LabState): LabInfo {
  const { name, slot, stateDir, inventoryPath, knownHostsPath, keyPath, hosts } = state;
  return { name, slot, stateDir, inventoryPath, knownHostsPath, keyPath, hosts: hosts.map((h) => ({ ...h })) };
}
