import test from 'ava';
import { Ajv } from 'ajv';
import { checkArgumentSpec } from '../../../src/playbook/argument-check.js';
import { argumentSpecSchema, type ArgumentOption } from '../../../src/playbook/roles.js';
import { AJV_OPTIONS } from '../../../src/validation/compile.js';

// The reference: ajv itself, compiling the schema the spec turns into, with the playbook options.
const ajv = new Ajv({ ...AJV_OPTIONS.playbook });
function reference(spec: Record<string, ArgumentOption>, values: Record<string, unknown>): unknown[] {
  const v = ajv.compile(argumentSpecSchema(spec));
  return v(structuredClone(values)) ? [] : (v.errors ?? []).map(({ instancePath, schemaPath, keyword, params, message }) => ({ instancePath, schemaPath, keyword, params, message }));
}

const TYPES = [undefined, 'str', 'path', 'int', 'float', 'bool', 'list', 'dict', 'raw', 'bogus'] as const;
const VALUES: unknown[] = [undefined, 'x', '', 'a', 0, 1, -3, 2.5, Number.NaN, Number.POSITIVE_INFINITY, true, false, null, [], [1, 'a', 2.5], ['a', 'b'], [true], {}, { k: 1 }, [[1]], [null]];
const CHOICES: (unknown[] | undefined)[] = [undefined, ['a', 'b'], [1, 2.5, true], [{ k: 1 }, 'x', null], [['a', 'b'], []], [Number.NaN]];
const ELEMENTS = [undefined, 'str', 'int', 'bool', 'dict', 'nope'] as const;

// A deterministic sweep: every type × value, with choices/elements/required varied alongside.
const cases: [Record<string, ArgumentOption>, Record<string, unknown>][] = [];
let n = 0;
for (const type of TYPES) {
  for (const value of VALUES) {
    n++;
    const opt: ArgumentOption = { ...(type ? { type } : {}) } as ArgumentOption;
    const choices = CHOICES[n % CHOICES.length];
    if (choices) opt.choices = choices;
    const elements = ELEMENTS[n % ELEMENTS.length];
    if (elements) opt.elements = elements;
    if (n % 3 === 0) opt.required = true;
    const other: ArgumentOption = { type: 'int', required: n % 2 === 0 };
    const values: Record<string, unknown> = {};
    if (value !== undefined) values.opt = value;
    if (n % 4 === 0) values.other = 'not an int';
    cases.push([{ opt, other, 'odd/key~name x': { type: 'str', required: n % 5 === 0 } }, values]);
  }
}

test(`checkArgumentSpec gives ajv's errors, in ajv's order (${cases.length} cases)`, (t) => {
  for (const [spec, values] of cases) t.deepEqual(checkArgumentSpec(spec, values), reference(spec, values), JSON.stringify({ spec, values }));
});

test('a valid set of values has no errors; a missing required option and a wrong type are both reported', (t) => {
  const spec: Record<string, ArgumentOption> = { port: { type: 'int', required: true }, mode: { type: 'str', choices: ['a', 'b'] } };
  t.deepEqual(checkArgumentSpec(spec, { port: 80, mode: 'a' }), []);
  const errs = checkArgumentSpec(spec, { mode: 3 });
  t.deepEqual(errs.map((e) => e.message), ["must have required property 'port'", 'must be string', 'must be equal to one of the allowed values']);
});
