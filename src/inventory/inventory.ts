/**
 * A loaded inventory: hosts, groups, merged host variables, host patterns and the
 * `ansible-inventory` views.
 *
 * Variable precedence (lowest first), exactly ansible-core 2.14's default
 * (VARIABLE_PRECEDENCE = all_inventory, groups_inventory, all_plugins_inventory,
 * all_plugins_play, groups_plugins_inventory, groups_plugins_play, then host vars):
 *   0. connection defaults from the command line and config (-u, -b, --become-user, ...)
 *   1. vars of group `all` written in inventory files
 *   2. vars of the host's other groups written in inventory files, groups sorted by
 *      (depth, ansible_group_priority, name): parents before children, and at the same
 *      depth the higher priority, then the alphabetically later name, wins
 *   3. group_vars/all beside each inventory source (in source order)
 *   4. group_vars/all in each extra vars dir (the playbook's dir)
 *   5. group_vars/GROUP beside each inventory source: for each source, groups sorted as in 2
 *   6. group_vars/GROUP in each extra vars dir, same order
 *   7. the host's vars written in inventory files
 *   8. host_vars/HOST beside each inventory source
 *   9. host_vars/HOST in each extra vars dir
 * So ANY group_vars file beats ANY group var written in an inventory file (a
 * group_vars/all.yml value beats a child group's inventory `vars:`), as in Ansible.
 * Merging replaces whole top-level values (hash_behaviour=replace).
 */
import path from 'node:path';
import { InputError } from '../errors.js';
import { buildAnsibleList, buildGraph, sortKeysDeep, withoutInternal, type AnsibleList } from './ansible-output.js';
import type { Group, Host, InventoryData, VarMap } from './model.js';
import { isIpAddress } from './host-range.js';
import { matchPattern, type PatternMatch } from './patterns.js';

/** Vars from group_vars/ and host_vars/ files of one base directory. */
export interface VarsLayer {
  dir: string;
  groups: ReadonlyMap<string, VarMap>;
  hosts: ReadonlyMap<string, VarMap>;
}

