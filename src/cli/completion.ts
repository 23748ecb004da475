/**
 * Shell completion: `hostforge completion bash|zsh` prints the script (pnpm's tabtab templates:
 * they call back `hostforge completion-server` with the words typed so far); the server answers
 * from the commander tree itself, so new commands and options complete without a change here:
 * sub-commands, options (with descriptions in zsh), an option's choices, files where an option
 * or argument takes a file or directory, role names for `test`, lab names for `--name`.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Argument, Command, Option } from 'commander';
import { InputError } from '../errors.js';

export interface Item {
  name: string;
  description?: string;
}

/** What to offer: a list, or the shell's own file completion. */
export type Answer = { items: Item[] } | { files: true };

const FILE_WORDS = /^(file|files|dir|playbook|plan|csr|path|inventory)$/;

function visibleOptions(cmd: Command): Option[] {
  return cmd.createHelp().visibleOptions(cmd);
}

function findOption(cmd: Command, word: string): Option | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const o = visibleOptions(c).find((x) => x.long === word || x.short === word);
    if (o) return o;
  }
  return undefined;
}

/** The placeholder of an option that takes a value: "-i, --inventory <file>" → "file". */
function placeholder(o: Option): string | undefined {
  return /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
}

function subcommands(cmd: Command): Command[] {
  return cmd.createHelp().visibleCommands(cmd).filter((c) => c.name() !== 'help');
}

/** The command the typed words lead to, and the positional words typed after it. */
export function walk(program: Command, words: string[]): { cmd: Command; positionals: string[] } {
  let cmd = program;
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    if (w.startsWith('-')) {
      const o = w.includes('=') ? undefined : findOption(cmd, w);
      if (o && (o.required || o.optional)) i++; // its value
      continue;
    }
    const sub = positionals.length === 0 ? cmd.commands.find((c) => c.name() === w || c.aliases().includes(w)) : undefined;
    if (sub) cmd = sub;
    else positionals.push(w);
  }
  return { cmd, positionals };
}

function roleNames(): Item[] {
  const dirs = [join(process.cwd(), 'roles'), process.cwd()];
  const out: Item[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (!name.startsWith('.') && statSync(p).isDirectory() && existsSync(join(p, 'tests'))) out.push({ name, description: `role (${p})` });
    }
  }
  return out;
}

async function argumentAnswer(cmd: Command, arg: Argument): Promise<Answer> {
  const choices = (arg as Argument & { argChoices?: string[] }).argChoices;
  if (choices) return { items: choices.map((name) => ({ name })) };
  if (cmd.name() === 'schema') return { items: (await import('../schema-export/schemas.js')).SCHEMA_KINDS.map((name) => ({ name })) };
  if (cmd.name() === 'completion') return { items: [{ name: 'bash' }, { name: 'zsh' }] };
  if (cmd.name() === 'test') return { items: roleNames() };
  return FILE_WORDS.test(arg.name()) ? { files: true } : { items: [] };
}

async function optionValueAnswer(o: Option): Promise<Answer> {
  if (o.argChoices) return { items: o.argChoices.map((name) => ({ name })) };
  const p = placeholder(o) ?? '';
  if (o.long === '--name' && p === 'name') {
    const { labList } = await import('../lab/index.js');
    return { items: (await labList().catch(() => [])).map((name) => ({ name, description: 'lab' })) };
  }
  return FILE_WORDS.test(p) ? { files: true } : { items: [] };
}

/** What to complete after `words` (the words before the cursor, without the program name) when the current word is `current`. */
export async function complete(program: Command, words: string[], current: string): Promise<Answer> {
  const { cmd, positionals } = walk(program, words);
  const prev = words[words.length - 1];
  const prevOption = prev?.startsWith('-') && !prev.includes('=') ? findOption(cmd, prev) : undefined;
  if (prevOption && (prevOption.required || prevOption.optional)) return optionValueAnswer(prevOption);
  if (current.startsWith('-')) {
    const seen = new Set<string>();
    const items: Item[] = [];
    for (let c: Command | null = cmd; c; c = c.parent) {
      for (const o of visibleOptions(c)) {
        const name = current.startsWith('--') || !o.short ? o.long : o.short;
        if (name && !seen.has(name)) {
          seen.add(name);
          items.push({ name, description: o.description });
        }
      }
    }
    return { items: items.filter((i) => i.name.startsWith(current)) };
  }
  const subs = subcommands(cmd);
  if (subs.length > 0 && positionals.length === 0) {
    return { items: subs.map((c) => ({ name: c.name(), description: c.description() })).filter((i) => i.name.startsWith(current)) };
  }
  const args = cmd.registeredArguments;
  const last = args[args.length - 1];
  const arg = args[positionals.length] ?? (last?.variadic ? last : undefined);
  if (!arg) return { items: [] };
  const answer = await argumentAnswer(cmd, arg);
  return 'files' in answer ? answer : { items: answer.items.filter((i) => i.name.startsWith(current)) };
}

async function printScript(shell: string): Promise<void> {
  if (shell !== 'bash' && shell !== 'zsh') throw new InputError(`completion: "${shell}" is not supported: bash or zsh`, { code: 'USAGE' });
  const tabtab = (await import('@pnpm/tabtab')).default;
  const script = await tabtab.getCompletionScript({ name: 'hostforge', completer: 'hostforge', shell });
  // tabtab's bash template completes files against the word's index ($cword), not the word.
  process.stdout.write(shell === 'bash' ? script.replace('compgen -f -- "$cword"', 'compgen -f -- "${words[cword]}"') : script);
}

async function serve(program: Command): Promise<void> {
  const tabtab = (await import('@pnpm/tabtab')).default;
  const env = tabtab.parseEnv(process.env);
  // The words before the cursor; the last one is being typed ('' after a space).
  const typed = env.partial.split(/\s+/);
  const current = env.partial.endsWith(' ') ? '' : (typed.pop() ?? '');
  const words = typed.filter(Boolean).slice(1);
  const answer = await complete(program, words, current);
  const shell = tabtab.getShellFromEnv(process.env);
  if ('files' in answer) tabtab.logFiles();
  else tabtab.log(answer.items, shell);
}

export function registerCompletionCommands(program: Command): void {
  program
    .command('completion')
    .argument('<shell>', 'bash or zsh')
    .description('print the shell completion script: source <(hostforge completion bash) in ~/.bashrc, or the zsh one in ~/.zshrc')
    .action((shell: string) => printScript(shell));
  program
    .command('completion-server', { hidden: true })
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[words...]')
    .action(() => serve(program));
}
