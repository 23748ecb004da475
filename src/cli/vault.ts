/**
 * `hostforge vault create|edit|view|encrypt|decrypt|encrypt_string|rekey`: ansible-vault's
 * commands, on Ansible's own file format (each side opens the other's files).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';
import { isVaulted } from '../vault/format.js';
import type { VaultKeyring } from '../vault/keyring.js';
import { promptHidden } from '../vault/prompt.js';
import type { VaultIdSpec, VaultOptions } from '../vault/sources.js';
import { collect } from './options.js';
import { addVaultOptions } from './vault-options.js';
import { editText, readInput, writeAtomic } from './vault-files.js';

interface VaultCliOptions extends VaultOptions {
  encryptVaultId?: string;
  output?: string;
  name?: string[];
  stdinName?: string;
  prompt?: boolean;
  newVaultId?: string;
  newVaultPasswordFile?: string;
}

function note(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

// The keyring (ansible-vault) and the config (js-yaml) are loaded when a command runs, not at start-up.
const sources = (): Promise<typeof import('../vault/sources.js')> => import('../vault/sources.js');

async function specsOf(o: VaultOptions): Promise<VaultIdSpec[]> {
  const [{ loadConfig }, { vaultSpecs }] = await Promise.all([import('../config/load.js'), sources()]);
  const config = await loadConfig();
  const specs = vaultSpecs(o, { passwordFile: config.settings.vaultPasswordFile, identityList: config.settings.vaultIdentityList });
  return specs.length > 0 ? specs : [{ label: 'default', source: 'prompt' }];
}

async function keyringFor(o: VaultCliOptions, forEncrypting: boolean): Promise<VaultKeyring> {
  return (await sources()).openKeyring(await specsOf(o), { newPassword: forEncrypting });
}

function encryptLabel(o: VaultCliOptions, k: VaultKeyring): string | undefined {
  if (o.encryptVaultId) return o.encryptVaultId;
  if (k.secrets.length > 1) throw new InputError('several vault secrets given: choose the one to encrypt with by --encrypt-vault-id LABEL', { code: 'USAGE' });
  return undefined;
}

function targets(files: string[]): string[] {
  return files.length === 0 ? ['-'] : files;
}

async function encryptFiles(files: string[], o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, true);
  const label = encryptLabel(o, k);
  const list = targets(files);
  if (o.output && list.length > 1) throw new InputError('--output takes a single input file', { code: 'USAGE' });
  for (const f of list) {
    const text = await readInput(f);
    if (isVaulted(text)) throw new InputError(`${f}: already encrypted`, { code: 'USAGE' });
    await writeAtomic(o.output ?? f, k.encrypt(text, label));
  }
  note('Encryption successful');
}

async function decryptFiles(files: string[], o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, false);
  const list = targets(files);
  if (o.output && list.length > 1) throw new InputError('--output takes a single input file', { code: 'USAGE' });
  for (const f of list) {
    const text = await readInput(f);
    if (!isVaulted(text)) throw new InputError(`${f}: not an Ansible vault`, { code: 'USAGE' });
    await writeAtomic(o.output ?? f, k.decrypt(text, { file: f }).plaintext);
  }
  note('Decryption successful');
}

async function viewFiles(files: string[], o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, false);
  for (const f of files) {
    const text = await readInput(f);
    // The operator asked to see the plaintext: it goes to stdout as it is, never through the redactor.
    process.stdout.write(k.decrypt(text, { file: f }).plaintext);
  }
}

async function createFile(file: string, o: VaultCliOptions): Promise<void> {
  if (existsSync(file)) throw new InputError(`${file} exists; use "hostforge vault edit"`, { code: 'USAGE' });
  const k = await keyringFor(o, true);
  const label = encryptLabel(o, k);
  const text = await editText('', file);
  await writeAtomic(file, k.encrypt(text, label));
}

async function editFile(file: string, o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, false);
  const { plaintext, label } = k.decrypt(await readInput(file), { file });
  const edited = await editText(plaintext, file);
  if (edited === plaintext) return; // unchanged: the file is left as it was, as ansible-vault does
  await writeAtomic(file, k.encrypt(edited, label));
}

async function rekeyFiles(files: string[], o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, false);
  const { openKeyring, parseVaultId } = await sources();
  const newSpec: VaultIdSpec = o.newVaultId
    ? parseVaultId(o.newVaultId)
    : { label: 'default', source: o.newVaultPasswordFile ?? 'prompt' };
  const fresh = await openKeyring([newSpec], { newPassword: true });
  for (const f of files) {
    const { plaintext } = k.decrypt(await readInput(f), { file: f });
    await writeAtomic(f, fresh.encrypt(plaintext));
  }
  note('Rekey successful');
}

/** `name: !vault |` with the envelope indented ten spaces, as ansible-vault prints it. */
export function formatInline(envelope: string, name?: string): string {
  const body = envelope.trimEnd().split('\n').map((l) => `          ${l}`).join('\n');
  return `${name ? `${name}: ` : ''}!vault |\n${body}\n`;
}