function sortGroups(groups: Group[]): Group[] {
  return [...groups].sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export class Inventory {
  readonly #data: InventoryData;
  readonly #sourceLayers: readonly VarsLayer[];
  readonly #extraLayers: readonly VarsLayer[];
  readonly #defaults: Readonly<VarMap>;
  readonly #cache = new Map<string, VarMap>();
  readonly #members = new Map<string, readonly string[]>();
  #groupsMagic: Readonly<Record<string, readonly string[]>> | undefined;
  /** The inventory sources, as given. */
  readonly sources: readonly string[];
  /** Things Ansible would warn about (e.g. a name used for both a host and a group). */
  readonly warnings: readonly string[];

  constructor(data: InventoryData, sources: readonly string[], sourceLayers: readonly VarsLayer[], extraLayers: readonly VarsLayer[], defaults: Readonly<VarMap> = {}) {
    this.#defaults = defaults;
    this.#data = data;
    this.sources = sources;
    this.#sourceLayers = sourceLayers;
    this.#extraLayers = extraLayers;
    this.warnings = [...data.warnings];
  }

  #host(name: string): Host {
    const h = this.#data.hosts.get(name);
    if (!h) throw new InputError(`unknown host "${name}"`, { code: 'INVENTORY' });
    return h;
  }

  #group(name: string): Group {
    const g = this.#data.groups.get(name);
    if (!g) throw new InputError(`unknown group "${name}"`, { code: 'INVENTORY' });
    return g;
  }

  /** Every host, in inventory order (the order of pattern `all`). */
  hosts(): string[] {
    return this.groupMembers('all');
  }

  /** Every group name, `all` and `ungrouped` included, in definition order. */
  groups(): string[] {
    return [...this.#data.groups.keys()];
  }

  hasHost(name: string): boolean {
    return this.#data.hosts.has(name);
  }

  hasGroup(name: string): boolean {
    return this.#data.groups.has(name);
  }

  /** Groups a host belongs to, directly or through a child group, sorted, without `all` (Ansible's `group_names`). */
  groupNames(host: string): string[] {
    return this.#host(host)
      .groups.filter((g) => g.name !== 'all')
      .map((g) => g.name)
      .sort();
  }

  /** Hosts of a group and of its child groups, recursively, in inventory order. */
  groupMembers(group: string): string[] {
    let members = this.#members.get(group);
    if (!members) {
      members = this.#group(group)
        .allHosts()
        .map((h) => h.name);
      this.#members.set(group, members);
    }
    return [...members];
  }

  /** Direct child groups of a group, in definition order. */
  groupChildren(group: string): string[] {
    return this.#group(group).children.map((g) => g.name);
  }

  /** The merged variables of a host (see the precedence above); a fresh copy each call. */
  hostVars(host: string): Record<string, unknown> {
    let vars = this.#cache.get(host);
    if (!vars) {
      vars = this.#merge(this.#host(host));
      this.#cache.set(host, vars);
    }
    return structuredClone(vars);
  }

  /**
   * Ansible's magic variables for a host: inventory_hostname, inventory_hostname_short,
   * group_names, groups (every group's hosts; one frozen object shared by all hosts),
   * inventory_file, inventory_dir.
   */
  magicVars(host: string): Record<string, unknown> {
    const h = this.#host(host);
    if (!this.#groupsMagic) {
      const groups: Record<string, readonly string[]> = {};
      for (const g of this.#data.groups.keys()) groups[g] = Object.freeze(this.groupMembers(g));
      this.#groupsMagic = Object.freeze(groups);
    }
    const groups = this.#groupsMagic;
    const file = h.source ?? null;
    return {
      inventory_hostname: h.name,
      inventory_hostname_short: isIpAddress(h.name) ? h.name : h.name.split('.')[0],
      group_names: this.groupNames(host),
      groups,
      inventory_file: file,
      inventory_dir: file === null ? null : path.dirname(file),
    };
  }

  #merge(h: Host): VarMap {
    const all = this.#group('all');
    const groups = sortGroups(h.groups.filter((g) => g !== all));
    const out: VarMap = { ...this.#defaults };
    Object.assign(out, all.vars);
    for (const g of groups) Object.assign(out, g.vars);
    for (const layer of this.#sourceLayers) Object.assign(out, layer.groups.get('all'));
    for (const layer of this.#extraLayers) Object.assign(out, layer.groups.get('all'));
    for (const layer of this.#sourceLayers) for (const g of groups) Object.assign(out, layer.groups.get(g.name));
    for (const layer of this.#extraLayers) for (const g of groups) Object.assign(out, layer.groups.get(g.name));
    Object.assign(out, h.vars);
    for (const layer of this.#sourceLayers) Object.assign(out, layer.hosts.get(h.name));
    for (const layer of this.#extraLayers) Object.assign(out, layer.hosts.get(h.name));
    return out;
  }

  /** Evaluate an Ansible host pattern; also says which parts matched nothing (for a warning). */
  matchPattern(pattern: string | string[]): PatternMatch {
    const data = this.#data;
    return matchPattern(
      {
        groupNames: () => data.groups.keys(),
        hostNames: () => data.hosts.keys(),
        hasHost: (name) => data.hosts.has(name),
        groupHosts: (name) => this.groupMembers(name),
      },
      pattern,
    );
  }

  /**
   * Hosts matching an Ansible host pattern, in inventory order of evaluation. Parts that
   * match nothing are passed to `onUnmatched` (the CLI warns) and otherwise ignored.
   */
  resolvePattern(pattern: string | string[], onUnmatched?: (part: string) => void): string[] {
    const { hosts, unmatched } = this.matchPattern(pattern);
    if (onUnmatched) for (const u of unmatched) onUnmatched(u);
    return hosts;
  }

  /** The JSON value `ansible-inventory --list` prints (keys sorted). */
  toAnsibleList(): AnsibleList {
    return buildAnsibleList(this.#data, (h) => this.hostVars(h));
  }

  /** The text `ansible-inventory --graph [GROUP]` prints (no trailing newline). */
  toGraph(group = 'all'): string {
    this.#group(group);
    return buildGraph(this.#data, group);
  }

  /** The JSON value `ansible-inventory --host HOST` prints (keys sorted). */
  hostJson(host: string): Record<string, unknown> {
    return sortKeysDeep(withoutInternal(this.hostVars(host))) as Record<string, unknown>;
  }
}
