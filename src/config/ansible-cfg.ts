/**
 * The [defaults] and [privilege_escalation] of an ansible.cfg, read as Ansible reads it (Python's
 * configparser: `key = value` or `key: value`, `#`/`;` comment lines, `;` inline comments,
 * indented continuation lines, case-insensitive keys). Unknown keys are ignored, as Ansible does;
 * a bad value for a key hostforge uses is an error naming file:line.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { resolvePath, resolvePathList } from './paths.js';
import type { Settings } from './settings.js';

interface Entry {
  value: string;
  line: number;
}

export function parseIni(text: string, file: string): Map<string, Map<string, Entry>> {
  const sections = new Map<string, Map<string, Entry>>();
  let current: Map<string, Entry> | undefined;
  let last: Entry | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') {
      last = raw.trim() === '' ? undefined : last;
      return;
    }
    if (/^\s/.test(raw) && last) {
      last.value += `\n${raw.trim()}`;
      return;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) {
      current = sections.get(sec[1]!) ?? new Map<string, Entry>();
      sections.set(sec[1]!, current);
      last = undefined;
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv) throw new InputError(`not "key = value": ${raw.trim().slice(0, 40)}`, { code: 'INPUT', location: { file, line, column: 1 } });
    if (!current) throw new InputError('a setting before any [section]', { code: 'INPUT', location: { file, line, column: 1 } });
    const value = kv[2]!.replace(/\s;.*$/, '').trim();
    last = { value, line };
    current.set(kv[1]!.trim().toLowerCase(), last);
  });
  return sections;
}

function bool(e: Entry, key: string, file: string): boolean {
  const v = e.value.toLowerCase();
  if (['true', 'yes', 'on', '1', 'y', 't'].includes(v)) return true;
  if (['false', 'no', 'off', '0', 'n', 'f'].includes(v)) return false;
  throw new InputError(`${key} must be a boolean (true/false, yes/no), got "${e.value}"`, { code: 'INPUT', location: { file, line: e.line, column: 1 } });
}

function int(e: Entry, key: string, file: string): number {
  if (!/^[0-9]+$/.test(e.value) || Number(e.value) < 1) {
    throw new InputError(`${key} must be a positive integer, got "${e.value}"`, { code: 'INPUT', location: { file, line: e.line, column: 1 } });
  }
  return Number(e.value);
}

export async function readAnsibleCfg(file: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  const ini = parseIni(text, file);
  const d = ini.get('defaults') ?? new Map<string, Entry>();
  const p = ini.get('privilege_escalation') ?? new Map<string, Entry>();
  const s: Settings = {};
  const get = (m: Map<string, Entry>, ...keys: string[]): Entry | undefined => keys.map((k) => m.get(k)).find((e) => e !== undefined && e.value !== '');
  let e: Entry | undefined;
  if ((e = get(d, 'inventory', 'hostfile'))) s.inventory = resolvePathList(e.value, file, ',');
  if ((e = get(d, 'roles_path'))) s.rolesPath = resolvePathList(e.value.replace(/\n/g, ':'), file, ':');
  if ((e = get(d, 'forks'))) s.forks = int(e, 'forks', file);
  if ((e = get(d, 'remote_user'))) s.remoteUser = e.value;
  if ((e = get(d, 'private_key_file'))) s.privateKeyFile = resolvePath(e.value, file);
  if ((e = get(d, 'vault_password_file'))) s.vaultPasswordFile = resolvePath(e.value, file);
  if ((e = get(d, 'vault_identity_list'))) s.vaultIdentityList = e.value.split(',').map((x) => x.trim()).filter(Boolean);
  if ((e = get(d, 'host_key_checking'))) s.hostKeyChecking = bool(e, 'host_key_checking', file);
  if ((e = get(d, 'timeout'))) s.timeout = int(e, 'timeout', file);
  if ((e = get(p, 'become'))) s.become = bool(e, 'become', file);
  if ((e = get(p, 'become_user'))) s.becomeUser = e.value;
  if ((e = get(p, 'become_method'))) s.becomeMethod = e.value;
  if ((e = get(p, 'become_ask_pass'))) s.becomeAskPass = bool(e, 'become_ask_pass', file);
  return s;
}
