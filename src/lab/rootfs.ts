/**
 * A host's root: an overlay with the machine's `/` as lowerdir and a per-host upperdir.
 * Files known before start are written straight into upper/ (a plain directory); the rest
 * happens in the host's setup script, inside its private mount namespace.
 */
import { access, chmod, chown, copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import { shJoin, shQuote } from '../util/quote.js';

export interface HostPaths {
  dir: string;
  upper: string;
  work: string;
  root: string;
  /** root's home directory, bind-mounted on /root: stock dotfiles, nothing of the machine's /root. */
  home: string;
  log: string;
}

export function hostPaths(stateDir: string, hostName: string): HostPaths {
  const dir = join(stateDir, 'hosts', hostName);
  return {
    dir,
    upper: join(dir, 'upper'),
    work: join(dir, 'work'),
    root: join(dir, 'root'),
    home: join(dir, 'home'),
    log: join(dir, 'log'),
  };
}

/** A machine mount below `/` that the overlay of `/` does not show: it gets an overlay of its own. */
export interface ExtraMount {
  mountpoint: string;
  upper: string;
  work: string;
}

/** Provided fresh inside every host, so never taken from the machine. */
const PROVIDED = ['/proc', '/sys', '/dev', '/run', '/tmp', '/root'];
/** File systems holding real data (/usr, /var, /home ... on their own disk). */
const DISK_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'f2fs', 'jfs', 'reiserfs', 'bcachefs']);

const under = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/**
 * Mount points of data file systems other than `/` (from /proc/self/mountinfo text), outside
 * what a host gets fresh and outside the lab's own state root. Sorted parents first.
 */
export function extraMountpoints(mountinfo: string, stateRoot: string): string[] {
  const found = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const mountpoint = unescapeMountinfo(left.split(' ')[4] ?? '');
    const fstype = right.split(' ')[0] ?? '';
    if (!mountpoint.startsWith('/') || mountpoint === '/') continue;
    if (!DISK_FS.has(fstype)) continue;
    if (PROVIDED.some((p) => under(mountpoint, p))) continue;
    if (under(mountpoint, stateRoot)) continue; // the lab's own state is no business of its hosts
    if (/[\s,:\\]/.test(mountpoint)) continue; // cannot be written in overlay options
    found.add(mountpoint);
  }
  return [...found].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}

export async function machineExtraMounts(stateRoot: string, paths: HostPaths): Promise<ExtraMount[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = extraMountpoints(text, stateRoot);
  const out: ExtraMount[] = [];
  for (const [k, mountpoint] of points.entries()) {
    const isDir = await stat(mountpoint).then((s) => s.isDirectory(), () => false);
    if (!isDir) continue; // a bind-mounted file (containers bind /etc/hosts): our own copy wins anyway
    out.push({ mountpoint, upper: join(paths.dir, 'mounts', String(k), 'upper'), work: join(paths.dir, 'mounts', String(k), 'work') });
  }
  return out;
}

/** mkdir -p below upper/, each directory with the owner and mode of the machine's directory. */
async function upperDirs(upper: string, rel: string): Promise<void> {
  let lower = '/';
  let cur = upper;
  for (const part of rel.split('/').filter(Boolean)) {
    lower = join(lower, part);
    cur = join(cur, part);
    const s = await stat(lower).catch(() => undefined);
    await mkdir(cur, { recursive: true });
    await chmod(cur, s ? s.mode & 0o7777 : 0o755);
    if (s) await chown(cur, s.uid, s.gid);
  }
}

async function sameOwnerAndMode(from: string, to: string): Promise<void> {
  const s = await stat(from);
  await chown(to, s.uid, s.gid);
  await chmod(to, s.mode & 0o7777);
}

async function writeMode(path: string, data: string, mode: number): Promise<void> {
  await writeFile(path, data, { mode });
  await chmod(path, mode);
}

const FALLBACK_BASHRC = '# ~/.bashrc (hostforge lab)\ncase $- in *i*) ;; *) return;; esac\nPS1=\'\\u@\\h:\\w\\$ \'\n';
const FALLBACK_PROFILE = '# ~/.profile (hostforge lab)\nif [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi\n';

/**
 * No nameserver line: the resolver asks 127.0.0.1, where nothing listens, and fails at once
 * instead of waiting 10 s for the machine's DNS server, which a lab host cannot reach anyway.
 */
const RESOLV_CONF = '# hostforge lab: no DNS (no route off the machine); lab names are in /etc/hosts\noptions timeout:1 attempts:1\n';

const STOCK_SSHD_CONFIG = '/usr/share/openssh/sshd_config';

export interface HostSeed {
  hostname: string;
  hostsText: string;
  authorizedKey: string;
}

