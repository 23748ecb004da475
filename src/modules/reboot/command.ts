/**
 * The reboot command as Ansible's reboot action builds it, and the one-command script that
 * issues it detached from the SSH session (so the session's end is not the command's end).
 *
 * Without `reboot_command`: `shutdown -r DELAY_MIN MSG`, `shutdown` found in `search_paths`
 * (pre_reboot_delay in whole minutes, rounded down: under 60 s is 0, i.e. now; on Debian 12
 * /sbin/shutdown is systemd's). With `reboot_command`: its first word is the program (found in
 * search_paths unless absolute), the rest its arguments as given; pre_reboot_delay and msg
 * do not apply (as in Ansible).
 */
import { TaskError } from '../../errors.js';
import { shJoin, shQuote } from '../../util/quote.js';
import type { Host } from '../types.js';

export const DEFAULT_SEARCH_PATHS = ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin'];
export const DEFAULT_MESSAGE = 'Reboot initiated by hostforge';

export interface RebootCommandArgs {
  reboot_command?: string;
  search_paths?: string | string[];
  pre_reboot_delay?: number;
  msg?: string;
}

export function searchPaths(a: RebootCommandArgs): string[] {
  if (a.search_paths === undefined) return DEFAULT_SEARCH_PATHS;
  return typeof a.search_paths === 'string' ? a.search_paths.split(',').map((s) => s.trim()).filter(Boolean) : a.search_paths;
}

/** The program and its argument text (a shell fragment, as Ansible passes it to the shell). */
export function splitRebootCommand(a: RebootCommandArgs): { program: string; args: string } {
  if (a.reboot_command !== undefined) {
    const text = a.reboot_command.trim();
    const sp = text.indexOf(' ');
    return sp < 0 ? { program: text, args: '' } : { program: text.slice(0, sp), args: text.slice(sp + 1) };
  }
  const delayMin = Math.floor(Math.max(0, a.pre_reboot_delay ?? 0) / 60);
  return { program: 'shutdown', args: shJoin(['-r', String(delayMin), a.msg ?? DEFAULT_MESSAGE]) };
}

/** The program's path: as given when absolute, else the first file or link of that name in the search paths. */
export async function findProgram(host: Host, program: string, paths: readonly string[]): Promise<string> {
  if (program.startsWith('/')) return program;
  if (program.includes('/')) throw new TaskError(`reboot: "${program}" is neither a command name nor an absolute path`);
  const tests = paths.map((d) => {
    const p = `${d.replace(/\/+$/, '')}/${program}`;
    return `if [ -f ${shQuote(p)} ] || [ -L ${shQuote(p)} ]; then echo ${shQuote(p)}; exit 0; fi`;
  });
  const r = await host.exec({ script: `${tests.join('\n')}\nexit 1` });
  const found = r.stdout.trim();
  if (r.code !== 0 || found === '') throw new TaskError(`Unable to find command "${program}" in search paths: [${paths.map((p) => `'${p}'`).join(', ')}]`);
  return found;
}

/** The full reboot command line: program path, then its arguments. */
export async function rebootCommandLine(host: Host, a: RebootCommandArgs): Promise<string> {
  const { program, args } = splitRebootCommand(a);
  const path = await findProgram(host, program, searchPaths(a));
  return args === '' ? shQuote(path) : `${shQuote(path)} ${args}`;
}

/** What the issuing script prints last: the command's exit code, or that it is still running. */
export const DONE_MARK = 'HOSTFORGE_REBOOT_RC=';
export const ISSUED_MARK = 'HOSTFORGE_REBOOT_ISSUED';

/**
 * Issue `commandLine` in a new session (setsid; nohup where there is none), every stream
 * redirected, and wait up to `waitS` seconds for it: a command that ends in that time prints
 * its output and `HOSTFORGE_REBOOT_RC=<code>`; one still running prints HOSTFORGE_REBOOT_ISSUED.
 * Neither (the script was killed, or the link went away): the host is going down, also issued.
 */
export function detachedScript(commandLine: string, waitS = 3): string {
  // The command's own session removes its directory a while after the wait (unless the host is down by then).
  const run = `/bin/sh -c "$1" </dev/null >"$0/out" 2>&1; echo $? >"$0/rc"; sleep ${Math.ceil(waitS) + 2}; rm -rf "$0"`;
  const steps = Math.max(1, Math.round(waitS * 10));
  return [
    'd=$(mktemp -d /run/hostforge-reboot.XXXXXX 2>/dev/null || mktemp -d) || exit 1',
    `if command -v setsid >/dev/null 2>&1; then setsid /bin/sh -c ${shQuote(run)} "$d" ${shQuote(commandLine)} </dev/null >/dev/null 2>&1 &`,
    `else nohup /bin/sh -c ${shQuote(run)} "$d" ${shQuote(commandLine)} </dev/null >/dev/null 2>&1 & fi`,
    'i=0',
    `while [ ! -s "$d/rc" ] && [ "$i" -lt ${steps} ]; do sleep 0.1; i=$((i+1)); done`,
    `if [ -s "$d/rc" ]; then rc=$(cat "$d/rc"); cat "$d/out"; rm -rf "$d"; echo; echo "${DONE_MARK}$rc"; exit 0; fi`,
    `echo ${ISSUED_MARK}`,
  ].join('\n');
}

/** The issuing script's verdict: the command's exit code and output, or issued (still running, or the host went down). */
export function issueResult(stdout: string): { issued: true } | { issued: false; code: number; output: string } {
  const at = stdout.lastIndexOf(DONE_MARK);
  if (at < 0) return { issued: true };
  const code = Number(stdout.slice(at + DONE_MARK.length).trim());
  return code === 0 ? { issued: true } : { issued: false, code, output: stdout.slice(0, at).trim() };
}
