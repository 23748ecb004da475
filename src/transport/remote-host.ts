/**
 * The Host that modules see, backed by one SshConnection: exec with become,
 * SFTP reads, stat in one round trip, atomic writes with validate and backup.
 */
import { randomBytes } from 'node:crypto';
import { basename, dirname, posix } from 'node:path';
import { TaskError } from '../errors.js';
import type { ExecOptions, ExecResult, Facts, FileStat, Host, Vars, WriteOptions } from '../modules/types.js';
import { shQuote, toShell, type Command } from '../util/quote.js';
import type { RawExecResult } from './ssh.js';
import type { Secret } from '../util/secret.js';
import { becomeCommand, becomeRefused, stripPrompt, type BecomeMethod } from './become.js';

/** What a RemoteHost needs of its link: an SshConnection, or the bastion's LocalConnection. */
export interface Connection {
  readonly spec: { name: string; user: string };
  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult>;
  get(path: string): Promise<Buffer | null>;
  put(data: Buffer, path: string, mode?: number): Promise<void>;
  close(): Promise<void>;
}

export interface BecomeSpec {
  /** sudo's password (ansible_become_password, -K): sent on sudo's stdin, never in an argv or the environment. */
  password?: Secret;
  /** Use sudo for every command unless a task says otherwise. */
  enabled: boolean;
  user: string;
  /** sudo (default) or su; flags replace the method's default flags (become.ts). */
  method?: BecomeMethod;
  flags?: string;
}

export type FactsReader = (host: Host) => Promise<Facts>;

export class RemoteHost implements Host {
  readonly name: string;
  readonly vars: Vars;
  readonly checkMode = false;
  readonly #conn: Connection;
  readonly #become: BecomeSpec;
  readonly #readFacts: FactsReader;
  #facts?: Promise<Facts>;

  constructor(name: string, vars: Vars, conn: Connection, become: BecomeSpec, readFacts: FactsReader) {
    this.name = name;
    this.vars = vars;
    this.#conn = conn;
    this.#become = become;
    this.#readFacts = readFacts;
  }

  /** A copy of this host whose commands run with (or without) become. */
  withBecome(become: BecomeSpec): RemoteHost {
    return new RemoteHost(this.name, this.vars, this.#conn, { ...this.#become, ...become }, this.#readFacts);
  }

  get connection(): Connection {
    return this.#conn;
  }

  #needsSudo(opt?: boolean): boolean {
    const want = opt ?? this.#become.enabled;
    return want && !(this.#conn.spec.user === 'root' && this.#become.user === 'root');
  }

  /** The password goes on stdin only when the login user is asked for one (root is not). */
  #password(become?: boolean): Secret | undefined {
    return this.#needsSudo(become) && this.#conn.spec.user !== 'root' ? this.#become.password : undefined;
  }

