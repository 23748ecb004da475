/** The lab's Ansible-format YAML inventory (usable by hostforge and by ansible-playbook). */
import type { LabInfo } from './types.js';

/** A YAML scalar: plain when unambiguous, otherwise a JSON (= YAML double-quoted) string. */
function scalar(v: string | number): string {
  if (typeof v === 'number') return String(v);
  if (/^[A-Za-z0-9_./@-]+$/.test(v) && !/^(true|false|yes|no|on|off|null|~|[-+.\d][\d.eE+-]*)$/i.test(v)) return v;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return v; // dotted quads are strings in YAML
  return JSON.stringify(v);
}

export function inventoryYaml(info: LabInfo): string {
  const common = `-o UserKnownHostsFile=${info.knownHostsPath} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes`;
  const out: string[] = [
    `# hostforge lab ${JSON.stringify(info.name)}: written by \`hostforge lab up\`, removed by \`hostforge lab down\`.`,
    'all:',
    '  children:',
    '    lab:',
    '      vars:',
    `        ansible_ssh_common_args: ${scalar(common)}`,
    '      hosts:',
  ];
  for (const h of info.hosts) {
    const vars: [string, string | number][] = [
      ['ansible_host', h.ip],
      ['ansible_user', 'root'],
      ['ansible_port', 22],
      ['ansible_ssh_private_key_file', info.keyPath],
      ['hostforge_known_hosts', info.knownHostsPath],
      ['fqdn', h.fqdn],
      ['ip', h.ip],
    ];
    out.push(`        ${h.name}:`, ...vars.map(([k, v]) => `          ${k}: ${scalar(v)}`));
  }
  return `${out.join('\n')}\n`;
}
