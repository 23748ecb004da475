/**
 * apt_repository (ansible.builtin.apt_repository): a one-line APT source
 * (`deb [signed-by=/etc/apt/keyrings/x.asc] URI SUITE COMPONENTS`) in
 * /etc/apt/sources.list.d/FILENAME.list. FILENAME defaults as Ansible derives it (the URI's
 * host and path, non-alphanumerics as "_"). A source already present in any
 * sources.list(.d) file (whitespace-normalised) is no change. state=absent removes the line
 * from every file it is in (a .list file left empty is removed). update_cache (default
 * true) runs `apt-get update` after a change.
 */
import { posix } from 'node:path';
import { InputError, TaskError } from '../errors.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { wantedAttrs } from './support/attrs.js';
import { planContent } from './support/content.js';
import { bool, mode, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import { applySteps } from './support/steps.js';

export interface AptRepositoryArgs {
  repo: string;
  state?: 'present' | 'absent';
  filename?: string;
  update_cache?: boolean;
  update_cache_retries?: number;
  mode?: string | number;
}

export const aptRepositorySchema: Schema = object(
  {
    repo: { type: 'string', pattern: '^\\s*(deb|deb-src)\\s' },
    state: oneOfValues('present', 'absent'),
    filename: { ...nonEmpty, pattern: '^[A-Za-z0-9_.-]+$' },
    update_cache: bool,
    update_cache_retries: { type: 'integer', minimum: 0 },
    mode,
  },
  ['repo'],
);

const DIR = '/etc/apt/sources.list.d';

/** A source line with its whitespace normalised (Ansible compares parsed sources). */
export function normaliseSource(line: string): string {
  return line.trim().replace(/\s+/g, ' ').replace(/\[\s*/g, '[').replace(/\s*\]/g, ']');
}

/** Ansible's _suggest_filename. */
export function suggestFilename(repo: string): string {
  let line = repo.replace(/\[[^\]]+\]/g, '').replace(/\w+:\/\//g, '');
  const parts = line.split(/\s+/).filter((p) => p !== '' && p !== 'deb' && p !== 'deb-src');
  if (parts.length === 0) throw new InputError(`apt_repository: no URI in ${repo}`);
  line = parts[0]!.replace(/^[^@/]*@/, '');
  return `${line.replace(/[^a-zA-Z0-9]/g, ' ').trim().split(/\s+/).join('_')}.list`;
}

/** The source lines of a sources file (comments and blank lines are not sources). */
function sources(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => /^(deb|deb-src)\s/.test(l)).map(normaliseSource);
}

async function sourceFiles(host: Host): Promise<Map<string, string>> {
  const r = await host.exec({ script: `for f in /etc/apt/sources.list ${DIR}/*.list; do [ -f "$f" ] && printf '\\036%s\\n' "$f"; done; true` });
  const out = new Map<string, string>();
  for (const f of r.stdout.split('\n').filter((l) => l.startsWith('\x1e')).map((l) => l.slice(1))) {
    const data = await host.read(f);
    if (data !== null) out.set(f, data.toString('utf8'));
  }
  return out;
}

export async function planAptRepository(host: Host, a: AptRepositoryArgs): Promise<Change[]> {
  const repo = normaliseSource(a.repo);
  const target = posix.join(DIR, a.filename !== undefined ? (a.filename.endsWith('.list') ? a.filename : `${a.filename}.list`) : suggestFilename(repo));
  const files = await sourceFiles(host);
  // The target itself may exist only in check mode's predicted state.
  const own = await host.read(target);
  if (own !== null) files.set(target, own.toString('utf8'));
  else files.delete(target);
  const changes: Change[] = [];
  if (a.state === 'absent') {
    for (const [f, text] of files) {
      if (!sources(text).includes(repo)) continue;
      const kept = text.split('\n').filter((l) => normaliseSource(l) !== repo).join('\n');
      if (f !== '/etc/apt/sources.list' && sources(kept).length === 0 && kept.trim() === '') {
        changes.push({ action: 'delete', kind: 'absent', target: f, summary: `remove ${f} (its only source was ${repo})` });
      } else {
        const st = await host.stat(f);
        changes.push(...(await planContent(host, f, Buffer.from(kept), st, Buffer.from(text), { wanted: {}, note: `remove ${repo}` })));
      }
    }
  } else if (![...files.values()].some((t) => sources(t).includes(repo))) {
    const cur = files.get(target) ?? null;
    const st = cur === null ? null : await host.stat(target);
    const base = cur === null ? '' : cur.endsWith('\n') || cur === '' ? cur : `${cur}\n`;
    const w = wantedAttrs({ mode: a.mode ?? '0644' });
    changes.push(...(await planContent(host, target, Buffer.from(`${base}${repo}\n`), st, cur === null ? null : Buffer.from(cur), { wanted: w, note: `add ${repo}` })));
  }
  if (changes.length > 0 && a.update_cache !== false) {
    changes.push({ action: 'run', kind: 'command', target: 'apt-get update', summary: 'update the APT cache', data: { argv: ['apt-get', 'update', '-q'] } });
  }
  return changes;
}

export const aptRepositoryModule: Module<AptRepositoryArgs> = {
  name: 'apt_repository',
  args: aptRepositorySchema,
  checkMode: 'full',
  plan: planAptRepository,
  async apply(host, changes, a): Promise<ApplyResult> {
    try {
      await applySteps(host, changes);
    } catch (err) {
      throw new TaskError(`apt_repository: ${(err as Error).message}`, { cause: err });
    }
    return { repo: normaliseSource(a.repo), state: a.state ?? 'present', sources_added: changes.filter((c) => c.kind === 'file' && a.state !== 'absent').map((c) => c.target) };
  },
};
