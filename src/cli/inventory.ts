/** `hostforge inventory --list | --graph [GROUP] | --host H` (ansible-inventory's shapes). */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { taintByName } from '../util/secret-args.js';
import { isSecret, redactOutput } from '../util/secret.js';
import { collect, openInventory } from './options.js';

/** A copy with every Secret replaced by its value (for --show-secrets). */
function revealDeep(v: unknown): unknown {
  if (isSecret(v)) return v.reveal();
  if (Array.isArray(v)) return v.map(revealDeep);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revealDeep(x)]));
  return v;
}

export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('show the inventory as ansible-inventory does')
    .option('-i, --inventory <file>', 'inventory file or directory (repeatable)', collect)
    .option('--list', 'all groups, hosts and hostvars as JSON')
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables as JSON")
    .option('--show-secrets', 'print secret values (passwords, vault values) in clear instead of ***')
    .action(async (o: { inventory?: string[]; list?: boolean; graph?: string | boolean; host?: string; showSecrets?: boolean }) => {
      const inv = await openInventory(o.inventory);
      const { formatAnsibleJson } = await import('../inventory/index.js'); // loaded by openInventory
      const show = (data: unknown): string => {
        if (o.showSecrets) return formatAnsibleJson(revealDeep(data));
        taintByName(data);
        return redactOutput(formatAnsibleJson(data));
      };
      if (o.host !== undefined) {
        if (!inv.hasHost(o.host)) throw new InputError(`host "${o.host}" is not in the inventory`, { code: 'USAGE' });
        process.stdout.write(`${show(inv.hostJson(o.host))}\n`);
      } else if (o.graph !== undefined) {
        process.stdout.write(`${inv.toGraph(typeof o.graph === 'string' ? o.graph : 'all')}\n`);
      } else if (o.list) {
        process.stdout.write(`${show(inv.toAnsibleList())}\n`);
      } else {
        throw new InputError('inventory: give --list, --graph or --host HOST', { code: 'USAGE' });
      }
    });
}
