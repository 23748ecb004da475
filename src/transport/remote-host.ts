/**
 * The Host that modules see, backed by one SshConnection: exec with become,
 * SFTP reads, stat in one round trip, atomic writes with validate and backup (the
 * content on the write script's stdin, never staged in /tmp).
 */
import { TaskError } from '../errors.js';
import type { ExecOptions, ExecResult, Facts, FileStat, Host, Vars, WriteOptions } from '../modules/types.js';
import { shQuote, toShell, type Command } from '../util/quote.js';
import type { RawExecResult } from './ssh.js';
import type { Secret } from '../util/secret.js';
import { VALIDATE_FAILED, writeScript } from './write-script.js';
import { becomeCommand, becomeRefused, stripPrompt, type BecomeMethod } from './become.js';

/** What a RemoteHost needs of its link: an SshConnection, or the bastion's LocalConnection. */
export interface Connection {
  readonly spec: { name: string; user: string };
  /** The link is known to be gone (closed, lost, abandoned). */
  readonly closed?: boolean;
  exec(command: string, stdin?: string | Buffer, timeoutMs?: number): Promise<RawExecResult>;
  get(path: string): Promise<Buffer | null>;
  put(data: Buffer, path: string, mode?: number): Promise<void>;
  close(): Promise<void>;
  /** Forget the link at once, without a goodbye or waiting for the host (it is going down: a reboot). */
  abandon?(): void;
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

/** What every become-variant of one host shares. */
interface HostSession {
  /** This run holds the host's exclusive run lock (set by the lock, read by writes). */
  exclusive: boolean;
  /** The write in flight per target, so writes of one target run one after another. */
  writes: Map<string, Promise<unknown>>;
  /** The link every variant runs on; a reboot replaces it with a new login (replaceConnection). */
  conn: Connection;
}

export class RemoteHost implements Host {
  readonly name: string;
  readonly vars: Vars;
  readonly checkMode = false;
  readonly #become: BecomeSpec;
  readonly #readFacts: FactsReader;
  readonly #session: HostSession;
  #facts?: Promise<Facts>;

  constructor(name: string, vars: Vars, conn: Connection, become: BecomeSpec, readFacts: FactsReader, session?: HostSession) {
    this.name = name;
    this.vars = vars;
    this.#become = become;
    this.#readFacts = readFacts;
    this.#session = session ?? { exclusive: false, writes: new Map(), conn };
  }

  /** The run lock says whether this run alone may write on the host (see write-script.ts). */
  set exclusive(on: boolean) {
    this.#session.exclusive = on;
  }

  /** A copy of this host whose commands run with (or without) become. */
  withBecome(become: BecomeSpec): RemoteHost {
    return new RemoteHost(this.name, this.vars, this.#session.conn, { ...this.#become, ...become }, this.#readFacts, this.#session);
  }

  get connection(): Connection {
    return this.#session.conn;
  }

  /** After a reboot: this host and every become-variant of it run on `conn` (a new login) from now on. */
  replaceConnection(conn: Connection): Connection {
    const old = this.#session.conn;
    this.#session.conn = conn;
    this.#facts = undefined;
    return old;
  }

  #needsSudo(opt?: boolean): boolean {
    const want = opt ?? this.#become.enabled;
    return want && !(this.#session.conn.spec.user === 'root' && this.#become.user === 'root');
  }

  /** The password goes on stdin only when the login user is asked for one (root is not). */
  #password(become?: boolean): Secret | undefined {
    return this.#needsSudo(become) && this.#session.conn.spec.user !== 'root' ? this.#become.password : undefined;
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
    const r = await this.#session.conn.exec(this.#wrap(script, become), input, timeoutMs);
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
    if (!this.#needsSudo()) return this.#session.conn.get(path);
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
    // Writes of one target never overlap on a host: a write removes stale temp files of its target.
    const key = `${this.#session.conn.spec.name}\0${path}`;
    const prev = this.#session.writes.get(key) ?? Promise.resolve();
    const mine = prev.catch(() => undefined).then(() => this.#write(path, data, opts));
    const tail = mine.catch(() => undefined);
    this.#session.writes.set(key, tail);
    try {
      return await mine;
    } finally {
      if (this.#session.writes.get(key) === tail) this.#session.writes.delete(key);
    }
  }

  /** The content goes on the script's stdin; see write-script.ts for what happens on the host. */
  async #write(path: string, data: string | Buffer, opts: WriteOptions): Promise<{ backup?: string }> {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let backup: string | undefined;
    if (opts.backup) {
      const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
      backup = `${path}.${stamp}~`;
    }
    const script = writeScript(path, opts, { backup, exclusive: this.#session.exclusive });
    const r = await this.#run(script, opts.become, buf);
    if (r.code === VALIDATE_FAILED) {
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
