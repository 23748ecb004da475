/**
 * The options of apply/plan/validate and how they meet the config: a flag wins over hostforge.yaml
 * or ansible.cfg, which wins over the built-in default. Connection flags (-u, -b, --become-user,
 * -K, -T, --private-key, -c) become the lowest layer of host variables, so an inventory's
 * ansible_user still beats -u, as in Ansible.
 */
import type { Command } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import type { VaultOptions } from '../vault/sources.js';
import { promptHidden } from '../vault/prompt.js';
import { taint } from '../util/secret.js';
import { collect, positiveInt } from './options.js';
import { addVaultOptions } from './vault-options.js';

export interface CommonRunOptions extends VaultOptions {
  inventory?: string[];
  limit?: string;
  tags?: string[];
  skipTags?: string[];
  extraVars?: string[];
  rolesPath?: string[];
  user?: string;
  become?: boolean;
  becomeUser?: string;
  askBecomePass?: boolean;
  connection?: string;
  timeout?: number;
  privateKey?: string;
  listHosts?: boolean;
  listTasks?: boolean;
  listTags?: boolean;
  syntaxCheck?: boolean;
  waitLock?: number;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InputError(`expected a number of seconds greater than 0, got "${v}"`, { code: 'USAGE' });
  return n;
}

/** Options every command that loads a playbook takes. */
export function addPlaybookOptions(cmd: Command): Command {
  return addVaultOptions(
    cmd
      .option('-i, --inventory <file>', 'inventory file or directory (repeatable)', collect)
      .option('-l, --limit <pattern>', 'only hosts matching this pattern')
      .option('-t, --tags <tags>', 'only tasks with these tags (comma-separated, repeatable)', collect)
      .option('--skip-tags <tags>', 'skip tasks with these tags', collect)
      .option('-e, --extra-vars <vars>', 'key=value, @file.yaml or a JSON mapping (repeatable; highest precedence)', collect)
      .option('--roles-path <dir>', 'role directory searched after the playbook\'s roles/ (repeatable; also roles_path in the config)', collect)
      .option('--list-hosts', 'list the hosts each play would run on, then stop')
      .option('--list-tasks', 'list the tasks each play would run (after --tags/--skip-tags), then stop')
      .option('--list-tags', 'list the tags of each play\'s tasks, then stop')
      .option('--syntax-check', 'check the playbook, its roles and vars files, then stop'),
  );
}

/** Connection options (apply, plan). */
export function addConnectionOptions(cmd: Command): Command {
  return cmd
    .option('-u, --user <user>', 'login user where the inventory sets no ansible_user')
    .option('--private-key <file>', 'SSH private key where the inventory sets none')
    .option('-c, --connection <type>', 'ssh (the only transport; smart and paramiko mean ssh)')
    .option('-T, --timeout <seconds>', 'SSH connection timeout', positiveNumber)
    .option('-b, --become', 'run tasks through sudo (where the inventory or play does not say otherwise)')
    .option('--become-user <user>', 'user to become (default root)')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password; it is used as ansible_become_password')
    .option('-f, --forks <n>', 'hosts worked on in parallel (default 50, or forks in the config)', positiveInt)
    .option('--wait-lock <seconds>', "wait up to this long for another run's lock on a host (default: refuse at once, exit 75)", positiveNumber);
}

export function rolesPathOf(o: CommonRunOptions, config: LoadedConfig): string[] {
  for (const d of o.rolesPath ?? []) {
    if (!existsSync(d) || !statSync(d).isDirectory()) throw new InputError(`--roles-path ${d}: no such directory`, { code: 'USAGE' });
  }
  return [...(o.rolesPath ?? []).map((d) => resolve(d)), ...(config.settings.rolesPath ?? [])];
}

/** The lowest layer of host variables: what the flags and the config say about connecting. */
export async function connectionDefaults(o: CommonRunOptions, config: LoadedConfig): Promise<Record<string, unknown>> {
  const s = config.settings;
  const out: Record<string, unknown> = {};
  const user = o.user ?? s.remoteUser;
  if (user) out.ansible_user = user;
  const key = o.privateKey ? resolve(o.privateKey) : s.privateKeyFile;
  if (key) out.ansible_ssh_private_key_file = key;
  if (o.connection) out.ansible_connection = o.connection;
  const timeout = o.timeout ?? s.timeout;
  if (timeout !== undefined) out.hostforge_connect_timeout = timeout;
  const become = o.become ?? s.become;
  if (become !== undefined) out.ansible_become = become;
  const becomeUser = o.becomeUser ?? s.becomeUser;
  if (becomeUser) out.ansible_become_user = becomeUser;
  if (s.becomeMethod && s.becomeMethod !== 'sudo') out.ansible_become_method = s.becomeMethod;
  if (o.askBecomePass || s.becomeAskPass) {
    const pass = await promptHidden('BECOME password:');
    if (pass) {
      taint(pass);
      out.ansible_become_password = pass;
    }
  }
  return out;
}

export async function loadRunConfig(): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/load.js'); // js-yaml: not at start-up
  return loadConfig();
}
