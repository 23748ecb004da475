/**
 * A fake Host for module tests: an in-memory filesystem plus a table of canned exec
 * replies. It is the narrow interface modules are written against, not a mocked SSH.
 *
 * Besides canned replies it understands the few coreutils commands modules emit for
 * filesystem changes (mkdir -p, chmod, chown, rm, rmdir, ln -s, getent), given as argv
 * or as `a && b && c` scripts built by andThen(), so "apply, then plan again" can be
 * tested end to end in memory.
 */
import { posix } from 'node:path';
import { TaskError } from '../../src/errors.js';
import type { ChangeKind, ExecOptions, ExecResult, Facts, FileStat, Host, Vars, WriteOptions } from '../../src/modules/types.js';
import { toShell, type Command } from '../../src/util/quote.js';
import { splitWords } from '../../src/modules/text/shellwords.js';

export type FakeNode =
  | { type: 'file'; data: Buffer; mode: string; owner: string; group: string }
  | { type: 'directory'; mode: string; owner: string; group: string }
  | { type: 'link'; target: string; owner: string; group: string };

export interface LogEntry {
  op: 'exec' | 'read' | 'stat' | 'write' | 'invalidate' | 'facts';
  detail: string;
  opts?: ExecOptions | WriteOptions;
}

type Reply = Partial<ExecResult> | ((text: string, opts: ExecOptions) => Partial<ExecResult>);

interface Rule {
  match: (text: string) => boolean;
  reply: Reply;
  times: number; // remaining uses; Infinity by default
}

export const DEFAULT_FACTS: Facts = {
  hostname: 'node1',
  fqdn: 'node1.lab',
  os: { id: 'debian', version: '12', family: 'debian', pretty: 'Debian GNU/Linux 12 (bookworm)' },
  kernel: '6.1.0',
  arch: 'x86_64',
  init: 'sysvinit',
  addresses: ['198.18.0.11'],
  default_ipv4: '198.18.0.11',
  user: 'root',
};

export interface FakeHostOptions {
  name?: string;
  vars?: Vars;
  checkMode?: boolean;
  facts?: Partial<Facts>;
  /** Files by path: text/Buffer content, or a node. Parent directories are created. */
  files?: Record<string, string | Buffer | FakeNode>;
}

const USERS: Record<string, number> = { root: 0, daemon: 1, bin: 2, www: 33, nobody: 65534, alice: 1000 };
const GROUPS: Record<string, number> = { root: 0, daemon: 1, bin: 2, www: 33, nogroup: 65534, alice: 1000, staff: 50 };

export class FakeHost implements Host {
  readonly name: string;
  readonly vars: Vars;
  readonly checkMode: boolean;
  readonly fs = new Map<string, FakeNode>();
  readonly log: LogEntry[] = [];
  readonly rules: Rule[] = [];
  factsValue: Facts;
  /** Check mode: what earlier tasks would have done ("package:nginx" → "present"), like engine/predicted-host.ts. */
  readonly predictedResources = new Map<string, 'present' | 'absent' | 'started' | 'stopped'>();
  /** Decides `validate` during write: exit code 0 = valid. Default: valid. */
  validator: (cmd: string, data: Buffer) => ExecResult = () => ({ code: 0, stdout: '', stderr: '' });

  constructor(o: FakeHostOptions = {}) {
    this.name = o.name ?? 'node1';
    this.vars = o.vars ?? {};
    this.checkMode = o.checkMode ?? false;
    this.factsValue = { ...DEFAULT_FACTS, ...(o.facts ?? {}) } as Facts;
    this.fs.set('/', { type: 'directory', mode: '0755', owner: 'root', group: 'root' });
    for (const [p, v] of Object.entries(o.files ?? {})) {
      if (typeof v === 'string' || Buffer.isBuffer(v)) this.addFile(p, v);
      else {
        this.mkdirs(posix.dirname(p));
        this.fs.set(p, v);
      }
    }
  }

