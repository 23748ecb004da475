/**
 * No byte of a secret, in any encoding, reaches any output stream of a full run (-v --diff,
 * --json, check mode, a failure) nor a file the run leaves on the bastion.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostforge, REPO } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';
import { encodings } from '../../src/util/redact.js';

const LAB = 'secrets';
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

const DB_PASSWORD = 'q"uo\\te$`x-Pa55';
const SHORT = 'Zx';
const TOKEN = 'T0k-EN.value_77';
/** A crypted password held in a variable named `x`: secret because `password:` is. */
const HASH = '$6$hfsalt$1Qz3vW0KJq7bE2yHq9uR3tQdTq1zYt9e0Pq4rKx8mWw5b2nL6cV7aS1dF3gH4jK5lZ6xC7vB8nM9qW0eR1tY2u';
let keyPem = '';

/** Every form a secret must never take in an output. */
function forbidden(): string[] {
  const out = new Set<string>();
  for (const s of [DB_PASSWORD, TOKEN, HASH]) {
    for (const f of encodings(s)) if (f.length >= 6) out.add(f);
    out.add(s.toUpperCase());
    out.add(s.toLowerCase());
  }
  const body = keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  for (const l of body) out.add(l);
  return [...out];
}

function leaks(text: string): string[] {
  const found = forbidden().filter((f) => text.includes(f));
  if (new RegExp(`(?<![A-Za-z0-9])${SHORT}(?![A-Za-z0-9])`).test(text)) found.push(SHORT);
  return found;
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'hf-secrets-'));
  cpSync(join(REPO, 'test', 'fixtures', 'secrets'), dir, { recursive: true });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
  keyPem = readFileSync(join(dir, 'k'), 'utf8');
  writeFileSync(
    join(dir, 'secrets.yaml'),
    `db_password: ${JSON.stringify(DB_PASSWORD)}\nshort_pass: ${SHORT}\nmaterial: ${JSON.stringify(keyPem)}\nx: ${JSON.stringify(HASH)}\n`,
  );
  lab = await startLab(LAB, 1);
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(root: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(root)) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

test.serial('check, apply and re-apply with -v --diff and --json leak no secret in any encoding', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const base = [join(dir, 'site.yaml'), '-i', lab.inventoryPath, '-e', `api_token=${TOKEN}`];
  const runs = [
    ['apply', ...base, '--check', '--diff', '-v'],
    ['apply', ...base, '--check', '--diff', '--json'],
    ['apply', ...base, '--diff', '-v', '--json'],
    ['apply', ...base, '--diff', '-v'],
  ];
  for (const argv of runs) {
    const r = await hostforge(argv, { cwd: dir });
    t.is(r.code, 0, `${argv.join(' ')}\n${r.stdout.slice(-2000)}${r.stderr}`);
    t.deepEqual(leaks(r.stdout), [], `stdout of ${argv.slice(-3).join(' ')}`);
    t.deepEqual(leaks(r.stderr), [], `stderr of ${argv.slice(-3).join(' ')}`);
    t.true(r.stdout.includes('***'), 'secrets show as ***');
  }
  // The files on the host do hold the real values (redaction is for outputs only).
  const shadow = await sshRun(lab, 'node1', 'getent shadow hfsecret | cut -d: -f2');
  t.is(shadow.stdout.trim(), HASH);
  const cat = await hostforge(['apply', join(dir, 'site.yaml'), '-i', lab.inventoryPath, '-e', `api_token=${TOKEN}`, '--check'], { cwd: dir });
  t.is(cat.code, 0);
  t.regex(cat.stdout, /changed=0/);
  // Nothing left on the bastion beside the inputs holds a secret.
  for (const f of filesUnder(dir)) {
    if (['secrets.yaml', 'k', 'k.pub', 'site.yaml'].includes(f.slice(dir.length + 1))) continue;
    t.deepEqual(leaks(readFileSync(f, 'utf8')), [], f);
  }
});

test.serial('errors and bad -e input never echo a secret', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const bad = await hostforge(['apply', join(dir, 'site.yaml'), '-i', lab.inventoryPath, '-e', `{"api_token": "${TOKEN}", broken`], { cwd: dir });
  t.is(bad.code, 1);
  t.deepEqual(leaks(bad.stdout + bad.stderr), []);
  t.regex(bad.stderr, /-e argument 1: .*not shown/);
  // A task failing with the secret in its command line and output.
  writeFileSync(join(dir, 'fail.yaml'), `- hosts: all\n  vars_files: [secrets.yaml]\n  tasks:\n    - shell: echo {{quote db_password}}; echo {{quote api_token}} >&2; exit 3\n`);
  for (const extra of [[], ['--json']]) {
    const r = await hostforge(['apply', join(dir, 'fail.yaml'), '-i', lab.inventoryPath, '-e', `api_token=${TOKEN}`, '-v', ...extra], { cwd: dir });
    t.is(r.code, 2, r.stdout + r.stderr);
    t.deepEqual(leaks(r.stdout + r.stderr), []);
  }
});

