import test from 'ava';
import path from 'node:path';
import { InputError } from '../../../src/errors.js';
import { formatAnsibleJson, loadInventory } from '../../../src/inventory/index.js';
import { fixture, tempTree } from './helpers.js';

test('--list shape: empty groups only in children, ungrouped always listed, vars folded into hostvars', async (t) => {
  const dir = await tempTree({
    'inv.yml': [
      'all:',
      '  vars: {v: 1}',
      '  children:',
      '    empty:',
      '    web:',
      '      hosts:',
      '        w2: {z: 1, a: 2}',
      '        w1:',
      '      children:',
      '        empty:',
      '    novars:',
      '      hosts:',
      '        bare:',
      '',
    ].join('\n'),
  });
  const inv = await loadInventory([path.join(dir, 'inv.yml')]);
  const list = inv.toAnsibleList();
  t.deepEqual(list, {
    _meta: { hostvars: { bare: { v: 1 }, w1: { v: 1 }, w2: { a: 2, v: 1, z: 1 } } },
    all: { children: ['ungrouped', 'empty', 'web', 'novars'] },
    novars: { hosts: ['bare'] },
    web: { children: ['empty'], hosts: ['w2', 'w1'] },
  });
  // keys are sorted, like Ansible's sort_keys=True
  t.deepEqual(Object.keys(list), ['_meta', 'all', 'novars', 'web']);
  t.deepEqual(Object.keys(list._meta.hostvars['w2']!), ['a', 'v', 'z']);
});

test('hosts without any variable are left out of _meta.hostvars', async (t) => {
  const dir = await tempTree({ 'inv.ini': '[g]\nh1\nh2 a=1\n' });
  const inv = await loadInventory([path.join(dir, 'inv.ini')]);
  t.deepEqual(inv.toAnsibleList()._meta.hostvars, { h2: { a: 1 } });
  t.deepEqual(inv.hostJson('h1'), {});
  t.throws(() => inv.hostJson('nope'), { instanceOf: InputError });
});

test('internal variables are not printed', async (t) => {
  const dir = await tempTree({ 'inv.yml': 'g:\n  hosts:\n    h:\n      inventory_hostname: x\n      group_names: [y]\n      keep: 1\n' });
  const inv = await loadInventory([path.join(dir, 'inv.yml')]);
  t.deepEqual(inv.hostJson('h'), { keep: 1 });
});

test('--graph', async (t) => {
  const inv = await loadInventory([fixture('yaml-basic', 'hosts.yml')]);
  t.is(
    inv.toGraph('prod'),
    [
      '@prod:',
      '  |--@web:',
      '  |  |--web1.example.org',
      '  |  |--web2.example.org',
      '  |  |--web3.example.org',
      '  |  |--legacy-web',
      '  |--@db:',
      '  |  |--db-001',
      '  |  |--db-004',
      '  |  |--db-007',
      '  |  |--bastion',
    ].join('\n'),
  );
  t.true(inv.toGraph().startsWith('@all:\n  |--@ungrouped:\n  |  |--lonely\n  |--@web:\n'));
  t.throws(() => inv.toGraph('nope'), { instanceOf: InputError });
});

test('formatAnsibleJson is Python json.dumps(indent=4, sort_keys=True, ensure_ascii=False)', (t) => {
  t.is(formatAnsibleJson({ b: [1, 'é'], a: {}, c: [], d: null, e: { '9': true, '10': false } }), [
    '{',
    '    "a": {},',
    '    "b": [',
    '        1,',
    '        "é"',
    '    ],',
    '    "c": [],',
    '    "d": null,',
    '    "e": {',
    '        "10": false,',
    '        "9": true',
    '    }',
    '}',
  ].join('\n'));
});
