/**
 * The inventory: Ansible-compatible YAML and INI inventories, group_vars/host_vars,
 * host patterns, and the `ansible-inventory --list/--graph/--host` views.
 */
export { loadInventory, type LoadInventoryOptions } from './load.js';
export { Inventory } from './inventory.js';
export type { PatternMatch } from './patterns.js';
export { formatAnsibleJson, type AnsibleList } from './ansible-output.js';
export { connectionFor, ansibleBoolean, type ConnectionSpec } from './connection.js';
