/**
 * The module registry: name → module. Lookups accept Ansible's fully-qualified names
 * (`ansible.builtin.copy`) and a few Ansible aliases (`apt` → package, `systemd` /
 * `sysvinit` → service).
 */
import { InputError } from '../errors.js';
import type { AnyModule, Module } from './types.js';
import { assertModule } from './assert.js';
import { blockinfileModule } from './blockinfile.js';
import { commandModule } from './command.js';
import { copyModule } from './copy.js';
import { debugModule } from './debug.js';
import { failModule } from './fail.js';
import { fileModule } from './file.js';
import { lineinfileModule } from './lineinfile.js';
import { packageModule } from './package.js';
import { serviceModule } from './service.js';
import { setFactModule } from './set_fact.js';
import { setupModule } from './setup.js';
import { shellModule } from './shell.js';
import { statModule } from './stat.js';
import { templateModule } from './template.js';
import { certificateModule } from './certificate.js';
import { crlModule } from './crl.js';
import { keypairModule } from './keypair.js';
import { keyringModule } from './keyring.js';
import { etcdMemberModule } from './etcd_member.js';
import { etcdAuthModule } from './etcd_auth.js';
import { etcdPruneModule } from './etcd_prune.js';
import { authorizedKeyModule } from './authorized_key.js';
import { fstabModule } from './fstab.js';
import { gitModule } from './git.js';
import { iptablesModule } from './iptables.js';
import { kernelCmdlineModule } from './kernel_cmdline.js';
import { nsswitchModule } from './nsswitch.js';
import { pamModule } from './pam.js';
import { sshdConfigModule } from './sshd_config.js';
import { userModule } from './user.js';
import { COLLECTION_PREFIX, EVERYDAY_MODULES } from './everyday.js';

/** Erase a module's argument type for the registry (arguments are schema-checked). */
export function erase<A>(m: Module<A>): AnyModule {
  return m as unknown as AnyModule;
}

// ---- core modules (owned by the core-modules work) -------------------------------
const CORE: AnyModule[] = [
  commandModule,
  shellModule,
  fileModule,
  copyModule,
  templateModule,
  lineinfileModule,
  blockinfileModule,
  packageModule,
  serviceModule,
  setupModule,
  debugModule,
  failModule,
  assertModule,
  setFactModule,
  statModule,
].map((m) => erase(m as Module<never>));

// ---- LEAD: add the other modules here (user, authorized_key, git, kernel_cmdline, ----
// ---- fstab, sshd_config, nsswitch, pam, iptables, certificate, crl, keyring, ...) ----
const EXTRA: AnyModule[] = [certificateModule, crlModule, keypairModule, keyringModule, etcdMemberModule, etcdAuthModule, etcdPruneModule,
  userModule, authorizedKeyModule, gitModule, kernelCmdlineModule, fstabModule, sshdConfigModule, nsswitchModule, pamModule, iptablesModule].map((m) => erase(m as Module<never>));
// ------------------------------------------------------------------------------------

const ALIASES: Record<string, string> = {
  apt: 'package',
  systemd: 'service',
  systemd_service: 'service',
  sysvinit: 'service',
};

const modules = new Map<string, AnyModule>();

/** Add a module; a second module with the same name is a programming error. */
export function registerModule(m: AnyModule): void {
  if (modules.has(m.name)) throw new Error(`module ${m.name} is already registered`);
  modules.set(m.name, m);
}

for (const m of [...CORE, ...EXTRA, ...EVERYDAY_MODULES]) registerModule(m);

function canonical(name: string): string {
  const short = name.replace(COLLECTION_PREFIX, '');
  return ALIASES[short] !== undefined && !modules.has(short) ? ALIASES[short] : short;
}

/** The module for a task key, or undefined. */
export function getModule(name: string): AnyModule | undefined {
  return modules.get(canonical(name));
}

/** Like getModule, but an unknown name is an InputError (with close names suggested). */
export function requireModule(name: string): AnyModule {
  const m = getModule(name);
  if (m) return m;
  const close = moduleNames().filter((n) => n.startsWith(name.slice(0, 3)) || name.includes(n));
  throw new InputError(`unknown module "${name}"${close.length ? ` (did you mean ${close.join(', ')}?)` : ''}`);
}

/** Is this a task key that names a module (including aliases and FQCNs)? */
export function isModuleName(name: string): boolean {
  return getModule(name) !== undefined;
}

export function moduleNames(): string[] {
  return [...modules.keys()].sort();
}
