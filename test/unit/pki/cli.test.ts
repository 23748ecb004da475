/** `hostforge pki ...` through commander, in process: output captured, errors thrown (never process.exit). */
import test from 'ava';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { registerPkiCommands } from '../../../src/cli/pki.js';
import { HostforgeError, InputError } from '../../../src/errors.js';
import { openssl } from './helpers/ca.js';
import { tempDir, removeTempDirs } from './helpers/local-host.js';

test.after.always(removeTempDirs);

const PASS = 'cli passphrase 123';

function cli(env: NodeJS.ProcessEnv, confirm?: (q: string) => Promise<boolean | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...argv: string[]): Promise<string> => {
    const program = new Command('hostforge').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerPkiCommands(program, { out: (s) => void out.push(s), err: (s) => void err.push(s), env, ...(confirm ? { confirm } : {}) });
    out.length = 0;
    err.length = 0;
    await program.parseAsync(['node', 'hostforge', ...argv]);
    return out.join('');
  };
  return { run, err };
}

test('init, sign the runbook CSR, issue a client, list, revoke, crl', async (t) => {
  const root = await tempDir('cli');
  const dir = join(root, 'ca');
  const { run } = cli({ HOSTFORGE_CA_PASSPHRASE: PASS, HOSTFORGE_PKI_DIR: dir });

  const init = await run('pki', 'init', '--org', 'Managing Org', '--key-size', '2048');
  t.regex(init, /CA created in .*\/ca\n\s+subject:\s+O=Managing Org, CN=hostforge CA/);
  t.is((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
  await t.throwsAsync(run('pki', 'init'), { instanceOf: HostforgeError, message: /refusing to replace a CA/ });

  // Substra runbook: the backend makes its key + CSR, the orchestrator signs it.
  const k = await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, 'ORG.key'), '-subj', '/O=ORG/CN=backend.example.org', '-out', join(root, 'ORG.csr')]);
  t.is(k.code, 0, k.stderr);
  await t.throwsAsync(run('pki', 'sign', join(root, 'ORG.csr'), '--dns', 'backend.example.org'), { instanceOf: InputError, message: /without confirmation: run on a terminal, or pass --yes/ });
  await t.throwsAsync(stat(join(root, 'ORG.crt')));
  const signed = await run('pki', 'sign', join(root, 'ORG.csr'), '--yes', '--dns', 'backend.example.org', '--ip', '198.18.0.30');
  t.regex(signed, /subject:\s+O=ORG, CN=backend.example.org\n/);
  t.regex(signed, /SANs:\s+DNS:backend.example.org, IP:198.18.0.30\n/);
  t.regex(signed, /CSR signature valid/);
  const v = await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(root, 'ORG.crt')]);
  t.is(v.code, 0, v.stderr);
  t.regex((await openssl(['x509', '-in', join(root, 'ORG.crt'), '-noout', '-subject'])).stdout, /subject=O = ORG, CN = backend.example.org/);

  // A tampered CSR is refused and nothing is written.
  const csr = await readFile(join(root, 'ORG.csr'), 'utf8');
  const lines = csr.split('\n');
  lines[3] = lines[3]!.slice(0, 10) + (lines[3]![10] === 'A' ? 'B' : 'A') + lines[3]!.slice(11);
  await writeFile(join(root, 'bad.csr'), lines.join('\n'));
  await t.throwsAsync(run('pki', 'sign', '--yes', join(root, 'bad.csr')), { instanceOf: HostforgeError });
  await t.throwsAsync(stat(join(root, 'bad.crt')));

  // issue: key made locally, 0600, never printed.
  const issued = await run('pki', 'issue', 'monitoring-agent', '--out', join(root, 'clients'), '--usage', 'client');
  t.false(issued.includes('PRIVATE'));
  t.is((await stat(join(root, 'clients', 'monitoring-agent.key'))).mode & 0o777, 0o600);
  t.is((await openssl(['verify', '-CAfile', join(dir, 'ca.crt'), join(root, 'clients', 'monitoring-agent.crt')])).code, 0);
  await t.throwsAsync(run('pki', 'issue', 'monitoring-agent', '--out', join(root, 'clients')), { instanceOf: InputError, message: /exists/ });

  const list = await run('pki', 'list');
  t.regex(list, /^SERIAL\s+SUBJECT\s+SANS\s+NOT AFTER\s+STATUS\n/);
  t.regex(list, /O=ORG, CN=backend.example.org\s+DNS:backend.example.org, IP:198.18.0.30\s+\d{4}-\d\d-\d\d\s+valid/);
  const json = JSON.parse(await run('pki', 'list', '--json')) as { serial: string; status: string }[];
  t.is(json.length, 2);

  const revoked = await run('pki', 'revoke', 'monitoring-agent', '--reason', 'keyCompromise');
  t.regex(revoked, /revoked [0-9a-f]{32}\s+CN=monitoring-agent\s+\(keyCompromise\)\nCRL number 2/);
  const check = await openssl(['verify', '-crl_check', '-CAfile', join(dir, 'ca.crt'), '-CRLfile', join(dir, 'crl.pem'), join(root, 'clients', 'monitoring-agent.crt')]);
  t.not(check.code, 0);
  t.regex(check.stdout + check.stderr, /certificate revoked/);
  t.regex(await run('pki', 'list'), /revoked \d{4}-\d\d-\d\d \(keyCompromise\)/);

  const crl = await run('pki', 'crl', '--out', join(root, 'crl.pem'), '--days', '14');
  t.regex(crl, /CRL number 3: 1 revoked/);
  t.is((await openssl(['crl', '-in', join(root, 'crl.pem'), '-CAfile', join(dir, 'ca.crt'), '-noout'])).code, 0);
});

