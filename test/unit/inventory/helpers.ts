/** Shared by the inventory tests: fixture paths, temp inventories, the ansible-inventory oracle. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root, from dist/test/unit/inventory/ (compiled) or test/unit/inventory/. */
const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../../../..') : path.resolve(here, '../../..');

export function fixture(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', 'inventory', ...parts);
}

/** Write files (path relative to a new temp dir => content) and return the dir. */
export async function tempTree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-inv-'));
  for (const [rel, content] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  return dir;
}

let ansibleCheck: Promise<boolean> | undefined;
export function hasAnsibleInventory(): Promise<boolean> {
  ansibleCheck ??= run('ansible-inventory', ['--version']).then(
    () => true,
    () => false,
  );
  return ansibleCheck;
}

/**
 * Run the real ansible-inventory (ansible-core) from an empty directory (so no ansible.cfg
 * or group_vars of the cwd interfere), failing on any unparsed source.
 */
export async function ansibleInventory(args: string[]): Promise<string> {
  const cwd = await mkdtemp(path.join(os.tmpdir(), 'hf-oracle-'));
  const { stdout } = await run('ansible-inventory', args, {
    cwd,
    env: {
      ...process.env,
      ANSIBLE_INVENTORY_UNPARSED_FAILED: 'true',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_CONFIG: path.join(cwd, 'none.cfg'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

type ListJson = Record<string, { hosts?: string[]; children?: string[] } | undefined> & {
  _meta?: { hostvars?: Record<string, unknown> };
};

/** An --list document with list order ignored: hostvars, and sorted hosts/children of every group. */
export function normalizeList(doc: unknown): { hostvars: unknown; groups: Record<string, { hosts: string[]; children: string[] }> } {
  const d = doc as ListJson;
  const groups: Record<string, { hosts: string[]; children: string[] }> = {};
  for (const [name, g] of Object.entries(d)) {
    if (name === '_meta' || !g) continue;
    const entry = g as { hosts?: string[]; children?: string[] };
    groups[name] = { hosts: [...(entry.hosts ?? [])].sort(), children: [...(entry.children ?? [])].sort() };
  }
  return { hostvars: d._meta?.hostvars ?? {}, groups };
}