  // ---- setup helpers -------------------------------------------------------------
  addFile(path: string, content: string | Buffer, attrs: Partial<{ mode: string; owner: string; group: string }> = {}): this {
    this.mkdirs(posix.dirname(path));
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    this.fs.set(path, { type: 'file', data, mode: attrs.mode ?? '0644', owner: attrs.owner ?? 'root', group: attrs.group ?? 'root' });
    return this;
  }

  addDir(path: string, attrs: Partial<{ mode: string; owner: string; group: string }> = {}): this {
    this.mkdirs(posix.dirname(path));
    this.fs.set(path, { type: 'directory', mode: attrs.mode ?? '0755', owner: attrs.owner ?? 'root', group: attrs.group ?? 'root' });
    return this;
  }

  addLink(path: string, target: string): this {
    this.mkdirs(posix.dirname(path));
    this.fs.set(path, { type: 'link', target, owner: 'root', group: 'root' });
    return this;
  }

  /** Canned reply for commands whose shell text matches (substring or RegExp). */
  on(match: string | RegExp | ((text: string) => boolean), reply: Reply, times = Infinity): this {
    const fn = typeof match === 'string' ? (t: string) => t.includes(match) : match instanceof RegExp ? (t: string) => match.test(t) : match;
    this.rules.push({ match: fn, reply, times });
    return this;
  }

  text(path: string): string | undefined {
    const n = this.resolve(path);
    return n?.type === 'file' ? n.data.toString('utf8') : undefined;
  }

  node(path: string): FakeNode | undefined {
    return this.fs.get(path);
  }

  execs(): string[] {
    return this.log.filter((e) => e.op === 'exec').map((e) => e.detail);
  }

  clearLog(): void {
    this.log.length = 0;
  }

  // ---- Host ----------------------------------------------------------------------
  async exec(cmd: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const text = toShell(cmd);
    this.log.push({ op: 'exec', detail: text, opts });
    for (const r of this.rules) {
      if (r.times > 0 && r.match(text)) {
        r.times--;
        const out = typeof r.reply === 'function' ? r.reply(text, opts) : r.reply;
        return { code: out.code ?? 0, stdout: out.stdout ?? '', stderr: out.stderr ?? '' };
      }
    }
    const builtin = this.coreutils(cmd);
    if (builtin) return builtin;
    throw new Error(`FakeHost: unexpected exec: ${text}`);
  }

  async read(path: string): Promise<Buffer | null> {
    this.log.push({ op: 'read', detail: path });
    const n = this.resolve(path);
    if (n === undefined) return null;
    if (n.type !== 'file') throw new TaskError(`cannot read ${path}: is a ${n.type}`);
    return Buffer.from(n.data);
  }

  async stat(path: string): Promise<FileStat | null> {
    this.log.push({ op: 'stat', detail: path });
    const n = this.fs.get(path);
    if (n === undefined) return null;
    if (n.type === 'link') return { type: 'link', mode: '0777', owner: n.owner, group: n.group, size: n.target.length, linkTarget: n.target };
    return { type: n.type, mode: n.mode, owner: n.owner, group: n.group, size: n.type === 'file' ? n.data.length : 4096 };
  }

