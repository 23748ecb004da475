/**
 * One INI inventory of a lab that both hostforge and ansible-playbook read: the lab's key,
 * its known_hosts with strict checking for both tools, and Debian's python3 for Ansible.
 */
import type { LabInfo } from './lab.js';

/** `hostVars` gives extra `key=value` words for a host's line (INI values are Python literals). */
export function labIniInventory(lab: LabInfo, hostVars: (name: string) => string = () => ''): string {
  return [
    '[all]',
    ...lab.hosts.map((h) => `${h.name} ansible_host=${h.ip} ansible_user=root ${hostVars(h.name)}`.trimEnd()),
    '[all:vars]',
    `ansible_ssh_private_key_file=${lab.keyPath}`,
    `ansible_ssh_common_args='-o UserKnownHostsFile=${lab.knownHostsPath} -o StrictHostKeyChecking=yes'`,
    `hostforge_known_hosts=${lab.knownHostsPath}`,
    'ansible_python_interpreter=/usr/bin/python3',
    '',
  ].join('\n');
}
