/**
 * The operator's OpenSSH client configuration applied to a host's connection, as `ssh` would
 * apply it for Ansible: ~/.ssh/config (then /etc/ssh/ssh_config, Include, Host/Match), with the
 * inventory's explicit ansible_user/ansible_port/key file first (they win), then
 * ansible_ssh_common_args / ansible_ssh_extra_args (`-o`, `-i`, `-p`, `-l`), then the files.
 * HostName, User, Port, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking and
 * ConnectTimeout are used. ProxyJump is refused by name rather than ignored.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { defaultSource, loadSource, parseSshArgs, resolveRaw, sshOptions, type Item } from '../sshconfig/index.js';
import type { ConnectionSpec } from '../transport/ssh.js';

let cached: Item[] | undefined;

/** The client configuration files ($HOSTFORGE_SSH_CONFIG, else ~/.ssh/config and /etc/ssh/ssh_config). */
export function sshConfigItems(): Item[] {
  cached ??= loadSource(defaultSource(process.env.HOSTFORGE_SSH_CONFIG || undefined));
  return cached;
}

const has = (vars: Record<string, unknown>, names: string[]): boolean => names.some((n) => vars[n] !== undefined && vars[n] !== null);

export function withSshConfig(spec: ConnectionSpec, vars: Record<string, unknown>, items: Item[] = sshConfigItems()): ConnectionSpec {
  const first: { key: string; values: string[] }[] = [];
  if (has(vars, ['ansible_user', 'ansible_ssh_user'])) first.push({ key: 'user', values: [spec.user] });
  if (has(vars, ['ansible_port', 'ansible_ssh_port'])) first.push({ key: 'port', values: [String(spec.port)] });
  if (spec.privateKeyFile !== undefined) first.push({ key: 'identityfile', values: [spec.privateKeyFile] });
  let configFile: string | undefined;
  for (const name of ['ansible_ssh_common_args', 'ansible_ssh_extra_args']) {
    const line = vars[name];
    if (typeof line !== 'string' || line.trim() === '') continue;
    const args = parseSshArgs(line, `${spec.name}: ${name}`);
    first.push(...args.options);
    configFile ??= args.configFile;
  }
  const source = configFile !== undefined ? loadSource(defaultSource(configFile)) : items;
  const raw = resolveRaw(spec.host, source, first);
  const o = sshOptions(spec.host, raw);
  if (o.proxyJump.length > 0) {
    throw new InputError(`${spec.name}: ProxyJump (${o.proxyJump.map((j) => j.host).join(',')}) is not supported yet; reach the host directly or through a tunnel`, { code: 'INVENTORY' });
  }
  const out: ConnectionSpec = { ...spec, host: o.hostName, port: o.port, user: o.user };
  if (spec.privateKeyFile === undefined && raw.has('identityfile')) {
    const key = o.identityFiles.find((f) => existsSync(f));
    if (key !== undefined) out.privateKeyFile = key;
  }
  if (spec.knownHostsFile === undefined && raw.has('userknownhostsfile') && o.userKnownHostsFiles[0] !== undefined) out.knownHostsFile = o.userKnownHostsFiles[0];
  if (!has(vars, ['hostforge_connect_timeout', 'ansible_ssh_timeout', 'ansible_timeout']) && o.connectTimeoutS !== undefined && o.connectTimeoutS > 0) out.connectTimeoutMs = o.connectTimeoutS * 1000;
  // hostforge never accepts a changed key; "no"/"accept-new" only let it record unknown ones.
  if (raw.has('stricthostkeychecking') && (o.strictHostKeyChecking === 'no' || o.strictHostKeyChecking === 'accept-new')) out.acceptNewHostKeys = true;
  return out;
}
