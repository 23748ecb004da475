/**
 * The fingerprint of a run's inputs: every local file the run reads (playbook, imported task
 * files, vars files, roles with their templates and files, the playbook's templates/ and
 * files/, the inventory and its group_vars/host_vars) and every -e value, each as a keyed
 * digest. Comparing two fingerprints names what drifted between a plan and its apply.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { kindOf } from '../util/path-kind.js';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Inventory } from '../inventory/index.js';
import type { Vars } from '../modules/types.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import { redactOutput } from '../util/secret.js';
import { canonical, digest } from './digest.js';

/** How far a directory walk goes: a role or a vars tree, not a whole repository. */
const MAX_FILES = 5000;
const SKIP_DIRS = new Set(['node_modules', '.git']);

/** name → digest; names are `file:ABSOLUTE_PATH` and `-e:NAME`. */
export type Fingerprint = Record<string, string>;

async function walk(dir: string, out: Set<string>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (out.size >= MAX_FILES) return;
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(p, out);
    } else if (e.isFile()) out.add(p);
  }
}

async function addPath(p: string, out: Set<string>): Promise<void> {
  const k = await kindOf(p);
  if (k === 'file') out.add(p);
  else if (k === 'dir') await walk(p, out);
}

/** The local files a run of this playbook against this inventory reads. */
export async function inputFiles(pb: LoadedPlaybook, inv: Inventory): Promise<string[]> {
  const files = new Set<string>([resolve(pb.file)]);
  const trees = new Set<string>();
  const varsDirs = new Set<string>([pb.dir]);
  for (const play of pb.plays) {
    files.add(play.location.file);
    for (const f of play.varsFiles) if (!f.includes('{{')) files.add(resolve(pb.dir, f));
    for (const r of play.loadedRoles) trees.add(r.ref.path);
    for (const t of [...play.tasks, ...play.handlers]) {
      files.add(t.location.file);
      if (t.role) trees.add(t.role.path);
      for (const s of t.searchPaths) if (['templates', 'files'].includes(basename(s))) trees.add(s);
    }
  }
  for (const s of inv.sources) {
    const full = resolve(s);
    const k = await kindOf(full);
    if (k === 'dir') {
      trees.add(full);
      varsDirs.add(full);
    } else if (k === 'file') {
      files.add(full);
      varsDirs.add(dirname(full));
    }
  }
  for (const d of varsDirs) for (const sub of ['group_vars', 'host_vars']) trees.add(join(d, sub));
  for (const t of [...trees].sort()) await addPath(t, files);
  return [...files].sort();
}

export async function fingerprint(pb: LoadedPlaybook, inv: Inventory, extraVars: Vars, salt: string): Promise<Fingerprint> {
  const out: Fingerprint = {};
  for (const f of await inputFiles(pb, inv)) {
    try {
      out[`file:${f}`] = digest(salt, (await readFile(f)).toString('base64'));
    } catch {
      /* vanished between listing and reading: it is simply not an input */
    }
  }
  for (const [k, v] of Object.entries(extraVars)) out[`-e:${k}`] = digest(salt, v);
  return out;
}

/** A value shown in a message, or *** when it holds a secret. */
export function shownValue(v: unknown): string {
  const text = typeof v === 'string' ? v : canonical(v);
  const shown = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return redactOutput(text) === text ? shown : '***';
}

/**
 * What drifted, for people: `-e ver=666 (was 2)`, `templates/app.conf.hbs (changed)`,
 * `group_vars/web.yml (new)`. `was`/`now` hold the -e values where known (secrets show as ***).
 */
export function inputDrift(saved: Fingerprint, now: Fingerprint, extra: { was: Vars; now: Vars }, cwd = process.cwd()): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])].sort();
  for (const k of keys) {
    if (saved[k] === now[k]) continue;
    const state = saved[k] === undefined ? 'new' : now[k] === undefined ? 'removed' : 'changed';
    if (k.startsWith('-e:')) {
      const name = k.slice(3);
      const was = name in extra.was ? ` (was ${shownValue(extra.was[name])})` : ` (${state})`;
      out.push(now[k] === undefined ? `-e ${name} (removed)` : `-e ${name}=${name in extra.now ? shownValue(extra.now[name]) : '?'}${was}`);
    } else {
      const f = k.slice(5);
      const rel = relative(cwd, f);
      out.push(`${rel.startsWith('..') ? f : rel} (${state})`);
    }
  }
  return out;
}
