/**
 * JSON schemas of plays, tasks and role metadata, and the ajv instance that checks
 * them and every module's arguments. Errors are turned into file:line:column messages.
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, InputErrors } from '../errors.js';
import { report } from '../util/problems.js';
import type { YamlDoc, YamlPath } from '../util/yaml.js';
import { compiled } from '../validation/compile.js';

// Validators come from validation/compile.ts (generated at build time, options there): each
// schema is compiled at most once; the check at load time on raw (templated) args validates
// a copy, so the defaults it fills in never reach the task.

const stringList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
const boolish = { anyOf: [{ type: 'boolean' }, { type: 'string' }] };

/** Keywords a task may carry besides its one module key. */
export const TASK_KEYWORDS = [
  'name', 'when', 'loop', 'with_items', 'with_list', 'with_dict', 'with_indexed_items', 'with_sequence', 'with_subelements',
  'with_nested', 'with_together', 'loop_control', 'register', 'notify', 'listen', 'tags', 'become',
  'become_user', 'become_method', 'become_flags', 'ignore_errors', 'changed_when', 'failed_when', 'until', 'retries', 'delay', 'vars', 'no_log', 'args', 'check_mode',
  'block', 'rescue', 'always', 'import_tasks', 'include_tasks', 'meta', 'environment',
  'run_once', 'delegate_to', 'delegate_facts', 'any_errors_fatal', 'import_role', 'include_role', 'throttle', 'local_action',
] as const;

export const taskSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    when: {},
    loop: {},
    with_items: {},
    with_list: {},
    with_dict: {},
    with_indexed_items: {},
    with_sequence: {},
    with_subelements: {},
    with_nested: {},
    with_together: {},
    loop_control: {
      type: 'object',
      properties: {
        loop_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        index_var: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
        label: { type: 'string' },
        extended: boolish,
        extended_allitems: boolish,
        pause: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string', pattern: '^\\d+(\\.\\d+)?$' }] },
      },
      additionalProperties: false,
    },
    register: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    notify: stringList,
    listen: stringList,
    tags: stringList,
    become: boolish,
    become_user: { type: 'string' },
    become_method: { type: 'string', enum: ['sudo', 'su'] },
    become_flags: { type: 'string' },
    environment: { anyOf: [{ type: 'object' }, { type: 'string' }] },
    ignore_errors: boolish,
    changed_when: {},
    failed_when: {},
    until: {},
    retries: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
    delay: { anyOf: [{ type: 'number', minimum: 0 }, { type: 'string' }] },
    vars: { type: 'object' },
    no_log: boolish,
    args: { anyOf: [{ type: 'object' }, { type: 'string' }] },
    check_mode: { type: 'boolean' },
    block: { type: 'array', items: { type: 'object' } },
    import_tasks: { type: 'string' },
    include_tasks: {
      anyOf: [
        { type: 'string' },
        { type: 'object', properties: { file: { type: 'string' }, apply: { type: 'object' } }, required: ['file'], additionalProperties: false },
      ],
    },
    meta: { enum: ['flush_handlers', 'noop', 'end_host', 'end_play', 'end_batch', 'clear_host_errors', 'refresh_inventory'] },
    rescue: { type: 'array', items: { type: 'object' } },
    always: { type: 'array', items: { type: 'object' } },
    run_once: boolish,
    delegate_to: { type: 'string', minLength: 1 },
    delegate_facts: boolish,
    any_errors_fatal: boolish,
    throttle: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
    include_role: { type: 'object' },
    local_action: { anyOf: [{ type: 'string' }, { type: 'object' }] },
    import_role: { type: 'object' },
  },
};

const roleEntry = {
  anyOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: { role: { type: 'string' }, name: { type: 'string' }, vars: { type: 'object' }, tags: stringList, when: {} },
      anyOf: [{ required: ['role'] }, { required: ['name'] }],
    },
  ],
};

export const playSchema = {
  type: 'object',
  required: ['hosts'],
  properties: {
    name: { type: 'string' },
    hosts: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    become: boolish,
    become_user: { type: 'string' },
    become_method: { type: 'string', enum: ['sudo', 'su'] },
    become_flags: { type: 'string' },
    environment: { anyOf: [{ type: 'object' }, { type: 'string' }] },
    gather_facts: boolish,
    serial: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^\\d+%?$' }, { type: 'array', items: { anyOf: [{ type: 'integer' }, { type: 'string' }] } }] },
    max_fail_percentage: { type: 'number', minimum: 0, maximum: 100 },
    order: { enum: ['inventory', 'reverse_inventory', 'sorted', 'reverse_sorted', 'shuffle'] },
    throttle: { anyOf: [{ type: 'integer', minimum: 0 }, { type: 'string' }] },
    vars: { type: 'object' },
    vars_files: stringList,
    // Ansible's vars_prompt (encrypt/salt/unsafe are not implemented: refused as unknown keys).
    vars_prompt: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }, prompt: { type: 'string' }, private: boolish, default: {}, confirm: boolish },
        additionalProperties: false,
      },
    },
    roles: { type: 'array', items: roleEntry },
    pre_tasks: { type: 'array', items: { type: 'object' } },
    tasks: { type: 'array', items: { type: 'object' } },
    post_tasks: { type: 'array', items: { type: 'object' } },
    handlers: { type: 'array', items: { type: 'object' } },
    tags: stringList,
    any_errors_fatal: boolish,
    // Accepted for compatibility: hostforge's modules are its own, so collections only name them.
    collections: stringList,
    // free runs like linear (each host still gets every task in order; only the interleaving differs).
    strategy: { enum: ['linear', 'free'] },
  },
  additionalProperties: false,
};

