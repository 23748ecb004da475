/**
 * `hostforge pki init|issue|sign|revoke|crl|list`: the certificate authority on the bastion.
 * The directory: --pki-dir, else $HOSTFORGE_PKI_DIR, else ./pki. The CA passphrase:
 * $HOSTFORGE_CA_PASSPHRASE, else a prompt on the terminal (no echo), else an error.
 * Errors are thrown (HostforgeError 'PKI' / InputError); the CLI entry maps them to exit codes.
 * No private key is ever printed: `pki issue` writes the one it makes to a 0600 file.
 */
import { exists } from '../util/path-kind.js';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { InputError } from '../errors.js';
import { REVOCATION_REASONS, type RevocationReason } from '../pki/reasons.js';
import { passphraseSource, resolvePkiDir, type PassphraseSource } from '../pki/passphrase.js';
import { formatName } from '../pki/name-text.js';
import type { Pki } from '../pki/service.js';
import { expiryWarnings, renderList } from './pki-list.js';

/** The CA code (and its X.509/CRL libraries) loads only when a pki command runs. */
const service = (): Promise<typeof import('../pki/service.js')> => import('../pki/service.js');
import type { CertUsage } from '../pki/types.js';

export interface PkiCliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Where the CA passphrase comes from (default: env, else TTY prompt). */
  passphrase?(confirm: boolean): PassphraseSource;
  /** Ask a yes/no question on the terminal; undefined when there is no terminal to ask on. */
  confirm?(question: string): Promise<boolean | undefined>;
}