/** Everything a host needs on disk before it starts. */
export async function prepareHost(paths: HostPaths, extras: readonly ExtraMount[], seed: HostSeed): Promise<void> {
  for (const d of [paths.dir, paths.upper, paths.work, paths.root, ...extras.flatMap((e) => [e.upper, e.work])]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
  await chmod(paths.root, 0o755);
  // An overlay's root directory takes its owner and mode from the upper directory: copy them
  // from the machine's directory, or "/" inside the host would be 0700 and shut out every user.
  await sameOwnerAndMode('/', paths.upper);
  for (const e of extras) await sameOwnerAndMode(e.mountpoint, e.upper);
  await upperDirs(paths.upper, 'etc');
  await writeMode(join(paths.upper, 'etc/hostname'), `${seed.hostname}\n`, 0o644);
  await writeMode(join(paths.upper, 'etc/hosts'), seed.hostsText, 0o644);
  await writeMode(join(paths.upper, 'etc/resolv.conf'), RESOLV_CONF, 0o644);
  // Debian's stock sshd_config, whatever the machine's says (Port, ListenAddress ...): every
  // host starts the same, and sshd inside listens on 22.
  if (await access(STOCK_SSHD_CONFIG).then(() => true, () => false)) {
    await upperDirs(paths.upper, 'etc/ssh');
    await copyFile(STOCK_SSHD_CONFIG, join(paths.upper, 'etc/ssh/sshd_config'));
    await chmod(join(paths.upper, 'etc/ssh/sshd_config'), 0o644);
  }

  await mkdir(join(paths.home, '.ssh'), { recursive: true });
  await chmod(paths.home, 0o700);
  await chmod(join(paths.home, '.ssh'), 0o700);
  await writeMode(join(paths.home, '.ssh/authorized_keys'), seed.authorizedKey.endsWith('\n') ? seed.authorizedKey : `${seed.authorizedKey}\n`, 0o600);
  for (const [file, fallback] of [['.bashrc', FALLBACK_BASHRC], ['.profile', FALLBACK_PROFILE]] as const) {
    const dest = join(paths.home, file);
    const skel = join('/etc/skel', file);
    if (await access(skel).then(() => true, () => false)) await copyFile(skel, dest);
    else await writeFile(dest, fallback);
    await chmod(dest, 0o644);
  }
}

/** Reaping init for PID 1 of every host. */
export async function findInit(): Promise<readonly string[]> {
  for (const argv of [['/usr/bin/tini', '-s', '--'], ['/usr/bin/dumb-init', '--']] as const) {
    if (await access(argv[0]).then(() => true, () => false)) return argv;
  }
  throw new HostforgeError('LAB', 'the lab needs a reaping init on the machine: install tini (apt-get install tini)');
}

/**
 * PID 1's child: sshd started as a daemon (so `/etc/init.d/ssh restart` inside works and PID 1
 * survives it), then sleep forever. If sshd cannot start, the host ends at once and `lab up`
 * reports its log.
 */
const KEEPALIVE = '/usr/sbin/sshd && exec sleep infinity';

export interface SetupSpec {
  paths: HostPaths;
  extras: readonly ExtraMount[];
  hostname: string;
  init: readonly string[];
}

/** The host's setup script, run by `sh -c` as PID 1 of its new PID, mount and UTS namespaces. */
export function setupScript(spec: SetupSpec): string {
  const { paths, extras, hostname } = spec;
  const r = paths.root;
  const inRoot = (p: string): string => join(r, p);
  const overlay = (lower: string, upper: string, work: string, target: string): string[] => [
    'mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, target,
  ];
  const lines: string[] = ['set -e', shJoin(overlay('/', paths.upper, paths.work, r))];
  for (const e of extras) {
    const target = inRoot(e.mountpoint);
    lines.push(
      `if [ -d ${shQuote(target)} ]; then ${shJoin(overlay(e.mountpoint, e.upper, e.work, target))} || ` +
        `echo ${shQuote(`hostforge lab: cannot overlay ${e.mountpoint}`)} >&2; fi`,
    );
  }
  lines.push(
    shJoin(['mount', '--bind', paths.home, inRoot('root')]),
    shJoin(['mount', '-t', 'proc', 'proc', inRoot('proc')]),
    shJoin(['mount', '--rbind', '/dev', inRoot('dev')]),
    shJoin(['mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs', inRoot('dev/shm')]),
    shJoin(['mount', '-t', 'sysfs', '-o', 'ro', 'sysfs', inRoot('sys')]),
    shJoin(['mount', '-t', 'tmpfs', '-o', 'mode=0755,nosuid,nodev', 'tmpfs', inRoot('run')]),
    shJoin(['mkdir', '-m', '0755', inRoot('run/sshd')]),
    shJoin(['mount', '-t', 'tmpfs', '-o', 'mode=1777,nosuid,nodev', 'tmpfs', inRoot('tmp')]),
    shJoin(['hostname', hostname]),
    // Own host keys: drop the machine's, make new ones. Ed25519 and ECDSA only: an RSA key
    // costs ~0.2 s of CPU each (a minute for a 250-host lab) and every client here prefers Ed25519.
    shJoin(['find', inRoot('etc/ssh'), '-maxdepth', '1', '-name', 'ssh_host_*', '-delete']),
    `if [ -d ${shQuote(inRoot('etc/ssh/sshd_config.d'))} ]; then ${shJoin(['find', inRoot('etc/ssh/sshd_config.d'), '-mindepth', '1', '-delete'])}; fi`,
    ...(['ed25519', 'ecdsa'] as const).map((type) =>
      shJoin(['chroot', r, 'ssh-keygen', '-q', '-t', type, '-N', '', '-C', `root@${hostname}`, '-f', `/etc/ssh/ssh_host_${type}_key`]),
    ),
    `exec ${shJoin(['chroot', r, ...spec.init, '/bin/sh', '-c', KEEPALIVE])}`,
  );
  return `${lines.join('\n')}\n`;
}

/** argv that runs a host: detached, in its netns, as PID 1 of fresh PID/mount/UTS/IPC namespaces. */
export function hostArgv(netns: string, script: string): string[] {
  return [
    'ip', 'netns', 'exec', netns,
    'unshare', '--kill-child', '--fork', '--pid', '--mount', '--uts', '--ipc', '--propagation', 'private',
    'sh', '-c', script,
  ];
}
