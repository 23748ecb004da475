/**
 * Loading inventory sources, as `ansible-inventory -i A -i B` does:
 *  - a YAML/JSON file (`.yml`, `.yaml`, `.json`), or a file without extension that reads
 *    as a YAML mapping;
 *  - an INI file (any other file, or an extension-less file that is not a YAML mapping);
 *  - a directory: every entry, sorted by name, recursively, skipping hidden entries,
 *    `group_vars`, `host_vars`, `vars_plugins` and Ansible's ignored extensions
 *    (.ini .cfg .retry .orig .md .txt .rst .bak .swp .pyc .pyo .rpm and `~` backups).
 *    Yes, `.ini` files inside an inventory directory are ignored: that is Ansible's rule
 *    (INVENTORY_IGNORE_EXTS); an `.ini` file named directly as a source is read.
 *  - a comma-separated host list (`h1,h2:2222,`) that is not an existing path.
 * Sources merge in order: a host or group seen again gets more groups and vars, later
 * values override earlier ones. group_vars/ and host_vars/ are read beside each source
 * (the directory itself for a directory source) and in each `extraVarsDirs` entry.
 */
import { access, constants, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseYaml, type YamlDoc } from '../util/yaml.js';
import { parseAddress } from './host-range.js';
import { addIniInventory } from './ini-inventory.js';
import { Inventory, type VarsLayer } from './inventory.js';
import { InventoryData, type VarMap } from './model.js';
import { VarsFileCache } from './vars-files.js';
import { addYamlInventory, isYamlInventoryData } from './yaml-inventory.js';

export interface LoadInventoryOptions {
  /** More directories whose group_vars/ and host_vars/ apply (the playbook's directory). */
  extraVarsDirs?: string[];
  /** Connection defaults from the command line and config (-u, -b, ...): below every inventory var. */
  defaults?: Record<string, unknown>;
}

const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;
const YAML_EXTS = new Set(['.yml', '.yaml', '.json']);

export async function loadInventory(sources: string[], opts: LoadInventoryOptions = {}): Promise<Inventory> {
  const data = new InventoryData();
  const bases: string[] = [];
  for (const source of sources) {
    const base = await addSource(data, source);
    if (base !== undefined) bases.push(base);
  }
  data.finish();
  const cache = new VarsFileCache();
  const layer = async (dir: string): Promise<VarsLayer> => ({
    dir,
    groups: await collect(cache, dir, 'group_vars', data.groups.keys()),
    hosts: await collect(cache, dir, 'host_vars', data.hosts.keys()),
  });
  const sourceLayers: VarsLayer[] = [];
  for (const b of bases) sourceLayers.push(await layer(b));
  const extraLayers: VarsLayer[] = [];
  for (const d of opts.extraVarsDirs ?? []) extraLayers.push(await layer(path.resolve(d)));
  return new Inventory(data, [...sources], sourceLayers, extraLayers, opts.defaults ?? {});
}

async function collect(cache: VarsFileCache, dir: string, kind: 'group_vars' | 'host_vars', names: Iterable<string>): Promise<Map<string, VarMap>> {
  const out = new Map<string, VarMap>();
  try {
    if (!(await stat(path.join(dir, kind))).isDirectory()) return out;
  } catch {
    return out;
  }
  for (const name of names) {
    const vars = await cache.varsFor(dir, kind, name);
    if (Object.keys(vars).length > 0) out.set(name, vars);
  }
  return out;
}

/** Parse one -i source into `data`; returns the directory whose group_vars/host_vars apply. */
async function addSource(data: InventoryData, source: string): Promise<string | undefined> {
  const full = path.resolve(source);
  let kind: 'dir' | 'file' | undefined;
  try {
    const s = await stat(full);
    kind = s.isDirectory() ? 'dir' : 'file';
  } catch {
    kind = undefined;
  }
  if (kind === undefined) {
    if (source.includes(',')) {
      addHostList(data, source);
      return undefined;
    }
    throw new InputError(`inventory source not found: ${source}`, { code: 'INVENTORY' });
  }
  if (kind === 'dir') {
    await addDirectory(data, full);
    return full;
  }
  await addFile(data, full);
  return path.dirname(full);
}

function addHostList(data: InventoryData, list: string): void {
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const parsed = parseAddress(entry);
    data.addHost(parsed?.host ?? entry, 'ungrouped', parsed?.port);
  }
}

async function addDirectory(data: InventoryData, dir: string): Promise<void> {
  const entries = (await readdir(dir)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of entries) {
    if (IGNORED.test(name)) continue;
    const full = path.join(dir, name);
    const s = await stat(full).catch(() => undefined);
    if (!s) continue;
    if (s.isDirectory()) await addDirectory(data, full);
    else if (s.isFile()) await addFile(data, full);
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

async function addFile(data: InventoryData, file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read inventory ${file}: ${(err as Error).message}`, { code: 'INVENTORY', cause: err });
  }
  if (text.startsWith('#!') && (await isExecutable(file))) {
    throw new InputError('dynamic inventory scripts are not supported', { code: 'INVENTORY', location: { file, line: 1, column: 1 } });
  }
  data.currentSource = file;
  try {
    const ext = path.extname(file);
    if (YAML_EXTS.has(ext)) {
      addYamlInventory(data, parseYaml(text, file));
    } else if (ext) {
      addIniInventory(data, text, file);
    } else {
      addUnknownFormat(data, text, file);
    }
  } finally {
    data.currentSource = undefined;
  }
}

/** No extension: YAML if it reads as a YAML mapping (or is empty), INI otherwise. */
function addUnknownFormat(data: InventoryData, text: string, file: string): void {
  let doc: YamlDoc | undefined;
  let yamlError: unknown;
  try {
    doc = parseYaml(text, file);
  } catch (err) {
    yamlError = err;
  }
  if (doc && isYamlInventoryData(doc.data)) {
    addYamlInventory(data, doc);
    return;
  }
  try {
    addIniInventory(data, text, file);
  } catch (iniError) {
    const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '' && !/^\s*[#;]/.test(l)) ?? '';
    if (yamlError !== undefined && !firstLine.trim().startsWith('[')) throw yamlError;
    throw iniError;
  }
}
