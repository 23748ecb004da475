/** Shared option parsing: inventories, extra vars. */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { InputError } from '../errors.js';
import type { Inventory } from '../inventory/index.js';
import type { Vars } from '../modules/types.js';
import { taintByName } from '../util/secret-args.js';

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function inventorySources(given: string[] | undefined, configured: string[] = []): string[] {
  if (given && given.length > 0) return given.map((s) => resolve(s));
  const env = process.env.HOSTFORGE_INVENTORY;
  if (env) return env.split(',').map((s) => resolve(s));
  if (configured.length > 0) return configured;
  for (const f of ['inventory.yaml', 'inventory.yml', 'hosts.yaml', 'hosts']) if (existsSync(f)) return [resolve(f)];
  throw new InputError('no inventory: pass -i FILE (or set HOSTFORGE_INVENTORY, or create ./inventory.yaml)', { code: 'USAGE' });
}

export async function openInventory(
  given: string[] | undefined,
  extraVarsDirs: string[] = [],
  more: { configured?: string[]; defaults?: Record<string, unknown> } = {},
): Promise<Inventory> {
  const { loadInventory } = await import('../inventory/index.js'); // not at start-up
  return loadInventory(inventorySources(given, more.configured), { extraVarsDirs, defaults: more.defaults });
}

/** -e k=v, -e @file.yaml, -e '{"json": 1}' — later ones win. */
export async function parseExtraVars(items: string[] | undefined): Promise<Vars> {
  const out: Vars = {};
  for (const [index, item] of (items ?? []).entries()) {
    if (item.startsWith('@')) {
      const file = resolve(item.slice(1));
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new InputError(`cannot read extra vars file ${file}: ${(err as Error).message}`, { code: 'USAGE' });
      }
      const { parseYaml } = await import('../util/yaml.js'); // js-yaml: not at start-up
      const doc = parseYaml(text, file);
      if (doc.data === null || typeof doc.data !== 'object' || Array.isArray(doc.data)) {
        throw new InputError('extra vars file must be a mapping', { code: 'USAGE', location: { file, line: 1, column: 1 } });
      }
      Object.assign(out, doc.data);
    } else if (item.trim().startsWith('{')) {
      // The argument's text is never echoed: it may hold a secret (an error shows it masked).
      const { parseInlineYaml } = await import('../util/yaml.js'); // js-yaml: not at start-up
      const v = parseInlineYaml(item, `-e argument ${index + 1}`);
      if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, v);
      else throw new InputError(`-e argument ${index + 1}: not a mapping`, { code: 'USAGE' });
    } else {
      const re = /([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g;
      let m: RegExpExecArray | null;
      let found = false;
      while ((m = re.exec(item))) {
        found = true;
        out[m[1]!] = m[3] ?? m[4] ?? m[5] ?? '';
      }
      if (!found) throw new InputError(`-e argument ${index + 1}: expected key=value, @file.yaml or a JSON/YAML mapping`, { code: 'USAGE' });
    }
  }
  taintByName(out);
  return out;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  // Commander turns this error into "option '-f, --forks <n>' argument 'abc' is invalid. ...".
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
}
