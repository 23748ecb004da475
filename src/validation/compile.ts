/**
 * Compiled ajv validators, by the schema's kind (the ajv options it is checked with) and
 * content. `npm run build` generates the code of every static schema ahead of time
 * (schema-export/write-validators.ts → dist/src/validation/precompiled.cjs), so a run
 * compiles nothing; a schema that is not in that file (a role's argument spec, or a tree
 * built with plain tsc) is compiled here, once, by an ajv loaded only then.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Options, ValidateFunction } from 'ajv';

/**
 * playbook: plays, tasks, role metadata, module arguments, saved plans. No type coercion:
 * with anyOf [string, integer] ajv would turn the YAML number 0644 (420) into "420".
 * inventory: one error at a time, strict. config: hostforge.yaml.
 */
export const AJV_OPTIONS = {
  playbook: { allErrors: true, strict: false, useDefaults: true, coerceTypes: false },
  inventory: { allErrors: false, strict: true, allowUnionTypes: true },
  config: { allErrors: true, strict: false },
} as const satisfies Record<string, Options>;

export type SchemaKind = keyof typeof AJV_OPTIONS;

/** The generated module: key → a function that builds the validator (run once, on first use). */
type Precompiled = Record<string, () => ValidateFunction>;

const require = createRequire(import.meta.url);
const PRECOMPILED_FILE = './precompiled.cjs';

/** The key of a schema under one kind's options: equal schemas share a validator. */
export function schemaKey(kind: SchemaKind, schema: object): string {
  return `${kind}:${createHash('sha256').update(JSON.stringify(schema)).digest('base64url').slice(0, 22)}`;
}

let precompiled: Precompiled | undefined;
function generated(): Precompiled {
  if (precompiled) return precompiled;
  try {
    precompiled = require(PRECOMPILED_FILE) as Precompiled;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    precompiled = {}; // built without the generation step: everything is compiled at run time
  }
  return precompiled;
}

type AjvInstance = { compile(schema: object): ValidateFunction };
const instances = new Map<SchemaKind, AjvInstance>();
function ajvFor(kind: SchemaKind): AjvInstance {
  let a = instances.get(kind);
  if (!a) {
    const { Ajv } = require('ajv') as typeof import('ajv');
    a = new Ajv({ ...AJV_OPTIONS[kind] });
    instances.set(kind, a);
  }
  return a;
}

const byKey = new Map<string, ValidateFunction>();
const bySchema = new WeakMap<object, ValidateFunction>();

/** Was this schema's validator generated at build time? */
export function isPrecompiled(kind: SchemaKind, schema: object): boolean {
  return Object.hasOwn(generated(), schemaKey(kind, schema));
}

/** The validator of `schema` under `kind`'s options: generated at build time, else compiled once. */
export function compiled(kind: SchemaKind, schema: object): ValidateFunction {
  const hit = bySchema.get(schema);
  if (hit) return hit;
  const key = schemaKey(kind, schema);
  let v = byKey.get(key);
  if (!v) {
    const make = Object.hasOwn(generated(), key) ? generated()[key] : undefined;
    v = make ? make() : ajvFor(kind).compile(schema);
    byKey.set(key, v);
  }
  bySchema.set(schema, v);
  return v;
}
