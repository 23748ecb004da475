/**
 * From the loader's ajv schemas to schemas an editor can use (JSON Schema draft-07, which
 * yaml-language-server supports): `$defs` become `definitions`, and every value that is not
 * a string in the loader's schema also accepts a templated string ("{{port}}"), because the
 * loader skips templated values at load time and checks them once rendered.
 */
export type JsonSchema = Record<string, unknown>;

export const DRAFT = 'http://json-schema.org/draft-07/schema#';

const templated: JsonSchema = { type: 'string', pattern: '\\{\\{', description: 'a template, checked once rendered' };

/** Does every templated string already pass (a string type without enum, const or pattern)? */
function allowsString(s: JsonSchema): boolean {
  if (s.enum !== undefined || s.const !== undefined || s.pattern !== undefined || s.format !== undefined) return false;
  const t = s.type;
  return t === undefined || t === 'string' || (Array.isArray(t) && t.includes('string'));
}

const NESTED_MAPS = ['properties', 'patternProperties', 'definitions', '$defs'];
const NESTED_ONE = ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames'];
const NESTED_LIST = ['anyOf', 'oneOf', 'allOf'];

/** A deep copy fit for an editor; `inValue` is false for applicator-only nodes (if/not); `templates` lets values be templated strings. */
export function forEditor(schema: unknown, inValue = true, templates = true): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as JsonSchema;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(s)) {
    if (NESTED_MAPS.includes(k) && v && typeof v === 'object') {
      out[k === '$defs' ? 'definitions' : k] = Object.fromEntries(Object.entries(v as JsonSchema).map(([n, x]) => [n, forEditor(x, true, templates)]));
    } else if (NESTED_ONE.includes(k)) {
      out[k] = forEditor(v, !['not', 'if', 'propertyNames'].includes(k), templates);
    } else if (NESTED_LIST.includes(k) && Array.isArray(v)) {
      out[k] = v.map((x) => forEditor(x, inValue, templates));
    } else if (k === '$ref' && typeof v === 'string') {
      out[k] = v.replace('#/$defs/', '#/definitions/');
    } else out[k] = v;
  }
  const isLeaf = out.type !== undefined || out.enum !== undefined || out.const !== undefined;
  if (templates && inValue && isLeaf && !allowsString(out) && out.anyOf === undefined) {
    const { description, default: dflt, ...rest } = out;
    return { ...(description !== undefined ? { description } : {}), ...(dflt !== undefined ? { default: dflt } : {}), anyOf: [rest, templated] };
  }
  return out;
}
