/**
 * Debian's ansible-core as the oracle: run a playbook on localhost (connection local)
 * with the json callback, or a Python snippet against ansible's own libraries.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';

export const hasAnsible = existsSync('/usr/bin/ansible-playbook');

export interface AnsibleTaskResult {
  [k: string]: unknown;
  results?: Record<string, unknown>[];
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_LOCAL_TEMP: '/tmp/hf-ansible-tmp', ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * Run `tasks` on localhost (`ansible-playbook -i localhost, -c local`), each registered,
 * and return every task's registered result in order.
 */
export async function ansibleLocalResults(dir: string, play: Record<string, unknown>, tasks: Record<string, unknown>[]): Promise<AnsibleTaskResult[]> {
  const out = join(dir, 'ansible-results.json');
  const registered = tasks.map((t, i) => ({ ...t, register: `hf_r${i}` }));
  const dump = { name: 'dump results', 'ansible.builtin.copy': { dest: out, content: `{{ [${tasks.map((_, i) => `hf_r${i}`).join(', ')}] | to_json }}` } };
  const file = join(dir, 'ansible-playbook.yaml');
  await writeFile(file, yaml.dump([{ ...play, hosts: 'localhost', gather_facts: false, tasks: [...registered, dump] }]));
  const r = await run('ansible-playbook', ['-i', 'localhost,', '-c', 'local', file]);
  if (r.code !== 0) throw new Error(`ansible-playbook failed (exit ${r.code}): ${r.stdout.slice(-2000)} ${r.stderr}`);
  return JSON.parse(await readFile(out, 'utf8')) as AnsibleTaskResult[];
}

/** Run Debian's python3 (the one ansible-core is installed for); returns stdout. */
export async function python(code: string, stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = execFile('/usr/bin/python3', ['-c', code], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout)));
    if (stdin !== undefined) p.stdin?.end(stdin);
  });
}

export { run as runCommand };
