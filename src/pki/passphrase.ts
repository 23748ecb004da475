/**
 * Where the CA passphrase comes from: HOSTFORGE_CA_PASSPHRASE, else a prompt on the
 * terminal (no echo), else a clear error. Asked at most once per source.
 */
import { resolve } from 'node:path';
import { HostforgeError } from '../errors.js';
import { Secret } from '../util/secret.js';

export const PASSPHRASE_ENV = 'HOSTFORGE_CA_PASSPHRASE';
export const PKI_DIR_ENV = 'HOSTFORGE_PKI_DIR';

/** Called lazily, the first time the CA key is needed. */
export type PassphraseSource = () => Promise<Secret>;

/** --pki-dir, else $HOSTFORGE_PKI_DIR, else ./pki; absolute. */
export function resolvePkiDir(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env[PKI_DIR_ENV] ?? 'pki');
}

export interface PassphraseOptions {
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WritableStream;
  /** Ask twice and compare (pki init). */
  confirm?: boolean;
  prompt?: string;
}

export function passphraseSource(opts: PassphraseOptions = {}): PassphraseSource {
  let cached: Promise<Secret> | undefined;
  return () => {
    cached ??= obtain(opts);
    return cached;
  };
}

/** A fixed passphrase (tests, or an embedding program). */
export function fixedPassphrase(value: string): PassphraseSource {
  const s = new Secret(value);
  return () => Promise.resolve(s);
}

async function obtain(opts: PassphraseOptions): Promise<Secret> {
  const env = opts.env ?? process.env;
  const fromEnv = env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return new Secret(fromEnv);
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  if (!input.isTTY) {
    throw new HostforgeError('PKI', `the CA key is encrypted: set ${PASSPHRASE_ENV} or run hostforge on a terminal to be asked`);
  }
  const first = await promptHidden(opts.prompt ?? 'CA passphrase: ', input, output);
  if (opts.confirm) {
    const again = await promptHidden('Again: ', input, output);
    if (again !== first) throw new HostforgeError('PKI', 'the two passphrases differ');
  }
  return new Secret(first);
}

/** Read one line from a TTY without echoing it. */
export function promptHidden(question: string, input: NodeJS.ReadStream, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let value = '';
    const wasRaw = input.isRaw;
    output.write(question);
    input.setRawMode(true);
    input.resume();
    const done = (err: Error | null): void => {
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolvePromise(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new HostforgeError('PKI', 'passphrase entry cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}
