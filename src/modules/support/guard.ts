/**
 * Lockout guards for modules: the window and state directory from the task's variables, and
 * `guarded()`: arm on the host → apply → prove a NEW login (and sudo, when the task becomes)
 * → disarm; roll back at once when the login fails. If the run dies or its link is cut in
 * between, the host's timer rolls back by itself (see hoststate/guard-script.ts).
 */
import { TaskError, errorMessage, failureKind } from '../../errors.js';
import { armGuard, type ArmedGuard, type GuardSpec } from '../../hoststate/guard.js';
import { DEFAULT_STATE_DIR } from '../../hoststate/guard-script.js';
import type { Host, ModuleContext } from '../types.js';

export const GUARD_SECONDS_VAR = 'hostforge_lockout_guard_seconds';
export const STATE_DIR_VAR = 'hostforge_state_dir';
export const DEFAULT_GUARD_SECONDS = 60;

/** The guard window: `hostforge_lockout_guard_seconds` (5..3600, default 60), or the module's own argument. */
export function guardSeconds(ctx: Pick<ModuleContext, 'vars'>, own?: number): number {
  if (own !== undefined) return own;
  const v = ctx.vars[GUARD_SECONDS_VAR];
  if (v === undefined || v === null || v === '') return DEFAULT_GUARD_SECONDS;
  const n = typeof v === 'number' ? v : Number(String(v).trim());
  if (!Number.isInteger(n) || n < 5 || n > 3600) {
    throw new TaskError(`variable ${GUARD_SECONDS_VAR} must be a whole number of seconds from 5 to 3600 (got ${JSON.stringify(v)})`);
  }
  return n;
}

/** Where host-side state lives (`hostforge_state_dir`, default /var/lib/hostforge). */
export function stateDir(vars: Record<string, unknown>): string {
  const v = vars[STATE_DIR_VAR];
  if (typeof v === 'string' && v.startsWith('/') && !/[\n\0]/.test(v)) return v.replace(/\/+$/, '') || '/';
  if (v !== undefined && v !== null && v !== '') throw new TaskError(`variable ${STATE_DIR_VAR} must be an absolute path (got ${JSON.stringify(v)})`);
  return DEFAULT_STATE_DIR;
}

/** The account the run logs in as (whose access a change may cut). */
export async function loginUser(host: Host, ctx: Pick<ModuleContext, 'loginUser'>): Promise<string> {
  return ctx.loginUser ?? (await host.facts()).user;
}

export interface GuardedOptions {
  /** What is guarded, for messages: "editing /etc/pam.d/sshd". */
  what: string;
  files: readonly string[];
  snapshots?: GuardSpec['snapshots'];
  restoreState?: GuardSpec['restoreState'];
  /** Restart commands the host's timer runs after restoring (argv). */
  reload?: GuardSpec['reload'];
  /** The same restart, run by the bastion after an immediate rollback. */
  reloadNow?: () => Promise<void>;
  /** What a successful rollback restored: "the previous file was restored". */
  restored: string;
  /** What reloadNow does, for the message: "ssh restarted". */
  restarted?: string;
  /** Proof of a new login; default ctx.probeLogin(). */
  confirm?: () => Promise<void>;
  /** The module's own window argument (iptables' rollback_seconds). */
  seconds?: number;
  /**
   * The change can cut the run's own connection (a firewall rule): losing it while rolling back
   * is then this task's failure (exit 2), not an unreachable host (exit 4).
   */
  cutsOwnConnection?: boolean;
}

/** Arm a guard for these files on the host. */
export async function arm(host: Host, ctx: ModuleContext, o: GuardedOptions): Promise<ArmedGuard> {
  const seconds = guardSeconds(ctx, o.seconds);
  const label = `${ctx.taskName ?? o.what}`;
  return armGuard(host, {
    label,
    files: o.files,
    seconds,
    stateDir: stateDir(ctx.vars),
    ...(o.snapshots ? { snapshots: o.snapshots } : {}),
    ...(o.restoreState ? { restoreState: o.restoreState } : {}),
    ...(o.reload ? { reload: o.reload } : {}),
  });
}

/** What an immediate rollback did; `lost` = the run's own connection failed while rolling back. */
export interface RollbackOutcome {
  text: string;
  lost?: unknown;
}

/** Roll back now and describe the outcome (for the task's failure message). */
export async function rollbackNow(guard: ArmedGuard, o: GuardedOptions): Promise<RollbackOutcome> {
  const r = await guard.rollback();
  if (r.state === 'fired') return { text: `rolled back: the host had already rolled back by itself at ${r.restoredAt || 'an unknown time'}` };
  if (r.state === 'failed') {
    const text = `rolling back now failed (${r.reason}); the host rolls back by itself within ${guard.seconds}s`;
    if (failureKind(r.error) !== 'unreachable') return { text };
    return o.cutsOwnConnection ? { text: `${text} (the change may have cut this run's own connection)` } : { text, lost: r.error };
  }
  let restarted = '';
  if (o.reloadNow) {
    try {
      await o.reloadNow();
      restarted = ` and ${o.restarted ?? 'the service restarted'}`;
    } catch (err) {
      restarted = `, but restarting failed: ${errorMessage(err)}`;
    }
  }
  return { text: `rolled back: ${o.restored}${restarted}` };
}

/** Confirm a new login, then disarm; on a failed login roll back and throw. */
export async function confirmAndDisarm(guard: ArmedGuard, ctx: ModuleContext, o: GuardedOptions): Promise<void> {
  try {
    await (o.confirm ?? (() => ctx.probeLogin()))();
  } catch (err) {
    const back = await rollbackNow(guard, o);
    // Not `cause: err`: the probe's failed login is this task's failure (exit 2), not an unreachable
    // host. Only when the run's own connection died while rolling back is the host unreachable (exit 4).
    throw new TaskError(`lockout guard: a new SSH login failed after ${o.what} (${errorMessage(err)}); ${back.text}`, back.lost !== undefined ? { cause: back.lost } : {});
  }
  const d = await guard.disarm();
  if (d.state === 'fired') {
    throw new TaskError(
      `lockout guard: the new login was proven only after the ${guard.seconds}s window: the host's rollback timer had restored the state from before ${o.what} at ${d.restoredAt || 'an unknown time'}; ` +
        `raise ${GUARD_SECONDS_VAR} and run again`,
    );
  }
}

/**
 * The whole guarded change: arm, apply, confirm, disarm. A failure of apply itself rolls back
 * too (it may have changed part of the files) and is rethrown with what the rollback did.
 */
export async function guarded<T>(host: Host, ctx: ModuleContext, o: GuardedOptions, apply: () => Promise<T>): Promise<T> {
  const guard = await arm(host, ctx, o);
  let result: T;
  try {
    result = await apply();
  } catch (err) {
    const { text: outcome } = await rollbackNow(guard, o);
    const details = err instanceof TaskError ? err.details : undefined;
    throw new TaskError(`${errorMessage(err)}; ${outcome}`, { cause: err, ...(details !== undefined ? { details } : {}) });
  }
  await confirmAndDisarm(guard, ctx, o);
  return result;
}