async function ttyConfirm(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

const defaultIo = (): PkiCliIo => ({
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  env: process.env,
  confirm: ttyConfirm,
});

const USAGES = ['server', 'client', 'both'] as const;

function int(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new InputError(`${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
    return Number(v);
  };
}

/** Repeatable, comma-separated list option. */
function collect(v: string, prev: string[] = []): string[] {
  return [...prev, ...v.split(',').map((s) => s.trim()).filter(Boolean)];
}

function sans(c: { dns: string[]; ips: string[] }): string {
  const all = [...c.dns.map((d) => `DNS:${d}`), ...c.ips.map((i) => `IP:${i}`)];
  return all.length > 0 ? all.join(', ') : '(none)';
}


/**
 * Before an outside CSR is signed: what it asks for is shown, the CA directory's signing policy
 * judges it, and an operator confirms on a terminal (or --yes). Anything else signs nothing.
 */
async function reviewSigning(
  csrPem: string,
  csrPath: string,
  o: { usage: CertUsage; days: number; dns?: string[]; ip?: string[]; csrSans: boolean; yes?: boolean },
  dir: string,
  io: PkiCliIo,
): Promise<void> {
  const { parseCsr } = await import('../pki/csr.js');
  const { parsePolicy, policyViolations, defaultPolicy, POLICY_FILE } = await import('../pki/policy.js');
  const csr = parseCsr(csrPem);
  const preview = {
    subject: csr.subject,
    dns: [...(o.dns ?? []), ...(o.csrSans ? csr.requestedDns : [])],
    ips: [...(o.ip ?? []), ...(o.csrSans ? csr.requestedIps : [])],
    usage: o.usage,
    days: o.days,
  };
  const policyPath = join(dir, POLICY_FILE);
  let policy = defaultPolicy();
  if (await exists(policyPath)) {
    const { parseYaml } = await import('../util/yaml.js');
    policy = parsePolicy(parseYaml(await readFile(policyPath, 'utf8'), policyPath).data, policyPath);
  }
  const lines = [
    `${basename(csrPath)} asks for:`,
    `  subject:   ${formatName(preview.subject)}`,
    `  SANs:      ${sans(preview) || '(none)'}`,
    `  usage:     ${preview.usage}`,
    `  validity:  ${preview.days} days`,
  ];
  const refused = policyViolations(policy, preview);
  if (refused.length > 0) {
    throw new InputError(`refusing to sign ${basename(csrPath)} (signing policy ${policyPath}):\n${[...lines, ...refused.map((r) => `  refused: ${r}`)].join('\n')}`, { code: 'USAGE' });
  }
  if (o.yes) return;
  const answer = await (io.confirm ?? ttyConfirm)(`${lines.join('\n')}\nsign it? [y/N] `);
  if (answer === undefined) throw new InputError(`refusing to sign ${basename(csrPath)} without confirmation: run on a terminal, or pass --yes\n${lines.join('\n')}`, { code: 'USAGE' });
  if (!answer) throw new InputError(`not signed: ${basename(csrPath)} (declined)`, { code: 'USAGE' });
}

export function registerPkiCommands(program: Command, io: PkiCliIo = defaultIo()): Command {
  const pki = program
    .command('pki')
    .description('the certificate authority on the bastion (CA key encrypted at rest)')
    .option('--pki-dir <dir>', 'CA directory (default $HOSTFORGE_PKI_DIR or ./pki)');

  const dirOf = (cmd: Command): string => resolvePkiDir(cmd.optsWithGlobals<{ pkiDir?: string }>().pkiDir, io.env);
  const pass = (confirm: boolean): PassphraseSource =>
    io.passphrase ? io.passphrase(confirm) : passphraseSource({ env: io.env, confirm, prompt: confirm ? 'New CA passphrase: ' : 'CA passphrase: ' });
  const open = async (cmd: Command): Promise<Pki> => (await service()).openPki(dirOf(cmd), pass(false));

  pki
    .command('init')
    .description('create the CA: encrypted key (0600) and self-signed certificate')
    .option('--cn <name>', 'CA common name', 'hostforge CA')
    .option('--org <name>', 'CA organization (O=)')
    .option('--days <n>', 'CA validity in days', int('--days', 1, 36500), 3650)
    .option('--key-size <bits>', 'RSA key size: 2048, 3072 or 4096', int('--key-size', 2048, 4096), 3072)
    .option('--crl-days <n>', 'CRL lifetime (nextUpdate) in days', int('--crl-days', 1, 3650), 30)
    .action(async (o: { cn: string; org?: string; days: number; keySize: number; crlDays: number }, cmd: Command) => {
      const dir = dirOf(cmd);
      const ca = await (await service()).initPki(dir, pass(true), { cn: o.cn, org: o.org, days: o.days, keySize: o.keySize, crlDays: o.crlDays });
      const info = ca.inspectCert(await ca.caCertPem());
      io.out(
        [
          `CA created in ${dir}`,
          `  subject:   ${info ? formatName(info.subject) : o.cn}`,
          `  not after: ${info?.notAfter ?? '?'}`,
          `  ca.crt     certificate (give it to every host and client)`,
          `  ca.key     RSA ${o.keySize} key, encrypted (PBES2 AES-256), mode 0600`,
          `  crl.pem    empty CRL, next update in ${o.crlDays} days`,
          '',
        ].join('\n'),
      );
    });

  pki
    .command('issue')
    .description('issue a certificate for a client that is not a host: the key is made here and written 0600')
    .argument('<name>', 'common name (CN)')
    .option('--dns <names>', 'DNS subjectAltName (repeat or comma-separate)', collect)
    .option('--ip <addresses>', 'IP subjectAltName (repeat or comma-separate)', collect)
    .addOption(new Option('--usage <usage>', 'extended key usage').choices(USAGES).default('client'))
    .option('--days <n>', 'validity in days', int('--days', 1, 36500), 365)
    .option('--org <name>', 'organization (O=)')
    .option('--key-size <bits>', 'RSA key size', int('--key-size', 2048, 4096), 2048)
    .option('--out <dir>', 'directory for NAME.key and NAME.crt', '.')
    .option('--force', 'overwrite existing NAME.key / NAME.crt')
    .action(
      async (
        name: string,
        o: { dns?: string[]; ip?: string[]; usage: CertUsage; days: number; org?: string; keySize: number; out: string; force?: boolean },
        cmd: Command,
      ) => {
        if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(name)) throw new InputError(`pki issue: NAME must be a plain name (letters, digits, . _ @ -), not ${JSON.stringify(name)}`);
        const outDir = resolve(o.out);
        const keyPath = join(outDir, `${name}.key`);
        const crtPath = join(outDir, `${name}.crt`);
        if (!o.force) for (const p of [keyPath, crtPath]) if (await exists(p)) throw new InputError(`${p} exists (use --force to replace it)`);
        const ca = await open(cmd);
        const r = await ca.issueWithNewKey(name, { dns: o.dns ?? [], ips: o.ip ?? [], usage: o.usage, days: o.days, org: o.org, keySize: o.keySize, requester: 'cli' });
        await mkdir(outDir, { recursive: true });
        await writeFile(keyPath, r.keyPem, { mode: 0o600, flag: o.force ? 'w' : 'wx' });
        await writeFile(crtPath, r.certPem, { mode: 0o644, flag: o.force ? 'w' : 'wx' });
        io.out(
          [
            `issued ${formatName(r.entry.subject)}  serial ${r.entry.serial}`,
            `  SANs:      ${sans(r.entry)}`,
            `  usage:     ${r.entry.usage}`,
            `  not after: ${r.entry.notAfter}`,
            `  key:       ${keyPath} (mode 0600)`,
            `  cert:      ${crtPath}`,
            `  CA cert:   ${join(ca.dir, 'ca.crt')}`,
            '',
          ].join('\n'),
        );
      },
    );

  pki
    .command('sign')
    .description("sign an outside CSR (its signature is checked; prints the subject and SANs)")
    .argument('<csr>', 'PEM certificate signing request')
    .addOption(new Option('--usage <usage>', 'extended key usage').choices(USAGES).default('client'))
    .option('--days <n>', 'validity in days', int('--days', 1, 36500), 365)
    .option('--dns <names>', 'extra DNS subjectAltName (repeat or comma-separate)', collect)
    .option('--ip <addresses>', 'extra IP subjectAltName (repeat or comma-separate)', collect)
    .option('--no-csr-sans', 'ignore the subjectAltNames the CSR asks for')
    .option('--out <file>', 'where to write the certificate ("-" = stdout; default: the CSR path with .crt)')
    .option('-y, --yes', 'sign without asking (automation); the signing policy still applies')
    .action(
      async (
        csrPath: string,
        o: { usage: CertUsage; days: number; dns?: string[]; ip?: string[]; csrSans: boolean; out?: string; yes?: boolean },
        cmd: Command,
      ) => {
        let csrPem: string;
        try {
          csrPem = await readFile(csrPath, 'utf8');
        } catch (err) {
          throw new InputError(`cannot read ${csrPath}: ${(err as Error).message}`, { cause: err });
        }
        await reviewSigning(csrPem, csrPath, o, dirOf(cmd), io);
        const ca = await open(cmd);
        const r = await ca.signCsrDetailed(csrPem, { dns: o.dns ?? [], ips: o.ip ?? [], usage: o.usage, days: o.days, requester: `cli:${basename(csrPath)}` }, { includeCsrSans: o.csrSans });
        const outPath = o.out ?? join(dirname(csrPath), `${basename(csrPath).replace(/\.(csr|req|pem)$/i, '')}.crt`);
        const report = [
          `signed ${basename(csrPath)}  (CSR signature valid, ${r.csr.keyAlgorithm} key)`,
          `  subject:   ${formatName(r.entry.subject)}`,
          `  SANs:      ${sans(r.entry)}`,
          `  usage:     ${r.entry.usage}`,
          `  serial:    ${r.entry.serial}`,
          `  not after: ${r.entry.notAfter}`,
        ];
        if (o.out === '-') {
          io.err(`${report.join('\n')}\n`);
          io.out(r.pem);
        } else {
          await writeFile(outPath, r.pem, { mode: 0o644 });
          io.out(`${[...report, `  cert:      ${outPath}`].join('\n')}\n`);
        }
      },
    );

  pki
    .command('revoke')
    .description('revoke by serial (hex) or by name (CN or DNS name: every valid cert of that name), then regenerate the CRL')
    .argument('<serial-or-name>')
    .addOption(new Option('--reason <reason>', 'CRL reason code').choices(REVOCATION_REASONS).default('unspecified'))
    .action(async (target: string, o: { reason: RevocationReason }, cmd: Command) => {
      const ca = await open(cmd);
      const revoked = await ca.revoke(target, o.reason);
      const state = await ca.crlState();
      io.out(
        [
          ...revoked.map((c) => `revoked ${c.serial}  ${formatName(c.subject)}  (${o.reason})`),
          `CRL number ${state.number} written to ${join(ca.dir, 'crl.pem')}: publish it with the crl task`,
          '',
        ].join('\n'),
      );
    });

  pki
    .command('crl')
    .description('regenerate the CRL now (crlNumber + 1)')
    .option('--days <n>', 'new CRL lifetime (nextUpdate) in days; kept for later CRLs', int('--days', 1, 3650))
    .option('--out <file>', 'also write the CRL here ("-" = stdout)')
    .action(async (o: { days?: number; out?: string }, cmd: Command) => {
      const ca = await open(cmd);
      const state = await ca.generateCrl(o.days !== undefined ? { days: o.days } : {});
      if (o.out === '-') {
        io.out(state.pem);
        return;
      }
      if (o.out) await writeFile(o.out, state.pem, { mode: 0o644 });
      io.out(
        `CRL number ${state.number}: ${state.revoked.length} revoked, next update ${state.nextUpdate ?? '-'}\n  ${join(ca.dir, 'crl.pem')}${o.out ? `\n  ${o.out}` : ''}\n`,
      );
    });

  pki
    .command('list')
    .description('issued certificates: serial, subject, SANs, not-after, status')
    .option('--json', 'machine-readable output')
    .option('--warn-days <n>', 'warn about the CA and valid certificates that expire within N days (0: never)', int('--warn-days', 0, 36500), 30)
    .action(async (o: { json?: boolean; warnDays: number }, cmd: Command) => {
      const ca = await open(cmd);
      const certs = await ca.list();
      const warnings = expiryWarnings(ca.caValidity(), certs, o.warnDays);
      if (o.json) {
        io.out(`${JSON.stringify(certs, null, 2)}\n`);
      } else {
        io.out(renderList(certs, o.warnDays));
      }
      for (const w of warnings) io.err(`warning: ${w}\n`);
    });

  return pki;
}
