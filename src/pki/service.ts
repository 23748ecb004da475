/**
 * The certificate authority on the bastion: init, open, sign, revoke, CRL, host keys.
 * `openPki` reads only public files; the CA key is decrypted on first need.
 */
import { createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { HostforgeError, InputError } from '../errors.js';
import { buildCertificate, buildTbs, randomSerial, signTbs } from './certbuild.js';
import { buildCrl, inspectCrl, type CrlEntry, type RevocationReason } from './crl.js';
import { parseCsr, type CsrInfo } from './csr.js';
import { pemToDer } from './der.js';
import { caExtensions, leafExtensions } from './extensions.js';
import { inspectCert, parseCertDer, type CaIdentity } from './inspect.js';
import { decryptPrivateKey, encryptPrivateKey, generateRsaKey, keyIdentifier, publicKeyId, spkiAlgorithm, spkiOf } from './keys.js';
import { buildName, formatName, normDns, normaliseSans } from './names.js';
import { ipToBytes, toDer } from './asn1.js';
import type { PassphraseSource } from './passphrase.js';
import { atomicWrite, FILES, PkiStore, type IndexEntry, type PkiIndex } from './store.js';
import type { CertInfo, CertUsage, CrlInfo, CrlState, DnAttr, HostKeyRecord, PkiService, SignRequest } from './types.js';

const DAY = 86_400_000;
/** notBefore is backdated so that a host whose clock lags a little accepts a fresh cert. */
const BACKDATE_MS = 5 * 60_000;
const MAX_DAYS = 36_500;

export interface InitOptions {
  cn?: string;
  org?: string;
  days?: number;
  keySize?: number;
  /** PBKDF2 iterations protecting ca.key (default 600 000). */
  kdfIterations?: number;
  /** CRL lifetime (nextUpdate - thisUpdate) in days, default 30. */
  crlDays?: number;
}

export interface PkiOptions {
  now?: () => Date;
}

export interface SignResult {
  pem: string;
  entry: IndexEntry;
  csr: CsrInfo;
}

export interface ListedCert extends IndexEntry {
  status: 'valid' | 'expired' | 'revoked';
}

function checkDays(days: number, what = 'days'): void {
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) throw new InputError(`${what} must be an integer from 1 to ${MAX_DAYS}, not ${days}`);
}

function pkiError(err: unknown): never {
  if (err instanceof HostforgeError) throw err;
  throw new HostforgeError('PKI', (err as Error).message, { cause: err });
}

/** Create a CA in `dir`: encrypted key (0600), self-signed certificate, empty index, first CRL. */
export async function initPki(dir: string, passphrase: PassphraseSource, opts: InitOptions = {}): Promise<Pki> {
  const store = new PkiStore(dir);
  for (const f of [FILES.caKey, FILES.caCert]) {
    if ((await store.readText(f)) !== null) throw new HostforgeError('PKI', `${store.path(f)} exists: refusing to replace a CA (remove the directory by hand to start over)`);
  }
  const days = opts.days ?? 3650;
  checkDays(days);
  const keySize = opts.keySize ?? 3072;
  if (![2048, 3072, 4096].includes(keySize)) throw new InputError(`--key-size must be 2048, 3072 or 4096, not ${keySize}`);
  const crlDays = opts.crlDays ?? 30;
  checkDays(crlDays, 'CRL days');
  const pass = (await passphrase()).reveal();
  if (pass.length < 8) throw new InputError('the CA passphrase must have at least 8 characters');

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const key = await generateRsaKey(keySize);
  const spki = spkiOf(key);
  const keyId = keyIdentifier(spki);
  const subject: DnAttr[] = [...(opts.org ? [{ type: 'O', value: opts.org }] : []), { type: 'CN', value: opts.cn ?? 'hostforge CA' }];
  const nameDer = toDer(buildName(subject));
  const now = Date.now();
  const { pem } = await buildCertificate(
    {
      serial: randomSerial(),
      issuerName: nameDer,
      subjectName: nameDer,
      spki,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + days * DAY),
      extensions: caExtensions(keyId),
    },
    key,
  );
  await atomicWrite(store.path(FILES.caKey), await encryptPrivateKey(key, pass, opts.kdfIterations), 0o600);
  await atomicWrite(store.path(FILES.caCert), pem, 0o644);
  await store.writeIndex({ version: 1, crlNumber: 0, crlDays, certs: [] });
  const pki = await openPki(dir, passphrase);
  pki.unlockWith(key);
  await pki.generateCrl();
  return pki;
}

