/**
 * The module contract. A module is one file exporting a `Module`: an argument
 * schema, a read-only `plan` and an `apply` that does exactly the planned changes.
 * Modules see hosts only through the narrow `Host` interface; only transport/ knows ssh2.
 */
import type { JSONSchemaType } from 'ajv';
import type { Command } from '../util/quote.js';
import type { PkiService } from '../pki/types.js';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Vars = Record<string, unknown>;

export type ChangeAction = 'create' | 'update' | 'delete' | 'run';

/**
 * What kind of resource a change touches. The engine's check-mode view of a host
 * understands 'file', 'directory', 'link', 'absent', 'package' and 'service' changes;
 * anything else ('command', 'line', 'rule', 'cert', ...) is opaque to it.
 */
export type ChangeKind =
  | 'file'
  | 'directory'
  | 'link'
  | 'absent'
  | 'attributes'
  | 'package'
  | 'service'
  | 'command'
  | 'user'
  | 'rule'
  | 'other';

export interface FileAttrs {
  mode?: string; // octal string such as "0644"
  owner?: string;
  group?: string;
}

/**
 * A change is plain JSON data: printable, diffable, saveable and applicable later.
 * `before`/`after` are human-readable texts used for the unified diff (file contents).
 * `content` (base64) is the exact bytes a file change writes, when it differs from `after`
 * (binary data) or when `after` is redacted. `data` is module-private detail that apply needs.
 */
export interface Change {
  action: ChangeAction;
  kind: ChangeKind;
  target: string;
  summary: string;
  before?: string;
  after?: string;
  sensitive?: boolean;
  attrs?: FileAttrs;
  data?: { [k: string]: Json };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  become?: boolean;
  cwd?: string;
  env?: Record<string, string>;
  /** Do not throw on a non-zero exit (default: false = return the result either way). */
  timeoutMs?: number;
}

export interface FileStat {
  type: 'file' | 'directory' | 'link' | 'other';
  mode: string; // "0644"
  owner: string;
  group: string;
  size: number;
  linkTarget?: string;
}

export interface WriteOptions extends FileAttrs {
  /** A command with %s for the temporary file, e.g. "sshd -t -f %s". */
  validate?: string;
  /** Keep a timestamped copy of the old file beside it. Returns its path. */
  backup?: boolean;
  become?: boolean;
}

export interface Facts {
  hostname: string;
  fqdn: string;
  os: { id: string; version: string; family: string; pretty: string };
  kernel: string;
  arch: string;
  init: 'systemd' | 'sysvinit';
  addresses: string[];
  default_ipv4?: string;
  user: string;
  [k: string]: unknown;
}

/** The narrow interface a module sees. */
export interface Host {
  readonly name: string;
  readonly vars: Vars;
  /** True while planning in check mode: reads come from the predicted state. */
  readonly checkMode: boolean;
  exec(cmd: Command, opts?: ExecOptions): Promise<ExecResult>;
  /** File contents, or null when the path does not exist. */
  read(path: string): Promise<Buffer | null>;
  /** Stat without following the final symlink; null when missing. */
  stat(path: string): Promise<FileStat | null>;
  /** Atomic write: temp file in the same dir, attrs, validate, rename. */
  write(path: string, data: string | Buffer, opts?: WriteOptions): Promise<{ backup?: string }>;
  facts(): Promise<Facts>;
  /** Forget cached facts/reads after a change. */
  invalidate(path?: string): void;
  /**
   * Check mode only: what earlier tasks of this run would have done to a resource that
   * is not a file (kind 'package' or 'service', target = its name). Files need no such
   * call: read()/stat() already answer from the predicted state.
   */
  predicted?(kind: ChangeKind, target: string): 'present' | 'absent' | 'started' | 'stopped' | undefined;
}

/** What plan() learns that a handler or `register:` may want (e.g. command output). */
export interface ApplyResult {
  stdout?: string;
  stderr?: string;
  rc?: number;
  msg?: string;
  [k: string]: Json | undefined;
}

/** The host's SSH link as the reboot module drives it (ConnectionPool.link). */
export interface HostLink {
  /** The bastion itself (a local connection): there is no link, and rebooting it is refused. */
  readonly local: boolean;
  /** Close the host's connection at once, without waiting for the host (it is going down). */
  drop(): Promise<void>;
  /** A new login (same user, keys, jump hosts) that every later command of the run uses. */
  reopen(connectTimeoutMs?: number): Promise<void>;
}

export interface ModuleContext {
  /** The task's directory context: where `src:` of copy/template is looked up. */
  searchPaths: string[];
  /** Render a template string with the task's variables (strict). */
  render(text: string): string;
  /** Read a local (bastion) file from the search paths. */
  readLocal(rel: string): Promise<{ path: string; data: Buffer }>;
  /** Task vars (for template module). */
  vars: Vars;
  /** Emit a warning line (shown in the report). */
  warn(msg: string): void;
  /**
   * Lockout guard: open a NEW SSH connection to this host with the run's credentials
   * and run `true`. Resolves when login works, rejects otherwise.
   */
  probeLogin(): Promise<void>;
  /** The bastion's certificate authority (lazy: unlocks the CA key on first use). */
  pki(): Promise<PkiService>;
  /** All hosts' vars by name (for keyring-style modules that need the group). */
  hostvars: Record<string, Vars>;
  /** Group name -> host names. */
  groups: Record<string, string[]>;
  /** The host's link (reboot); absent where there is none (unit tests). */
  link?: HostLink;
}

export interface Module<A> {
  name: string;
  /** JSON schema of the arguments, checked at load time before any connection. */
  args: JSONSchemaType<A> | Record<string, unknown>;
  /** A free-form string argument (e.g. `command: ls -l`) goes to this key. */
  freeForm?: keyof A & string;
  /** Modules whose effect cannot be known (command/shell) are skipped in check mode unless plan decides. */
  checkMode?: 'full' | 'skip-run';
  /** Changes nothing; apply(host, []) produces its result (setup, stat, debug...), in check mode too. */
  readOnly?: boolean;
  /**
   * What of these applied (or, in check mode, planned) changes takes effect only at the next
   * boot, in words ("kernel command line in /etc/default/grub"); undefined: nothing. The run
   * reports "reboot required" for the host unless a `reboot` task runs after them.
   */
  rebootNeeded?(changes: Change[], args: A): string | undefined;
  /** Check mode: the result the task registers for these planned changes (what Ansible's check mode returns). */
  checkResult?(changes: Change[], args: A): ApplyResult;
  /** The module reboots the host (clears what rebootNeeded reported before it). */
  reboots?: boolean;
  /** Read-only: [] means already in state. */
  plan(host: Host, args: A, ctx: ModuleContext): Promise<Change[]>;
  /** Do exactly these changes. */
  apply(host: Host, changes: Change[], args: A, ctx: ModuleContext): Promise<ApplyResult | void>;
}

/** A module whose argument type has been erased (the registry's view; args are schema-checked). */
export type AnyModule = Module<never>;
