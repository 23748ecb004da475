/**
 * Check mode's view of a host: the real host as read-only ground truth, overlaid with
 * what earlier tasks of this run would have done (files written, directories made,
 * paths removed, packages installed, services started). Later tasks plan against it,
 * so a check run lists exactly the changes the real run makes. Nothing here writes.
 */
import { TaskError } from '../errors.js';
import type { Change, ChangeKind, ExecOptions, ExecResult, Facts, FileStat, Host, Vars, WriteOptions } from '../modules/types.js';
import type { Command } from '../util/quote.js';

type PathState =
  | { type: 'file'; content?: Buffer; mode?: string; owner?: string; group?: string }
  | { type: 'directory'; mode?: string; owner?: string; group?: string }
  | { type: 'link'; target: string }
  | { type: 'absent' }
  /** The real path with only its attributes changed. */
  | { type: 'attrs'; mode?: string; owner?: string; group?: string };

export class PredictedState {
  readonly paths = new Map<string, PathState>();
  readonly resources = new Map<string, 'present' | 'absent' | 'started' | 'stopped'>();

  /** Record the effect of planned changes (called instead of apply in check mode). */
  record(changes: readonly Change[]): void {
    for (const c of changes) {
      switch (c.kind) {
        case 'file': {
          if (c.action === 'delete') {
            this.paths.set(c.target, { type: 'absent' });
            break;
          }
          const prev = this.paths.get(c.target);
          let content: Buffer | undefined;
          if (typeof c.data?.content === 'string') content = Buffer.from(c.data.content, 'base64');
          // `after` may be sensitive: it is only kept in memory here, never printed.
          else if (c.after !== undefined && c.data?.predicted !== false) content = Buffer.from(c.after, 'utf8');
          const keep = prev?.type === 'file' ? prev : undefined;
          this.paths.set(c.target, {
            type: 'file',
            content,
            mode: c.attrs?.mode ?? keep?.mode,
            owner: c.attrs?.owner ?? keep?.owner,
            group: c.attrs?.group ?? keep?.group,
          });
          break;
        }
        case 'directory':
          if (c.action === 'delete') this.paths.set(c.target, { type: 'absent' });
          else {
            // mkdir -p: missing parents come into being too.
            for (let p = parentOf(c.target); p && p !== '/'; p = parentOf(p)) {
              const known = this.paths.get(p);
              if (known && known.type !== 'absent') break;
              this.paths.set(p, { type: 'directory' });
            }
            this.paths.set(c.target, { type: 'directory', ...c.attrs });
          }
          break;
        case 'link':
          if (c.action === 'delete') this.paths.set(c.target, { type: 'absent' });
          else this.paths.set(c.target, { type: 'link', target: String(c.data?.src ?? c.after ?? '') });
          break;
        case 'absent':
          this.paths.set(c.target, { type: 'absent' });
          for (const p of this.paths.keys()) if (p.startsWith(`${c.target}/`)) this.paths.set(p, { type: 'absent' });
          break;
        case 'attributes': {
          const prev = this.paths.get(c.target);
          if (prev && (prev.type === 'file' || prev.type === 'directory' || prev.type === 'attrs')) this.paths.set(c.target, { ...prev, ...c.attrs });
          else this.paths.set(c.target, { type: 'attrs', ...c.attrs });
          break;
        }
        case 'package':
          this.resources.set(`package:${c.target}`, c.action === 'delete' ? 'absent' : 'present');
          break;
        case 'service': {
          const state = c.data?.state;
          if (state === 'started' || state === 'restarted' || state === 'reloaded' || c.action === 'create') {
            this.resources.set(`service:${c.target}`, 'started');
          } else if (state === 'stopped' || c.action === 'delete') this.resources.set(`service:${c.target}`, 'stopped');
          break;
        }
        default:
          break;
      }
    }
  }

  /** The nearest recorded state for a path or one of its parents being removed. */
  lookup(path: string): PathState | undefined {
    const own = this.paths.get(path);
    if (own) return own;
    for (let p = parentOf(path); p; p = parentOf(p)) {
      const s = this.paths.get(p);
      if (s?.type === 'absent') return s;
      if (s) return undefined;
    }
    return undefined;
  }
}

function parentOf(path: string): string | undefined {
  if (path === '/' || !path.includes('/')) return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** A Host that passes everything to the real one except writes, which are refused: planning never writes. */
abstract class ReadOnlyView implements Host {
  abstract readonly checkMode: boolean;
  protected readonly real: Host;
  constructor(real: Host) {
    this.real = real;
  }
  get name(): string {
    return this.real.name;
  }
  get vars(): Vars {
    return this.real.vars;
  }
  /** Commands pass through: modules only run read-only commands while planning. */
  exec(cmd: Command, opts?: ExecOptions): Promise<ExecResult> {
    return this.real.exec(cmd, opts);
  }
  read(path: string): Promise<Buffer | null> {
    return this.real.read(path);
  }
  stat(path: string): Promise<FileStat | null> {
    return this.real.stat(path);
  }
  write(path: string, _data?: string | Buffer, _opts?: WriteOptions): Promise<{ backup?: string }> {
    return Promise.reject(new TaskError(`internal error: a module tried to write ${path} while planning`));
  }
  facts(): Promise<Facts> {
    return this.real.facts();
  }
  invalidate(path?: string): void {
    this.real.invalidate(path);
  }
}

export class PredictedHost extends ReadOnlyView {
  readonly checkMode = true;
  readonly state: PredictedState;

  constructor(real: Host, state: PredictedState) {
    super(real);
    this.state = state;
  }

  override async read(path: string): Promise<Buffer | null> {
    const s = this.state.lookup(path);
    if (!s || s.type === 'attrs') return this.real.read(path);
    if (s.type === 'absent' || s.type === 'directory') return null;
    if (s.type === 'link') return this.read(s.target.startsWith('/') ? s.target : `${parentOf(path) ?? ''}/${s.target}`);
    return s.content ?? this.real.read(path);
  }

  override async stat(path: string): Promise<FileStat | null> {
    const s = this.state.lookup(path);
    if (!s) return this.real.stat(path);
    if (s.type === 'absent') return null;
    const real = await this.real.stat(path);
    if (s.type === 'attrs') return real ? { ...real, mode: s.mode ?? real.mode, owner: s.owner ?? real.owner, group: s.group ?? real.group } : null;
    if (s.type === 'link') return { type: 'link', mode: '0777', owner: 'root', group: 'root', size: s.target.length, linkTarget: s.target };
    const base: FileStat = real && real.type === s.type ? real : { type: s.type, mode: s.type === 'directory' ? '0755' : '0644', owner: 'root', group: 'root', size: 0 };
    return {
      ...base,
      type: s.type,
      mode: s.mode ?? base.mode,
      owner: s.owner ?? base.owner,
      group: s.group ?? base.group,
      size: s.type === 'file' && s.content ? s.content.length : base.size,
    };
  }

  predicted(kind: ChangeKind, target: string): 'present' | 'absent' | 'started' | 'stopped' | undefined {
    return this.state.resources.get(`${kind}:${target}`);
  }
}

/** The real host during planning of a real run: any write while planning is a bug. */
export class PlanningGuard extends ReadOnlyView {
  readonly checkMode = false;
}
