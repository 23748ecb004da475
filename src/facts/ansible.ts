/**
 * The same facts under Ansible's names (ansible_facts without the `ansible_` prefix),
 * so ported playbooks keep working: hostname, fqdn, distribution, os_family,
 * default_ipv4.address, all_ipv4_addresses, service_mgr, ...
 */
import type { Facts, Json } from '../modules/types.js';
import { toJson } from '../modules/support/json.js';

const FAMILY_NAMES: Record<string, string> = { debian: 'Debian', redhat: 'RedHat', suse: 'Suse', arch: 'Archlinux', alpine: 'Alpine' };
const DISTRIBUTIONS: Record<string, string> = { debian: 'Debian', ubuntu: 'Ubuntu', centos: 'CentOS', fedora: 'Fedora', rhel: 'RedHat', rocky: 'Rocky', alpine: 'Alpine', arch: 'Archlinux' };

function cap(s: string): string {
  return s === '' ? s : s[0]!.toUpperCase() + s.slice(1);
}

export function toAnsibleFacts(f: Facts): { [k: string]: Json } {
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const defaultIpv4: { [k: string]: Json } = {};
  if (f.default_ipv4 !== undefined) defaultIpv4.address = f.default_ipv4;
  if (typeof f.default_ipv4_interface === 'string') defaultIpv4.interface = f.default_ipv4_interface;
  if (typeof f.default_ipv4_gateway === 'string') defaultIpv4.gateway = f.default_ipv4_gateway;
  return {
    hostname: f.hostname,
    nodename: f.hostname,
    fqdn: f.fqdn,
    domain: f.fqdn.startsWith(`${f.hostname}.`) ? f.fqdn.slice(f.hostname.length + 1) : '',
    distribution: DISTRIBUTIONS[f.os.id] ?? cap(f.os.id),
    distribution_version: f.os.version,
    distribution_major_version: f.os.version.split('.')[0] ?? '',
    distribution_release: str(f.os_codename),
    os_family: FAMILY_NAMES[f.os.family] ?? cap(f.os.family),
    system: 'Linux',
    kernel: f.kernel,
    kernel_version: str(f.kernel_version),
    architecture: f.arch,
    machine: f.arch,
    service_mgr: f.init === 'systemd' ? 'systemd' : 'sysvinit',
    all_ipv4_addresses: f.ipv4_addresses === undefined ? [] : toJson(f.ipv4_addresses),
    all_ipv6_addresses: f.ipv6_addresses === undefined ? [] : toJson(f.ipv6_addresses),
    default_ipv4: defaultIpv4,
    interfaces: Object.keys((f.interfaces as Record<string, unknown> | undefined) ?? {}),
    user_id: f.user,
    user_uid: typeof f.uid === 'number' ? f.uid : -1,
    processor_nproc: typeof f.nproc === 'number' ? f.nproc : null,
    memtotal_mb: typeof f.memtotal_mb === 'number' ? f.memtotal_mb : null,
  };
}
