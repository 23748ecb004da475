/** The loaded, validated playbook: plain data, positions kept for error messages. */
import type { SourceLocation } from '../errors.js';
import type { Vars } from '../modules/types.js';

export interface Task {
  /** "role_name : task name" style label. */
  name: string;
  module: string;
  /** Raw (unrendered) arguments, the free-form string moved under the module's key. */
  args: Record<string, unknown>;
  when?: unknown;
  loop?: unknown;
  /** The lookup of a `with_<lookup>:` loop ('items', 'dict', ...); undefined for `loop:`. */
  loopWith?: string;
  loopVar: string;
  loopLabel?: string;
  /** loop_control beyond loop_var and label. */
  loopControl?: LoopControl;
  register?: string;
  notify: string[];
  listen: string[];
  tags: string[];
  become?: boolean;
  becomeUser?: string;
  /** become_method: sudo (default) or su; become_flags replace the method's default flags. */
  becomeMethod?: 'sudo' | 'su';
  becomeFlags?: string;
  /** Environment variables for every command of the task (play's, then block's, then task's). */
  environment?: unknown[];
  ignoreErrors: boolean;
  changedWhen?: unknown;
  /** Retry the task until this holds (Ansible's until/retries/delay). */
  until?: unknown;
  retries: number;
  delayS: number;
  failedWhen?: unknown;
  vars: Vars;
  noLog: boolean;
  /** Run in check mode too (`check_mode: false` = always really run, like Ansible). */
  checkMode?: boolean;
  /** Role the task comes from (for its defaults/vars/files/templates). */
  role?: RoleRef;
  /** Where `src:` files/templates are looked up, in order. */
  searchPaths: string[];
  location: SourceLocation;
  /** Where an argument (path below the module key) stands in the YAML. */
  locateArg?: (path: (string | number)[]) => SourceLocation;
  /** meta: flush_handlers */
  meta?: 'flush_handlers' | 'noop' | 'end_host' | 'end_play' | 'end_batch' | 'clear_host_errors' | 'refresh_inventory';
  /** The blocks the task sits in, outermost first, and in which part of each. */
  blocks?: BlockFrame[];
  /** run_once: run on the first host of the batch only; its result counts for all. */
  runOnce?: boolean;
  /** delegate_to: run the task's commands on this inventory host (or `localhost`, the bastion). */
  delegateTo?: string;
  /** any_errors_fatal: a failure on one host ends the play for all. */
  anyErrorsFatal?: boolean;
  /** throttle: at most this many hosts at once for this task. */
  throttle?: number;
  /** include_tasks: expanded per host at run time (module 'include_tasks'). */
  include?: IncludeTasks;
}

export interface IncludeTasks {
  /** The file name as written (may be a template), relative to the role's tasks/ or the including file. */
  file: string;
  /** The tasks of a rendered file name (cached per file). */
  load(name: string): Promise<Task[]>;
  /** Loaded at load time when the name has no template (validate sees them). */
  preloaded?: Task[];
}

/** Every task of a list, with the tasks of include_tasks known at load time. */
export function flattenTasks(tasks: Task[]): Task[] {
  return tasks.flatMap((t) => (t.include?.preloaded ? [t, ...flattenTasks(t.include.preloaded)] : [t]));
}

export interface BlockFrame {
  /** Unique within the run. */
  id: number;
  part: 'block' | 'rescue' | 'always';
  hasRescue: boolean;
  hasAlways: boolean;
}

export interface LoopControl {
  indexVar?: string;
  extended?: boolean;
  /** With `extended`: include ansible_loop.allitems (default true). */
  extendedAllitems?: boolean;
  /** Seconds between items. */
  pause?: number;
}

export interface RoleRef {
  name: string;
  path: string;
  defaults: Vars;
  vars: Vars;
  params: Vars;
  /** Dotted role chain for labels: "common" or "etcd". */
}

export interface Play {
  name: string;
  hosts: string;
  become?: boolean;
  becomeUser?: string;
  /** become_method: sudo (default) or su; become_flags replace the method's default flags. */
  becomeMethod?: 'sudo' | 'su';
  becomeFlags?: string;
  /** Environment for every task of the play (roles included). */
  environment?: unknown;
  gatherFacts: boolean;
  serial?: (number | string)[];
  maxFailPercentage?: number;
  /** Host order: inventory (default), reverse_inventory, sorted, reverse_sorted, shuffle. */
  order?: 'inventory' | 'reverse_inventory' | 'sorted' | 'reverse_sorted' | 'shuffle';
  vars: Vars;
  varsFiles: string[];
  /** vars_prompt: asked before the run (hostforge apply), extra vars win. */
  varsPrompt?: VarsPrompt[];
  tasks: Task[];
  handlers: Task[];
  tags: string[];
  roles: RoleRef[];
  location: SourceLocation;
}

export interface VarsPrompt {
  name: string;
  prompt: string;
  /** Hidden input, the value a secret (Ansible's default: true). */
  private: boolean;
  default?: string;
  confirm: boolean;
  location: SourceLocation;
}

export interface Playbook {
  file: string;
  dir: string;
  plays: Play[];
}
