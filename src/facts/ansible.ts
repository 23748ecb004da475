/**
 * The same facts under Ansible's names (ansible_facts without the `ansible_` prefix),
 * so ported playbooks keep working: hostname, fqdn, distribution, os_family,
 * default_ipv4.address, all_ipv4_addresses, service_mgr, ...
 */
import type { Facts, Json } from '../modules/types.js';
import { toJson } from '../modules/support/json.js';
import type { CpuFacts } from './cpuinfo.js';

const FAMILY_NAMES: Record<string, string> = { debian: 'Debian', redhat: 'RedHat', suse: 'Suse', arch: 'Archlinux', alpine: 'Alpine' };
const DISTRIBUTIONS: Record<string, string> = { debian: 'Debian', ubuntu: 'Ubuntu', centos: 'CentOS', fedora: 'Fedora', rhel: 'RedHat', rocky: 'Rocky', alpine: 'Alpine', arch: 'Archlinux' };

/**
 * Ansible's service_mgr: the name of PID 1 (`tini`, `systemd`, `runit`...), except an `init`
 * or a shell there, which says nothing: then systemd when it runs, else sysvinit.
 */
function serviceMgr(f: Facts): string {
  const pid1 = typeof f.pid1 === 'string' ? f.pid1 : '';
  if (pid1 !== '' && pid1 !== 'init' && !pid1.endsWith('sh')) return pid1;
  return f.init === 'systemd' ? 'systemd' : 'sysvinit';
}

/** Debian's full version is /etc/debian_version (`12.11`), as Ansible reads it; os-release has `12`. */
function distributionVersion(f: Facts): string {
  const dv = typeof f.debian_version === 'string' ? f.debian_version : '';
  return f.os.id === 'debian' && /^\d+(\.\d+)*$/.test(dv) ? dv : f.os.version;
}

function cpu(f: Facts): { [k: string]: Json } {
  const c = f.cpu as CpuFacts | undefined;
  if (c === undefined) return { processor: [], processor_count: null, processor_cores: null, processor_threads_per_core: null, processor_vcpus: null };
  return { ...c, processor: [...c.processor] };
}

/** Ansible's netmask, network, prefix (a string there), broadcast, alias, macaddress, mtu, type. */
function ipv4Detail(f: Facts): { [k: string]: Json } {
  const d = f.default_ipv4_address as { prefix: number; broadcast: string; alias: string; macaddress?: string; mtu?: number; type?: string } | undefined;
  if (d === undefined || typeof f.default_ipv4 !== 'string') return {};
  const mask = d.prefix === 0 ? 0 : (0xffffffff << (32 - d.prefix)) >>> 0;
  const addr = f.default_ipv4.split('.').reduce((a, o) => ((a << 8) | Number(o)) >>> 0, 0);
  const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
  const out: { [k: string]: Json } = { alias: d.alias, broadcast: d.broadcast, netmask: dotted(mask), network: dotted((addr & mask) >>> 0), prefix: String(d.prefix) };
  if (d.macaddress !== undefined) out.macaddress = d.macaddress;
  if (d.mtu !== undefined) out.mtu = d.mtu;
  if (d.type !== undefined) out.type = d.type;
  return out;
}

function cap(s: string): string {
  return s === '' ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** The names toAnsibleFacts gives (preflight knows them before facts are gathered). */
export const ANSIBLE_FACT_NAMES = [
  'hostname', 'nodename', 'fqdn', 'domain', 'distribution', 'distribution_version', 'distribution_major_version', 'distribution_minor_version',
  'distribution_release', 'os_family', 'system', 'kernel', 'kernel_version', 'architecture', 'machine', 'service_mgr',
  'all_ipv4_addresses', 'all_ipv6_addresses', 'default_ipv4', 'interfaces', 'user_id', 'user_uid', 'processor_nproc',
  'memtotal_mb', 'processor', 'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus',
  'mounts',
] as const;

export function toAnsibleFacts(f: Facts): { [k: string]: Json } {
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const defaultIpv4: { [k: string]: Json } = {};
  if (f.default_ipv4 !== undefined) defaultIpv4.address = f.default_ipv4;
  if (typeof f.default_ipv4_interface === 'string') defaultIpv4.interface = f.default_ipv4_interface;
  if (typeof f.default_ipv4_gateway === 'string') defaultIpv4.gateway = f.default_ipv4_gateway;
  Object.assign(defaultIpv4, ipv4Detail(f));
  return {
    hostname: f.hostname,
    nodename: f.hostname,
    fqdn: f.fqdn,
    domain: f.fqdn.startsWith(`${f.hostname}.`) ? f.fqdn.slice(f.hostname.length + 1) : '',
    distribution: DISTRIBUTIONS[f.os.id] ?? cap(f.os.id),
    distribution_version: distributionVersion(f),
    distribution_major_version: distributionVersion(f).split('.')[0] ?? '',
    distribution_minor_version: distributionVersion(f).split('.')[1] ?? '',
    distribution_release: str(f.os_codename),
    os_family: FAMILY_NAMES[f.os.family] ?? cap(f.os.family),
    system: 'Linux',
    kernel: f.kernel,
    kernel_version: str(f.kernel_version),
    architecture: f.arch,
    machine: f.arch,
    service_mgr: serviceMgr(f),
    all_ipv4_addresses: f.ipv4_addresses === undefined ? [] : toJson(f.ipv4_addresses),
    all_ipv6_addresses: f.ipv6_addresses === undefined ? [] : toJson(f.ipv6_addresses),
    default_ipv4: defaultIpv4,
    interfaces: Object.keys((f.interfaces as Record<string, unknown> | undefined) ?? {}),
    user_id: f.user,
    user_uid: typeof f.uid === 'number' ? f.uid : -1,
    processor_nproc: typeof f.nproc === 'number' ? f.nproc : null,
    ...cpu(f),
    mounts: Array.isArray(f.mounts) ? toJson(f.mounts) : [],
    memtotal_mb: typeof f.memtotal_mb === 'number' ? f.memtotal_mb : null,
  };
}