test.serial('inventory --list and --host mask secrets unless --show-secrets', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const inv = join(dir, 'inv.yaml');
  writeFileSync(inv, `all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_become_password: ${JSON.stringify(DB_PASSWORD)}\n      ansible_password: ${TOKEN}\n      plain: visible\n`);
  for (const args of [['--list'], ['--host', 'h1']]) {
    const r = await hostforge(['inventory', '-i', inv, ...args]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(leaks(r.stdout), []);
    t.regex(r.stdout, /"ansible_become_password": "\*\*\*"/);
    t.regex(r.stdout, /"plain": "visible"/);
    JSON.parse(r.stdout);
    const shown = await hostforge(['inventory', '-i', inv, ...args, '--show-secrets']);
    t.is((JSON.parse(shown.stdout) as { ansible_password?: string; _meta?: { hostvars: Record<string, { ansible_password: string }> } })._meta?.hostvars.h1?.ansible_password ?? (JSON.parse(shown.stdout) as { ansible_password: string }).ansible_password, TOKEN);
  }
});

test.serial('Ansible Vault both ways with ansible-vault; a vaulted vars file and an inline !vault value run, redacted', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const av = (args: string[]): { code: number; out: string } => {
    try {
      return { code: 0, out: execFileSync('ansible-vault', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1' } }) };
    } catch (err) {
      return { code: 1, out: String((err as { stderr?: string }).stderr ?? err) };
    }
  };
  if (av(['--version']).code !== 0) return t.pass('ansible-vault is not installed');
  const pw = join(dir, 'vault-pass');
  writeFileSync(pw, 'vault-pw-s3cret\n', { mode: 0o600 });
  // hostforge encrypts (1.2 with a vault id), ansible-vault reads it.
  writeFileSync(join(dir, 'ours.yaml'), 'vaulted_plain: Hf-Vault-Value-1\n');
  const enc = await hostforge(['vault', 'encrypt', '--vault-id', `lab@${pw}`, join(dir, 'ours.yaml')], { cwd: dir });
  t.is(enc.code, 0, enc.stderr);
  t.regex(readFileSync(join(dir, 'ours.yaml'), 'utf8'), /^\$ANSIBLE_VAULT;1\.2;AES256;lab\n/);
  const view = av(['view', '--vault-id', `lab@${pw}`, 'ours.yaml']);
  t.is(view.code, 0, view.out);
  t.is(view.out, 'vaulted_plain: Hf-Vault-Value-1\n');
  // ansible-vault encrypts a file and a string, hostforge reads them.
  writeFileSync(join(dir, 'theirs.yaml'), 'from_ansible: An-Vault-Value-2\n');
  t.is(av(['encrypt', '--vault-password-file', pw, 'theirs.yaml']).code, 0);
  const inline = av(['encrypt_string', '--vault-password-file', pw, '--name', 'inline_value', 'Inline-Vault-3']);
  t.is(inline.code, 0, inline.out);
  const seen = await hostforge(['vault', 'view', '--vault-password-file', pw, join(dir, 'theirs.yaml')], { cwd: dir });
  t.is(seen.stdout, 'from_ansible: An-Vault-Value-2\n', seen.stderr);
  writeFileSync(join(dir, 'vault-play.yaml'), [
    '- hosts: all',
    '  gather_facts: false',
    '  vars_files: [ours.yaml, theirs.yaml]',
    '  vars:',
    ...inline.out.trimEnd().split('\n').map((l) => `    ${l}`),
    '  tasks:',
    '    - copy:',
    '        dest: /etc/hf-vaulted.conf',
    '        mode: "0600"',
    '        content: "{{vaulted_plain}} {{from_ansible}} {{inline_value}}\\n"',
    '',
  ].join('\n'));
  const run = await hostforge(['apply', join(dir, 'vault-play.yaml'), '-i', lab.inventoryPath, '--vault-password-file', pw, '--diff', '-v'], { cwd: dir });
  t.is(run.code, 0, run.stdout + run.stderr);
  for (const v of ['Hf-Vault-Value-1', 'An-Vault-Value-2', 'Inline-Vault-3', 'vault-pw-s3cret']) t.false((run.stdout + run.stderr).includes(v), v);
  const cat = await sshRun(lab, 'node1', 'cat /etc/hf-vaulted.conf');
  t.is(cat.stdout, 'Hf-Vault-Value-1 An-Vault-Value-2 Inline-Vault-3\n');
  const noPw = await hostforge(['apply', join(dir, 'vault-play.yaml'), '-i', lab.inventoryPath], { cwd: dir });
  t.is(noPw.code, 1, noPw.stdout + noPw.stderr);
});
