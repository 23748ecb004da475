/**
 * What the output shows of a task beyond its status, as ansible-playbook shows it:
 * the task name templated with the first host's variables (left as written when a
 * variable is not known yet), and debug's `=> {"msg": ...}` / `=> {"var": value}`.
 */
import type { Vars } from '../modules/types.js';
import type { Task } from '../playbook/types.js';
import { render } from '../template/render.js';
import type { Scope } from '../vars/scope.js';
import { buildScope, type ScopeInput } from './context.js';

/** The task name for a TASK header: templated, or as written when that fails. */
export function displayName(task: Task, scope: Scope | undefined): string {
  if (!scope || !task.name.includes('{{')) return task.name;
  try {
    return render(task.name, scope.context, { revealed: scope.revealed });
  } catch {
    return task.name;
  }
}

/** The TASK header of `task` on these hosts: its name templated with the first host's variables. */
export function taskTitle(task: Task, hosts: string[], env: Omit<ScopeInput, 'host' | 'task' | 'role'>): string {
  if (!task.name.includes('{{') || hosts.length === 0) return task.name;
  try {
    return displayName(task, buildScope({ ...env, host: hosts[0]!, role: task.role, task }));
  } catch {
    return task.name;
  }
}

/** debug's result as Ansible prints it after `ok: [host] =>`, indented JSON; undefined for other modules. */
export function debugDisplay(task: Task, result: Vars): string | undefined {
  if (task.module !== 'debug' || result.failed === true || result.skipped === true) return undefined;
  const name = typeof task.args.var === 'string' ? task.args.var : undefined;
  const shown = name !== undefined ? { [name]: result[name] } : { msg: result.msg };
  return JSON.stringify(shown, null, 4);
}
