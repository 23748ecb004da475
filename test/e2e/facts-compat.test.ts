/**
 * Gathered facts under Ansible's names: the same playbook, run by Debian's ansible-playbook and
 * by hostforge on the same lab host, writes the same file. The template is plain `{{name}}`
 * references, which Jinja2 and Handlebars render alike, so the one file serves both tools.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostforge } from '../helpers/cli.js';
import { hasAnsible } from '../helpers/ansible.js';
import { labIniInventory } from '../helpers/ini-inventory.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'facts';
// Every scalar fact hostforge names as Ansible does (src/facts/ansible.ts), and nested ones.
const FACTS = [
  'hostname', 'nodename', 'fqdn', 'domain', 'distribution', 'distribution_version', 'distribution_major_version',
  'distribution_minor_version', 'distribution_release', 'os_family', 'system', 'kernel', 'kernel_version',
  'architecture', 'machine', 'service_mgr', 'user_id', 'user_uid', 'processor_nproc', 'memtotal_mb',
  'processor_count', 'processor_cores', 'processor_threads_per_core', 'processor_vcpus',
  'default_ipv4.address', 'default_ipv4.interface', 'default_ipv4.gateway',
];
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

test.before(async () => {
  skip = await labSkipReason();
  if (!skip && !hasAnsible) skip = 'ansible-playbook is not installed';
  if (skip) return;
  lab = await startLab(LAB, 1);
  dir = mkdtempSync(join(tmpdir(), 'hf-facts-'));
  writeFileSync(join(dir, 'hosts.ini'), labIniInventory(lab));
  const lines = [
    ...FACTS.map((f) => `          ${f}={{ansible_${f}}}`),
    ...['distribution', 'os_family', 'service_mgr'].map((f) => `          facts.${f}={{ansible_facts.${f}}}`),
  ];
  // Lists and mappings are rendered by each tool's own JSON filter, then compared as data.
  const jsonPlay = (render: (v: string) => string): string =>
    ['- hosts: all', '  gather_facts: true', '  tasks:', '    - copy:', '        dest: "/root/lists-{{tool}}"', '        content: |',
      ...['mounts', 'processor', 'all_ipv4_addresses', 'default_ipv4'].map((f) => `          ${f}=${render(`ansible_${f}`)}`), ''].join('\n');
  writeFileSync(join(dir, 'lists-ansible.yaml'), jsonPlay((v) => `{{ ${v} | to_json }}`));
  writeFileSync(join(dir, 'lists-hf.yaml'), jsonPlay((v) => `{{json ${v}}}`));
  writeFileSync(join(dir, 'facts.yaml'), ['- hosts: all', '  gather_facts: true', '  tasks:', '    - copy:', '        dest: "/root/facts-{{tool}}"', '        content: |', ...lines, ''].join('\n'));
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test.serial('ansible_* facts and ansible_facts have the values ansible-playbook gathers', async (t) => {
  if (skip) return t.pass(skip);
  const inv = join(dir, 'hosts.ini');
  await promisify(execFile)('ansible-playbook', ['-i', inv, join(dir, 'facts.yaml'), '-e', 'tool=ansible'], { env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True' } });
  const hf = await hostforge(['apply', join(dir, 'facts.yaml'), '-i', inv, '-e', 'tool=hf']);
  t.is(hf.code, 0, hf.stderr);
  const read = async (tool: string): Promise<string> => (await sshRun(lab, 'node1', `cat /root/facts-${tool}`)).stdout;
  const ansible = await read('ansible');
  t.is(ansible.split('\n').filter((l) => /=$/.test(l)).length, 0, `every fact has a value under Ansible:\n${ansible}`);
  t.is(await read('hf'), ansible);
});

// What changes between two gatherings of the same host.
const VOLATILE = new Set(['size_available', 'block_available', 'block_used', 'inode_available', 'inode_used']);

function lists(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = JSON.parse(line.slice(i + 1), (k, v: unknown) => (VOLATILE.has(k) ? undefined : v));
  }
  return out;
}

test.serial('ansible_mounts, ansible_processor and the address facts are the data ansible-playbook gathers', async (t) => {
  if (skip) return t.pass(skip);
  const inv = join(dir, 'hosts.ini');
  await promisify(execFile)('ansible-playbook', ['-i', inv, join(dir, 'lists-ansible.yaml'), '-e', 'tool=ansible'], { env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True' } });
  const hf = await hostforge(['apply', join(dir, 'lists-hf.yaml'), '-i', inv, '-e', 'tool=hf']);
  t.is(hf.code, 0, hf.stderr);
  const read = async (tool: string): Promise<string> => (await sshRun(lab, 'node1', `cat /root/lists-${tool}`)).stdout;
  const ansible = lists(await read('ansible'));
  t.true(Array.isArray(ansible.mounts) && (ansible.mounts as unknown[]).length > 0, 'the lab host has a real-device mount');
  t.deepEqual(lists(await read('hf')), ansible);
});