async function encryptString(values: string[], o: VaultCliOptions): Promise<void> {
  const k = await keyringFor(o, true);
  const label = encryptLabel(o, k);
  const items: { name?: string; value: string }[] = values.map((v, i) => ({ name: o.name?.[i], value: v }));
  if (o.prompt) items.push({ name: o.name?.[items.length], value: await promptHidden('String to encrypt (hidden):') });
  if (items.length === 0 || o.stdinName) {
    const text = await readInput('-');
    items.push({ name: o.stdinName ?? o.name?.[items.length], value: text });
  }
  const out = items.map((it) => formatInline(k.encrypt(it.value, label), it.name));
  process.stdout.write(out.join('\n'));
  note('Encryption successful');
}

export function registerVaultCommands(program: Command): void {
  const vault = program.command('vault').description('Ansible Vault files and values (ansible-vault compatible)');
  const sub = (name: string, desc: string): Command =>
    addVaultOptions(vault.command(name).description(desc)).option('--encrypt-vault-id <label>', 'the vault id to encrypt with, when several are given');
  sub('create', 'create an encrypted file in $EDITOR').argument('<file>').action((f: string, o: VaultCliOptions) => createFile(f, o));
  sub('edit', 'edit an encrypted file in $EDITOR (re-encrypted with the same vault id)').argument('<file>').action((f: string, o: VaultCliOptions) => editFile(f, o));
  sub('view', 'print the plaintext of encrypted files').argument('<files...>').action((f: string[], o: VaultCliOptions) => viewFiles(f, o));
  sub('encrypt', 'encrypt files in place (or stdin, or to --output)')
    .argument('[files...]')
    .option('--output <file>', 'write here instead ("-" for stdout)')
    .action((f: string[], o: VaultCliOptions) => encryptFiles(f, o));
  sub('decrypt', 'decrypt files in place (or stdin, or to --output)')
    .argument('[files...]')
    .option('--output <file>', 'write here instead ("-" for stdout)')
    .action((f: string[], o: VaultCliOptions) => decryptFiles(f, o));
  sub('encrypt_string', 'encrypt values for inline `!vault` use')
    .argument('[strings...]')
    .option('-n, --name <name>', 'variable name for each value, in order (repeatable)', collect)
    .option('--stdin-name <name>', 'read the value from stdin and name it')
    .option('-p, --prompt', 'ask for the value (hidden)')
    .action((v: string[], o: VaultCliOptions) => encryptString(v, o));
  sub('rekey', 're-encrypt files with a new password')
    .argument('<files...>')
    .option('--new-vault-id <[label@]source>', 'the new vault secret')
    .option('--new-vault-password-file <file>', 'the new vault password file')
    .action((f: string[], o: VaultCliOptions) => rekeyFiles(f, o));
}
