/**
 * Reading ssh_config files with the `ssh-config` parser (the only importer of it), with
 * `Include` expanded in place as OpenSSH does: globs, `~`, and relative paths taken from
 * ~/.ssh for the user's files and /etc/ssh for the system file. The result is a tree of
 * blocks that resolve.ts evaluates; nothing here decides which values apply.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SSHConfig, { LineType, type Line } from 'ssh-config';
import { InputError } from '../errors.js';

export type Condition =
  | { kind: 'always' }
  | { kind: 'host'; patterns: string[] }
  | { kind: 'match'; criteria: { name: string; values: string[] }[] };

export type Item =
  | { kind: 'option'; key: string; values: string[]; file: string }
  | { kind: 'include'; items: Item[] }
  | { kind: 'block'; when: Condition; file: string; items: Item[] };

const MAX_DEPTH = 16; // OpenSSH's READCONF_MAX_DEPTH

function values(line: Extract<Line, { param: string }>): string[] {
  const v = line.value;
  if (typeof v === 'string') return [v];
  return v.map((x) => x.val);
}

function expandTilde(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Files an Include pattern names, sorted like glob(3); a pattern that matches nothing is fine. */
export function includeFiles(pattern: string, baseDir: string): string[] {
  let p = expandTilde(pattern);
  if (!path.isAbsolute(p)) p = path.join(baseDir, p);
  if (!/[*?[]/.test(p)) {
    try {
      return statSync(p).isFile() ? [p] : [];
    } catch {
      return [];
    }
  }
  // Expand segment by segment so that `conf.d/*/x` works as glob(3) would.
  let dirs = ['/'];
  const parts = p.split('/').filter((s) => s !== '');
  parts.forEach((part, i) => {
    const last = i === parts.length - 1;
    const next: string[] = [];
    for (const dir of dirs) {
      if (!/[*?[]/.test(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter((n) => !n.startsWith('.') || part.startsWith('.'));
      } catch {
        continue;
      }
      const re = globToRegExp(part);
      for (const n of names.sort()) if (re.test(n)) next.push(path.join(dir, n));
    }
    dirs = last ? next : next.filter((d) => {
      try {
        return statSync(d).isDirectory();
      } catch {
        return false;
      }
    });
  });
  return dirs.filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  });
}

function convert(lines: Line[], file: string, baseDir: string, depth: number): Item[] {
  const out: Item[] = [];
  for (const line of lines) {
    if (line.type !== LineType.DIRECTIVE) continue;
    const key = line.param.toLowerCase();
    if ('config' in line) {
      const sub = convert(line.config, file, baseDir, depth);
      if (key === 'host') {
        out.push({ kind: 'block', when: { kind: 'host', patterns: values(line).flatMap((v) => v.split(/\s+/)).filter(Boolean) }, file, items: sub });
      } else {
        out.push({ kind: 'block', when: { kind: 'match', criteria: matchCriteria(values(line), file) }, file, items: sub });
      }
      continue;
    }
    if (key === 'include') {
      if (depth >= MAX_DEPTH) throw new InputError(`${file}: Include nested too deeply (more than ${MAX_DEPTH} levels)`, { code: 'INPUT' });
      const items: Item[] = [];
      for (const pattern of values(line)) {
        for (const f of includeFiles(pattern, baseDir)) items.push(...loadItems(f, baseDir, depth + 1));
      }
      out.push({ kind: 'include', items });
      continue;
    }
    out.push({ kind: 'option', key, values: values(line), file });
  }
  return out;
}

/** `Match host a,b user x all` → criteria; `!` negates one criterion. */
function matchCriteria(words: string[], file: string): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 0; i < words.length; i++) {
    const name = words[i]!.toLowerCase();
    const bare = name.replace(/^!/, '');
    if (bare === 'all' || bare === 'canonical' || bare === 'final') {
      out.push({ name, values: [] });
      continue;
    }
    const value = words[i + 1];
    if (value === undefined) throw new InputError(`${file}: Match ${name} needs an argument`, { code: 'INPUT' });
    out.push({ name, values: value.split(',') });
    i++;
  }
  return out;
}

/** The items of one config file (Include expanded), or an InputError naming it. */
export function loadItems(file: string, baseDir: string, depth = 0): Item[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ssh config ${file}: ${(err as Error).message}`, { code: 'INPUT', cause: err });
  }
  let parsed: SSHConfig;
  try {
    parsed = SSHConfig.parse(text);
  } catch (err) {
    throw new InputError(`${file}: cannot parse ssh config: ${(err as Error).message}`, { code: 'INPUT', cause: err });
  }
  return convert(parsed, file, baseDir, depth);
}

export interface SshConfigSource {
  /** Files in the order OpenSSH reads them, each with the directory its relative Includes use. */
  files: { file: string; baseDir: string }[];
}

/**
 * What OpenSSH reads: `-F FILE` alone (or nothing for `-F none`), else ~/.ssh/config
 * when it exists, then /etc/ssh/ssh_config when it exists.
 */
export function defaultSource(configFile?: string): SshConfigSource {
  const userDir = path.join(os.homedir(), '.ssh');
  if (configFile === 'none') return { files: [] };
  if (configFile !== undefined) return { files: [{ file: expandTilde(configFile), baseDir: userDir }] };
  const files: SshConfigSource['files'] = [];
  const exists = (f: string): boolean => {
    try {
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  const user = path.join(userDir, 'config');
  if (exists(user)) files.push({ file: user, baseDir: userDir });
  if (exists('/etc/ssh/ssh_config')) files.push({ file: '/etc/ssh/ssh_config', baseDir: '/etc/ssh' });
  return { files };
}

export function loadSource(src: SshConfigSource): Item[] {
  return src.files.flatMap(({ file, baseDir }) => loadItems(file, baseDir));
}