export const roleMetaSchema = {
  type: 'object',
  properties: {
    dependencies: { type: 'array', items: roleEntry },
    galaxy_info: { type: 'object' },
    argument_specs: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        properties: {
          short_description: { type: 'string' },
          description: {},
          options: { type: 'object', additionalProperties: { $ref: '#/$defs/option' } },
        },
      },
    },
  },
  $defs: {
    option: {
      type: 'object',
      properties: {
        type: { enum: ['str', 'int', 'float', 'bool', 'list', 'dict', 'path', 'raw'] },
        required: { type: 'boolean' },
        default: {},
        choices: { type: 'array' },
        elements: { type: 'string' },
        description: {},
        options: { type: 'object' },
        no_log: { type: 'boolean' },
      },
      additionalProperties: true,
    },
  },
};

const checking = new WeakMap<object, ValidateFunction>();

/** Arrays and plain objects copied (where defaults could be filled in), anything else shared. */
function copyPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copyPlain);
  if (v === null || typeof v !== 'object') return v;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = copyPlain(x);
  return out;
}

/** `mutate` false: a validator that leaves its input as it was (it validates a copy). */
export function validator(schema: object, mutate = true): ValidateFunction {
  const v = compiled('playbook', schema);
  if (mutate) return v;
  const hit = checking.get(schema);
  if (hit) return hit;
  const inner = v;
  const check = Object.assign((data: unknown): boolean => {
    const ok = inner(copyPlain(data));
    check.errors = inner.errors;
    return ok;
  }, inner) as ValidateFunction;
  checking.set(schema, check);
  return check;
}

function segments(instancePath: string): string[] {
  return instancePath === '' ? [] : instancePath.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function valueAt(data: unknown, segs: readonly (string | number)[]): unknown {
  let cur: unknown = data;
  for (const s of segs) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[String(s)];
  }
  return cur;
}

/** An error an author can act on: "schema path: message". */
export function describeAjvError(e: ErrorObject): string {
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return `unknown key "${(e.params as { additionalProperty: string }).additionalProperty}" at ${at}`;
  }
  if (e.keyword === 'required') return `missing required key "${(e.params as { missingProperty: string }).missingProperty}" at ${at}`;
  if (e.keyword === 'enum') return `${at} ${e.message}: ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
  return `${at} ${e.message ?? 'is invalid'} (schema ${e.schemaPath})`;
}

/** Drop errors about values that are still templates: they are checked after rendering. */
export function realErrors(errors: ErrorObject[], data: unknown): ErrorObject[] {
  const kept = errors.filter((e) => {
    const v = valueAt(data, segments(e.instancePath));
    return !(typeof v === 'string' && v.includes('{{'));
  });
  // anyOf noise: keep the most specific errors, the most telling first.
  const specific = kept.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'if');
  const rank = (e: ErrorObject): number =>
    e.keyword === 'additionalProperties' ? 0 : e.keyword === 'enum' || e.keyword === 'type' || e.keyword === 'const' ? 1 : e.keyword === 'required' ? 3 : 2;
  return (specific.length > 0 ? specific : kept).slice().sort((a, b) => rank(a) - rank(b));
}

/**
 * Validate `data` (found at `base` inside `doc`) and throw an InputError naming
 * file, line, column and the schema path of the first real problem.
 */
export function check(
  schema: object,
  data: unknown,
  doc: YamlDoc | undefined,
  base: YamlPath,
  what: string,
  file: string,
): void {
  const v = validator(schema, false);
  if (v(data)) return;
  const errs = realErrors(v.errors ?? [], data);
  if (errs.length === 0) return;
  throw ajvToInputError(errs, doc, base, what, file);
}

/**
 * Like check, but unknown keys alone do not stop loading: under `validate` they are recorded
 * and the rest of the document is still read (so its other problems are found too).
 */
export function checkLenient(schema: object, data: unknown, doc: YamlDoc | undefined, base: YamlPath, what: string, file: string): void {
  const v = validator(schema, false);
  if (v(data)) return;
  const errs = realErrors(v.errors ?? [], data);
  if (errs.length === 0) return;
  const err = ajvToInputError(errs, doc, base, what, file);
  if (errs.every((e) => e.keyword === 'additionalProperties')) report(err);
  else throw err;
}

function locateError(e: ErrorObject, doc: YamlDoc | undefined, base: YamlPath, file: string): { file: string; line?: number; column?: number } {
  const segs = segments(e.instancePath);
  const path: (string | number)[] = [...base, ...segs.map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
  if (!doc) return { file };
  if (e.keyword === 'additionalProperties') return doc.locateKey([...path, (e.params as { additionalProperty: string }).additionalProperty]);
  return doc.locate(path);
}

/** One error per offending value (the most telling one), each at its own file:line:column. */
export function ajvToInputError(errs: ErrorObject[], doc: YamlDoc | undefined, base: YamlPath, what: string, file: string): InputError {
  const byPath = new Map<string, ErrorObject>();
  for (const e of errs) {
    const key = e.keyword === 'additionalProperties' ? `${e.instancePath}/${(e.params as { additionalProperty: string }).additionalProperty}` : e.instancePath;
    if (!byPath.has(key)) byPath.set(key, e);
  }
  const list = [...byPath.values()].map((e) => new InputError(`${what}: ${describeAjvError(e)}`, { code: 'SCHEMA', location: locateError(e, doc, base, file) }));
  return list.length === 1 ? list[0]! : new InputErrors(list);
}
