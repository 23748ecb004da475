/** --step: ansible-playbook's "Perform task: TASK: NAME (N)o/(y)es/(c)ontinue:" before each task. */
import { createInterface } from 'node:readline/promises';
import { InputError } from '../errors.js';
import type { Task } from '../playbook/types.js';

export function stepper(): (task: Task) => Promise<boolean> {
  if (!process.stdin.isTTY) throw new InputError('--step asks before each task and needs a terminal on standard input', { code: 'USAGE' });
  let continueAll = false;
  return async (task) => {
    if (continueAll) return true;
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      for (;;) {
        const a = (await rl.question(`Perform task: TASK: ${task.name} (N)o/(y)es/(c)ontinue: `)).trim().toLowerCase();
        if (a === '' || a === 'n' || a === 'no') return false;
        if (a === 'y' || a === 'yes') return true;
        if (a === 'c' || a === 'continue') {
          continueAll = true;
          return true;
        }
      }
    } finally {
      rl.close();
    }
  };
}
