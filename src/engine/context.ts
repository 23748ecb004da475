/**
 * Run-wide state the engine threads through plays and tasks, and the per-host
 * variable layers in their documented precedence (lowest first):
 *
 *   role defaults < inventory vars (all < parent groups < child groups < host,
 *   group_vars/host_vars files over inline) < facts < play vars < play vars_files
 *   < role vars < task vars (incl. block vars) < registered vars and set_fact
 *   < role params < extra vars (-e)
 *
 * plus magic variables: inventory_hostname, inventory_hostname_short, group_names,
 * groups, hostvars, play_hosts, ansible_check_mode, playbook_dir, role_path, item,
 * inventory_dir and inventory_file.
 */
import type { Facts, Vars } from '../modules/types.js';
import type { BlockFrame, RoleRef, Task } from '../playbook/types.js';
import { createScope, mergeLayers, OMIT, type Scope } from '../vars/scope.js';
import type { PredictedState } from './predicted-host.js';
import { toAnsibleFacts } from '../facts/ansible.js';

/** What the engine needs from an inventory. */
export interface InventoryView {
  hosts(): string[];
  hostVars(host: string): Record<string, unknown>;
  groupNames(host: string): string[];
  groupMembers(group: string): string[];
  groups(): string[];
  /** Ansible's magic variables of the inventory (inventory_dir, inventory_file, ...). */
  magicVars?(host: string): Record<string, unknown>;
}

export interface HostRunState {
  name: string;
  /** register: and set_fact: values, visible to later tasks and other hosts (hostvars). */
  registered: Vars;
  facts?: Facts;
  predicted: PredictedState;
  failed: boolean;
  unreachable: boolean;
  notified: Set<string>;
  /** The last failure of a failed host, for block rescue/always and ansible_failed_*. */
  failure?: { frames: BlockFrame[]; task: string; result: Vars };
  /** Blocks whose rescue this host is running. */
  rescuing?: Set<number>;
  /** The result of the host's last failed task (ansible_failed_result). */
  lastResult?: Vars;
  /** meta: end_host — no more tasks for this host in this play. */
  ended?: boolean;
  /** What takes effect at the next boot (reboot-required.ts); rebooted: a reboot task ran since. */
  reboot?: { reasons: string[]; rebooted: boolean };
}

export interface RunVars {
  extraVars: Vars;
  playbookDir: string;
  check: boolean;
  /** Secret values revealed anywhere in the run: every output is redacted with them. */
  revealed: Set<string>;
}

export function groupsMap(inv: InventoryView): Record<string, string[]> {
  const out: Record<string, string[]> = { all: inv.hosts() };
  for (const g of inv.groups()) out[g] = inv.groupMembers(g);
  return out;
}

/**
 * Gathered facts in scope: `facts` (hostforge's typed facts), `ansible_facts` with Ansible's
 * names and values (`distribution: Debian`), and each of those as a top-level `ansible_NAME`
 * variable, as Ansible injects them (INJECT_FACTS_AS_VARS).
 */
function factsVars(facts: Facts | undefined): Vars {
  if (!facts) return {};
  const named = toAnsibleFacts(facts);
  const out: Vars = { facts, ansible_facts: named };
  for (const [k, v] of Object.entries(named)) out[`ansible_${k}`] = v;
  return out;
}

/** A host's vars as other hosts see them through hostvars (no play/task layers). */
export function hostOnlyVars(inv: InventoryView, state: HostRunState | undefined, host: string): Vars {
  return {
    ...inv.hostVars(host),
    ...factsVars(state?.facts),
    ...(state?.registered ?? {}),
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    group_names: inv.groupNames(host),
  };
}

export interface ScopeInput {
  inv: InventoryView;
  run: RunVars;
  host: string;
  states: Map<string, HostRunState>;
  playVars: Vars;
  playHosts: string[];
  role?: RoleRef;
  task?: Task;
  extra?: Vars;
  /** A hostvars object to share (the preflight, where no host's state changes); built per scope otherwise. */
  hostvars?: Record<string, Vars>;
}

/** hostvars: each host's variables as other hosts see them, built when first reached, then kept. */
export function hostvarsOf(inv: InventoryView, states: Map<string, HostRunState>, run: RunVars): Record<string, Vars> {
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts()) {
    // Lazily: the object is only built when a template reaches for another host, then kept for
    // this scope (a template looping over every host's hostvars would otherwise build N each).
    Object.defineProperty(hostvars, h, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = createScope(hostOnlyVars(inv, states.get(h), h), run.revealed).context;
        Object.defineProperty(hostvars, h, { value, enumerable: true, configurable: true });
        return value;
      },
    });
  }
  return hostvars;
}

export function buildScope(input: ScopeInput): Scope {
  return createScope(scopeVars(input), new Set());
}

/** The merged variables buildScope exposes (callers that build many scopes from one set may reuse them). */
export function scopeVars(input: ScopeInput): Vars {
  const { inv, run, host, states, role, task } = input;
  const state = states.get(host);
  const groups = groupsMap(inv);
  const hostvars = input.hostvars ?? hostvarsOf(inv, states, run);
  const fromInventory = inv.magicVars?.(host);
  const magic: Vars = {
    ...(fromInventory ? { inventory_dir: fromInventory.inventory_dir, inventory_file: fromInventory.inventory_file } : {}),
    inventory_hostname: host,
    inventory_hostname_short: host.split('.')[0],
    group_names: inv.groupNames(host),
    groups,
    hostvars,
    play_hosts: input.playHosts,
    ansible_play_hosts: input.playHosts,
    ansible_check_mode: run.check,
    omit: OMIT,
    playbook_dir: run.playbookDir,
    ...(role ? { role_path: role.path, role_name: role.name } : {}),
  };
  const layers: (Vars | undefined)[] = [
    role?.defaults,
    inv.hostVars(host),
    factsVars(state?.facts),
    input.playVars,
    role?.vars,
    task?.vars,
    state?.registered,
    role?.params,
    input.extra,
    run.extraVars,
    magic,
  ];
  return mergeLayers(layers);
}
