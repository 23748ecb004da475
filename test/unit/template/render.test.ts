import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { evaluate, evaluateCondition, render } from '../../../src/template/render.js';
import { createScope, OMIT, renderDeep } from '../../../src/vars/scope.js';

const scope = () =>
  createScope({
    name: 'web',
    port: 8080,
    peers: ['a', 'b', 'c'],
    url: 'http://{{name}}:{{port}}',
    list_ref: '{{peers}}',
    cfg: { nested: '{{name}}-x' },
    empty: '',
    groups: { etcd: ['n1', 'n2'] },
    hostvars: { n1: { ip: '10.0.0.1' }, n2: { ip: '10.0.0.2' } },
    multi: 'a\nb',
  });

const cases: [string, string][] = [
  ['{{name}}', 'web'],
  ['{{url}}', 'http://web:8080'],
  ['{{cfg.nested}}', 'web-x'],
  ['{{join peers ","}}', 'a,b,c'],
  ['{{join (without peers "b") " "}}', 'a c'],
  ['{{default empty "fallback"}}', 'fallback'],
  ['{{default name "fallback"}}', 'web'],
  ['{{#if (eq port 8080)}}yes{{/if}}', 'yes'],
  ['{{#each (group "etcd")}}{{this}}={{hostvar this "ip"}};{{/each}}', 'n1=10.0.0.1;n2=10.0.0.2;'],
  ['{{join (map (group "etcd") "ip" hostvars=true) ","}}', '10.0.0.1,10.0.0.2'],
  ['{{join (format (group "etcd") "https://%s:2379") ","}}', 'https://n1:2379,https://n2:2379'],
  ['x:\n  {{indent multi 2}}', 'x:\n  a\n  b'],
  ['{{upper name}} {{length peers}} {{first peers}} {{last peers}}', 'WEB 3 a c'],
  ['<{{name}}&>', '<web&>'],
];
for (const [tpl, want] of cases) {
  test(`render ${JSON.stringify(tpl)}`, (t) => {
    t.is(render(tpl, scope().context), want);
  });
}

test('a single {{expr}} keeps its type', (t) => {
  const s = scope();
  t.deepEqual(evaluate('{{peers}}', s.context), ['a', 'b', 'c']);
  t.deepEqual(evaluate('{{list_ref}}', s.context), ['a', 'b', 'c']);
  t.is(evaluate('{{port}}', s.context), 8080);
  t.is(evaluate('port {{port}}', s.context), 'port 8080');
});

test('undefined variables are errors that name them', (t) => {
  const s = scope();
  const e1 = t.throws(() => render('x {{nope}}', s.context, { origin: { file: 'f.yaml', line: 3, column: 5 } }));
  t.true(e1 instanceof InputError);
  t.is((e1 as InputError).code, 'UNDEFINED_VAR');
  t.regex(e1!.message, /undefined variable "nope"/);
  t.is((e1 as InputError).location?.line, 3);
  t.throws(() => evaluate('{{nope}}', s.context), { message: /undefined variable "nope"/ });
  t.throws(() => render('{{cfg.missing}}', s.context), { message: /undefined variable "missing"/ });
});

test('a variable that refers to itself is an error', (t) => {
  const s = createScope({ a: '{{b}}', b: '{{a}}' });
  t.throws(() => render('{{a}}', s.context), { message: /refers to itself/ });
});

test('when: booleans, bare expressions, templates, lists', (t) => {
  const c = scope().context;
  t.true(evaluateCondition(true, c));
  t.false(evaluateCondition(false, c));
  t.true(evaluateCondition('eq name "web"', c));
  t.false(evaluateCondition('not name', c));
  t.true(evaluateCondition('{{name}}', c));
  t.false(evaluateCondition('{{empty}}', c));
  t.true(evaluateCondition(['name', 'contains peers "b"'], c));
  t.false(evaluateCondition(['name', 'contains peers "z"'], c));
  t.true(evaluateCondition('and (gt port 80) (lt port 9000)', c));
});

test('renderDeep renders nested args, keeps types and drops omit', (t) => {
  const s = createScope({ p: 22, l: ['x'], omit: OMIT, opt: '' });
  t.deepEqual(renderDeep({ a: '{{p}}', b: ['{{l}}', 'k'], c: '{{default opt omit}}', d: { e: 'v{{p}}' } }, s, 'f'), {
    a: 22,
    b: [['x'], 'k'],
    d: { e: 'v22' },
  });
});

test('a bare variable name (one shared template) keeps the values and errors of a compiled one', (t) => {
  const ctx = createScope({ name: 'web', zero: 0, off: false, blank: '', nothing: null, list: [1, 2], 'dashed-name': 'd', default: 'var named like a helper', port: '{{zero}}' }).context;
  t.is(evaluate('{{name}}', ctx), 'web');
  t.is(evaluate('{{zero}}', ctx), 0);
  t.is(evaluate('{{off}}', ctx), false);
  t.deepEqual(evaluate('{{list}}', ctx), [1, 2]);
  t.is(evaluate('{{dashed-name}}', ctx), 'd');
  t.is(evaluate('{{default}}', ctx), 'var named like a helper');
  t.is(evaluate('{{port}}', ctx), 0, 'a templated variable is rendered to its value');
  t.is(evaluate('{{nothing}}', ctx), null);
  t.is(evaluate('{{true}}', ctx), true, 'literals are not names');
  const e = t.throws(() => evaluate('{{missing}}', ctx), { instanceOf: InputError });
  t.regex(e.message, /undefined variable "missing"/);
  t.false(evaluateCondition('off', ctx));
  t.true(evaluateCondition('name', ctx));
});
