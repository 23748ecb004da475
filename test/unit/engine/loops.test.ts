/**
 * Every with_* loop and loop_control, compared item by item with Debian's
 * ansible-playbook run on the same playbook (localhost, connection local).
 */
import test from 'ava';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { loopItems, loopVars, loopRegister } from '../../../src/engine/loops.js';
import { sequence, withItems } from '../../../src/engine/loop-lookups.js';
import { loadPlaybook } from '../../../src/playbook/load.js';
import { createScope } from '../../../src/vars/scope.js';
import { ansibleLocalResults, hasAnsible } from '../../helpers/ansible.js';

const vars = {
  users: [
    { name: 'alice', groups: ['wheel', 'adm'], home: { dirs: ['a', 'b'] } },
    { name: 'bob', groups: [], home: { dirs: ['c'] } },
    { name: 'carol', home: {} },
  ],
  pkgs: ['a', ['b', 'c'], [['d']]],
  conf: { x: 1, y: { z: 2 }, w: [3] },
  nums: [1, 2, 3],
  letters: ['a', 'b'],
  empty: [],
};

/** [loop keyword, value, loop_control?] */
const CASES: [string, unknown, Record<string, unknown>?][] = [
  ['with_items', '{{ pkgs }}'],
  ['with_items', ['x', ['y', 'z'], '{{ nums }}', { k: 'v' }]],
  ['with_items', 'plainstring'],
  ['with_items', '{{ conf }}'],
  ['with_items', '{{ empty }}'],
  ['with_items', 42],
  ['with_list', '{{ pkgs }}'],
  ['with_list', [['a', 'b'], 'c']],
  ['with_dict', '{{ conf }}'],
  ['with_dict', { a: 1, b: [2, 3] }],
  ['with_dict', '{{ nums }}'],
  ['with_indexed_items', '{{ pkgs }}'],
  ['with_indexed_items', ['p', ['q', 'r']]],
  ['with_sequence', 'start=1 end=5'],
  ['with_sequence', 'start=0 end=10 stride=3 format=host%02d'],
  ['with_sequence', 'count=4 start=0x0f format=%04x'],
  ['with_sequence', '4:node%d'],
  ['with_sequence', '2-10/2'],
  ['with_sequence', 'start=5 end=1 stride=-2'],
  ['with_sequence', 'start=5 end=1'],
  ['with_sequence', 'count=0'],
  ['with_sequence', 'end=3 format=%x%d'],
  ['with_sequence', ['1-2', 'start=7 count=2']],
  ['with_sequence', 'start=1 end=3 bogus=1'],
  ['with_subelements', ['{{ users }}', 'groups', { skip_missing: true }]],
  ['with_subelements', ['{{ users }}', 'groups']],
  ['with_subelements', ['{{ users }}', 'home.dirs', { skip_missing: true }]],
  ['with_nested', ['{{ letters }}', '{{ nums }}']],
  ['with_nested', [['a', 'b'], [1, 2], ['x']]],
  ['with_nested', ['solo', ['m', 'n']]],
  ['with_together', ['{{ letters }}', '{{ nums }}']],
  ['with_together', [['a'], [1, 2], ['x', 'y', 'z']]],
  ['loop', '{{ nums }}', { index_var: 'idx', extended: true, loop_var: 'n' }],
  ['with_items', ['solo'], { extended: true }],
  ['with_dict', { k: 'v', l: 'w' }, { index_var: 'i', label: '{{ item.key }}' }],
  ['loop', '{{ users }}', { extended: true, extended_allitems: false }],
];

function caseTasks(): Record<string, unknown>[] {
  return CASES.map(([key, value, control], i) => ({
    name: `case ${i}`,
    debug: 'msg=x',
    [key]: value,
    ...(control ? { loop_control: control } : {}),
    ignore_errors: true,
  }));
}

