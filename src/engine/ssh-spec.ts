/**
 * The operator's OpenSSH client configuration applied to a host's connection, as `ssh` would
 * apply it for Ansible: ~/.ssh/config (then /etc/ssh/ssh_config, Include, Host/Match), with the
 * inventory's explicit ansible_user/ansible_port/key file first (they win), then
 * ansible_ssh_common_args / ansible_ssh_extra_args (`-o`, `-i`, `-p`, `-l`, `-J`, `-F`), then
 * the files. HostName, User, Port, IdentityFile, UserKnownHostsFile, StrictHostKeyChecking,
 * ConnectTimeout, ServerAliveInterval/CountMax and ProxyJump are used.
 *
 * ProxyJump hops are resolved as OpenSSH's `ssh -J` does: each hop by its own name through
 * the same config files (its HostName, User, Port, IdentityFile, known_hosts...), `user@` and
 * `:port` in the hop win, and the first hop's own ProxyJump is followed (`-J a,b` becomes
 * `ssh -J a -W %h:%p b`, and `a` is reached as `ssh a` would). Options given on the command
 * line (`-o` in ansible_ssh_common_args) are not passed to the hops, as OpenSSH does not.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../errors.js';
import { defaultSource, loadSource, parseSshArgs, resolveRaw, sshOptions, type Item, type JumpHop, type RawOptions, type SshOptions } from '../sshconfig/index.js';
import type { LoginSpec } from '../transport/connect.js';
import type { ConnectionSpec } from '../transport/ssh.js';

let cached: Item[] | undefined;

/** The client configuration files ($HOSTFORGE_SSH_CONFIG, else ~/.ssh/config and /etc/ssh/ssh_config). */
export function sshConfigItems(): Item[] {
  cached ??= loadSource(defaultSource(process.env.HOSTFORGE_SSH_CONFIG || undefined));
  return cached;
}

const has = (vars: Record<string, unknown>, names: string[]): boolean => names.some((n) => vars[n] !== undefined && vars[n] !== null);

/** OpenSSH's default identities, for a hop whose config names none (targets use the inventory's key or the agent). */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const MAX_HOPS = 16;

function keepalive(raw: RawOptions, o: SshOptions): Pick<LoginSpec, 'keepaliveIntervalMs' | 'keepaliveCountMax'> {
  const out: Pick<LoginSpec, 'keepaliveIntervalMs' | 'keepaliveCountMax'> = {};
  if (raw.has('serveraliveinterval')) out.keepaliveIntervalMs = o.serverAliveIntervalS * 1000;
  if (raw.has('serveralivecountmax')) out.keepaliveCountMax = Math.max(1, o.serverAliveCountMax);
  return out;
}

function refuseProxyCommand(name: string, raw: RawOptions): void {
  const pc = raw.get('proxycommand')?.join(' ');
  if (pc !== undefined && pc.toLowerCase() !== 'none') {
    throw new InputError(`${name}: ProxyCommand is not supported (it would run "${pc}" on the bastion); use ProxyJump (-J) instead`, { code: 'INVENTORY' });
  }
}

interface HopContext {
  target: string;
  source: Item[];
  acceptNewHostKeys?: boolean;
  connectTimeoutMs: number;
}

/** The login of each hop, outermost first. */
export function resolveHops(jumps: readonly JumpHop[], ctx: HopContext, seen: readonly string[] = []): LoginSpec[] {
  const out: LoginSpec[] = [];
  jumps.forEach((hop, i) => {
    const first: { key: string; values: string[] }[] = [];
    if (hop.user !== undefined) first.push({ key: 'user', values: [hop.user] });
    if (hop.port !== undefined) first.push({ key: 'port', values: [String(hop.port)] });
    const raw = resolveRaw(hop.host, ctx.source, first);
    const o = sshOptions(hop.host, raw);
    refuseProxyCommand(`${ctx.target}: jump host ${hop.host}`, raw);
    if (i === 0 && o.proxyJump.length > 0) {
      const chain = [...seen, hop.host];
      if (chain.includes(o.proxyJump[0]!.host) || chain.length > MAX_HOPS) {
        throw new InputError(`${ctx.target}: ProxyJump loop: ${[...chain, o.proxyJump[0]!.host].join(' → ')} (exclude the jump host from the Host pattern that sets ProxyJump)`, { code: 'INVENTORY' });
      }
      out.push(...resolveHops(o.proxyJump, ctx, chain));
    }
    const spec: LoginSpec = { name: `jump host ${hop.host}`, host: o.hostName, port: o.port, user: o.user, connectTimeoutMs: ctx.connectTimeoutMs, ...keepalive(raw, o) };
    const keys = raw.has('identityfile') ? o.identityFiles : DEFAULT_IDENTITIES.map((k) => path.join(os.homedir(), '.ssh', k));
    const key = keys.find((f) => existsSync(f));
    if (key !== undefined) spec.privateKeyFile = key;
    if (o.userKnownHostsFiles[0] !== undefined) spec.knownHostsFile = o.userKnownHostsFiles[0];
    if (o.connectTimeoutS !== undefined && o.connectTimeoutS > 0) spec.connectTimeoutMs = o.connectTimeoutS * 1000;
    if (ctx.acceptNewHostKeys || (raw.has('stricthostkeychecking') && (o.strictHostKeyChecking === 'no' || o.strictHostKeyChecking === 'accept-new'))) spec.acceptNewHostKeys = true;
    out.push(spec);
  });
  if (out.length > MAX_HOPS) throw new InputError(`${ctx.target}: more than ${MAX_HOPS} jump hosts`, { code: 'INVENTORY' });
  return out;
}

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
  refuseProxyCommand(spec.name, raw);
  const out: ConnectionSpec = { ...spec, host: o.hostName, port: o.port, user: o.user, ...keepalive(raw, o) };
  if (spec.privateKeyFile === undefined && raw.has('identityfile')) {
    const key = o.identityFiles.find((f) => existsSync(f));
    if (key !== undefined) out.privateKeyFile = key;
  }
  if (spec.knownHostsFile === undefined && raw.has('userknownhostsfile') && o.userKnownHostsFiles[0] !== undefined) out.knownHostsFile = o.userKnownHostsFiles[0];
  if (!has(vars, ['hostforge_connect_timeout', 'ansible_ssh_timeout', 'ansible_timeout']) && o.connectTimeoutS !== undefined && o.connectTimeoutS > 0) out.connectTimeoutMs = o.connectTimeoutS * 1000;
  // hostforge never accepts a changed key; "no"/"accept-new" only let it record unknown ones.
  if (raw.has('stricthostkeychecking') && (o.strictHostKeyChecking === 'no' || o.strictHostKeyChecking === 'accept-new')) out.acceptNewHostKeys = true;
  if (o.proxyJump.length > 0) {
    out.jumps = resolveHops(o.proxyJump, { target: spec.name, source, acceptNewHostKeys: spec.acceptNewHostKeys, connectTimeoutMs: out.connectTimeoutMs });
  }
  return out;
}