/** Open an existing CA. Fails with a PKI error when `dir` holds none. */
export async function openPki(dir: string, passphrase: PassphraseSource, opts: PkiOptions = {}): Promise<Pki> {
  const store = new PkiStore(dir);
  const pem = await store.readText(FILES.caCert);
  if (pem === null) throw new HostforgeError('PKI', `no CA in ${dir}: run "hostforge pki init" (or set --pki-dir / HOSTFORGE_PKI_DIR)`);
  let parsed;
  try {
    parsed = parseCertDer(pemToDer(pem, ['CERTIFICATE']));
  } catch (err) {
    throw new HostforgeError('PKI', `${store.path(FILES.caCert)} is not a certificate: ${(err as Error).message}`, { cause: err });
  }
  return new Pki(store, pem, parsed.subjectDer, parsed.info.subject, parsed.spki, passphrase, opts.now ?? (() => new Date()));
}

/** Serials compare as numbers: "0c8b…", "c8b…" and "0C:8B:…" are the same serial. */
const num = (hex: string): string => hex.replace(/:/g, '').toLowerCase().replace(/^0+(?=.)/, '');

export class Pki implements PkiService {
  readonly #ca: CaIdentity;
  readonly #caKeyId: Buffer;
  #key: Promise<KeyObject> | undefined;
  #refreshing: Promise<CrlState> | undefined;
  #pending: IndexEntry[] = [];
  #flush: Promise<void> | undefined;
  readonly #predictedKeys = new Map<string, HostKeyRecord | 'pending'>();
  readonly #predictedRevoked = new Set<string>();
  #lane: Promise<void> = Promise.resolve();

  constructor(
    readonly store: PkiStore,
    readonly caPem: string,
    readonly caSubjectDer: Buffer,
    caSubject: DnAttr[],
    caSpki: Buffer,
    readonly passphrase: PassphraseSource,
    readonly now: () => Date,
  ) {
    this.#ca = { subject: caSubject, spki: caSpki };
    this.#caKeyId = keyIdentifier(caSpki);
  }

  get dir(): string {
    return this.store.dir;
  }

