/**
 * A role's argument spec checked without compiling a schema. The spec is read when the
 * role is loaded, so its schema cannot be generated at build time like the others, and
 * compiling it with ajv costs more than the rest of a run's validation. argumentSpecSchema's
 * subset (per option: type, enum, items.type; required) is interpreted here, with the very
 * errors ajv gives for it under the playbook options (allErrors): required first, then each
 * option in spec order; test/unit/playbook/argument-check.test.ts compares both.
 */
import type { ErrorObject } from 'ajv';
import { argumentSpecSchema, type ArgumentOption } from './roles.js';

interface OptionSchema {
  type?: string;
  enum?: unknown[];
  items?: { type?: string };
}

interface SpecSchema {
  properties: Record<string, OptionSchema>;
  required: string[];
}

/** ajv's checkDataType, strictNumbers off (the playbook options have strict: false). */
function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case 'integer':
      return typeof v === 'number' && !(v % 1) && !Number.isNaN(v);
    case 'null':
      return v === null;
    default:
      return typeof v === type;
  }
}

/** fast-deep-equal, which ajv uses for the object members of an enum. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    if (a.constructor !== b.constructor) return false;
    if (Array.isArray(a)) {
      const bb = b as unknown[];
      return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
    }
    if (a instanceof RegExp && b instanceof RegExp) return a.source === b.source && a.flags === b.flags;
    if (a.valueOf !== Object.prototype.valueOf) return a.valueOf() === b.valueOf();
    if (a.toString !== Object.prototype.toString) return a.toString() === b.toString();
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a !== a && b !== b; // NaN
}

const inEnum = (v: unknown, choices: readonly unknown[]): boolean =>
  choices.some((c) => (typeof c === 'object' && c !== null ? deepEqual(v, c) : v === c));

const escapePointer = (k: string): string => k.replace(/~/g, '~0').replace(/\//g, '~1');

function typeError(instancePath: string, schemaPath: string, type: string): ErrorObject {
  return { instancePath, schemaPath, keyword: 'type', params: { type }, message: `must be ${type}` };
}

/** The errors ajv would report for `values` against the role's argument spec ([] when valid). */
export function checkArgumentSpec(spec: Record<string, ArgumentOption>, values: Record<string, unknown>): ErrorObject[] {
  const schema = argumentSpecSchema(spec) as SpecSchema;
  const errors: ErrorObject[] = [];
  for (const k of schema.required) {
    if (values[k] === undefined) {
      errors.push({ instancePath: '', schemaPath: '#/required', keyword: 'required', params: { missingProperty: k }, message: `must have required property '${k}'` });
    }
  }
  for (const [k, s] of Object.entries(schema.properties)) {
    const v = values[k];
    if (v === undefined) continue;
    const at = `/${escapePointer(k)}`;
    const base = `#/properties/${encodeURIComponent(escapePointer(k))}`;
    // ajv's order: a type without keywords of its own is checked first; then the untyped
    // keywords (enum); then the array keywords (items), with the type error of an array
    // option that has them.
    const typeOk = s.type === undefined || hasType(v, s.type);
    const arrayRules = s.items !== undefined;
    const typeWithArrayRules = s.type === 'array' && arrayRules;
    if (!typeOk && !typeWithArrayRules) errors.push(typeError(at, `${base}/type`, s.type as string));
    if (s.enum !== undefined && !inEnum(v, s.enum)) {
      errors.push({ instancePath: at, schemaPath: `${base}/enum`, keyword: 'enum', params: { allowedValues: s.enum }, message: 'must be equal to one of the allowed values' });
    }
    if (arrayRules && Array.isArray(v)) {
      const itemType = s.items?.type;
      if (itemType !== undefined) {
        v.forEach((x, i) => {
          if (!hasType(x, itemType)) errors.push(typeError(`${at}/${i}`, `${base}/items/type`, itemType));
        });
      }
    } else if (!typeOk && typeWithArrayRules) errors.push(typeError(at, `${base}/type`, 'array'));
  }
  return errors;
}
