#!/usr/bin/env node
/**
 * hostforge's command line. The only place that calls process.exit: errors become
 * readable messages and exit codes (0 ok, 1 usage/input, 2 task failed, 4 unreachable).
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerApplyCommands } from './apply.js';
import { registerCompletionCommands } from './completion.js';
import { registerInventoryCommand } from './inventory.js';
import { registerLabCommands } from './lab.js';
import { registerPkiCommands } from './pki.js';
import { registerRecapCommands } from './recap.js';
import { registerRoleCommands } from './role-init.js';
import { registerSchemaCommand } from './schema.js';
import { registerShowCommand } from './show.js';
import { registerTestCommand } from './test-role.js';
import { registerVaultCommands } from './vault.js';
import { describeError, exitCodeForError } from './errors.js';
import { printableText } from '../util/printable.js';
import { redactOutput } from '../util/secret.js';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = JSON.parse(readFileSync(join(here, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('hostforge')
    .description('Agentless SSH automation: idempotent modules, honest check mode, its own PKI.')
    .version(pkg.version, '--version')
    .option('--no-color', 'no colours (also when $NO_COLOR is set)')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerApplyCommands(program);
  registerInventoryCommand(program);
  registerLabCommands(program);
  registerPkiCommands(program);
  registerRecapCommands(program);
  registerRoleCommands(program);
  registerShowCommand(program);
  registerSchemaCommand(program);
  registerTestCommand(program);
  registerVaultCommands(program);
  registerCompletionCommands(program);
  return program;
}

async function main(): Promise<void> {
  // Colours come from listr2 (colorette), which reads NO_COLOR when first loaded: set it before.
  if (process.argv.includes('--no-color')) process.env.NO_COLOR = '1';
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    process.exitCode ??= 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 1;
      return;
    }
    process.stderr.write(`${printableText(redactOutput(describeError(err)))}\n`);
    process.exitCode = exitCodeForError(err);
  }
}

await main();
// Exit only once stdout and stderr have taken everything written (a large --json run into a pipe).
await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write('', () => r()))));
process.exit(process.exitCode ?? 0);
