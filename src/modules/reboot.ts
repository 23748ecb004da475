/**
 * reboot (ansible.builtin.reboot): reboot the host, wait until it is back, and go on.
 *
 *   1. read the boot id (`boot_time_command`, default `cat /proc/sys/kernel/random/boot_id`);
 *   2. issue the reboot command (default `shutdown -r 0 MSG`, see reboot/command.ts) detached
 *      from the session, so the session ending under it is not a failure;
 *   3. drop the host's connection; after `post_reboot_delay`, log in again (the engine's
 *      reconnect hook: same keys, jump hosts, become) until the boot id differs, then until
 *      `test_command` (default `whoami`) succeeds, each within `reboot_timeout` (default 600 s);
 *   4. the play goes on over the new connection. Returns `rebooted` and `elapsed` (seconds).
 *
 * Check mode: reported as a change, nothing is done (the boot id and the command are read
 * only, so a host where they cannot work fails in check mode too). A host that does not come
 * back within reboot_timeout fails the task (exit 2); the other hosts go on. Refused on the
 * bastion itself (a local connection), as in Ansible.
 */
import { failureKind, TaskError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import { int, nonEmpty, object, str, strOrList, type Schema } from './support/schema.js';
import { DONE_MARK, detachedScript, ISSUED_MARK, issueResult, rebootCommandLine } from './reboot/command.js';
import { readBootId, waitForReboot, type WaitSpec } from './reboot/wait.js';

export interface RebootArgs {
  reboot_timeout?: number;
  connect_timeout?: number;
  pre_reboot_delay?: number;
  post_reboot_delay?: number;
  test_command?: string;
  msg?: string;
  search_paths?: string | string[];
  boot_time_command?: string;
  reboot_command?: string;
}

export const DEFAULT_BOOT_TIME_COMMAND = 'cat /proc/sys/kernel/random/boot_id';
export const DEFAULT_TEST_COMMAND = 'whoami';
export const DEFAULT_REBOOT_TIMEOUT = 600;

export const rebootSchema: Schema = object({
  reboot_timeout: { ...int, minimum: 0 },
  connect_timeout: { ...int, minimum: 1 },
  // Negative delays count as 0 (Ansible's rule).
  pre_reboot_delay: int,
  post_reboot_delay: int,
  test_command: nonEmpty,
  msg: str,
  search_paths: strOrList,
  boot_time_command: nonEmpty,
  reboot_command: nonEmpty,
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The module; `wait` tunes the waits' pause between attempts (tests). */
export function makeRebootModule(wait: Pick<WaitSpec, 'backoff'> = {}): Module<RebootArgs> {
  return {
  name: 'reboot',
  args: rebootSchema,
  checkMode: 'full',
  reboots: true,
  // Ansible's check mode result: {changed: true, elapsed: 0, rebooted: true}.
  checkResult: (changes) => (changes.length > 0 ? { rebooted: true, elapsed: 0 } : {}),
  async plan(host, args, ctx): Promise<Change[]> {
    if (!ctx.link || ctx.link.local) throw new TaskError('Running reboot with local connection would reboot the control node.');
    const command = await rebootCommandLine(host, args);
    await readBootId(host, args.boot_time_command ?? DEFAULT_BOOT_TIME_COMMAND);
    const timeout = args.reboot_timeout ?? DEFAULT_REBOOT_TIMEOUT;
    return [
      {
        action: 'run',
        kind: 'command',
        target: 'reboot',
        summary: `reboot (${command}), then wait up to ${timeout} s for a new boot and ${timeout} s for "${args.test_command ?? DEFAULT_TEST_COMMAND}"`,
        data: { command, decided: true },
      },
    ];
  },
  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const link = ctx.link;
    if (!link || link.local) throw new TaskError('Running reboot with local connection would reboot the control node.');
    const command = String(changes[0]?.data?.command ?? (await rebootCommandLine(host, args)));
    const bootTimeCommand = args.boot_time_command ?? DEFAULT_BOOT_TIME_COMMAND;
    const previousBootId = await readBootId(host, bootTimeCommand);
    const t0 = Date.now();
    try {
      const r = await host.exec({ script: detachedScript(command) }, { timeoutMs: 30_000 });
      // No verdict and an ordinary exit code: the script itself failed (mktemp: no writable directory).
      // A signal's code (128+N) without a verdict: the host killed it on its way down.
      if (!r.stdout.includes(ISSUED_MARK) && !r.stdout.includes(DONE_MARK) && r.code > 0 && r.code < 128) {
        throw new TaskError(`reboot: cannot issue the reboot command: ${r.stderr.trim()}`);
      }
      const v = issueResult(r.stdout);
      if (!v.issued) {
        const e = new TaskError(`Reboot command failed (exit ${v.code}). Error was: '${v.output}'`);
        throw Object.assign(e, { result: { rebooted: false, elapsed: Math.floor((Date.now() - t0) / 1000) } });
      }
    } catch (err) {
      // The host went down under the command (or stopped answering): that is the reboot.
      const goneDown = failureKind(err) === 'unreachable' || /timed out/.test((err as Error).message);
      if (!goneDown) throw err;
    }
    await sleep(Math.max(0, args.post_reboot_delay ?? 0) * 1000);
    await waitForReboot(
      host,
      link,
      {
        bootTimeCommand,
        testCommand: args.test_command ?? DEFAULT_TEST_COMMAND,
        previousBootId,
        rebootTimeoutS: args.reboot_timeout ?? DEFAULT_REBOOT_TIMEOUT,
        ...(args.connect_timeout !== undefined ? { connectTimeoutS: args.connect_timeout } : {}),
        ...wait,
      },
      t0,
    );
    return { rebooted: true, elapsed: Math.floor((Date.now() - t0) / 1000) };
  },
  };
}

export const rebootModule = makeRebootModule();
