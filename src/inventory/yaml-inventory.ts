/**
 * YAML (and JSON) inventories, read like Ansible's `yaml` inventory plugin: every top-level
 * key is a group; a group's keys are handled in the order written (`hosts` before
 * `children` adds its hosts first); host entries may carry ranges and a `:port`.
 */
import { InputError } from '../errors.js';
import type { YamlDoc, YamlPath } from '../util/yaml.js';
import { expandHostPattern } from './host-range.js';
import type { InventoryData } from './model.js';
import { checkInventorySchema } from './schema.js';

type Mapping = Record<string, unknown>;

function isMapping(v: unknown): v is Mapping {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
}

/** `hosts: web1` is short for `hosts: {web1: }` */
function asMapping(v: unknown): Mapping | null {
  if (typeof v === 'string') return { [v]: null };
  return isMapping(v) ? v : null;
}

export function isYamlInventoryData(data: unknown): boolean {
  return data === null || data === undefined || isMapping(data);
}

/** Add the groups, hosts and vars of one parsed YAML inventory document. */
export function addYamlInventory(inv: InventoryData, doc: YamlDoc): void {
  const data = doc.data;
  if (data === null || data === undefined) return; // an empty file is an empty inventory
  if (isMapping(data) && typeof data['plugin'] === 'string') {
    throw new InputError('inventory plugin configuration files are not supported (found a top-level "plugin" key)', {
      code: 'INVENTORY',
      location: doc.locateKey(['plugin']),
    });
  }
  checkInventorySchema(doc);
  for (const [name, body] of Object.entries(data as Mapping)) parseGroup(inv, doc, name, body, [name]);
}

function parseGroup(inv: InventoryData, doc: YamlDoc, name: string, body: unknown, path: YamlPath): string {
  inv.addGroup(name, doc.locateKey(path));
  if (!isMapping(body)) return name;
  for (const [section, raw] of Object.entries(body)) {
    const value = asMapping(raw);
    if (value === null) continue;
    const sectionPath = [...path, section];
    if (section === 'vars') {
      for (const [k, v] of Object.entries(value)) inv.setGroupVar(name, k, v, doc.locate([...sectionPath, k]));
    } else if (section === 'children') {
      for (const [child, childBody] of Object.entries(value)) {
        const childPath = [...sectionPath, child];
        parseGroup(inv, doc, child, childBody, childPath);
        inv.addChild(name, child, doc.locateKey(childPath));
      }
    } else if (section === 'hosts') {
      for (const [entry, hostVars] of Object.entries(value)) {
        const location = doc.locateKey([...sectionPath, entry]);
        const { hosts, port } = expandHostPattern(entry, location);
        for (const host of hosts) {
          inv.addHost(host, name, port, location);
          if (isMapping(hostVars)) for (const [k, v] of Object.entries(hostVars)) inv.setHostVar(host, k, v);
        }
      }
    }
  }
  return name;
}
