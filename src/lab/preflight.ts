/** Can this machine run a lab? Linux, root, and the few binaries the lab drives. */
import { access, constants } from 'node:fs/promises';
import { HostforgeError } from '../errors.js';

const NEEDED: readonly [string, string][] = [
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['mount', 'mount'],
  ['chroot', 'coreutils'],
  ['ssh-keygen', 'openssh-client'],
  ['/usr/sbin/sshd', 'openssh-server'],
];

async function onPath(cmd: string): Promise<boolean> {
  const dirs = cmd.includes('/') ? [''] : (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':');
  for (const d of dirs) {
    const p = d === '' ? cmd : `${d}/${cmd}`;
    if (await access(p, constants.X_OK).then(() => true, () => false)) return true;
  }
  return false;
}

function platformReason(): string | undefined {
  if (process.platform !== 'linux') return `the lab needs Linux (network namespaces, overlayfs); this is ${process.platform}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'the lab needs root (it creates network namespaces and mounts)';
  return undefined;
}

/** Linux and root: enough to inspect and tear down labs. */
export function assertLabPlatform(): void {
  const why = platformReason();
  if (why !== undefined) throw new HostforgeError('LAB', why);
}

/** Why a lab cannot run here, or undefined when it can. */
export async function labUnavailableReason(): Promise<string | undefined> {
  const why = platformReason();
  if (why !== undefined) return why;
  for (const [cmd, pkg] of NEEDED) {
    if (!(await onPath(cmd))) return `the lab needs ${cmd} (Debian package ${pkg})`;
  }
  return undefined;
}

export async function assertLabAvailable(): Promise<void> {
  const why = await labUnavailableReason();
  if (why !== undefined) throw new HostforgeError('LAB', why);
}
