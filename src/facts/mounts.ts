/**
 * ansible_mounts as Ansible's Linux hardware facts build it: the /etc/mtab (or /proc/mounts)
 * entries of real devices (a path, `\...`, or `host:/export`; fstype `none` is left out), octal
 * escapes decoded, `,bind` added for bind mounts findmnt shows as `SOURCE[/dir]`, the statvfs
 * sizes, and the lsblk UUID (`N/A` when none).
 */
import type { Json } from '../modules/types.js';

export interface MountLines {
  mtab: readonly string[];
  findmnt: readonly string[];
  lsblk: readonly string[];
  /** `MOUNT_AS_IN_MTAB|frsize bsize blocks bavail bfree files ffree` (stat -f). */
  statfs: readonly string[];
}

export function decodeOctal(s: string): string {
  return s.replace(/\\([0-9]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Whether the facts script measures this mtab entry (the same rule as mountFacts). */
export function realDevice(device: string, fstype: string): boolean {
  return (device.startsWith('/') || device.startsWith('\\') || device.includes(':/')) && fstype !== 'none';
}

function uuids(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of lines) {
    const t = line.trim();
    const m = /^(.*\S)\s+(\S+)$/.exec(t);
    if (!m || out.has(m[1]!)) continue;
    out.set(m[1]!, m[2]!);
  }
  return out;
}

function sizes(line: string | undefined): { [k: string]: Json } {
  if (line === undefined) return {};
  const n = line.trim().split(/\s+/).map((x) => Number(x));
  if (n.length < 7 || n.some((x) => !Number.isFinite(x))) return {};
  const [frsize, bsize, blocks, bavail, , files, ffree] = n as [number, number, number, number, number, number, number];
  return {
    size_total: frsize * blocks,
    size_available: frsize * bavail,
    block_size: bsize,
    block_total: blocks,
    block_available: bavail,
    block_used: blocks - bavail,
    inode_total: files,
    inode_available: ffree,
    inode_used: files - ffree,
  };
}

export function mountFacts(lines: MountLines): { [k: string]: Json }[] {
  const binds = new Set<string>();
  for (const line of lines.findmnt) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 2 && f[1]!.includes(']')) binds.add(f[0]!);
  }
  const ids = uuids(lines.lsblk);
  const stat = new Map<string, string>();
  for (const line of lines.statfs) {
    const bar = line.indexOf('|');
    if (bar > 0) stat.set(line.slice(0, bar), line.slice(bar + 1));
  }
  const byMount = new Map<string, { [k: string]: Json }>();
  for (const line of lines.mtab) {
    const raw = line.trim().split(/\s+/);
    if (raw.length < 4) continue;
    const [device, mount, fstype, options] = raw.slice(0, 4).map(decodeOctal) as [string, string, string, string];
    if (!realDevice(device, fstype)) continue;
    const info: { [k: string]: Json } = { mount, device, fstype, options };
    if (binds.has(mount) && !/bind.*"/.test(options)) info.options = `${options},bind`;
    Object.assign(info, sizes(stat.get(raw[1]!)));
    info.uuid = ids.get(device) ?? 'N/A';
    byMount.set(mount, info);
  }
  return [...byMount.values()];
}
