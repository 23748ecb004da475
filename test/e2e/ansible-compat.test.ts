/**
 * The same playbook (block/rescue/always, nested blocks, run_once, delegate_to: localhost,
 * include_role, include_tasks (templated, looped, when per item), throttle, serial, meta: end_host) run by Debian's ansible-playbook and by
 * hostforge on the same fresh lab hosts: the recaps and the hosts' resulting files must agree.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostforge, recapOf, REPO } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';
import { labIniInventory } from '../helpers/ini-inventory.js';

const LAB = 'compat';
const PLAYBOOK = join(REPO, 'test', 'fixtures', 'compat', 'site.yaml');
const FILES = ['block', 'rescue', 'always', 'inner-always', 'outer-rescue', 'once', 'role', 'inc-a', 'inc-b', 'inc-c', 'inc-two', 'throttle', 'serial', 'after-end'];
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

type Counts = Record<string, { ok: number; changed: number; failed: number; skipped: number; rescued: number }>;

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  try {
    await promisify(execFile)('ansible-playbook', ['--version']);
  } catch {
    skip = 'ansible-playbook is not installed';
    return;
  }
  lab = await startLab(LAB, 3);
  dir = mkdtempSync(join(tmpdir(), 'hf-compat-'));
  // node2 fails in the blocks. One INI inventory for both tools (True/False are Python literals there).
  writeFileSync(join(dir, 'hosts.ini'), labIniInventory(lab, (name) => `fail_here=${name === 'node2' ? 'True' : 'False'}`));
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function hostFiles(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const h of lab.hosts) {
    const r = await sshRun(lab, h.name, `cd /tmp && for f in ${FILES.map((f) => `hf-compat-${f}`).join(' ')}; do [ -e "$f" ] && echo "$f"; done; rm -f /tmp/hf-compat-*; true`);
    out[h.name] = r.stdout.trim().split('\n').filter(Boolean).sort();
  }
  return out;
}

function ansibleRecap(stdout: string): Counts {
  const out: Counts = {};
  for (const m of stdout.matchAll(/^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)/gm)) {
    out[m[1]!] = { ok: Number(m[2]), changed: Number(m[3]), failed: Number(m[4]), skipped: Number(m[5]), rescued: Number(m[6]) };
  }
  return out;
}

test.serial('block/rescue/always, run_once, delegate_to, include_role, throttle, serial and end_host behave as ansible-playbook does', async (t) => {
  if (skip) return t.pass(`skipped: ${skip}`);
  let ansibleOut = '';
  let ansibleCode = 0;
  try {
    const r = await promisify(execFile)('ansible-playbook', ['-i', join(dir, 'hosts.ini'), PLAYBOOK], {
      env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False' },
      maxBuffer: 1 << 24,
    });
    ansibleOut = r.stdout;
  } catch (err) {
    const e = err as { stdout?: string; code?: number };
    ansibleOut = e.stdout ?? '';
    ansibleCode = e.code ?? 1;
  }
  const ansibleFiles = await hostFiles();
  const ours = await hostforge(['apply', PLAYBOOK, '-i', join(dir, 'hosts.ini'), '--json']);
  const ourFiles = await hostFiles();
  const theirs = ansibleRecap(ansibleOut);
  t.is(Object.keys(theirs).length, 3, ansibleOut.slice(-3000));
  const recap = recapOf(ours.stdout) as unknown as Counts;
  const pick = (c: Counts): Counts =>
    Object.fromEntries(Object.entries(c).sort().map(([h, r]) => [h, { ok: r.ok, changed: r.changed, failed: r.failed, skipped: r.skipped, rescued: r.rescued }]));
  t.deepEqual(pick(recap), pick(theirs), `ansible:\n${ansibleOut.slice(-2500)}\nhostforge:\n${ours.stdout.slice(-2500)}${ours.stderr}`);
  t.deepEqual(ourFiles, ansibleFiles);
  t.is(ours.code, ansibleCode === 0 ? 0 : 2, ours.stderr);
  // The rescued host did get the rescue and not the rest of its block.
  t.true(ourFiles.node2!.includes('hf-compat-rescue') && !ourFiles.node2!.includes('hf-compat-block'));
});
