/**
 * Resource bounds on large inputs, without a lab (loopback only, like the broken-input corpus):
 * validate of a generated 2 MB playbook is linear (CPU seconds, not minutes), still names the
 * problem's line, and a billion-laughs vars file is refused quickly in small memory. CPU time
 * (and peak RSS) are read inside the child, so a loaded machine does not fail the bounds.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hostforge, REPO } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'hf-big-'));
const preload = pathToFileURL(join(REPO, 'dist', 'test', 'helpers', 'cpu-usage.js')).href;
test.after.always(() => rmSync(work, { recursive: true, force: true }));

interface Usage {
  cpuMs: number;
  maxRssKb: number;
}

async function measured(args: string[], name: string, extraNodeOptions = ''): Promise<{ code: number; out: string; usage: Usage; wallMs: number }> {
  const cpuFile = join(work, `${name}.cpu.json`);
  const t0 = Date.now();
  const r = await hostforge(args, {
    cwd: work,
    env: { HOSTFORGE_CONFIG: '', HF_CPU_FILE: cpuFile, NODE_OPTIONS: `--import=${preload} ${extraNodeOptions}`.trim() },
    timeoutMs: 300_000,
  });
  return { code: r.code, out: r.stderr + r.stdout, usage: JSON.parse(readFileSync(cpuFile, 'utf8')) as Usage, wallMs: Date.now() - t0 };
}

/** About 2 MB of ordinary tasks (copy, lineinfile with when, file, command with register). */
function bigPlaybook(bytes: number, brokenLast: boolean): { text: string; tasks: number; lines: number } {
  const parts = ['- hosts: all\n  gather_facts: false\n  vars:\n    base: /tmp/hf\n    port: 8080\n  tasks:\n'];
  let size = parts[0]!.length;
  let i = 0;
  while (size < bytes) {
    const t = [
      `    - name: "copy ${i} to {{ base }}"\n      copy:\n        dest: "{{ base }}/f${i}.conf"\n        content: "port={{ port }} n=${i}\\n"\n        mode: "0644"\n`,
      `    - name: line ${i}\n      lineinfile:\n        path: "{{ base }}/f${i - 1}.conf"\n        regexp: "^opt${i}="\n        line: "opt${i}=yes"\n      when: gt port 1000\n`,
      `    - name: dir ${i}\n      file:\n        path: "{{ base }}/d${i}"\n        state: directory\n        mode: "0755"\n      tags: [dirs]\n`,
      `    - name: cmd ${i}\n      command: echo ${i}\n      register: r${i}\n      changed_when: false\n`,
    ][i % 4]!;
    parts.push(t);
    size += t.length;
    i++;
  }
  if (brokenLast) parts.push('    - name: the broken one\n      file:\n        path: "{{ base }}/x"\n        mode: "0999"\n');
  const text = parts.join('');
  return { text, tasks: i + (brokenLast ? 1 : 0), lines: text.split('\n').length - 1 };
}

const inventory = 'all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1, ansible_port: 1}\n    web2: {ansible_host: 127.0.0.1, ansible_port: 1}\n';

test.serial('validate of a 2 MB playbook takes CPU seconds, and names a problem on its last line', async (t) => {
  writeFileSync(join(work, 'inventory.yaml'), inventory);
  const good = bigPlaybook(2_000_000, false);
  writeFileSync(join(work, 'big.yaml'), good.text);
  const ok = await measured(['validate', 'big.yaml', '-i', 'inventory.yaml'], 'good');
  t.is(ok.code, 0, ok.out.slice(0, 2000));
  t.regex(ok.out, new RegExp(`OK \\(1 plays, ${good.tasks} tasks, 2 hosts\\)`));
  t.log(`2 MB valid: ${good.tasks} tasks, ${ok.usage.cpuMs.toFixed(0)} ms CPU, ${ok.wallMs} ms wall, ${(ok.usage.maxRssKb / 1024).toFixed(0)} MB peak RSS`);
  t.true(ok.usage.cpuMs < 15_000, `CPU ${ok.usage.cpuMs} ms`);

  const bad = bigPlaybook(2_000_000, true);
  writeFileSync(join(work, 'bad.yaml'), bad.text);
  const r = await measured(['validate', 'bad.yaml', '-i', 'inventory.yaml'], 'bad');
  t.is(r.code, 1, r.out.slice(0, 2000));
  // The last task's mode: line (lines - 1, 1-based: the last line of the file).
  t.true(r.out.includes(`${join(work, 'bad.yaml')}:${bad.lines}:`), r.out.slice(0, 2000));
  t.regex(r.out, /0999/);
  t.log(`2 MB with one problem: ${r.usage.cpuMs.toFixed(0)} ms CPU, ${r.wallMs} ms wall`);
  t.true(r.usage.cpuMs < 15_000, `CPU ${r.usage.cpuMs} ms`);
});

test.serial('a billion-laughs vars file is refused in well under a second of CPU and small memory', async (t) => {
  const lines = ['l0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let l = 1; l < 9; l++) lines.push(`l${l}: &a${l} [${Array(9).fill(`*a${l - 1}`).join(', ')}]`);
  writeFileSync(join(work, 'lol.yaml'), `${lines.join('\n')}\n`);
  writeFileSync(join(work, 'lol-site.yaml'), '- hosts: all\n  gather_facts: false\n  vars_files: [lol.yaml]\n  tasks:\n    - copy: {dest: /tmp/x, content: "{{ l8 }}"}\n');
  writeFileSync(join(work, 'inventory.yaml'), inventory);
  for (const cmd of ['validate', 'apply']) {
    // 128 MB of heap: an expanded 9^9-node document would not fit in a hundred times that.
    const r = await measured([cmd, 'lol-site.yaml', '-i', 'inventory.yaml'], `lol-${cmd}`, '--max-old-space-size=128');
    t.is(r.code, 1, r.out);
    t.true(r.out.includes(`${join(work, 'lol.yaml')}:7:`), r.out);
    t.regex(r.out, /billion laughs/);
    t.log(`${cmd}: ${r.usage.cpuMs.toFixed(0)} ms CPU (node start-up included), ${(r.usage.maxRssKb / 1024).toFixed(0)} MB peak RSS`);
    t.true(r.usage.cpuMs < 3_000, `CPU ${r.usage.cpuMs} ms`);
    t.true(r.usage.maxRssKb < 300 * 1024, `peak RSS ${r.usage.maxRssKb} KB`);
  }
});
