/**
 * The bastion itself as a host: ansible_connection: local (and -c local) runs the tasks here,
 * without SSH, with the same modules, check mode and idempotence.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge, recapOf } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-local-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const play = (dest: string): string => {
  const p = join(dir, 'play.yaml');
  writeFileSync(p, `- hosts: all\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: ${dest}\n        content: "on the bastion\\n"\n        mode: "0600"\n    - command: /bin/true\n      changed_when: false\n`);
  return p;
};

test.serial('ansible_connection: local converges the bastion; check first, then nothing left to change', async (t) => {
  const dest = join(dir, 'out.conf');
  writeFileSync(join(dir, 'inv.yaml'), 'all:\n  hosts:\n    bastion:\n      ansible_connection: local\n');
  const args = ['apply', play(dest), '-i', join(dir, 'inv.yaml'), '--json'];
  const check = await hostforge([...args, '--check']);
  t.is(check.code, 0, check.stdout + check.stderr);
  t.is(recapOf(check.stdout).bastion?.changed, 1);
  const run = await hostforge(args);
  t.is(run.code, 0, run.stdout + run.stderr);
  t.is(readFileSync(dest, 'utf8'), 'on the bastion\n');
  const again = await hostforge(args);
  t.is(recapOf(again.stdout).bastion?.changed, 0);
});

test.serial('-c local on the command line', async (t) => {
  const dest = join(dir, 'out2.conf');
  writeFileSync(join(dir, 'inv2.yaml'), 'all:\n  hosts:\n    localhost: {}\n');
  const r = await hostforge(['apply', play(dest), '-i', join(dir, 'inv2.yaml'), '-c', 'local', '--json']);
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is(readFileSync(dest, 'utf8'), 'on the bastion\n');
});
