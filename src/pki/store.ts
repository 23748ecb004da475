/**
 * The PKI directory on the bastion (see README.md beside this file):
 *
 *   <dir>/                 0700
 *     ca.crt               CA certificate, PEM, 0644
 *     ca.key               CA key: PKCS#8 "ENCRYPTED PRIVATE KEY" (PBES2, PBKDF2-SHA256, AES-256-CBC), 0600
 *     index.json           issued certificates, revocations, CRL number and lifetime, 0644
 *     crl.pem              the current CRL, 0644
 *     certs/<serial>.pem   a copy of every issued certificate, 0644
 *     hostkeys.json        public keys recorded by the keypair module (keyrings), 0644
 *     .lock                held while index.json / crl.pem / hostkeys.json are rewritten
 *
 * Every write is atomic (temporary file in the same directory, then rename).
 */
import { constants } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import type { RevocationReason } from './crl.js';
import type { CertUsage, DnAttr, HostKeyRecord } from './types.js';

export const FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  index: 'index.json',
  crl: 'crl.pem',
  certs: 'certs',
  hostKeys: 'hostkeys.json',
  lock: '.lock',
} as const;

export interface IndexEntry {
  serial: string;
  subject: DnAttr[];
  dns: string[];
  ips: string[];
  usage: CertUsage;
  notBefore: string;
  notAfter: string;
  issued: string;
  requester: string;
  revoked?: { date: string; reason: RevocationReason };
}

export interface PkiIndex {
  version: 1;
  crlNumber: number;
  crlDays: number;
  certs: IndexEntry[];
}

export interface HostKeys {
  version: 1;
  hosts: Record<string, HostKeyRecord>;
}

export async function atomicWrite(path: string, data: string, mode: number): Promise<void> {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data, { mode, flag: 'wx' });
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

async function readJson<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw err;
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new HostforgeError('PKI', `${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export class PkiStore {
  #chain: Promise<unknown> = Promise.resolve();
  constructor(readonly dir: string) {}

  path(name: string): string {
    return join(this.dir, name);
  }

  async readText(name: string): Promise<string | null> {
    try {
      return await readFile(this.path(name), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  readIndex(): Promise<PkiIndex> {
    return readJson<PkiIndex>(this.path(FILES.index), { version: 1, crlNumber: 0, crlDays: 30, certs: [] });
  }

  writeIndex(index: PkiIndex): Promise<void> {
    return atomicWrite(this.path(FILES.index), `${JSON.stringify(index, null, 2)}\n`, 0o644);
  }

  readHostKeys(): Promise<HostKeys> {
    return readJson<HostKeys>(this.path(FILES.hostKeys), { version: 1, hosts: {} });
  }

  writeHostKeys(keys: HostKeys): Promise<void> {
    return atomicWrite(this.path(FILES.hostKeys), `${JSON.stringify(keys, null, 2)}\n`, 0o644);
  }

  async writeCertCopy(serial: string, pem: string): Promise<void> {
    await mkdir(this.path(FILES.certs), { recursive: true, mode: 0o755 });
    await atomicWrite(join(this.path(FILES.certs), `${serial}.pem`), pem, 0o644);
  }

  /** Refuse a CA key readable by group or others (like ssh does for its keys). */
  async checkKeyMode(): Promise<void> {
    const st = await stat(this.path(FILES.caKey));
    if (st.mode & 0o077) {
      throw new HostforgeError(
        'PKI',
        `${this.path(FILES.caKey)} is accessible by others (mode ${(st.mode & 0o777).toString(8)}): chmod 600 it`,
      );
    }
  }

  /**
   * Run `fn` holding the directory lock: one process at a time rewrites the index.
   * Callers in this process queue in order; a lock left by a dead process is taken over.
   */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(() => this.#fileLock(fn));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #fileLock<T>(fn: () => Promise<T>): Promise<T> {
    const lock = this.path(FILES.lock);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const fh = await open(lock, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        await fh.writeFile(String(process.pid));
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = Number.parseInt((await this.readText(FILES.lock)) ?? '', 10);
        if (Number.isInteger(holder) && holder !== process.pid && !alive(holder)) {
          await rm(lock, { force: true });
          continue;
        }
        if (Date.now() > deadline) throw new HostforgeError('PKI', `${lock} is held by process ${holder}: another hostforge is using the CA`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { force: true });
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
