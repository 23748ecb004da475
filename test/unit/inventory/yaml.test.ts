import test from 'ava';
import path from 'node:path';
import { InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { fixture, tempTree } from './helpers.js';

async function load(text: string, name = 'inv.yml'): Promise<Awaited<ReturnType<typeof loadInventory>>> {
  const dir = await tempTree({ [name]: text });
  return loadInventory([path.join(dir, name)]);
}

async function loadError(text: string, name = 'inv.yml'): Promise<{ err: InputError; file: string }> {
  const dir = await tempTree({ [name]: text });
  const file = path.join(dir, name);
  try {
    await loadInventory([file]);
  } catch (err) {
    if (err instanceof InputError) return { err, file };
    throw err;
  }
  throw new Error('expected an InputError');
}

test('the YAML fixture: groups, ranges, ports, null hosts, implicit ungrouped', async (t) => {
  const inv = await loadInventory([fixture('yaml-basic', 'hosts.yml')]);
  t.deepEqual(inv.groups(), ['all', 'ungrouped', 'web', 'db', 'etcd', 'prod', 'staging']);
  t.deepEqual(inv.groupMembers('db'), ['db-001', 'db-004', 'db-007', 'bastion']);
  t.deepEqual(inv.groupMembers('etcd'), ['nodea', 'nodeb', 'nodec']);
  t.deepEqual(inv.groupNames('web2.example.org'), ['prod', 'web']);
  t.deepEqual(inv.groupNames('bastion'), ['db', 'prod'], 'a host of all AND db is not ungrouped');
  t.deepEqual(inv.groupNames('lonely'), ['ungrouped']);
  t.is(inv.hostVars('legacy-web')['ansible_port'], 2222);
  t.is(inv.hostVars('web2.example.org')['http_port'], 8080);
  t.is(inv.hostVars('web1.example.org')['http_port'], 9090, 'host_vars file beats inventory host vars');
  t.is(inv.hostVars('web2.example.org')['nginx_workers'], 8, 'group_vars/web/ files merge in name order');
  t.is(inv.hostVars('web2.example.org')['env'], 'from-group-vars-all');
  t.false('ignored' in inv.hostVars('web2.example.org'), '.txt and hidden files in group_vars/web/ are skipped');
  t.deepEqual(inv.hostVars('db-004')['backup'], { hour: 3, keep: [7, 30] });
  t.is(inv.hostVars('bastion')['ansible_user'], 'admin', 'host_vars/bastion without extension');
  const m = inv.magicVars('web1.example.org');
  t.is(m['inventory_hostname_short'], 'web1');
  t.deepEqual(m['group_names'], ['prod', 'web']);
  t.is(m['inventory_file'], fixture('yaml-basic', 'hosts.yml'));
  t.is(m['inventory_dir'], fixture('yaml-basic'));
});

test('hosts listed before children are added first; string forms of hosts/children', async (t) => {
  const inv = await load('top:\n  hosts: h1\n  children: sub\nsub:\n  hosts:\n    h2:\n');
  t.deepEqual(inv.groupMembers('top'), ['h1', 'h2']);
  t.deepEqual(inv.groupChildren('all'), ['ungrouped', 'top']);
  t.deepEqual(inv.hosts(), ['h1', 'h2']);
});

test('empty files and empty groups are fine', async (t) => {
  const inv = await load('# nothing yet\n');
  t.deepEqual(inv.hosts(), []);
  const inv2 = await load('all:\n  children:\n    empty:\n    alsoempty: {}\n');
  t.deepEqual(inv2.groupChildren('all'), ['ungrouped', 'empty', 'alsoempty']);
  t.deepEqual(inv2.toAnsibleList(), { _meta: { hostvars: {} }, all: { children: ['ungrouped', 'empty', 'alsoempty'] } });
});

test('JSON inventories are YAML', async (t) => {
  const inv = await load('{"all": {"hosts": {"h1": {"a": 1}}}}', 'inv.json');
  t.deepEqual(inv.hostVars('h1'), { a: 1 });
});

test('an extension-less file is YAML when it is a mapping, else INI', async (t) => {
  const yamlInv = await load('g:\n  hosts:\n    h1:\n', 'hosts');
  t.deepEqual(yamlInv.groupMembers('g'), ['h1']);
  const iniInv = await load('h0\n[g]\nh1 a=1\n', 'hosts');
  t.deepEqual(iniInv.groupMembers('g'), ['h1']);
  t.deepEqual(iniInv.groupMembers('ungrouped'), ['h0']);
});

// [title, inventory text, line, column, message]
const errors: [string, string, number, number, RegExp][] = [
  ['host mapped to a string', 'all:\n  children:\n    web:\n      hosts:\n        h1:\n        h2: oops\n', 6, 13, /host "h2" of group "web" must map to nothing or to a mapping.*\/all\/children\/web\/hosts\/h2/],
  ['unknown key in a group', 'all:\n  children:\n    web:\n      host:\n        h1:\n', 4, 7, /unexpected key "host" in group "web".*hosts", "children" and "vars"/],
  ['vars as a list', 'all:\n  children:\n    web:\n      hosts:\n        h1:\n      vars: [1, 2]\n', 6, 13, /"vars" of group "web" must be a mapping/],
  ['a list at the top', '- a\n- b\n', 1, 1, /must be a mapping of group names/],
  ['a group as a list', 'all:\n  children:\n    db:\n      - h2\n', 4, 7, /group "db" must be nothing or a mapping.*got a list/],
  ['hosts as a list', 'web:\n  hosts:\n    - h1\n', 3, 5, /"hosts" of group "web" must be a mapping of host names/],
  ['group that is its own ancestor', 'all:\n  children:\n    a:\n      children:\n        b:\n          children:\n            a:\n', 5, 9, /cycle.*"b".*"a"/],
  ['group that is its own child', 'a:\n  children:\n    a:\n', 3, 5, /cannot be a child of itself/],
  ['bad range', 'all:\n  hosts:\n    h[1:3:0]:\n', 3, 5, /step/],
  ['YAML syntax', 'all:\n  hosts:\n    h1: {a: 1\n', 4, 1, /YAML syntax error/],
  ['plugin config', 'plugin: aws_ec2\n', 1, 1, /plugin/],
  ['non-integer group priority', 'g:\n  vars:\n    ansible_group_priority: high\n  hosts: {h: }\n', 3, 29, /ansible_group_priority.*integer/],
];
for (const [title, text, line, column, message] of errors) {
  test(`YAML error: ${title}`, async (t) => {
    const { err, file } = await loadError(text);
    t.regex(err.message, message);
    t.deepEqual(err.location, { file, line, column }, err.describe());
    t.true(err.describe().startsWith(`${file}:${line}:${column}: `));
  });
}

test('a missing source is an input error', async (t) => {
  await t.throwsAsync(loadInventory(['/nonexistent/inventory.yml']), { instanceOf: InputError, message: /not found/ });
});

test('a comma-separated host list is a source', async (t) => {
  const inv = await loadInventory(['h1,h2:2222,']);
  t.deepEqual(inv.hosts(), ['h1', 'h2']);
  t.is(inv.hostVars('h2')['ansible_port'], 2222);
  t.deepEqual(inv.groupNames('h1'), ['ungrouped']);
});
