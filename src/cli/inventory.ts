/** `hostforge inventory --list | --graph [GROUP] | --host H` (ansible-inventory's shapes). */
import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { formatAnsibleJson } from '../inventory/index.js';
import { collect, openInventory } from './options.js';

export function registerInventoryCommand(program: Command): void {
  program
    .command('inventory')
    .description('show the inventory as ansible-inventory does')
    .option('-i, --inventory <file>', 'inventory file or directory (repeatable)', collect)
    .option('--list', 'all groups, hosts and hostvars as JSON')
    .option('--graph [group]', 'the group tree')
    .option('--host <host>', "one host's variables as JSON")
    .action(async (o: { inventory?: string[]; list?: boolean; graph?: string | boolean; host?: string; }) => {
      const inv = await openInventory(o.inventory);
      if (o.host !== undefined) {
        if (!inv.hasHost(o.host)) throw new InputError(`host "${o.host}" is not in the inventory`, { code: 'USAGE' });
        process.stdout.write(`${formatAnsibleJson(inv.hostJson(o.host))}\n`);
      } else if (o.graph !== undefined) {
        process.stdout.write(`${inv.toGraph(typeof o.graph === 'string' ? o.graph : 'all')}\n`);
      } else if (o.list) {
        process.stdout.write(`${formatAnsibleJson(inv.toAnsibleList())}\n`);
      } else {
        throw new InputError('inventory: give --list, --graph or --host HOST', { code: 'USAGE' });
      }
    });
}