  async write(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<{ backup?: string }> {
    this.log.push({ op: 'write', detail: path, opts });
    const dir = this.fs.get(posix.dirname(path));
    if (dir?.type !== 'directory') throw new TaskError(`cannot write ${path}: no such directory ${posix.dirname(path)}`);
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    if (opts.validate) {
      const v = this.validator(opts.validate, buf);
      if (v.code !== 0) throw new TaskError(`validation failed for ${path} (${opts.validate}); the file was left unchanged`, { details: v.stderr });
    }
    const old = this.fs.get(path);
    let backup: string | undefined;
    if (opts.backup && old?.type === 'file') {
      backup = `${path}.backup~`;
      this.fs.set(backup, { ...old, data: Buffer.from(old.data) });
    }
    const keep = old && old.type !== 'link' ? old : undefined;
    this.fs.set(path, {
      type: 'file',
      data: buf,
      mode: opts.mode ?? keep?.mode ?? '0644',
      owner: opts.owner ?? keep?.owner ?? 'root',
      group: opts.group ?? keep?.group ?? 'root',
    });
    return backup !== undefined ? { backup } : {};
  }

  async facts(): Promise<Facts> {
    this.log.push({ op: 'facts', detail: '' });
    return this.factsValue;
  }

  invalidate(path?: string): void {
    this.log.push({ op: 'invalidate', detail: path ?? '*' });
  }

  predicted(kind: ChangeKind, target: string): 'present' | 'absent' | 'started' | 'stopped' | undefined {
    return this.predictedResources.get(`${kind}:${target}`);
  }

  // ---- the in-memory filesystem --------------------------------------------------
  resolve(path: string, depth = 0): FakeNode | undefined {
    const n = this.fs.get(path);
    if (n?.type === 'link' && depth < 20) return this.resolve(posix.resolve(posix.dirname(path), n.target), depth + 1);
    return n;
  }

  mkdirs(path: string): void {
    if (path === '/' || path === '.' || this.fs.has(path)) return;
    this.mkdirs(posix.dirname(path));
    this.fs.set(path, { type: 'directory', mode: '0755', owner: 'root', group: 'root' });
  }

  private below(path: string): string[] {
    const prefix = path === '/' ? '/' : `${path}/`;
    return [...this.fs.keys()].filter((k) => k.startsWith(prefix));
  }

  /** Split `a && b` at unquoted && (the only operator andThen() produces). */
  static splitAnd(script: string): string[] {
    const parts: string[] = [];
    let cur = '';
    let q: string | null = null;
    for (let i = 0; i < script.length; i++) {
      const c = script[i]!;
      if (q) {
        if (c === q) q = null;
        else if (c === '\\' && q === '"') {
          cur += c + (script[i + 1] ?? '');
          i++;
          continue;
        }
        cur += c;
        continue;
      }
      if (c === "'" || c === '"') q = c;
      if (c === '&' && script[i + 1] === '&') {
        parts.push(cur.trim());
        cur = '';
        i++;
        continue;
      }
      cur += c;
    }
    parts.push(cur.trim());
    return parts;
  }

  private coreutils(cmd: Command): ExecResult | null {
    const argvs: string[][] = Array.isArray(cmd)
      ? [[...(cmd as readonly string[])]]
      : FakeHost.splitAnd((cmd as { script: string }).script).map((s) => {
          try {
            return /[;|<>$`()]/.test(s.replace(/'[^']*'/g, '')) ? [] : splitWords(s);
          } catch {
            return [];
          }
        });
    const known = new Set(['mkdir', 'chmod', 'chown', 'rm', 'rmdir', 'ln', 'getent']);
    if (!argvs.every((a) => a.length > 0 && known.has(a[0]!))) return null;
    let stdout = '';
    for (const argv of argvs) {
      const r = this.runOne(argv);
      stdout += r.stdout;
      if (r.code !== 0) return { ...r, stdout };
    }
    return { code: 0, stdout, stderr: '' };
  }

  private runOne(argv: string[]): ExecResult {
    const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
    const fail = (msg: string, code = 1): ExecResult => ({ code, stdout: '', stderr: `${argv[0]}: ${msg}\n` });
    const [name, ...rest] = argv;
    const flags = rest.filter((a, i) => a.startsWith('-') && a !== '--' && (rest.indexOf('--') < 0 || i < rest.indexOf('--')));
    const ops = rest.filter((a) => !flags.includes(a) && a !== '--');
    const has = (f: string): boolean => flags.some((x) => x.includes(f));
    switch (name) {
      case 'mkdir': {
        const p = ops[0]!;
        const n = this.fs.get(p);
        if (n && n.type !== 'directory') return fail(`cannot create directory '${p}': File exists`);
        this.mkdirs(p);
        return ok();
      }
      case 'chmod': {
        const [mode, p] = ops as [string, string];
        const targets = [p, ...(has('R') ? this.below(p) : [])];
        for (const t of targets) {
          const n = this.fs.get(t);
          if (!n) return fail(`cannot access '${t}': No such file or directory`);
          if (n.type !== 'link') n.mode = mode.padStart(4, '0');
        }
        return ok();
      }
      case 'chown': {
        const [spec, p] = ops as [string, string];
        const [owner, group] = spec.split(':');
        if (owner && !(owner in USERS) && !/^\d+$/.test(owner)) return fail(`invalid user: '${spec}'`);
        if (group && !(group in GROUPS) && !/^\d+$/.test(group)) return fail(`invalid group: '${spec}'`);
        const targets = [p, ...(has('R') ? this.below(p) : [])];
        for (const t of targets) {
          const n = this.fs.get(t);
          if (!n) return fail(`cannot access '${t}': No such file or directory`);
          if (owner) n.owner = /^\d+$/.test(owner) ? (Object.keys(USERS).find((k) => String(USERS[k]) === owner) ?? owner) : owner;
          if (group) n.group = /^\d+$/.test(group) ? (Object.keys(GROUPS).find((k) => String(GROUPS[k]) === group) ?? group) : group;
        }
        return ok();
      }
      case 'rm': {
        const p = ops[0]!;
        const n = this.fs.get(p);
        if (!n) return has('f') ? ok() : fail(`cannot remove '${p}': No such file or directory`);
        if (n.type === 'directory' && !has('r')) return fail(`cannot remove '${p}': Is a directory`);
        for (const k of this.below(p)) this.fs.delete(k);
        this.fs.delete(p);
        return ok();
      }
      case 'rmdir': {
        const p = ops[0]!;
        if (this.fs.get(p)?.type !== 'directory') return fail(`failed to remove '${p}': Not a directory`);
        if (this.below(p).length > 0) return fail(`failed to remove '${p}': Directory not empty`);
        this.fs.delete(p);
        return ok();
      }
      case 'ln': {
        const [src, p] = ops as [string, string];
        const n = this.fs.get(p);
        if (n && !has('f')) return fail(`failed to create symbolic link '${p}': File exists`);
        if (n && n.type === 'directory') return fail(`'${p}' is a directory (the fake does not model ln into directories)`);
        if (this.fs.get(posix.dirname(p))?.type !== 'directory') return fail(`failed to create symbolic link '${p}': No such file or directory`);
        this.fs.set(p, { type: 'link', target: src, owner: 'root', group: 'root' });
        return ok();
      }
      case 'getent': {
        const [db, key] = ops as [string, string];
        const table = db === 'passwd' ? USERS : GROUPS;
        const hit = Object.entries(table).find(([k, v]) => k === key || String(v) === key);
        if (!hit) return { code: 2, stdout: '', stderr: '' };
        return ok(db === 'passwd' ? `${hit[0]}:x:${hit[1]}:${hit[1]}::/home/${hit[0]}:/bin/sh\n` : `${hit[0]}:x:${hit[1]}:\n`);
      }
      default:
        return fail('not supported by the fake', 127);
    }
  }
}

/** A ModuleContext for tests: render replaces {{name}} from vars; readLocal from a map. */
export function fakeContext(o: { vars?: Record<string, unknown>; local?: Record<string, string | Buffer>; render?: (t: string) => string } = {}) {
  const vars = o.vars ?? {};
  const warnings: string[] = [];
  const render =
    o.render ??
    ((t: string) =>
      t.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_m, k: string) => {
        const v = k.split('.').reduce<unknown>((acc, seg) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[seg] : undefined), vars);
        if (v === undefined) throw new Error(`${k} is not defined`);
        return String(v);
      }));
  return {
    warnings,
    ctx: {
      searchPaths: ['/play/files'],
      render,
      async readLocal(rel: string) {
        const d = o.local?.[rel];
        if (d === undefined) throw new Error(`local file not found: ${rel}`);
        return { path: `/play/files/${rel}`, data: typeof d === 'string' ? Buffer.from(d, 'utf8') : d };
      },
      vars,
      warn: (m: string) => {
        warnings.push(m);
      },
      async probeLogin() {},
      async pki(): Promise<never> {
        throw new Error('no pki in unit tests');
      },
      hostvars: {},
      groups: {},
    },
  };
}
