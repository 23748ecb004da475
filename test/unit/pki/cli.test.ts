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

function cli(env: NodeJS.ProcessEnv) {
  const out: string[] = [];
  const err: string[] = [];
  const run = async (...argv: string[]): Promise<string> => {
    const program = new Command('hostforge').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerPkiCommands(program, { out: (s) => void out.push(s), err: (s) => void err.push(s), env });
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
  const signed = await run('pki', 'sign', join(root, 'ORG.csr'), '--dns', 'backend.example.org', '--ip', '198.18.0.30');
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
  await t.throwsAsync(run('pki', 'sign', join(root, 'bad.csr')), { instanceOf: HostforgeError });
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
