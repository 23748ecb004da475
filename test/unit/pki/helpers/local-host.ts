/**
 * A real Host on this machine (no SSH): commands run in /bin/sh, files are real files.
 * Tests point every path into a temporary directory. Used to exercise the certificate,
 * crl, keypair and keyring modules with the real openssl before lab e2e tests.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ExecOptions, ExecResult, Facts, FileStat, Host, ModuleContext, Vars, WriteOptions } from '../../../../src/modules/types.js';
import type { PkiService } from '../../../../src/pki/types.js';
import { shQuote, toShell, type Command } from '../../../../src/util/quote.js';

export function sh(script: string, stdin?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

export class LocalHost implements Host {
  /** Every script run and everything it printed: tests check no private key ever shows up. */
  readonly execLog: string[] = [];
  readonly outLog: string[] = [];
  constructor(
    readonly name: string,
    public vars: Vars = {},
    public checkMode = false,
  ) {}

  async exec(cmd: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const script = toShell(cmd);
    this.execLog.push(script);
    const r = await sh(script, opts.stdin);
    this.outLog.push(r.stdout, r.stderr);
    return r;
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch {
      return null;
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    const r = await sh(`stat -c '%F|%a|%U|%G|%s' -- ${shQuote(path)}`);
    if (r.code !== 0) return null;
    const [kind = '', mode = '', owner = '', group = '', size = '0'] = r.stdout.trim().split('|');
    const type: FileStat['type'] = kind.includes('regular') ? 'file' : kind === 'directory' ? 'directory' : kind.includes('link') ? 'link' : 'other';
    return { type, mode: mode.padStart(4, '0'), owner, group, size: Number(size) };
  }

  async write(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<{ backup?: string }> {
    if (this.checkMode) throw new Error(`write of ${path} in check mode`);
    const tmp = join(dirname(path), `.hf-${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, data, { mode: opts.mode ? parseInt(opts.mode, 8) : 0o644 });
    if (opts.mode) await sh(`chmod ${shQuote(opts.mode)} -- ${shQuote(tmp)}`);
    if (opts.owner !== undefined || opts.group !== undefined) {
      const r = await sh(`chown ${shQuote(`${opts.owner ?? ''}${opts.group !== undefined ? `:${opts.group}` : ''}`)} -- ${shQuote(tmp)}`);
      if (r.code !== 0) {
        await rm(tmp, { force: true });
        throw new Error(r.stderr);
      }
    }
    await rename(tmp, path);
    return {};
  }

  async facts(): Promise<Facts> {
    return {
      hostname: this.name,
      fqdn: this.name,
      os: { id: 'debian', version: '12', family: 'debian', pretty: 'Debian' },
      kernel: 'linux',
      arch: 'x86_64',
      init: 'sysvinit',
      addresses: [],
      user: 'root',
    };
  }

  invalidate(): void {}
}

export function context(pki: PkiService, opts: { vars?: Vars; groups?: Record<string, string[]>; warnings?: string[] } = {}): ModuleContext {
  return {
    searchPaths: [],
    render: (t) => t,
    readLocal: () => Promise.reject(new Error('no local files in this test')),
    vars: opts.vars ?? {},
    warn: (m) => void opts.warnings?.push(m),
    probeLogin: () => Promise.resolve(),
    pki: () => Promise.resolve(pki),
    hostvars: {},
    groups: opts.groups ?? {},
  };
}

const created = new Set<string>();

/** A fresh directory under the system temp dir; removeTempDirs() deletes every one made. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hf-${prefix}-`));
  created.add(dir);
  return dir;
}

/** For test.after.always: test CAs and keys do not outlive the test file. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all([...created].map((d) => rm(d, { recursive: true, force: true })));
  created.clear();
}
