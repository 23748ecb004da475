/** File plumbing for `hostforge vault`: atomic writes, stdin, the editor. */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

export async function readInput(file: string): Promise<string> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, code: 'USAGE' });
  }
}

/** Write via a temporary file in the same directory and a rename; keeps an existing file's mode, else 0600. */
export async function writeAtomic(file: string, data: string): Promise<void> {
  if (file === '-') {
    process.stdout.write(data);
    return;
  }
  let mode = 0o600;
  try {
    mode = (await stat(file)).mode & 0o7777;
  } catch {
    // a new file
  }
  const tmp = join(dirname(file), `.${basename(file)}.hf-${process.pid}-${Date.now()}`);
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new InputError(`cannot write ${file}: ${(err as Error).message}`, { cause: err, code: 'USAGE' });
  }
}

/**
 * Let the operator edit `initial` in $EDITOR (default vi) in a private 0600 file under a 0700
 * directory, removed afterwards; returns the edited text.
 */
export async function editText(initial: string, name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hostforge-vault-'));
  const file = join(dir, basename(name));
  try {
    await writeFile(file, initial, { mode: 0o600 });
    const editor = process.env.EDITOR || process.env.VISUAL || 'vi';
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'sh', file], { stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    if (code !== 0) throw new InputError(`editor "${editor}" exited with status ${code}; nothing was written`, { code: 'USAGE' });
    return await readFile(file, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