  /**
   * Synchronous CPU work (CSR parse + verify, TBS encoding: ~1 ms each) runs one piece
   * per event-loop turn, so 50 concurrent issues never stall timers or SSH traffic;
   * the RSA signatures themselves run in libuv's thread pool (signAsync).
   */
  #turn<T>(fn: () => T): Promise<T> {
    const run = this.#lane.then(
      () =>
        new Promise<T>((resolve, reject) => {
          setImmediate(() => {
            try {
              resolve(fn());
            } catch (err) {
              reject(err as Error);
            }
          });
        }),
    );
    this.#lane = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Use an already decrypted key (init). */
  unlockWith(key: KeyObject): void {
    this.#key = Promise.resolve(key);
  }

  /** Decrypt the CA key once (asks the passphrase source once); checks it matches ca.crt. */
  caKey(): Promise<KeyObject> {
    this.#key ??= (async () => {
      const file = this.store.path(FILES.caKey);
      const pem = await this.store.readText(FILES.caKey);
      if (pem === null) throw new HostforgeError('PKI', `${file} is missing`);
      await this.store.checkKeyMode();
      if (!pem.includes('BEGIN ENCRYPTED PRIVATE KEY')) throw new HostforgeError('PKI', `${file} is not encrypted: refusing to use it`);
      const key = decryptPrivateKey(pem, (await this.passphrase()).reveal(), file);
      if (!spkiOf(key).equals(this.#ca.spki)) throw new HostforgeError('PKI', `${file} does not belong to ${this.store.path(FILES.caCert)}`);
      return key;
    })();
    return this.#key;
  }

  caCertPem(): Promise<string> {
    return Promise.resolve(this.caPem);
  }

  inspectCert(pem: string): CertInfo | null {
    return inspectCert(pem, this.#ca);
  }

  inspectCrl(pem: string): CrlInfo | null {
    return inspectCrl(pem, this.#ca);
  }

  publicKeyId(publicKeyPem: string): string | null {
    try {
      return publicKeyId(createPublicKey({ key: publicKeyPem, format: 'pem' }).export({ type: 'spki', format: 'der' }));
    } catch {
      return null;
    }
  }

  async signCsr(csrPem: string, req: SignRequest): Promise<string> {
    return (await this.signCsrDetailed(csrPem, req)).pem;
  }

  /** Sign a CSR. `includeCsrSans`: also put the DNS/IP names the CSR asks for (pki sign). */
  async signCsrDetailed(csrPem: string, req: SignRequest, opts: { includeCsrSans?: boolean } = {}): Promise<SignResult> {
    const csr = await this.#turn(() => parseCsr(csrPem));
    const { pem, entry } = await this.#issue({
      spki: csr.spki,
      subject: req.subject ?? csr.subject,
      subjectDer: req.subject ? undefined : csr.subjectDer,
      dns: [...req.dns, ...(opts.includeCsrSans ? csr.requestedDns : [])],
      ips: [...req.ips, ...(opts.includeCsrSans ? csr.requestedIps : [])],
      usage: req.usage,
      days: req.days,
      requester: req.requester ?? 'api',
    });
    return { pem, entry, csr };
  }

  /** `pki issue`: a key made here (for a client that is not a host) and its certificate. */
  async issueWithNewKey(
    cn: string,
    req: Omit<SignRequest, 'subject'> & { org?: string; keySize?: number },
  ): Promise<{ keyPem: string; certPem: string; entry: IndexEntry }> {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: req.keySize ?? 2048 });
    const subject: DnAttr[] = [...(req.org ? [{ type: 'O', value: req.org }] : []), { type: 'CN', value: cn }];
    const { pem, entry } = await this.#issue({ spki: spkiOf(privateKey), subject, ...req, requester: req.requester ?? 'cli' });
    return { keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), certPem: pem, entry };
  }

  async #issue(r: {
    spki: Buffer;
    subject: DnAttr[];
    subjectDer?: Buffer;
    dns: string[];
    ips: string[];
    usage: CertUsage;
    days: number;
    requester: string;
  }): Promise<{ pem: string; entry: IndexEntry }> {
    checkDays(r.days);
    if (!['server', 'client', 'both'].includes(r.usage)) throw new InputError(`usage must be server, client or both, not ${r.usage}`);
    let sans: { dns: string[]; ips: string[] };
    try {
      sans = normaliseSans(r.dns, r.ips);
    } catch (err) {
      throw new InputError(`subjectAltName: ${(err as Error).message}`);
    }
    const alg = spkiAlgorithm(r.spki);
    if (alg === 'other') throw new HostforgeError('PKI', 'unsupported public key type (use RSA, EC or Ed25519)');
    if (alg === 'rsa') {
      const bits = createPublicKey({ key: r.spki, format: 'der', type: 'spki' }).asymmetricKeyDetails?.modulusLength ?? 0;
      if (bits < 2048) throw new HostforgeError('PKI', `RSA key of ${bits} bits is too small (minimum 2048)`);
    }
    let subjectName;
    try {
      subjectName = r.subjectDer ?? buildName(r.subject);
    } catch (err) {
      throw new InputError(`subject: ${(err as Error).message}`);
    }
    const key = await this.caKey();
    const now = this.now().getTime();
    const notBefore = new Date(now - BACKDATE_MS);
    const notAfter = new Date(now + r.days * DAY);
    const serial = randomSerial();
    const spec = {
        serial,
        issuerName: this.caSubjectDer,
        subjectName,
        spki: r.spki,
        notBefore,
        notAfter,
        extensions: leafExtensions({
          keyId: keyIdentifier(r.spki),
          caKeyId: this.#caKeyId,
          dns: sans.dns,
          ipBytes: sans.ips.map((ip) => ipToBytes(ip)!),
          usage: r.usage,
          rsa: alg === 'rsa',
        }),
      };
    const tbs = await this.#turn(() => buildTbs(spec, key));
    const { pem } = await signTbs(tbs, key).catch(pkiError);
    const entry: IndexEntry = {
      serial: serial.toString('hex'),
      subject: r.subject,
      dns: sans.dns,
      ips: sans.ips,
      usage: r.usage,
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      issued: new Date(now).toISOString(),
      requester: r.requester,
    };
    await this.store.writeCertCopy(entry.serial, pem);
    await this.#record(entry);
    return { pem, entry };
  }

  /** Append to the index; concurrent issues are written together, one rewrite per batch. */
  #record(entry: IndexEntry): Promise<void> {
    this.#pending.push(entry);
    if (!this.#flush) {
      const flush = this.store.withLock(async () => {
        const batch = this.#pending;
        this.#pending = [];
        this.#flush = undefined;
        const index = await this.store.readIndex();
        index.certs.push(...batch);
        await this.store.writeIndex(index);
      });
      this.#flush = flush;
      flush.catch(() => {
        if (this.#flush === flush) this.#flush = undefined;
      });
    }
    return this.#flush;
  }

  async revocation(serial: string): Promise<{ date: string; reason: string } | null> {
    const index = await this.store.readIndex();
    const hit = index.certs.find((c) => c.revoked && num(c.serial) === num(serial));
    return hit?.revoked ? { date: hit.revoked.date, reason: hit.revoked.reason } : null;
  }

  async list(): Promise<ListedCert[]> {
    const index = await this.store.readIndex();
    const now = this.now().getTime();
    return index.certs.map((c) => ({
      ...c,
      status: c.revoked ? 'revoked' : Date.parse(c.notAfter) < now ? 'expired' : 'valid',
    }));
  }

  /** Revoke by serial (hex, colons allowed) or by name (CN or DNS SAN); then regenerate the CRL. */
  async revoke(target: string, reason: RevocationReason = 'unspecified'): Promise<IndexEntry[]> {
    const revoked = await this.store.withLock(async () => {
      const index = await this.store.readIndex();
      const wanted = target.trim();
      const asSerial = /^[0-9a-f:]+$/i.test(wanted) ? num(wanted) : null;
      const matches = index.certs.filter(
        (c) =>
          !c.revoked &&
          ((asSerial !== null && num(c.serial) === asSerial) ||
            c.subject.some((a) => a.type === 'CN' && a.value === wanted) ||
            c.dns.includes(normDns(wanted))),
      );
      if (matches.length === 0) {
        const already = index.certs.some((c) => c.revoked && ((asSerial !== null && num(c.serial) === asSerial) || c.subject.some((a) => a.value === wanted)));
        throw new InputError(already ? `${wanted} is already revoked` : `no issued certificate matches "${wanted}" (see hostforge pki list)`);
      }
      const date = this.now().toISOString();
      for (const c of matches) c.revoked = { date, reason };
      await this.store.writeIndex(index);
      return matches;
    });
    await this.generateCrl();
    return revoked;
  }

  /** Revoke one serial (a re-issued certificate's predecessor); one already revoked stays as it is. */
  async revokeSerial(serial: string, reason: RevocationReason): Promise<void> {
    if ((await this.revocation(serial)) !== null) return;
    await this.revoke(serial, reason);
  }

  predictRevocation(serial: string): void {
    this.#predictedRevoked.add(num(serial));
  }

  caValidity(): { subject: string; notAfter: string; dir: string } {
    const info = this.inspectCert(this.caPem);
    return { subject: formatName(info?.subject ?? []), notAfter: info?.notAfter ?? '', dir: this.dir };
  }

  /** Build and write a new CRL (crlNumber + 1). `days` changes the lifetime for good. */
  async generateCrl(opts: { days?: number } = {}): Promise<CrlState> {
    if (opts.days !== undefined) checkDays(opts.days, 'CRL days');
    const key = await this.caKey();
    await this.store.withLock(async () => {
      const index = await this.store.readIndex();
      if (opts.days !== undefined) index.crlDays = opts.days;
      const number = index.crlNumber + 1;
      const thisUpdate = this.now();
      const entries: CrlEntry[] = index.certs
        .filter((c) => c.revoked)
        .map((c) => ({ serial: c.serial, date: c.revoked!.date, reason: c.revoked!.reason }));
      const pem = await buildCrl({
        issuerName: this.caSubjectDer,
        caKeyId: this.#caKeyId,
        caKey: key,
        number,
        thisUpdate,
        nextUpdate: new Date(thisUpdate.getTime() + index.crlDays * DAY),
        entries,
      }).catch(pkiError);
      await atomicWrite(this.store.path(FILES.crl), pem, 0o644);
      index.crlNumber = number;
      await this.store.writeIndex(index);
    });
    return this.crlState();
  }

  async crlState(): Promise<CrlState> {
    const index: PkiIndex = await this.store.readIndex();
    const pem = (await this.store.readText(FILES.crl)) ?? '';
    const info = pem ? this.inspectCrl(pem) : null;
    const revokedNow = index.certs.filter((c) => c.revoked).map((c) => c.serial);
    const predicted = [...this.#predictedRevoked].filter((p) => !revokedNow.some((r) => num(r) === p));
    const wantRevoked = [...revokedNow, ...predicted].sort();
    const now = this.now().getTime();
    const window = (index.crlDays * DAY) / 3;
    const stale =
      !info ||
      !info.issuedByCa ||
      info.number < index.crlNumber ||
      info.revoked.join() !== wantRevoked.join() ||
      info.nextUpdate === null ||
      Date.parse(info.nextUpdate) - now < window;
    return { pem, number: info?.number ?? 0, thisUpdate: info?.thisUpdate ?? '', nextUpdate: info?.nextUpdate ?? null, revoked: info?.revoked ?? [], issuedByCa: info?.issuedByCa ?? false, stale };
  }

  refreshCrl(): Promise<CrlState> {
    this.#refreshing ??= (async () => {
      try {
        const state = await this.crlState();
        return state.stale ? await this.generateCrl() : state;
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  async crlPem(): Promise<string> {
    return (await this.refreshCrl()).pem;
  }

  async hostKey(host: string): Promise<HostKeyRecord | 'pending' | null> {
    const predicted = this.#predictedKeys.get(host);
    if (predicted !== undefined) return predicted;
    return (await this.store.readHostKeys()).hosts[host] ?? null;
  }

  predictHostKey(host: string, type: string, publicKeyPem: string | null): void {
    this.#predictedKeys.set(host, publicKeyPem === null ? 'pending' : { type, publicKeyPem: publicKeyPem.trim() + '\n', recorded: this.now().toISOString() });
  }

  async recordHostKey(host: string, type: string, publicKeyPem: string): Promise<void> {
    if (/PRIVATE KEY/.test(publicKeyPem)) throw new HostforgeError('PKI', `refusing to record a private key for ${host}`);
    if (this.publicKeyId(publicKeyPem) === null) throw new HostforgeError('PKI', `not a public key (PEM) for ${host}`);
    await this.store.withLock(async () => {
      const keys = await this.store.readHostKeys();
      keys.hosts[host] = { type, publicKeyPem: publicKeyPem.trim() + '\n', recorded: this.now().toISOString() };
      await this.store.writeHostKeys(keys);
    });
  }
}

export { formatName };
