/** Config paths: `~` expanded, relative ones taken from the config file's directory (as Ansible). */
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';

export function resolvePath(p: string, configFile: string): string {
  const t = p.trim();
  if (t === '~') return os.homedir();
  if (t.startsWith('~/')) return join(os.homedir(), t.slice(2));
  return resolve(dirname(configFile), t);
}

export function resolvePathList(v: string | string[], configFile: string, sep: string): string[] {
  const items = Array.isArray(v) ? v : v.split(sep);
  return items.map((x) => x.trim()).filter(Boolean).map((x) => resolvePath(x, configFile));
}
