/**
 * What the engine tells reporters. Plain data: reporters render, never decide.
 */
import type { Change } from '../modules/types.js';

export type HostStatus = 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable';

export interface TaskResultEvent {
  type: 'task_result';
  host: string;
  task: string;
  /** Loop item label, when the task loops. */
  item?: string;
  status: HostStatus;
  changes: Change[];
  msg?: string;
  /** What the task prints after `=>` (debug's message or variable, as indented JSON). */
  display?: string;
  /** stdout/stderr of commands, shown with -v. */
  output?: string;
  ignored?: boolean;
  checkMode: boolean;
  /**
   * A looped task's items: false on every item but the last, which carries what the whole
   * task counts as in the recap. Absent on a task without a loop (it counts as its status).
   */
  counted?: false | { status: HostStatus; ignored: boolean };
  /** Task hides its details (no_log). */
  noLog: boolean;
  durationMs: number;
}

export interface Recap {
  ok: number;
  changed: number;
  failed: number;
  skipped: number;
  unreachable: number;
  /** Failures caught by a block's rescue (not counted in failed, as Ansible). */
  rescued: number;
  ignored: number;
}

export type RunEvent =
  | { type: 'run_start'; playbook: string; check: boolean; hosts: number }
  | { type: 'play_start'; play: string; hosts: string[] }
  | { type: 'task_start'; task: string; hosts: string[]; handler: boolean }
  | TaskResultEvent
  /** All results of one host for the current task have been emitted. */
  | { type: 'task_host_done'; task: string; host: string }
  | { type: 'host_unreachable'; host: string; msg: string }
  | { type: 'warning'; host?: string; msg: string }
  | { type: 'play_end'; play: string }
  /** rebootRequired: hosts whose changes take effect only at the next boot, with why (no reboot task ran after them). */
  | { type: 'run_end'; recap: Record<string, Recap>; durationMs: number; exitCode: number; rebootRequired?: Record<string, string[]> };

export interface Reporter {
  emit(event: RunEvent): void;
  /** Flush output (end of run). */
  close(): Promise<void>;
}

export function emptyRecap(): Recap {
  return { ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 };
}
