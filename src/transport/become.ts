/**
 * The become command line, as pure functions: how a script runs as another user through
 * sudo or su, and how to recognise that the become password was refused. The password is
 * never in the command line or the environment: it is the first line of the command's stdin
 * (sudo -S; su reads it from a non-terminal stdin), and the command's own stdin follows it.
 *
 *   sudo: sudo -k -S -p '' FLAGS -u USER -- /bin/sh -c SCRIPT      (with a password)
 *         sudo -n FLAGS -u USER -- /bin/sh -c SCRIPT               (without)
 *         FLAGS default to -H (Ansible's "-H -S -n" minus what hostforge sets itself)
 *   su:   su FLAGS USER -c '/bin/sh -c SCRIPT'                    FLAGS default to none
 *         (the -c string runs in USER's login shell, as with Ansible's su)
 */
import { InputError } from '../errors.js';
import { shlexSplit } from '../inventory/shlex.js';
import { shJoin } from '../util/quote.js';

export type BecomeMethod = 'sudo' | 'su';
export const BECOME_METHODS: readonly BecomeMethod[] = ['sudo', 'su'];

export interface BecomeLine {
  method: BecomeMethod;
  user: string;
  flags?: string;
  /** A password is fed on stdin. */
  withPassword: boolean;
}

function flagWords(flags: string | undefined, dflt: string[]): string[] {
  if (flags === undefined) return dflt;
  try {
    return shlexSplit(flags);
  } catch (err) {
    throw new InputError(`become_flags "${flags}": ${(err as Error).message}`, { cause: err });
  }
}

export function becomeCommand(b: BecomeLine, script: string): string {
  const inner = ['/bin/sh', '-c', script];
  if (b.method === 'su') return shJoin(['su', ...flagWords(b.flags, []), b.user, '-c', shJoin(inner)]);
  // -k makes sudo ask every time, so the first stdin line is always its password.
  const mechanics = b.withPassword ? ['-k', '-S', '-p', ''] : ['-n'];
  return shJoin(['sudo', ...mechanics, ...flagWords(b.flags, ['-H']), '-u', b.user, '--', ...inner]);
}

const REFUSED: Record<BecomeMethod, RegExp> = {
  sudo: /sudo: (\d+ )?incorrect password|Sorry, try again|sudo: a password is required|sudo: no password was provided/,
  su: /^su: (Authentication failure|incorrect password|Authentifizierungsfehler|Échec de l'authentification)/m,
};

/** Did the become step itself refuse (rather than the command failing)? */
export function becomeRefused(method: BecomeMethod, stderr: string): boolean {
  return REFUSED[method].test(stderr);
}

/** su prints its PAM prompt ("Password: ") on stderr with no newline after it: not the command's output. */
export function stripPrompt(method: BecomeMethod, withPassword: boolean, stderr: Buffer): Buffer {
  if (method !== 'su' || !withPassword) return stderr;
  const text = stderr.toString('utf8');
  const m = /^[^\n:]{1,40}: /.exec(text);
  return m ? Buffer.from(text.slice(m[0].length), 'utf8') : stderr;
}
