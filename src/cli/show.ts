/**
 * `hostforge show plan.json`: a saved plan rendered by the same reporters `plan` uses (plain
 * lines, or listr2 on a terminal, with diffs), from the events recorded when it was made, so it
 * reads exactly as `plan` printed it. `--json` prints those events as `--json` did.
 */
import type { Command } from 'commander';
import type { RunEvent } from '../engine/events.js';
import { reporterFor } from './apply.js';

interface ShowOptions {
  json?: boolean;
  verbose: number;
}

async function show(file: string, o: ShowOptions): Promise<void> {
  const { loadPlanFile } = await import('../plan/file.js'); // not at start-up
  const plan = await loadPlanFile(file);
  const reporter = await reporterFor({ json: o.json, diff: true, verbose: o.verbose }, new Set());
  for (const e of plan.events) reporter.emit(e as unknown as RunEvent);
  await reporter.close();
}

export function registerShowCommand(program: Command): void {
  program
    .command('show')
    .argument('<plan>', 'a saved plan (hostforge plan PLAYBOOK -o FILE)')
    .description('print a saved plan as `plan` printed it')
    .option('--json', 'the plan\'s events, one JSON object per line')
    .option('-v, --verbose', 'more output (repeat for more)', (_v: string, prev: number) => prev + 1, 0)
    .action((f: string, o: ShowOptions) => show(f, o));
}
