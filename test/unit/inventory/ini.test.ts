import test from 'ava';
import path from 'node:path';
import { InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { iniValue, pythonLiteral } from '../../../src/inventory/python-literal.js';
import { shlexSplit } from '../../../src/inventory/shlex.js';
import { fixture, tempTree } from './helpers.js';

// What ast.literal_eval (or the raw text, when it is not a literal) gives.
const values: [string, unknown][] = [
  ['80', 80],
  ['-5', -5],
  ['1.5', 1.5],
  ['1_000', 1000],
  ['0x1F', 31],
  ['0o17', 15],
  ['0755', '0755'],
  ['00', 0],
  ['True', true],
  ['False', false],
  ['None', null],
  ['yes', 'yes'],
  ['true', 'true'],
  ['"quoted"', 'quoted'],
  ["'single'", 'single'],
  ['"a" "b"', 'ab'],
  [String.raw`"tab\there"`, 'tab\there'],
  [String.raw`"keep\d"`, String.raw`keep\d`],
  ["['a', 'b']", ['a', 'b']],
  ['[1, [2, 3],]', [1, [2, 3]]],
  ['(1, 2)', [1, 2]],
  ['(1)', 1],
  ["{'cpu': 2, 'mem': \"4G\"}", { cpu: 2, mem: '4G' }],
  ['{}', {}],
  ['squid:3128', 'squid:3128'],
  ['just some words', 'just some words'],
  ['', ''],
  [' 5', 5],
  ['1e3', 1000],
  ['1j', '1j'],
  ["f'x'", "f'x'"],
  ['[1, 2', '[1, 2'],
  ['abc()', 'abc()'],
];
for (const [text, expected] of values) {
  test(`INI value ${JSON.stringify(text)}`, (t) => {
    t.deepEqual(iniValue(text), expected);
  });
}

test('pythonLiteral says when something is not a literal', (t) => {
  t.deepEqual(pythonLiteral('[1]'), { ok: true, value: [1] });
  t.deepEqual(pythonLiteral('name'), { ok: false });
});

test('host lines split like shlex.split(comments=True)', (t) => {
  t.deepEqual(shlexSplit('a b="x y" # c'), ['a', 'b=x y']);
  t.deepEqual(shlexSplit('a#b c'), ['a']);
  t.deepEqual(shlexSplit(String.raw`h x="a\"b"`), ['h', 'x=a"b']);
  t.deepEqual(shlexSplit(String.raw`h x=a\ b`), ['h', 'x=a b']);
  t.deepEqual(shlexSplit(String.raw`h x='a\b'`), ['h', String.raw`x=a\b`]);
  t.deepEqual(shlexSplit(String.raw`h x="a\b"`), ['h', String.raw`x=a\b`]);
  t.deepEqual(shlexSplit('h x=""'), ['h', 'x=']);
  t.deepEqual(shlexSplit("h s='it''s'"), ['h', 's=its']);
  t.throws(() => shlexSplit('h x="open'), { message: /No closing quotation/ });
});

test('the INI fixture: groups, children declared before their group, vars', async (t) => {
  const inv = await loadInventory([fixture('ini', 'hosts')]);
  t.deepEqual(inv.groupChildren('all'), ['ungrouped', 'prod', 'monitoring']);
  t.deepEqual(inv.groupChildren('prod'), ['web', 'db']);
  t.deepEqual(inv.groupMembers('web'), ['web01', 'web02', 'web03', 'web04', 'web-canary']);
  t.deepEqual(inv.groupMembers('db'), ['db1', 'db2', 'dba.internal', 'dbb.internal']);
  t.deepEqual(inv.groupNames('bastion'), ['monitoring']);
  t.deepEqual(inv.groupMembers('ungrouped'), []);
  const w = inv.hostVars('web02');
  t.is(w['http_port'], 8443, 'group_vars/web.yml beats [web:vars] and [all:vars]');
  t.is(w['proxy'], 'squid:3128');
  t.is(w['max_conn'], 100);
  t.is(w['enabled'], true);
  t.is(w['empty'], '');
  t.deepEqual(w['tags'], ['a', 'b']);
  t.deepEqual(w['limits'], { cpu: 2, mem: '4G' });
  t.is(w['octal_like'], '0755');
  t.is(w['hexa'], 31);
  t.is(w['none'], null);
  t.is(w['bare'], 'just some words');
  t.is(w['note'], 'hello world');
  t.is(w['weight'], 2);
  t.is(inv.hostVars('web-canary')['ansible_port'], 2200);
  t.is(inv.hostVars('web-canary')['canary'], 'yes');
  t.deepEqual(inv.hostVars('db2')['backup_hours'], [1, 13]);
  t.is(inv.hostVars('mon2')['x'], 1);
  t.is(inv.hostVars('bastion')['ansible_user'], 'admin');
});

async function iniError(text: string): Promise<InputError> {
  const dir = await tempTree({ 'inv.ini': text });
  const file = path.join(dir, 'inv.ini');
  try {
    await loadInventory([file]);
  } catch (err) {
    if (err instanceof InputError) {
      if (err.location?.file !== file) throw new Error(`wrong file in ${err.describe()}`);
      return err;
    }
    throw err;
  }
  throw new Error('no error');
}

const errors: [string, string, number, RegExp][] = [
  ['unknown section type', '[web]\nh1\n[web:childs]\n', 3, /unknown type "childs"/],
  ['undefined child group', '[web:children]\nnope\n', 2, /includes undefined group "nope"/],
  ['vars for an undefined group', '[web]\nh\n\n[ghost:vars]\nx=1\n', 4, /\[ghost:vars\].*not defined/],
  ['spaces in a section header', '[web servers]\n', 1, /invalid section entry/],
  ['host var without =', '[web]\nh1 novalue\n', 2, /expected key=value/],
  ['unclosed quote', '[web]\nh1 x="open\n', 2, /No closing quotation/],
  ['trailing colon', '[web]\nh1:\n', 2, /trailing ':'/],
  ['bad range', '\n[web]\nh[01:3]\n', 3, /equal-length/],
  ['group var without =', '[web]\nh\n[web:vars]\njunk\n', 4, /expected key=value/],
  ['cycle', '[a:children]\nb\n[b:children]\na\n', 4, /cycle/],
];
for (const [title, text, line, message] of errors) {
  test(`INI error: ${title}`, async (t) => {
    const err = await iniError(text);
    t.is(err.location?.line, line, err.describe());
    t.regex(err.message, message);
  });
}
