/**
 * Finding the config: $HOSTFORGE_CONFIG, else hostforge.yaml (or .yml) in the working directory or
 * the nearest parent; when there is none, the first ansible.cfg in Ansible's order ($ANSIBLE_CONFIG,
 * ./ansible.cfg unless the directory is world-writable, ~/.ansible.cfg, /etc/ansible/ansible.cfg).
 * Command-line flags always win over what a config says.
 */
import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { readAnsibleCfg } from './ansible-cfg.js';
import { readHostforgeYaml } from './hostforge-yaml.js';
import type { LoadedConfig } from './settings.js';

export type { LoadedConfig, Settings } from './settings.js';

function findUpward(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    for (const name of ['hostforge.yaml', 'hostforge.yml']) {
      const f = join(dir, name);
      if (existsSync(f)) return f;
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function worldWritable(dir: string): boolean {
  try {
    return (statSync(dir).mode & 0o002) !== 0;
  } catch {
    return false;
  }
}

export function ansibleCfgCandidates(cwd: string): string[] {
  const out: string[] = [];
  const env = process.env.ANSIBLE_CONFIG;
  if (env) out.push(existsSync(env) && statSync(env).isDirectory() ? join(env, 'ansible.cfg') : resolve(env));
  if (!worldWritable(cwd)) out.push(join(cwd, 'ansible.cfg'));
  out.push(join(os.homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  return out;
}

export async function loadConfig(cwd = process.cwd()): Promise<LoadedConfig> {
  const explicit = process.env.HOSTFORGE_CONFIG;
  if (explicit) {
    const file = resolve(explicit);
    if (!existsSync(file)) throw new InputError(`HOSTFORGE_CONFIG names ${file}, which does not exist`, { code: 'USAGE' });
    return { file, kind: 'hostforge', settings: await readHostforgeYaml(file) };
  }
  const found = findUpward(cwd);
  if (found) return { file: found, kind: 'hostforge', settings: await readHostforgeYaml(found) };
  const cfg = ansibleCfgCandidates(cwd).find((f) => existsSync(f));
  if (cfg) return { file: cfg, kind: 'ansible', settings: await readAnsibleCfg(cfg) };
  return { kind: 'none', settings: {} };
}
