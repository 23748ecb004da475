/**
 * YAML with source positions. js-yaml gives no node positions, but its `listener`
 * reports every node's open/close in nesting order; from that we rebuild a tree of
 * positions parallel to the data, so any error found later (a schema error, an
 * undefined variable) can name the file, line and column of the offending node.
 */
import yaml from 'js-yaml';
import { InputError, VaultError, type SourceLocation } from '../errors.js';
import { vaultKeyring } from '../vault/active.js';
import { isVaulted } from '../vault/format.js';
import { taint } from './secret.js';
import { ANSIBLE_SCHEMA } from './yaml11.js';

export type YamlPath = readonly (string | number)[];

export interface YamlDoc {
  data: unknown;
  /** Position of the value at `path` (or of the nearest ancestor that exists). */
  locate(path: YamlPath): SourceLocation;
  /** Position of the KEY of the mapping entry at `path` (falls back to locate). */
  locateKey(path: YamlPath): SourceLocation;
}

interface PosNode {
  start: number;
  kind: string;
  result: unknown;
  children: PosNode[];
}

interface ListenerState {
  position: number;
  kind: string | null;
  result: unknown;
}

function sameResult(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

/** Skip whitespace, comments and the `- ` / `? ` indicators js-yaml opens nodes before. */
function skipToContent(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else break;
  }
  return i;
}

function collapse(node: PosNode): PosNode {
  let n = node;
  while (n.children.length === 1 && sameResult(n.children[0]!.result, n.result) && n.kind !== 'sequence') {
    n = n.children[0]!;
  }
  n.children = n.children.map(collapse);
  return n;
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** Every string in a document that came out of a vault file is a secret, whatever its name. */
function taintStrings(v: unknown, depth = 0): void {
  if (depth > 64) return;
  if (typeof v === 'string') taint(v);
  else if (Array.isArray(v)) for (const x of v) taintStrings(x, depth + 1);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) taintStrings(x, depth + 1);
}

/**
 * Parse one YAML document; a syntax error becomes an InputError naming file:line:column.
 * A whole-file Ansible vault is decrypted first (positions are then the plaintext's), and inline
 * `!vault` values as they are read; either way the values are tainted as secrets.
 */
export function parseYaml(source: string, file: string): YamlDoc {
  const vaulted = isVaulted(source);
  const text = vaulted ? vaultKeyring().decrypt(source, { file, line: 1, column: 1 }).plaintext : source;
  const doc = parseText(text, file);
  if (vaulted) taintStrings(doc.data);
  return doc;
}

function parseText(text: string, file: string): YamlDoc {
  const stack: PosNode[] = [{ start: 0, kind: 'root', result: undefined, children: [] }];
  let data: unknown;
  try {
    data = yaml.load(text, {
      filename: file,
      schema: ANSIBLE_SCHEMA,
      listener(this: unknown, event: 'open' | 'close', state: ListenerState) {
        if (event === 'open') {
          stack.push({ start: skipToContent(text, state.position), kind: '', result: undefined, children: [] });
        } else {
          const node = stack.pop();
          if (!node) return;
          node.kind = state.kind ?? '';
          node.result = state.result;
          stack[stack.length - 1]?.children.push(node);
        }
      },
    });
  } catch (err) {
    if (err instanceof yaml.YAMLException) {
      const mark = err.mark as { line?: number; column?: number } | undefined;
      throw new InputError(`YAML syntax error: ${err.reason}`, {
        code: 'YAML',
        cause: err,
        location: { file, line: (mark?.line ?? 0) + 1, column: (mark?.column ?? 0) + 1 },
      });
    }
    if (err instanceof VaultError && !err.location) {
      // Thrown while constructing a `!vault` scalar: the node being built is the innermost open one.
      const at = lineCol(text, stack[stack.length - 1]?.start ?? 0);
      throw new VaultError(`inline !vault value: ${err.message}`, { cause: err, location: { file, ...at } });
    }
    throw err;
  }
  const rootChildren = stack[0]!.children;
  const top = rootChildren.length > 0 ? collapse(rootChildren[0]!) : undefined;

  const at = (offset: number): SourceLocation => ({ file, ...lineCol(text, offset) });

  function walk(path: YamlPath): { node: PosNode; key?: PosNode } | undefined {
    if (!top) return undefined;
    let node = top;
    let key: PosNode | undefined;
    for (const seg of path) {
      let next: PosNode | undefined;
      key = undefined;
      if (node.kind === 'sequence' && typeof seg === 'number') next = node.children[seg];
      else if (node.kind === 'mapping') {
        for (let i = 0; i + 1 < node.children.length; i += 2) {
          if (String(node.children[i]!.result) === String(seg)) {
            key = node.children[i];
            next = node.children[i + 1];
          }
        }
        // A key with an empty value has no value node: point at the key.
        if (!next) {
          for (const c of node.children) {
            if (String(c.result) === String(seg)) return { node: c, key: c };
          }
        }
      }
      if (!next) return { node };
      node = next;
    }
    return { node, key };
  }

  return {
    data,
    locate(path) {
      const hit = walk(path);
      return hit ? at(hit.node.start) : { file, line: 1, column: 1 };
    },
    locateKey(path) {
      const hit = walk(path);
      if (!hit) return { file, line: 1, column: 1 };
      return at((hit.key ?? hit.node).start);
    },
  };
}

/** Read + parse a YAML file. */
export async function loadYamlFile(file: string): Promise<YamlDoc> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseYaml(text, file);
}
