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
import { registerOrigins } from './origins.js';
import { ALIAS_NODE_LIMIT, aliasProblem, type AliasUse } from './yaml-aliases.js';

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

/** Offsets of every line start, for line:column lookups by binary search (linear load, not quadratic). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineColIn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}

/** The key node of a mapping entry `key: value` anywhere under `node` (iteratively: documents may nest deep). */
function findEntry(root: PosNode, key: string, value: string, at: (offset: number) => SourceLocation): SourceLocation | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.kind === 'mapping') {
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        if (node.children[i]!.result === key && node.children[i + 1]!.result === value) return at(node.children[i]!.start);
      }
    }
    for (const c of node.children) stack.push(c);
  }
  return undefined;
}

/** Each mapping's key → index of its (last) key node, built on first lookup. */
const keyIndexes = new WeakMap<PosNode, Map<string, number>>();
function keyIndex(node: PosNode): Map<string, number> {
  let m = keyIndexes.get(node);
  if (!m) {
    m = new Map();
    for (let i = 0; i + 1 < node.children.length; i += 2) m.set(String(node.children[i]!.result), i);
    keyIndexes.set(node, m);
  }
  return m;
}

function aliasName(text: string, at: number): string {
  return /^\*[^\s,\[\]{}]*/.exec(text.slice(at, at + 256))?.[0] ?? '*';
}

/** Refuse a document whose aliases expand past the bound, or name a node containing itself. */
function checkAliases(aliases: readonly AliasUse[], file: string, lineCol: (offset: number) => { line: number; column: number }): void {
  if (aliases.length === 0) return;
  const problem = aliasProblem(aliases);
  if (!problem) return;
  const location = { file, ...lineCol(problem.at.offset) };
  const name = problem.at.name;
  const message =
    problem.kind === 'recursive'
      ? `YAML alias ${name} refers to a node that contains it (a recursive structure cannot be loaded)`
      : `YAML alias ${name} expands the document past ${ALIAS_NODE_LIMIT.toLocaleString('en-US')} nodes through aliases (a "billion laughs" document?): refused`;
  throw new InputError(message, { code: 'YAML', location });
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
  const aliases: AliasUse[] = [];
  let starts: number[] | undefined;
  const lineCol = (offset: number): { line: number; column: number } => lineColIn((starts ??= lineStarts(text)), offset);
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
          // An alias (`*name`) opens and closes a node with no content of its own.
          if (node.children.length === 0 && text.charCodeAt(node.start) === 42) aliases.push({ offset: node.start, value: node.result, name: aliasName(text, node.start) });
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
      const at = lineCol(stack[stack.length - 1]?.start ?? 0);
      throw new VaultError(`inline !vault value: ${err.message}`, { cause: err, location: { file, ...at } });
    }
    throw err;
  }
  checkAliases(aliases, file, lineCol);
  const rootChildren = stack[0]!.children;
  const top = rootChildren.length > 0 ? collapse(rootChildren[0]!) : undefined;

  const at = (offset: number): SourceLocation => ({ file, ...lineCol(offset) });
  if (top && text.includes('{{')) registerOrigins((key, value) => findEntry(top, key, value, at));

  function walk(path: YamlPath): { node: PosNode; key?: PosNode } | undefined {
    if (!top) return undefined;
    let node = top;
    let key: PosNode | undefined;
    for (const seg of path) {
      let next: PosNode | undefined;
      key = undefined;
      if (node.kind === 'sequence' && typeof seg === 'number') next = node.children[seg];
      else if (node.kind === 'mapping') {
        const i = keyIndex(node).get(String(seg));
        if (i !== undefined && i + 1 < node.children.length) {
          key = node.children[i];
          next = node.children[i + 1];
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

/**
 * Parse YAML given on the command line (`-e '{...}'`). Its text may hold a secret, so an
 * error shows the line with every word masked (`{"***": "***"`) and a caret, never the text.
 */
export function parseInlineYaml(text: string, label: string): unknown {
  try {
    return parseText(text, label).data;
  } catch (err) {
    if (!(err instanceof InputError) || err.location?.line === undefined) throw err;
    const { line, column = 1 } = err.location;
    const lines = text.split('\n');
    // "end of the stream" points past the last line: show that line, caret at its end.
    const past = line > lines.length || (line === lines.length && lines[line - 1] === '' && lines.length > 1);
    const shown = past ? lines[lines.length - (lines[lines.length - 1] === '' ? 2 : 1)]! : lines[line - 1]!;
    const masked = maskLine(shown, past ? shown.length : column - 1);
    const at = past ? 'at the end' : `at line ${line}, column ${column}`;
    throw new InputError(`${label}: ${err.message} ${at} (its text is not shown, only masked: it may hold a secret)\n    ${masked.text}\n    ${' '.repeat(masked.caret)}^`, {
      code: err.code,
      cause: err.cause,
    });
  }
}

/** Keep YAML's punctuation and spaces, turn every run of other characters into `***`. */
function maskLine(line: string, col: number): { text: string; caret: number } {
  let out = '';
  let caret = -1;
  for (let i = 0; i < line.length; ) {
    if (i >= col && caret < 0) caret = out.length;
    if (/[\s{}[\],:'"&*!#|>-]/.test(line[i]!)) {
      out += line[i++];
      continue;
    }
    while (i < line.length && !/[\s{}[\],:'"]/.test(line[i]!)) {
      if (i === col && caret < 0) caret = out.length;
      i++;
    }
    out += '***';
  }
  return { text: out.slice(0, 200), caret: Math.min(caret < 0 ? out.length : caret, 200) };
}
