/** A throw-away CA for tests (2048-bit key, few KDF iterations: fast) and an openssl runner. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fixedPassphrase } from '../../../../src/pki/passphrase.js';
import { initPki, type Pki } from '../../../../src/pki/service.js';
import { tempDir } from './local-host.js';

export const PASS = 'test passphrase 1';

export async function makeCa(name: string, opts: { org?: string } = {}): Promise<{ pki: Pki; dir: string; root: string }> {
  const root = await tempDir(name);
  const dir = join(root, 'pki');
  const pki = await initPki(dir, fixedPassphrase(PASS), { org: opts.org ?? 'Test Org', cn: 'Test CA', keySize: 2048, kdfIterations: 1000 });
  return { pki, dir, root };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function openssl(args: string[], opts: { cwd?: string; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('openssl', args, { cwd: opts.cwd, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.on('error', () => undefined); // EPIPE when openssl exits before reading
    child.stdin?.end(opts.stdin ?? '');
  });
}
