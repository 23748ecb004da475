/** `hostforge schema KIND`: the JSON Schema editors (yaml-language-server) and tools validate with. */
import type { Command } from 'commander';
import { InputError } from '../errors.js';

async function printSchema(kind: string): Promise<void> {
  const { SCHEMA_KINDS, schemaFor } = await import('../schema-export/schemas.js');
  const k = SCHEMA_KINDS.find((x) => x === kind);
  if (!k) throw new InputError(`unknown schema "${kind}": one of ${SCHEMA_KINDS.join(', ')}`, { code: 'USAGE' });
  process.stdout.write(`${JSON.stringify(schemaFor(k), null, 2)}\n`);
}

export function registerSchemaCommand(program: Command): void {
  program
    .command('schema')
    .argument('<kind>', 'playbook, tasks, inventory, role-meta, vars or events')
    .description('print a JSON Schema (draft-07) for editors: `# yaml-language-server: $schema=FILE` in a playbook')
    .action((kind: string) => printSchema(kind));
}
