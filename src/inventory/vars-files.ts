/**
 * group_vars/ and host_vars/ as Ansible's `host_group_vars` plugin finds them, in a base
 * directory (an inventory's directory or the playbook's):
 *   BASE/group_vars/NAME, NAME.yml, NAME.yaml, NAME.json   (the first that exists wins)
 *   BASE/group_vars/NAME/  a directory: every file in it (and in its sub-directories
 *                          without an extension), sorted by name, merged in that order;
 *                          hidden files, `~` backups and unknown extensions are skipped.
 * Files are YAML or JSON mappings; an empty file adds nothing.
 */
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { kindOf } from '../util/path-kind.js';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseYaml } from '../util/yaml.js';

const EXTENSIONS = ['.yml', '.yaml', '.json'];

export type VarsKind = 'group_vars' | 'host_vars';

async function dirFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir)).sort(byCodePoint);
  for (const name of entries) {
    if (name.startsWith('.') || name.endsWith('~')) continue;
    const ext = path.extname(name);
    const full = path.join(dir, name);
    const kind = await kindOf(full);
    if (kind === 'dir' && !ext) out.push(...(await dirFiles(full)));
    else if (kind === 'file' && (!ext || EXTENSIONS.includes(ext))) out.push(full);
  }
  return out;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files holding the vars of one group or host under BASE/KIND/, in merge order. */
export async function findVarsFiles(base: string, kind: VarsKind, name: string): Promise<string[]> {
  if (name.startsWith('/')) return [];
  let dir: string;
  try {
    dir = await realpath(path.join(base, kind));
  } catch {
    return [];
  }
  if ((await kindOf(dir)) !== 'dir') return [];
  for (const ext of ['', ...EXTENSIONS]) {
    const candidate = path.join(dir, name + ext);
    const kind = await kindOf(candidate);
    if (kind === 'dir') return dirFiles(candidate);
    if (kind === 'file') return [candidate];
  }
  return [];
}

/** Reads vars files once each and keeps what they hold. */
export class VarsFileCache {
  readonly #files = new Map<string, Promise<Record<string, unknown>>>();

  load(file: string): Promise<Record<string, unknown>> {
    let p = this.#files.get(file);
    if (!p) {
      p = loadVarsFile(file);
      this.#files.set(file, p);
    }
    return p;
  }

  /** Merged vars of one group or host from BASE (later files override earlier ones). */
  async varsFor(base: string, kind: VarsKind, name: string): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const f of await findVarsFiles(base, kind, name)) Object.assign(out, await this.load(f));
    return out;
  }
}

async function loadVarsFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read vars file ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (text.startsWith('$ANSIBLE_VAULT;')) {
    throw new InputError('Ansible Vault files are not supported', { code: 'INVENTORY', location: { file, line: 1, column: 1 } });
  }
  const doc = parseYaml(text, file);
  const data = doc.data;
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data) || data instanceof Date) {
    throw new InputError(`a vars file must hold a mapping of variable names to values, got ${Array.isArray(data) ? 'a list' : typeof data}`, {
      code: 'INVENTORY',
      location: doc.locate([]),
    });
  }
  return data as Record<string, unknown>;
}
