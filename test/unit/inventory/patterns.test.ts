/**
 * Host patterns. The expected host lists (and their order) were produced by
 * `ansible -i test/fixtures/inventory/yaml-basic/hosts.yml PATTERN --list-hosts`
 * (ansible-core 2.14.18); "unmatched" is where Ansible warns "Could not match" or
 * "No hosts matched".
 */
import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { fnmatchToRegExp, splitHostPattern } from '../../../src/inventory/patterns.js';
import { fixture } from './helpers.js';

const ALL = 'bastion lonely web1.example.org web2.example.org web3.example.org legacy-web db-001 db-004 db-007 nodea nodeb nodec';
const WEB = 'web1.example.org web2.example.org web3.example.org legacy-web';

const table: [pattern: string, hosts: string, unmatched?: string[]][] = [
  ['all', ALL],
  ['*', ALL],
  ['web', WEB],
  ['web*', WEB],
  ['db-00?', 'db-001 db-004 db-007'],
  ['~node[ab]', 'nodea nodeb'],
  ['web:db', `${WEB} db-001 db-004 db-007 bastion`],
  ['web,etcd', `${WEB} nodea nodeb nodec`],
  ['prod:&db', 'db-001 db-004 db-007 bastion'],
  ['prod:!web', 'db-001 db-004 db-007 bastion'],
  ['!web', 'bastion lonely db-001 db-004 db-007 nodea nodeb nodec'],
  ['&db', 'bastion db-001 db-004 db-007'],
  ['web[0]', 'web1.example.org'],
  ['web[-1]', 'legacy-web'],
  ['web[1:2]', 'web2.example.org web3.example.org'],
  ['web[1:]', 'web2.example.org web3.example.org legacy-web'],
  ['prod[2:0]', 'web3.example.org'],
  ['web[0-1]', 'web1.example.org web2.example.org'],
  ['db[5]', '', ['db[5]']],
  ['web[12]', '', ['web[12]']],
  ['nosuch', '', ['nosuch']],
  ['nosuch:web', WEB, ['nosuch']],
  ['bastion', 'bastion'],
  ['node[!b]', 'nodea nodec'],
  ['legacy-web', 'legacy-web'],
  ['ungrouped', 'lonely'],
  ['staging', ''],
  ['n*:&etcd', 'nodea nodeb nodec'],
  ['web1.example.org,db-001', 'web1.example.org db-001'],
  ['*.example.org', 'web1.example.org web2.example.org web3.example.org'],
  ['db-001:2222', '', ['db-001:2222']],
  [' web , !legacy-web ', 'web1.example.org web2.example.org web3.example.org'],
];

const inventory = loadInventory([fixture('yaml-basic', 'hosts.yml')]);

for (const [pattern, hosts, unmatched] of table) {
  test(`pattern ${JSON.stringify(pattern)}`, async (t) => {
    const inv = await inventory;
    const m = inv.matchPattern(pattern);
    t.deepEqual(m.hosts, hosts ? hosts.split(' ') : []);
    t.deepEqual(m.unmatched, unmatched ?? []);
  });
}

test('resolvePattern reports unmatched parts through the callback', async (t) => {
  const inv = await inventory;
  const seen: string[] = [];
  t.deepEqual(inv.resolvePattern('nope:etcd:alsonope', (p) => seen.push(p)), ['nodea', 'nodeb', 'nodec']);
  t.deepEqual(seen, ['nope', 'alsonope']);
  t.deepEqual(inv.resolvePattern(['etcd', 'bastion']), ['nodea', 'nodeb', 'nodec', 'bastion']);
});

test('hosts() and groupMembers() follow inventory order', async (t) => {
  const inv = await inventory;
  t.deepEqual(inv.hosts(), ALL.split(' '));
  t.deepEqual(inv.groupMembers('prod'), `${WEB} db-001 db-004 db-007 bastion`.split(' '));
  t.deepEqual(inv.groupMembers('staging'), []);
  t.throws(() => inv.groupMembers('nosuch'), { instanceOf: InputError });
});

test('splitting', (t) => {
  t.deepEqual(splitHostPattern('a:&b:!c'), ['a', '&b', '!c']);
  t.deepEqual(splitHostPattern('web[1:2]'), ['web[1:2]']);
  t.deepEqual(splitHostPattern('web*[1:2]:db'), ['web*[1:2]', 'db']);
  t.deepEqual(splitHostPattern('::1'), ['::1']);
  t.deepEqual(splitHostPattern('a, b ,,c'), ['a', 'b', 'c']);
  t.deepEqual(splitHostPattern('web[1:]:db'), ['web[1:]', 'db']);
});

test('a pattern the split would drop characters of is refused (Ansible turns `~[` into `~`: every host)', (t) => {
  for (const p of ['~[', 'web[', 'web]', 'a:b[1:2', 'x]y']) {
    t.throws(() => splitHostPattern(p), { message: /unbalanced "\[" or "\]"/ }, p);
  }
});

test('fnmatch like Python', (t) => {
  t.true(fnmatchToRegExp('web[!0-2]').test('web5'));
  t.false(fnmatchToRegExp('web[!0-2]').test('web1'));
  t.true(fnmatchToRegExp('a[]]b').test('a]b'));
  t.true(fnmatchToRegExp('a[b').test('a[b'));
  t.true(fnmatchToRegExp('x.y').test('x.y'));
  t.false(fnmatchToRegExp('x.y').test('xzy'));
  t.false(fnmatchToRegExp('Web').test('web'));
});

test('a bad regex is an input error', async (t) => {
  const inv = await inventory;
  t.throws(() => inv.matchPattern('~web('), { instanceOf: InputError, message: /invalid host pattern/ });
});
