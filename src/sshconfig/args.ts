/**
 * The ssh options inside `ansible_ssh_common_args` / `ansible_ssh_extra_args`:
 * `-o Key=Value` (also `-oKey=Value`, `-o "Key Value"`), `-J hops`, `-F file`, `-i file`,
 * `-p port`, `-l user`. They act as ssh's command line does: before any config file, so
 * they win over it. Other flags are refused by name rather than silently ignored.
 */
import { InputError } from '../errors.js';
import { shlexSplit } from '../inventory/shlex.js';

export interface SshArgs {
  options: { key: string; values: string[] }[];
  configFile?: string;
}

const IGNORED_FLAGS = new Set(['-q', '-v', '-vv', '-vvv', '-4', '-6', '-A', '-a', '-C', '-T', '-t', '-tt', '-x', '-X', '-Y', '-n', '-N']);

function option(text: string, where: string): { key: string; values: string[] } {
  const m = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+)(.*?)\s*$/.exec(text);
  if (!m || m[2] === '') throw new InputError(`${where}: bad -o option "${text}" (expected Key=Value)`, { code: 'INPUT' });
  let value = m[2]!;
  if (/^".*"$/.test(value)) value = value.slice(1, -1);
  const key = m[1]!.toLowerCase();
  const multi = key === 'userknownhostsfile' || key === 'globalknownhostsfile';
  return { key, values: multi ? value.split(/\s+/) : [value] };
}

export function parseSshArgs(line: string, where: string): SshArgs {
  let words: string[];
  try {
    words = shlexSplit(line);
  } catch (err) {
    throw new InputError(`${where}: ${(err as Error).message}`, { code: 'INPUT', cause: err });
  }
  const out: SshArgs = { options: [] };
  const map: Record<string, string> = { '-J': 'proxyjump', '-i': 'identityfile', '-p': 'port', '-l': 'user' };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flagName = w.slice(0, 2);
    const attached = w.length > 2 ? w.slice(2) : undefined;
    const next = (): string => {
      if (attached !== undefined) return attached;
      const v = words[++i];
      if (v === undefined) throw new InputError(`${where}: ${flagName} needs a value`, { code: 'INPUT' });
      return v;
    };
    if (flagName === '-o') out.options.push(option(next(), where));
    else if (flagName === '-F') out.configFile = next();
    else if (map[flagName]) out.options.push({ key: map[flagName]!, values: [next()] });
    else if (IGNORED_FLAGS.has(w)) continue;
    else throw new InputError(`${where}: unsupported ssh argument "${w}" (hostforge understands -o, -J, -F, -i, -p, -l)`, { code: 'INPUT' });
  }
  return out;
}
