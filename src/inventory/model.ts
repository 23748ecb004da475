/**
 * The inventory graph while sources are parsed: groups, hosts, memberships and the vars
 * written in inventory files. It follows ansible-core 2.14's InventoryData/Group/Host
 * closely, because the order in which things are added decides what
 * `ansible-inventory --list` prints (e.g. which groups end up direct children of `all`).
 */
import { InputError, type SourceLocation } from '../errors.js';

export type VarMap = Record<string, unknown>;

export class Group {
  readonly name: string;
  /** Length of the longest parent chain from `all`, set by `finish()`. */
  depth = 0;
  /** `ansible_group_priority` (only from inventory files, as in Ansible). */
  priority = 1;
  readonly vars: VarMap = {};
  /** Direct members, in the order they were added (do not push here: use addHost). */
  readonly hosts: Host[] = [];
  readonly #hostSet = new Set<Host>();
  readonly children: Group[] = [];
  readonly parents: Group[] = [];
  readonly location?: SourceLocation;

  constructor(name: string, location?: SourceLocation) {
    this.name = name;
    this.location = location;
  }

  hasHost(host: Host): boolean {
    return this.#hostSet.has(host);
  }

  addHost(host: Host): void {
    if (this.#hostSet.has(host)) return;
    this.#hostSet.add(host);
    this.hosts.push(host);
  }

  removeHost(host: Host): void {
    if (!this.#hostSet.delete(host)) return;
    this.hosts.splice(this.hosts.indexOf(host), 1);
  }

  ancestors(): Set<Group> {
    const seen = new Set<Group>();
    const todo = [...this.parents];
    while (todo.length > 0) {
      const g = todo.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      todo.push(...g.parents);
    }
    return seen;
  }

  /**
   * This group and its descendants, breadth first, each once, in definition order
   * (Ansible's `get_descendants(include_self=True, preserve_ordering=True)`).
   */
  selfAndDescendants(): Group[] {
    const ordered: Group[] = [this];
    const seen = new Set<Group>([this]);
    let level: Group[] = [this];
    while (level.length > 0) {
      const next: Group[] = [];
      for (const g of level) {
        for (const kid of g.children) {
          if (seen.has(kid)) continue;
          seen.add(kid);
          ordered.push(kid);
          next.push(kid);
        }
      }
      level = next;
    }
    return ordered;
  }

  /** Every host of this group and of its descendants, each once, in inventory order. */
  allHosts(): Host[] {
    const out: Host[] = [];
    const seen = new Set<Host>();
    for (const g of this.selfAndDescendants()) {
      for (const h of g.hosts) {
        if (!seen.has(h)) {
          seen.add(h);
          out.push(h);
        }
      }
    }
    return out;
  }
}

export class Host {
  readonly name: string;
  readonly vars: VarMap = {};
  /** The inventory source in which the host was first seen. */
  readonly source?: string;
  readonly location?: SourceLocation;
  /** Every group the host belongs to, directly or through a child group (set by `finish()`). */
  groups: Group[] = [];

  constructor(name: string, source?: string, location?: SourceLocation) {
    this.name = name;
    this.source = source;
    this.location = location;
  }
}

export class InventoryData {
  readonly groups = new Map<string, Group>();
  readonly hosts = new Map<string, Host>();
  readonly warnings: string[] = [];
  /** The source being parsed: hosts first seen now remember it. */
  currentSource: string | undefined;

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  group(name: string): Group {
    const g = this.groups.get(name);
    if (!g) throw new InputError(`unknown group "${name}"`, { code: 'INVENTORY' });
    return g;
  }

  addGroup(name: string, location?: SourceLocation): Group {
    if (!name) throw new InputError('empty group name', { code: 'INVENTORY', location });
    let g = this.groups.get(name);
    if (!g) {
      g = new Group(name, location);
      this.groups.set(name, g);
    }
    return g;
  }

  addHost(name: string, group?: string, port?: number, location?: SourceLocation): Host {
    if (!name) throw new InputError('empty host name', { code: 'INVENTORY', location });
    const g = group === undefined ? undefined : this.group(group);
    let h = this.hosts.get(name);
    if (!h) {
      h = new Host(name, this.currentSource, location);
      if (port !== undefined) h.vars['ansible_port'] = port;
      this.hosts.set(name, h);
    }
    g?.addHost(h);
    return h;
  }

  /** Make `child` (a group) a child of `parent`; a cycle is an error. */
  addChild(parent: string, child: string, location?: SourceLocation): void {
    const p = this.group(parent);
    const c = this.groups.get(child);
    if (!c) {
      const h = this.hosts.get(child);
      if (!h) throw new InputError(`"${child}" is neither a known host nor a known group`, { code: 'INVENTORY', location });
      p.addHost(h);
      return;
    }
    if (p === c) {
      throw new InputError(`group "${child}" cannot be a child of itself`, { code: 'INVENTORY', location });
    }
    if (p.children.includes(c)) return;
    if (p.ancestors().has(c)) {
      throw new InputError(
        `group cycle: "${child}" cannot be a child of "${parent}" because it is already an ancestor of "${parent}"`,
        { code: 'INVENTORY', location },
      );
    }
    p.children.push(c);
    if (!c.parents.includes(p)) c.parents.push(p);
  }

  setGroupVar(group: string, key: string, value: unknown, location?: SourceLocation): void {
    const g = this.group(group);
    if (key === 'ansible_group_priority') {
      const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number.parseInt(value, 10) : NaN;
      if (Number.isNaN(n)) {
        throw new InputError(`ansible_group_priority of group "${group}" must be an integer, got ${JSON.stringify(value)}`, {
          code: 'INVENTORY',
          location,
        });
      }
      g.priority = n;
      return;
    }
    g.vars[key] = value;
  }

  setHostVar(host: string, key: string, value: unknown): void {
    const h = this.hosts.get(host);
    if (!h) throw new InputError(`unknown host "${host}"`, { code: 'INVENTORY' });
    h.vars[key] = value;
  }

  /**
   * Ansible's `reconcile_inventory` after all sources: groups without a parent become
   * children of `all`; hosts in no group go to `ungrouped`, and hosts that are in some
   * other group leave it. Then depths and each host's group list are computed.
   */
  finish(): void {
    const all = this.group('all');
    const ungrouped = this.group('ungrouped');
    for (const g of this.groups.values()) {
      if (g !== all && g.parents.length === 0) this.addChild('all', g.name);
    }
    for (const h of this.hosts.values()) {
      const mine = this.groupsOf(h);
      if (ungrouped.hasHost(h)) {
        if ([...mine].some((g) => g !== all && g !== ungrouped)) ungrouped.removeHost(h);
      } else if (mine.size === 0 || (mine.size === 1 && mine.has(all))) {
        ungrouped.addHost(h);
      }
    }
    const depth = new Map<Group, number>();
    const depthOf = (g: Group): number => {
      const known = depth.get(g);
      if (known !== undefined) return known;
      const d = g.parents.length === 0 ? 0 : Math.max(...g.parents.map((p) => depthOf(p) + 1));
      depth.set(g, d);
      return d;
    };
    for (const g of this.groups.values()) g.depth = depthOf(g);
    for (const h of this.hosts.values()) h.groups = [...this.groupsOf(h)];
    const names = new Set(this.hosts.keys());
    for (const g of this.groups.keys()) {
      if (names.has(g)) this.warnings.push(`found both a group and a host named "${g}"`);
    }
  }

  private groupsOf(h: Host): Set<Group> {
    const out = new Set<Group>();
    for (const g of this.groups.values()) {
      if (!g.hasHost(h)) continue;
      out.add(g);
      for (const a of g.ancestors()) out.add(a);
    }
    return out;
  }
}