test('every with_* loop and loop_control gives the items ansible-playbook gives', async (t) => {
  if (!hasAnsible) return t.pass('ansible-playbook not installed');
  const dir = await mkdtemp(join(tmpdir(), 'hf-loops-'));
  const file = join(dir, 'loops.yaml');
  await writeFile(file, yaml.dump([{ name: 'loops', hosts: 'localhost', gather_facts: false, vars, tasks: caseTasks() }]));
  const [ansible, loaded] = await Promise.all([ansibleLocalResults(dir, { vars }, caseTasks()), loadPlaybook(file)]);
  const tasks = loaded.plays[0]!.tasks;
  t.is(ansible.length, CASES.length);
  for (let i = 0; i < CASES.length; i++) {
    const what = `case ${i}: ${CASES[i]![0]}: ${JSON.stringify(CASES[i]![1])}`;
    const a = ansible[i]!;
    const task = tasks[i]!;
    let mine: unknown[] | Error;
    try {
      mine = loopItems(task, createScope(structuredClone(vars)));
    } catch (err) {
      mine = err as Error;
    }
    if (a.failed === true && a.results === undefined) {
      t.true(mine instanceof Error, `${what}: ansible fails (${a.msg}), hostforge gives ${JSON.stringify(mine)}`);
      if (mine instanceof Error) t.true(mine.message.replace(/"/g, "'").includes(String(a.msg).replace(/"/g, "'").slice(0, 25)), `${what}: "${mine.message}" vs "${a.msg}"`);
      continue;
    }
    if (mine instanceof Error) {
      t.fail(`${what}: hostforge fails (${mine.message}), ansible gives ${JSON.stringify(a.results)}`);
      continue;
    }
    const results = a.results ?? [];
    t.deepEqual(mine, results.map((r) => r[task.loopVar]), what);
    for (let j = 0; j < results.length; j++) {
      const r = results[j]!;
      const v = loopVars(task, mine, j);
      const keys = Object.keys(v);
      t.deepEqual(Object.fromEntries(keys.map((k) => [k, r[k]])), v, `${what} item ${j} loop variables`);
      t.is(r.ansible_loop !== undefined, v.ansible_loop !== undefined, `${what}: ansible_loop present iff extended`);
    }
    if (mine.length === 0) t.true(a.skipped === true || results.length === 0, `${what}: an empty loop is skipped`);
  }
});

test('lookups: shapes and errors without ansible', (t) => {
  t.deepEqual(withItems('items', [1, [2, [3]]]), [1, 2, [3]]);
  t.deepEqual(withItems('dict', { a: 1 }), [{ key: 'a', value: 1 }]);
  t.deepEqual(withItems('indexed_items', ['x', 'y']), [[0, 'x'], [1, 'y']]);
  t.deepEqual(withItems('together', [[1, 2], ['a']]), [[1, 'a'], [2, null]]);
  t.deepEqual(withItems('nested', [[1, 2], ['a']]), [[1, 'a'], [2, 'a']]);
  t.deepEqual(withItems('subelements', [[{ n: 1, s: [7, 8] }], 's']), [[{ n: 1 }, 7], [{ n: 1 }, 8]]);
  t.deepEqual(sequence('0x0a-0x0c:%#x'), ['0xa', '0xb', '0xc']);
  t.deepEqual(sequence('count=3 stride=5 format=%03d'), ['001', '006', '011']);
  t.throws(() => sequence('start=a end=3'), { message: "can't parse start=a as integer" });
  t.throws(() => withItems('dict', 'x'), { message: 'with_dict expects a dict' });
});

test('a looped task registers results like Ansible', (t) => {
  t.deepEqual(loopRegister([{ changed: true, item: 1 }, { changed: false, item: 2 }]), {
    changed: true,
    msg: 'All items completed',
    results: [{ changed: true, item: 1 }, { changed: false, item: 2 }],
    skipped: false,
  });
  t.like(loopRegister([{ failed: true }]), { failed: true, msg: 'One or more items failed' });
});
