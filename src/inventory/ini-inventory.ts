/**
 * Ansible INI inventories, read like ansible-core 2.14's `ini` plugin:
 *
 *   host1 ansible_host=10.0.0.1      # before any section: ungrouped
 *   [web]                            # hosts of group web (ranges, :port allowed)
 *   web[1:3] http_port=80
 *   [web:vars]                       # group vars, one key=value a line
 *   proxy=squid
 *   [prod:children]                  # child groups (may be declared further down)
 *   web
 *
 * Values go through Python's literal rules (`5` int, `"5"` string, `True`, `[1,2]`...).
 */
import { InputError } from '../errors.js';
import { expandHostPattern } from './host-range.js';
import type { InventoryData } from './model.js';
import { iniValue } from './python-literal.js';
import { ShlexError, shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/;
const GROUP_NAME = /^([^:\]\s]+)\s*(?:#.*)?$/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  name: string;
  parents: string[];
}

export function addIniInventory(inv: InventoryData, text: string, file: string): void {
  let lineno = 0;
  const fail = (message: string, line = lineno): never => {
    throw new InputError(message, { code: 'INVENTORY', location: { file, line, column: 1 } });
  };
  const pending = new Map<string, Pending>();
  const addPendingChildren = (group: string): void => {
    const decl = pending.get(group);
    if (!decl) return;
    for (const parent of decl.parents) {
      inv.addChild(parent, group, { file, line: decl.line, column: 1 });
      const p = pending.get(parent);
      if (p && p.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  let group = 'ungrouped';
  let state = 'hosts';
  for (const rawLine of text.split(/\r\n|\r|\n/)) {
    lineno++;
    const line = rawLine.trim();
    if (!line || line[0] === ';' || line[0] === '#') continue;

    const m = SECTION.exec(line);
    if (m) {
      group = m[1]!;
      state = m[2] ?? 'hosts';
      if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
        fail(`section [${group}:${state}] has unknown type "${state}" (expected hosts, children or vars)`);
      }
      if (!inv.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) {
          pending.set(group, { line: lineno, state: 'vars', name: group, parents: [] });
        }
        inv.addGroup(group, { file, line: lineno, column: 2 });
      }
      const decl = pending.get(group);
      if (decl && state !== 'vars') {
        if (decl.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(`invalid section entry "${line}": no spaces or other invalid characters are allowed in a section header`);
    }

    if (state === 'hosts') {
      let tokens: string[];
      try {
        tokens = shlexSplit(line);
      } catch (err) {
        if (err instanceof ShlexError) return fail(`cannot parse host line "${line}": ${err.message}`);
        throw err;
      }
      const entry = tokens[0] ?? '';
      const location = { file, line: lineno, column: 1 };
      const { hosts, port } = expandHostPattern(entry, location);
      if (entry.trim().endsWith(':') && port === undefined) {
        fail(`invalid host "${entry}": a trailing ':' must be followed by a port`);
      }
      if (hosts.some((h) => h.trim() === '---')) fail(`invalid host "${entry}": '---' suggests this is a YAML file`);
      const vars: [string, unknown][] = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) fail(`expected key=value host variable, got "${t}"`);
        vars.push([t.slice(0, eq), iniValue(t.slice(eq + 1))]);
      }
      for (const h of hosts) {
        inv.addHost(h, group, port, location);
        for (const [k, v] of vars) inv.setHostVar(h, k, v);
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`expected key=value, got "${line}"`);
      inv.setGroupVar(group, line.slice(0, eq).trim(), iniValue(line.slice(eq + 1).trim()), { file, line: lineno, column: 1 });
    } else {
      const gm = GROUP_NAME.exec(line);
      if (!gm) return fail(`expected a group name, got "${line}"`);
      const child = gm[1]!;
      if (!inv.groups.has(child)) {
        const decl = pending.get(child);
        if (decl) decl.parents.push(group);
        else pending.set(child, { line: lineno, state: 'children', name: child, parents: [group] });
      } else {
        inv.addChild(group, child, { file, line: lineno, column: 1 });
      }
    }
  }

  for (const decl of pending.values()) {
    if (decl.state === 'vars') {
      fail(`section [${decl.name}:vars] is for a group that is not defined anywhere: ${decl.name}`, decl.line);
    } else {
      fail(`section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group "${decl.name}"`, decl.line);
    }
  }
}