test('--pki-dir wins over the environment; wrong passphrase and bad options are errors', async (t) => {
  const root = await tempDir('cli2');
  const { run } = cli({ HOSTFORGE_CA_PASSPHRASE: PASS, HOSTFORGE_PKI_DIR: join(root, 'env-dir') });
  await run('pki', '--pki-dir', join(root, 'opt-dir'), 'init', '--key-size', '2048');
  t.truthy(await stat(join(root, 'opt-dir', 'ca.crt')));
  await t.throwsAsync(stat(join(root, 'env-dir')));
  const wrong = cli({ HOSTFORGE_CA_PASSPHRASE: 'not it at all', HOSTFORGE_PKI_DIR: join(root, 'opt-dir') });
  await t.throwsAsync(wrong.run('pki', 'crl'), { instanceOf: HostforgeError, message: /wrong CA passphrase/ });
  await t.throwsAsync(run('pki', '--pki-dir', join(root, 'opt-dir'), 'issue', 'x', '--days', 'ten'), { instanceOf: InputError, message: /--days must be a whole number/ });
  await t.throwsAsync(run('pki', '--pki-dir', join(root, 'opt-dir'), 'list', '--nope'));
});

test('pki sign: forged requests are refused by the signing policy; a terminal confirms the rest', async (t) => {
  const root = await tempDir('policy');
  const dir = join(root, 'ca');
  const questions: string[] = [];
  let answer: boolean | undefined = true;
  const { run } = cli({ HOSTFORGE_CA_PASSPHRASE: PASS, HOSTFORGE_PKI_DIR: dir }, async (q) => {
    questions.push(q);
    return answer;
  });
  await run('pki', 'init', '--key-size', '2048');
  const csr = async (name: string, subj: string, san?: string): Promise<string> => {
    const args = ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, `${name}.key`), '-subj', subj, '-out', join(root, `${name}.csr`)];
    if (san) args.push('-addext', `subjectAltName=${san}`);
    const r = await openssl(args);
    t.is(r.code, 0, r.stderr);
    return join(root, `${name}.csr`);
  };
  // Defaults without a policy file: CN=root, O=system:masters and wildcard names are refused, even with --yes.
  const forged = await csr('forged', '/O=system:masters/CN=root', 'DNS:*.example.org,IP:198.18.0.9');
  const e = await t.throwsAsync(run('pki', 'sign', '--yes', forged), { instanceOf: InputError });
  t.regex(e!.message, /subject CN=root is denied/);
  t.regex(e!.message, /subject O=system:masters is denied/);
  t.regex(e!.message, /wildcard DNS name \*\.example\.org is not allowed/);
  t.regex(e!.message, /subject:\s+O=system:masters, CN=root/);
  await t.throwsAsync(stat(join(root, 'forged.crt')));
  t.is(questions.length, 0, 'a refused request is not even asked about');

  // The terminal sees subject, SANs, usage and validity; "no" signs nothing, "yes" signs.
  const ok = await csr('ok', '/O=ORG/CN=b1.backend.example.org', 'DNS:b1.backend.example.org,IP:198.18.0.30');
  answer = false;
  await t.throwsAsync(run('pki', 'sign', ok, '--usage', 'both'), { message: /declined/ });
  t.regex(questions[0]!, /subject:\s+O=ORG, CN=b1.backend.example.org\n\s+SANs:\s+DNS:b1.backend.example.org, IP:198.18.0.30\n\s+usage:\s+both\n\s+validity:\s+365 days/);
  await t.throwsAsync(stat(join(root, 'ok.crt')));
  answer = true;
  await run('pki', 'sign', ok, '--usage', 'both');
  t.truthy(await stat(join(root, 'ok.crt')));

  // A policy file narrows names, addresses, usages and validity.
  await writeFile(join(dir, 'policy.yaml'), [
    'subject:',
    '  allow: ["CN=*.backend.example.org", "O=ORG"]',
    'dns: ["*.backend.example.org"]',
    'ips: ["198.18.0.0/27"]',
    'usages: [client, both]',
    'max_days: 90',
    '',
  ].join('\n'));
  const other = await csr('other', '/O=Evil/CN=node9.lab.test', 'DNS:node9.lab.test,IP:198.18.0.99');
  const p = await t.throwsAsync(run('pki', 'sign', '--yes', other, '--usage', 'server', '--days', '365'), { instanceOf: InputError });
  for (const re of [/O=Evil matches none of O=ORG/, /CN=node9.lab.test matches none of CN=\*\.backend\.example\.org/, /DNS name node9.lab.test matches none/, /IP 198.18.0.99 is outside 198.18.0.0\/27/, /usage server is not one of client, both/, /365 days exceeds the policy's max_days 90/]) {
    t.regex(p!.message, re);
  }
  await run('pki', 'sign', '--yes', ok, '--days', '90', '--out', join(root, 'ok2.crt'));
  t.truthy(await stat(join(root, 'ok2.crt')));
  await writeFile(join(dir, 'policy.yaml'), 'max_dayz: 3\n');
  await t.throwsAsync(run('pki', 'sign', '--yes', ok), { instanceOf: InputError, message: /policy.yaml: unknown key "max_dayz"/ });
});
