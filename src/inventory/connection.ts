/**
 * How hostforge connects to a host, from that host's merged (already templated) variables.
 *
 *   ansible_host            address or DNS name to connect to      default: the inventory name
 *     (alias ansible_ssh_host)
 *   ansible_port            SSH port, 1-65535                       default: 22
 *     (alias ansible_ssh_port)
 *   ansible_user            login user                              default: the current OS user
 *     (alias ansible_ssh_user)
 *   ansible_ssh_private_key_file   private key file, `~/` expanded  default: none (the transport's
 *     (alias ansible_private_key_file)                                        agent/default keys)
 *   ansible_password        login password, wrapped in a Secret     default: none
 *     (aliases ansible_ssh_pass, ansible_ssh_password)
 *   ansible_become          run tasks through sudo: true/false, yes/no, on/off, 1/0
 *                                                                   default: false
 *   ansible_become_user     user to become                          default: root (when become)
 *   ansible_become_password sudo password, wrapped in a Secret      default: none
 *     (alias ansible_become_pass)    (su: the become user's password, e.g. root's)
 *   ansible_become_method   sudo or su (others, e.g. doas, are refused)  default: sudo
 *   ansible_become_flags    flags for sudo/su, replacing the default (sudo: -H; su: none)
 *   ansible_connection      `ssh` (or Ansible's aliases for it, `smart` and `paramiko`), or
 *                           `local` (the bastion itself, no SSH); anything else (`docker`,
 *                           `winrm`...) is refused
 *   ansible_ssh_common_args, ansible_ssh_extra_args: read with ssh_config (engine/ssh-spec.ts)
 *   ansible_python_interpreter: ignored
 *   hostforge_known_hosts   known_hosts file to check host keys against, `~/` expanded
 *                                                                   default: the transport's
 *   hostforge_connect_timeout   seconds to wait for the connection (> 0)   default: 10
 *
 * An empty value counts as unset. A bad value (port "abc", timeout 0, connection "winrm")
 * is an InputError naming the host and the variable; a password is never printed.
 */
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { Secret } from '../util/secret.js';

export interface ConnectionSpec {
  host: string;
  port: number;
  user: string;
  privateKeyFile?: string;
  knownHostsFile?: string;
  password?: Secret;
  become?: boolean;
  becomeUser?: string;
  becomePassword?: Secret;
  becomeMethod?: 'sudo' | 'su';
  becomeFlags?: string;
  connectTimeoutMs: number;
}

const SSH_CONNECTIONS = new Set(['ssh', 'smart', 'paramiko']);

function first(vars: Record<string, unknown>, names: string[]): { name: string; value: unknown } | undefined {
  for (const name of names) {
    const value = vars[name];
    if (value !== undefined && value !== null && value !== '') return { name, value };
  }
  return undefined;
}

function bad(host: string, name: string, value: unknown, expected: string): InputError {
  const shown = name.includes('pass') ? '***' : JSON.stringify(value);
  return new InputError(`host "${host}": ${name} must be ${expected}, got ${shown}`, { code: 'INVENTORY' });
}

function str(host: string, found: { name: string; value: unknown } | undefined): string | undefined {
  if (!found) return undefined;
  const { name, value } = found;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (value instanceof Secret) return value.reveal();
  throw bad(host, name, value, 'a string');
}

function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/')) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** Ansible's boolean(): true/yes/on/1/y/t and false/no/off/0/n/f, case-insensitive. */
export function ansibleBoolean(host: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && (value === 0 || value === 1)) return value === 1;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', 'yes', 'on', '1', 'y', 't'].includes(v)) return true;
    if (['false', 'no', 'off', '0', 'n', 'f', ''].includes(v)) return false;
  }
  throw bad(host, name, value, 'a boolean (true/false, yes/no)');
}

function secret(host: string, found: { name: string; value: unknown } | undefined): Secret | undefined {
  if (!found) return undefined;
  if (found.value instanceof Secret) return found.value;
  const s = str(host, found);
  return s === undefined ? undefined : new Secret(s);
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env['USER'] ?? process.env['LOGNAME'] ?? 'root';
  }
}

/** The connection settings of `host` (its inventory name) from its merged variables. */
export function connectionFor(host: string, vars: Record<string, unknown>): ConnectionSpec {
  const connection = str(host, first(vars, ['ansible_connection']));
  if (connection !== undefined && connection !== 'local' && !SSH_CONNECTIONS.has(connection)) {
    throw bad(host, 'ansible_connection', connection, '"ssh" or "local" (hostforge connects over SSH, or runs on the bastion)');
  }

  const address = str(host, first(vars, ['ansible_host', 'ansible_ssh_host'])) ?? host;

  let port = 22;
  const portVar = first(vars, ['ansible_port', 'ansible_ssh_port']);
  if (portVar) {
    const text = str(host, portVar)!.trim();
    const n = /^[0-9]+$/.test(text) ? Number.parseInt(text, 10) : NaN;
    if (!(n >= 1 && n <= 65535)) throw bad(host, portVar.name, portVar.value, 'a port number (1-65535)');
    port = n;
  }

  const user = str(host, first(vars, ['ansible_user', 'ansible_ssh_user'])) ?? currentUser();

  let connectTimeoutMs = 10_000;
  const timeoutVar = first(vars, ['hostforge_connect_timeout']);
  if (timeoutVar) {
    const text = str(host, timeoutVar)!.trim();
    const seconds = /^[0-9]+(?:\.[0-9]+)?$/.test(text) ? Number.parseFloat(text) : NaN;
    if (!(seconds > 0)) throw bad(host, timeoutVar.name, timeoutVar.value, 'a number of seconds greater than 0');
    connectTimeoutMs = Math.round(seconds * 1000);
  }

  const spec: ConnectionSpec = { host: address, port, user, connectTimeoutMs };
  const key = str(host, first(vars, ['ansible_ssh_private_key_file', 'ansible_private_key_file']));
  if (key !== undefined) spec.privateKeyFile = expandHome(key);
  const knownHosts = str(host, first(vars, ['hostforge_known_hosts']));
  if (knownHosts !== undefined) spec.knownHostsFile = expandHome(knownHosts);
  const password = secret(host, first(vars, ['ansible_password', 'ansible_ssh_pass', 'ansible_ssh_password']));
  if (password) spec.password = password;

  const becomeVar = first(vars, ['ansible_become']);
  const become = becomeVar ? ansibleBoolean(host, becomeVar.name, becomeVar.value) : false;
  spec.become = become;
  const becomeUser = str(host, first(vars, ['ansible_become_user']));
  if (become || becomeUser !== undefined) spec.becomeUser = becomeUser ?? 'root';
  const becomePassword = secret(host, first(vars, ['ansible_become_password', 'ansible_become_pass']));
  if (becomePassword) spec.becomePassword = becomePassword;
  const method = str(host, first(vars, ['ansible_become_method']));
  if (method !== undefined) {
    if (method !== 'sudo' && method !== 'su') throw bad(host, 'ansible_become_method', method, '"sudo" or "su"');
    spec.becomeMethod = method;
  }
  const flags = str(host, first(vars, ['ansible_become_flags']));
  if (flags !== undefined) spec.becomeFlags = flags;
  return spec;
}
