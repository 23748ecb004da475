/**
 * What `ansible-inventory` (ansible-core 2.14) prints, built from our inventory graph:
 *   --list   { _meta: { hostvars: {HOST: vars, only hosts with vars} },
 *              all: { children: [...] },
 *              GROUP: { hosts: [...], children: [...] }  -- empty keys and empty groups omitted;
 *              an empty group still appears in its parent's children (so does `ungrouped`) }
 *            Group vars are not printed per group: they are folded into each host's vars.
 *   --graph  an indented tree, children first then hosts, `all` shows no hosts of its own.
 *   --host H the merged vars of H.
 * Internal/magic variables (inventory_hostname, group_names, ...) are left out, as Ansible does.
 * Keys are sorted (Ansible dumps JSON with sort_keys=True); `formatAnsibleJson` reproduces
 * Python's `json.dumps(indent=4, sort_keys=True, ensure_ascii=False)` text.
 */
import type { Group, InventoryData } from './model.js';

export const INTERNAL_VARS: ReadonlySet<string> = new Set([
  'ansible_diff_mode',
  'ansible_config_file',
  'ansible_facts',
  'ansible_forks',
  'ansible_inventory_sources',
  'ansible_limit',
  'ansible_playbook_python',
  'ansible_run_tags',
  'ansible_skip_tags',
  'ansible_verbosity',
  'ansible_version',
  'inventory_dir',
  'inventory_file',
  'inventory_hostname',
  'inventory_hostname_short',
  'groups',
  'group_names',
  'omit',
  'playbook_dir',
]);

export function withoutInternal(vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) if (!INTERNAL_VARS.has(k)) out[k] = v;
  return out;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A copy with every mapping's keys in sorted order (insertion order is what JSON.stringify uses). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(byCodePoint)) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

export interface AnsibleListGroup {
  hosts?: string[];
  children?: string[];
}

export type AnsibleList = { _meta: { hostvars: Record<string, Record<string, unknown>> } } & Record<string, unknown>;

export function buildAnsibleList(inv: InventoryData, hostVars: (host: string) => Record<string, unknown>): AnsibleList {
  const groups: Record<string, AnsibleListGroup> = {};
  const seen = new Set<string>();
  const format = (g: Group): void => {
    const children: string[] = [];
    for (const kid of g.children) {
      children.push(kid.name);
      if (!seen.has(kid.name)) {
        format(kid);
        seen.add(kid.name);
      }
    }
    const hosts = g.name === 'all' ? [] : g.hosts.map((h) => h.name);
    const entry: AnsibleListGroup = {};
    if (children.length > 0) entry.children = children;
    if (hosts.length > 0) entry.hosts = hosts;
    if (entry.children || entry.hosts) groups[g.name] = entry;
  };
  format(inv.group('all'));
  const hostvars: Record<string, Record<string, unknown>> = {};
  for (const h of [...inv.hosts.keys()].sort(byCodePoint)) {
    const vars = withoutInternal(hostVars(h));
    if (Object.keys(vars).length > 0) hostvars[h] = sortKeysDeep(vars) as Record<string, unknown>;
  }
  const out: AnsibleList = { _meta: { hostvars } };
  for (const name of Object.keys(groups).sort(byCodePoint)) out[name] = groups[name];
  return out;
}

export function buildGraph(inv: InventoryData, start = 'all'): string {
  const lines: string[] = [];
  const name = (text: string, depth: number): string => (depth ? '  |'.repeat(depth) + '--' + text : text);
  const walk = (g: Group, depth: number): void => {
    lines.push(name(`@${g.name}:`, depth));
    for (const kid of g.children) walk(kid, depth + 1);
    if (g.name !== 'all') for (const h of g.hosts) lines.push(name(h.name, depth + 1));
  };
  walk(inv.group(start), 0);
  return lines.join('\n');
}

/** Python's json.dumps(value, indent=4, sort_keys=True, ensure_ascii=False). */
export function formatAnsibleJson(value: unknown, indent = ''): string {
  const inner = indent + '    ';
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return formatAnsibleJson((value as { toJSON: () => unknown }).toJSON(), indent);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatAnsibleJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(byCodePoint);
    if (keys.length === 0) return '{}';
    const body = keys.map((k) => `${inner}${JSON.stringify(k)}: ${formatAnsibleJson((value as Record<string, unknown>)[k], inner)}`);
    return `{\n${body.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(String(value));
}
