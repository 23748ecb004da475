/**
 * Building blocks for module argument schemas. Every schema compiles with
 * `new Ajv({ strict: true })`: no union `type` arrays (anyOf instead), and every
 * key named in a nested `required` is declared beside it.
 */
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const nonEmpty: Schema = { type: 'string', minLength: 1 };
export const bool: Schema = { type: 'boolean' };
export const int: Schema = { type: 'integer' };
export const strList: Schema = { type: 'array', items: { type: 'string' } };
export const strOrList: Schema = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, minItems: 1 }] };
/** A mode: "0644", "u=rw,go=r", or a YAML 1.1 octal number (0644 = 420 = rw-r--r--). */
export const mode: Schema = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] };
/** A user or group: a name or a numeric id. */
export const id: Schema = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] };

export function oneOfValues(...values: string[]): Schema {
  return { type: 'string', enum: values };
}

/** `{ required: keys }` usable inside anyOf/not/then under strictRequired. */
export function has(...keys: string[]): Schema {
  return { properties: Object.fromEntries(keys.map((k) => [k, true])), required: keys };
}

/** At most one of these keys. */
export function exclusive(a: string, b: string): Schema {
  return { not: has(a, b) };
}

/** When `key` is `value`, `then` must hold. */
export function when(key: string, value: unknown, then: Schema): Schema {
  return { if: { properties: { [key]: { const: value } }, required: [key] }, then };
}

export function object(properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema {
  return {
    type: 'object',
    properties,
    ...(required.length > 0 ? { required } : {}),
    additionalProperties: false,
    ...extra,
  };
}

/** mode / owner / group, shared by every module that writes files. */
export const attrProps: Record<string, Schema> = { mode, owner: id, group: id };
