/**
 * The structure of a YAML inventory, checked with ajv before anything is built from it:
 * the top level maps group names to groups; a group is empty or a mapping with only
 * `hosts`, `children` and `vars`; `hosts` maps host entries to nothing or to a mapping of
 * variables; `children` maps group names to groups (recursively). Like Ansible, a bare
 * string is accepted for `hosts`/`children` (`hosts: web1` means `hosts: {web1: }`).
 */
import type { ErrorObject } from 'ajv';
import { InputError } from '../errors.js';
import type { YamlDoc } from '../util/yaml.js';
import { compiled } from '../validation/compile.js';

export const inventorySchema = {
  $id: 'hostforge:inventory',
  type: 'object',
  additionalProperties: { $ref: '#/definitions/group' },
  definitions: {
    group: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        hosts: {
          type: ['object', 'null', 'string'],
          additionalProperties: { type: ['object', 'null'] },
        },
        children: {
          type: ['object', 'null', 'string'],
          additionalProperties: { $ref: '#/definitions/group' },
        },
        vars: { type: ['object', 'null'] },
      },
    },
  },
} as const;


function describeType(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, path: readonly string[]): unknown {
  let cur = data;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** What the path points at, in words: `group "web"`, `host "h1" of group "web"`, ... */
function describePath(path: readonly string[]): string {
  if (path.length === 0) return 'the inventory';
  let what = `group "${path[0]}"`;
  let group = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const seg = path[i]!;
    const next = path[i + 1];
    if (seg === 'children' && next !== undefined) {
      group = next;
      what = `group "${group}"`;
      i++;
    } else if (seg === 'hosts' && next !== undefined) {
      what = `host "${next}" of group "${group}"`;
      i++;
    } else {
      what = `"${seg}" of group "${group}"`;
    }
  }
  return what;
}

function toError(err: ErrorObject, doc: YamlDoc): InputError {
  const path = pointerToPath(err.instancePath);
  const where = `(at ${err.instancePath || '/'}; schema ${err.schemaPath})`;
  if (err.keyword === 'additionalProperties') {
    const key = String((err.params as { additionalProperty: string }).additionalProperty);
    return new InputError(
      `unexpected key "${key}" in ${describePath(path)}: a group has only "hosts", "children" and "vars" ${where}`,
      { code: 'SCHEMA', location: doc.locateKey([...path, key]) },
    );
  }
  const value = valueAt(doc.data, path);
  let expected = err.message ?? 'is invalid';
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (err.keyword === 'type') {
    if (path.length === 0) expected = 'must be a mapping of group names to groups';
    else if (parent === 'hosts') expected = 'must map to nothing or to a mapping of host variables';
    else if (last === 'vars') expected = 'must be a mapping of variables';
    else if (last === 'hosts') expected = 'must be a mapping of host names';
    else if (last === 'children') expected = 'must be a mapping of group names';
    else expected = 'must be nothing or a mapping with hosts, children and vars';
  }
  return new InputError(`${describePath(path)} ${expected}, got ${describeType(value)} ${where}`, {
    code: 'SCHEMA',
    location: doc.locate(path),
  });
}

/** Throws an InputError (file, line, column, schema path) for the first structural problem. */
export function checkInventorySchema(doc: YamlDoc): void {
  const validate = compiled('inventory', inventorySchema);
  if (validate(doc.data)) return;
  const first = validate.errors?.[0];
  if (first) throw toError(first, doc);
  throw new InputError('invalid inventory', { code: 'SCHEMA', location: doc.locate([]) });
}
