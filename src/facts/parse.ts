/**
 * The pure parser of the facts script's output (key=value lines) into typed Facts.
 *
 * Facts (all from one exec):
 *   hostname        short host name (first label of `hostname`)
 *   fqdn            `hostname -f`, else the host name
 *   os              { id, version, family, pretty } from os-release; family is
 *                   debian | redhat | suse | arch | alpine | the id itself
 *   kernel          `uname -r`;  arch `uname -m`
 *   init            'systemd' when PID 1 is systemd (or /proc/1/comm is unreadable and
 *                   /run/systemd/system exists), else 'sysvinit'
 *   addresses       every global address (IPv4 first, then IPv6), no loopback/link-local
 *   default_ipv4    the first IPv4 address of the default route's interface, else the
 *                   first global IPv4 address
 *   user            the login user (`id -un`)
 * Extra keys: os_codename, kernel_version, uid, pid1, nproc, memtotal_mb,
 *   ipv4_addresses, ipv6_addresses, interfaces {name: {ipv4: [], ipv6: []}},
 *   default_ipv4_interface, default_ipv4_gateway.
 */
import { cpuFacts } from './cpuinfo.js';
import { mountFacts } from './mounts.js';
import type { Facts } from '../modules/types.js';

/** Remove os-release shell quoting: "a b" → a b, 'x' → x, \" → ". */
export function unquoteOsRelease(v: string): string {
  const s = v.trim();
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) return s.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
  if (s.length >= 2 && s.startsWith("'") && s.endsWith("'")) return s.slice(1, -1);
  return s;
}

const FAMILIES: Record<string, string> = {
  debian: 'debian',
  ubuntu: 'debian',
  raspbian: 'debian',
  rhel: 'redhat',
  centos: 'redhat',
  fedora: 'redhat',
  rocky: 'redhat',
  almalinux: 'redhat',
  suse: 'suse',
  opensuse: 'suse',
  sles: 'suse',
  arch: 'arch',
  alpine: 'alpine',
};

export function osFamily(id: string, idLike: string): string {
  for (const cand of [id, ...idLike.split(/\s+/)]) {
    const f = FAMILIES[cand.toLowerCase()];
    if (f) return f;
  }
  return id.toLowerCase();
}

export interface AddrLine {
  iface: string;
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
  scope: string;
  /** `brd X`, or '' */
  broadcast?: string;
  /** The address label (`eth0`, `eth0:1`). */
  label?: string;
}

/** One `ip -o addr show` line: "2: eth0    inet 198.18.0.2/24 brd ... scope global eth0\ ..." */
export function parseIpAddrLine(line: string): AddrLine | null {
  const m = /^\d+:\s+(\S+?)(?:@\S+)?\s+(inet6?)\s+([0-9a-fA-F.:]+)\/(\d+)(.*)$/.exec(line.trim());
  if (!m) return null;
  const rest = m[5]!.split('\\')[0]!;
  const scope = /\bscope\s+(\S+)/.exec(rest)?.[1] ?? 'global';
  const broadcast = /\bbrd\s+(\S+)/.exec(rest)?.[1] ?? '';
  const label = /\bscope\s+\S+(?:\s+(?:secondary|dynamic|noprefixroute|deprecated|tentative|temporary|mngtmpaddr))*\s+(\S+)\s*$/.exec(rest)?.[1];
  return { iface: m[1]!, family: m[2] as 'inet' | 'inet6', address: m[3]!, prefix: Number(m[4]), scope, broadcast, ...(label !== undefined ? { label } : {}) };
}

function isGlobal(a: AddrLine): boolean {
  if (a.scope === 'host' || a.scope === 'link') return false;
  if (a.family === 'inet') return !a.address.startsWith('127.');
  const lower = a.address.toLowerCase();
  return lower !== '::1' && !lower.startsWith('fe80:');
}

const IFTYPES: Record<string, string> = { '1': 'ether', '32': 'infiniband', '512': 'ppp', '772': 'loopback', '65534': 'tunnel' };

/**
 * An interface's macaddress and mtu (`ip -o link` lines) and its type as Ansible names it from
 * /sys/class/net (`iftype=NAME TYPE bonding|bridge|-`).
 */
function linkOf(links: readonly string[], types: readonly string[], iface: string): { macaddress?: string; mtu?: number; type?: string } {
  const out: { macaddress?: string; mtu?: number; type?: string } = {};
  const line = links.find((l) => new RegExp(`^\\d+:\\s+${iface.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:@\\S+)?:`).test(l.trim()));
  if (line !== undefined) {
    const mtu = /\bmtu\s+(\d+)/.exec(line)?.[1];
    if (mtu !== undefined) out.mtu = Number(mtu);
    const mac = /\blink\/\S+\s+([0-9a-f]{2}(?::[0-9a-f]{2})+)/.exec(line)?.[1];
    if (mac !== undefined) out.macaddress = mac;
  }
  const t = types.map((l) => l.trim().split(/\s+/)).find((f) => f[0] === iface);
  if (t !== undefined) out.type = t[2] === 'bonding' || t[2] === 'bridge' ? t[2] : (IFTYPES[t[1] ?? ''] ?? 'unknown');
  return out;
}