  #wrap(script: string, become?: boolean): string {
    if (!this.#needsSudo(become)) return script;
    const method = this.#become.method ?? 'sudo';
    return becomeCommand({ method, user: this.#become.user, flags: this.#become.flags, withPassword: this.#password(become) !== undefined }, script);
  }

  /** One command line on the link, through sudo/su when become applies (its password first on stdin). */
  async #run(script: string, become?: boolean, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult> {
    const pw = this.#password(become);
    const input = pw === undefined ? stdin : Buffer.concat([Buffer.from(`${pw.reveal()}\n`), Buffer.from(stdin ?? '')]);
    const r = await this.#conn.exec(this.#wrap(script, become), input, timeoutMs);
    if (!this.#needsSudo(become)) return r;
    const method = this.#become.method ?? 'sudo';
    const out = { ...r, stderr: stripPrompt(method, pw !== undefined, r.stderr) };
    if (r.code !== 0 && becomeRefused(method, out.stderr.toString('utf8'))) {
      const hint = this.#become.password ? 'ansible_become_password is wrong' : 'set ansible_become_password or use -K';
      throw new TaskError(`${this.name}: ${method} refused the become password for ${this.#become.user} (${hint})`);
    }
    return out;
  }

  async exec(cmd: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    let script = toShell(cmd);
    if (opts.env) {
      const exports = Object.entries(opts.env).map(([k, v]) => `export ${k}=${shQuote(v)}`);
      script = `${exports.join('; ')}; ${script}`;
    }
    if (opts.cwd) script = `cd ${shQuote(opts.cwd)} && ${script}`;
    const r = await this.#run(script, opts.become, opts.stdin, opts.timeoutMs);
    return { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  async read(path: string): Promise<Buffer | null> {
    if (!this.#needsSudo()) return this.#conn.get(path);
    const q = shQuote(path);
    const r = await this.#run(`if [ -e ${q} ]; then cat -- ${q}; else exit 3; fi`);
    if (r.code === 3) return null;
    if (r.code !== 0) throw new TaskError(`cannot read ${path}: ${r.stderr.toString().trim()}`);
    return r.stdout;
  }

  async stat(path: string): Promise<FileStat | null> {
    const q = shQuote(path);
    const script = `if [ -e ${q} ] || [ -L ${q} ]; then stat -c '%F|%a|%U|%G|%s' -- ${q}; if [ -L ${q} ]; then readlink -- ${q}; fi; else echo MISSING; fi`;
    const r = await this.exec({ script });
    return parseStat(r.stdout);
  }

  async write(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<{ backup?: string }> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const dir = dirname(path);
    const rand = randomBytes(6).toString('hex');
    const tmp = posix.join(dir, `.${basename(path)}.hostforge-${rand}`);
    const sudo = this.#needsSudo(opts.become);
    const staged = sudo ? `/tmp/.hostforge-upload-${rand}` : tmp;
    try {
      await this.#conn.put(buf, staged, 0o600);
    } catch (err) {
      // A cut upload leaves no partial file behind (when the link still answers).
      await this.#conn.exec(`rm -f -- ${shQuote(staged)}`).catch(() => undefined);
      throw err;
    }

    // The paths live in shell variables so every later line can use "$P"/"$T" unquoted-safe.
    // The temporary file is private from its first byte (umask 077, noclobber: never through a
    // planted name or link); validate's output goes to a mktemp file; a stale temporary file of
    // ours for the same target (a cut upload, a killed run) is removed.
    const lines: string[] = ['set -e', `P=${shQuote(path)}`, `T=${shQuote(tmp)}`, 'V=', `trap 'rm -f -- "$T" \${V:+"$V"}' EXIT`];
    if (sudo) lines.push(`(umask 077; set -C; cat -- ${shQuote(staged)} > "$T")`, `rm -f -- ${shQuote(staged)}`);
    lines.push(`find ${shQuote(dir)} -maxdepth 1 -name ${shQuote(`.${basename(path)}.hostforge-*`)} ! -name ${shQuote(basename(tmp))} -mmin +5 -type f -delete 2>/dev/null || true`);
    // Attributes: the asked ones, else keep the existing file's.
    if (opts.owner || opts.group) lines.push(`chown ${shQuote(`${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`)} "$T"`);
    else lines.push(`if [ -e "$P" ]; then chown --reference="$P" "$T"; fi`);
    if (opts.mode) lines.push(`chmod ${shQuote(opts.mode)} "$T"`);
    else lines.push(`if [ -e "$P" ]; then chmod --reference="$P" "$T"; else chmod 0644 "$T"; fi`);
    if (opts.validate) {
      const v = opts.validate.includes('%s') ? opts.validate.split('%s').join('"$T"') : `${opts.validate} "$T"`;
      lines.push('V=$(mktemp)', `if ! ( ${v} ) >"$V" 2>&1; then cat "$V" >&2; exit 97; fi`);
    }
    let backup: string | undefined;
    if (opts.backup) {
      const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
      backup = `${path}.${stamp}~`;
      lines.push(`if [ -e "$P" ]; then cp -p -- "$P" ${shQuote(backup)}; echo BACKUP; fi`);
    }
    lines.push(`mv -f -- "$T" "$P"`);
    const r = await this.#run(lines.join('\n'), opts.become);
    if (r.code === 97) {
      throw new TaskError(`validation failed for ${path} (${opts.validate}); the file was left unchanged`, {
        details: r.stderr.toString('utf8').trim(),
      });
    }
    if (r.code !== 0) {
      throw new TaskError(`cannot write ${path}: ${r.stderr.toString('utf8').trim() || `exit ${r.code}`}`);
    }
    return { backup: r.stdout.toString().includes('BACKUP') ? backup : undefined };
  }

  facts(): Promise<Facts> {
    this.#facts ??= this.#readFacts(this).catch((err: unknown) => {
      this.#facts = undefined;
      throw err;
    });
    return this.#facts;
  }

  invalidate(path?: string): void {
    if (path === undefined) this.#facts = undefined;
  }
}

export function parseStat(out: string): FileStat | null {
  const lines = out.split('\n');
  const first = lines[0]?.trim() ?? '';
  if (first === 'MISSING' || first === '') return null;
  const [ftype = '', mode = '', owner = '', group = '', size = '0'] = first.split('|');
  const type: FileStat['type'] =
    ftype === 'symbolic link' ? 'link' : ftype === 'directory' ? 'directory' : ftype.startsWith('regular') ? 'file' : 'other';
  const st: FileStat = { type, mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
  if (type === 'link') st.linkTarget = lines[1] ?? '';
  return st;
}
