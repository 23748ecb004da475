/**
 * A lockout guard on the host: arm (copies + detached timer), then disarm after a confirmed
 * new login, or roll back now. The scripts are in guard-script.ts; this file runs them over the
 * run's own connection and reads their answers. Nothing here decides when to guard.
 */
import { TaskError, errorMessage } from '../errors.js';
import type { Host } from '../modules/types.js';
import { archiveScript, armScript, disarmScript, restoreScript, rollbackScript, type GuardScriptSpec } from './guard-script.js';

export type GuardSpec = GuardScriptSpec;

export type DisarmResult = { state: 'cancelled' } | { state: 'fired'; restoredAt: string };
export type RollbackResult =
  | { state: 'restored' }
  | { state: 'fired'; restoredAt: string }
  | { state: 'failed'; reason: string; error?: unknown };

export class ArmedGuard {
  readonly dir: string;
  readonly pid: number;
  readonly #host: Host;
  readonly #spec: GuardSpec;

  constructor(host: Host, spec: GuardSpec, dir: string, pid: number) {
    this.#host = host;
    this.#spec = spec;
    this.dir = dir;
    this.pid = pid;
  }

  get seconds(): number {
    return this.#spec.seconds;
  }

  /** The change is confirmed: stop the timer. A guard that had already fired is archived. */
  async disarm(): Promise<DisarmResult> {
    const r = await this.#host.exec({ script: disarmScript(this.dir) });
    const out = r.stdout.trim();
    if (out === 'cancelled') return { state: 'cancelled' };
    const m = /^fired ?(.*)$/.exec(out);
    if (!m) throw new TaskError(`lockout guard: cannot disarm ${this.dir}: ${r.stderr.trim() || out || `exit ${r.code}`}`);
    await this.#archive();
    return { state: 'fired', restoredAt: m[1] ?? '' };
  }

  /** Put the state back now (files and snapshots; restarting is the caller's). Never throws. */
  async rollback(): Promise<RollbackResult> {
    try {
      const r = await this.#host.exec({ script: rollbackScript(this.dir) });
      const out = r.stdout.trim();
      if (out === 'restored') return { state: 'restored' };
      const m = /^fired ?(.*)$/.exec(out);
      if (m) {
        await this.#archive();
        return { state: 'fired', restoredAt: m[1] ?? '' };
      }
      return { state: 'failed', reason: r.stderr.trim() || out || `exit ${r.code}` };
    } catch (err) {
      return { state: 'failed', reason: errorMessage(err), error: err };
    }
  }

  async #archive(): Promise<void> {
    await this.#host.exec({ script: archiveScript(this.dir, this.#spec.stateDir) }).catch(() => undefined);
  }
}

/** Copy the files, take the snapshots and start the timer on the host (one exec). */
export async function armGuard(host: Host, spec: GuardSpec): Promise<ArmedGuard> {
  const r = await host.exec(['sh', '-c', armScript(spec)], { stdin: restoreScript(spec) });
  const m = /^(\/\S+) (\d+)\s*$/.exec(r.stdout);
  if (r.code !== 0 || !m) {
    throw new TaskError(`lockout guard: could not arm the rollback timer on the host (nothing was changed): ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
  }
  return new ArmedGuard(host, spec, m[1] as string, Number(m[2]));
}