/** Keys the facts script prints once per line of a file or command. */
const MULTI = new Set(['link', 'iftype', 'cpuinfo', 'cpuflags', 'mtab', 'statfs', 'findmnt', 'lsblk']);

export function parseFacts(out: string): Facts {
  const kv = new Map<string, string>();
  const addrs: AddrLine[] = [];
  const routes: string[] = [];
  const multi: Record<string, string[]> = {};
  for (const raw of out.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const i = line.indexOf('=');
    if (i <= 0) continue;
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    if (k === 'addr') {
      const a = parseIpAddrLine(v);
      if (a) addrs.push(a);
    } else if (k === 'route4') routes.push(v);
    else if (MULTI.has(k)) (multi[k] ??= []).push(v);
    else if (!kv.has(k)) kv.set(k, v);
  }
  const os = (key: string): string => unquoteOsRelease(kv.get(`os_${key}`) ?? '');
  const hostFull = (kv.get('hostname') ?? '').trim();
  const hostname = hostFull.split('.')[0] ?? hostFull;
  const fqdn = (kv.get('fqdn') ?? '').trim() || hostFull;
  const pid1 = (kv.get('pid1') ?? '').trim();
  const init: Facts['init'] = pid1 === 'systemd' || (pid1 === '' && kv.get('systemd_dir') === 'yes') ? 'systemd' : 'sysvinit';

  let global = addrs.filter(isGlobal);
  if (addrs.length === 0 && kv.has('hostaddr')) {
    global = (kv.get('hostaddr') ?? '')
      .trim()
      .split(/\s+/)
      .filter((a) => a !== '')
      .map((a) => ({ iface: '', family: a.includes(':') ? ('inet6' as const) : ('inet' as const), address: a, prefix: 0, scope: 'global' }))
      .filter(isGlobal);
  }
  const ipv4 = global.filter((a) => a.family === 'inet').map((a) => a.address);
  const ipv6 = global.filter((a) => a.family === 'inet6').map((a) => a.address);
  const interfaces: Record<string, { ipv4: string[]; ipv6: string[] }> = {};
  for (const a of addrs) {
    const e = (interfaces[a.iface] ??= { ipv4: [], ipv6: [] });
    (a.family === 'inet' ? e.ipv4 : e.ipv6).push(a.address);
  }
  const route = routes.map((r) => /^default\s+(?:via\s+(\S+)\s+)?dev\s+(\S+)/.exec(r.trim())).find((m) => m !== null);
  const defIface = route?.[2];
  const defLine = (defIface !== undefined ? global.find((a) => a.family === 'inet' && a.iface === defIface) : undefined) ?? global.find((a) => a.family === 'inet');
  const defAddr = defLine?.address;
  const memKb = Number(kv.get('memtotal_kb') ?? '');
  const nproc = Number(kv.get('nproc') ?? '');

  const facts: Facts = {
    hostname,
    fqdn,
    os: {
      id: os('ID').toLowerCase(),
      version: os('VERSION_ID'),
      family: osFamily(os('ID'), os('ID_LIKE')),
      pretty: os('PRETTY_NAME'),
    },
    kernel: (kv.get('kernel') ?? '').trim(),
    arch: (kv.get('arch') ?? '').trim(),
    init,
    addresses: [...ipv4, ...ipv6],
    user: (kv.get('user') ?? '').trim(),
    os_codename: os('VERSION_CODENAME'),
    kernel_version: (kv.get('kernel_version') ?? '').trim(),
    uid: Number(kv.get('uid') ?? '-1'),
    pid1,
    ipv4_addresses: ipv4,
    ipv6_addresses: ipv6,
    interfaces,
  };
  const debianVersion = (kv.get('debian_version') ?? '').trim();
  if (debianVersion !== '') facts.debian_version = debianVersion;
  const xenParavirt = kv.get('xen') === 'yes' && (multi.cpuflags ?? []).some((f) => !f.includes('vme'));
  const cpu = cpuFacts(multi.cpuinfo ?? [], facts.arch, xenParavirt);
  if (cpu !== undefined) facts.cpu = cpu;
  if (defLine !== undefined) facts.default_ipv4_address = { prefix: defLine.prefix, broadcast: defLine.broadcast ?? '', alias: defLine.label ?? defLine.iface, ...linkOf(multi.link ?? [], multi.iftype ?? [], defLine.iface) };
  facts.mounts = mountFacts({ mtab: multi.mtab ?? [], findmnt: multi.findmnt ?? [], lsblk: multi.lsblk ?? [], statfs: multi.statfs ?? [] });
  if (defAddr !== undefined) facts.default_ipv4 = defAddr;
  if (defIface !== undefined) facts.default_ipv4_interface = defIface;
  if (route?.[1] !== undefined) facts.default_ipv4_gateway = route[1];
  if (Number.isFinite(nproc) && nproc > 0) facts.nproc = nproc;
  if (Number.isFinite(memKb) && memKb > 0) facts.memtotal_mb = Math.floor(memKb / 1024);
  return facts;
}
