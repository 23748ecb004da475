/** Hidden-input prompts on the terminal (never echoed); refused without a TTY. */
import { InputError } from '../errors.js';

export async function promptHidden(message: string): Promise<string> {
  if (!process.stdin.isTTY) throw new InputError(`cannot ask "${message}": standard input is not a terminal`, { code: 'USAGE' });
  const { default: password } = await import('@inquirer/password');
  return password({ message, mask: false }, { output: process.stderr });
}

/** Ask twice; the two must match (new vault passwords). */
export async function promptNew(message: string): Promise<string> {
  const first = await promptHidden(message);
  const second = await promptHidden(`Confirm ${message}`);
  if (first !== second) throw new InputError('the passwords do not match', { code: 'USAGE' });
  return first;
}
