/**
 * Variable precedence, as ansible-core 2.14 resolves it (the fixture's expected winners
 * were confirmed with ansible-inventory; oracle.test.ts checks the whole file against it).
 */
import test from 'ava';
import { loadInventory } from '../../../src/inventory/index.js';
import { fixture, tempTree } from './helpers.js';
import path from 'node:path';

const inventory = fixture('precedence', 'inventory', 'hosts.yml');
const playbook = fixture('precedence', 'playbook');

test('each variable is won by the layer Ansible picks', async (t) => {
  const inv = await loadInventory([inventory], { extraVarsDirs: [playbook] });
  const v = inv.hostVars('h1');
  // inventory group vars: child beats parent beats all
  t.is(v['p_all_only'], 'all-inventory');
  t.is(v['p_inv_depth'], 'rack-inventory');
  // same depth: higher ansible_group_priority wins, then the alphabetically later name
  t.is(v['p_priority'], 'alpha-priority-10');
  t.is(v['p_name'], 'gamma');
  t.is(v['p_same_depth'], 'region');
  // ANY group_vars file beats ANY inventory group var: group_vars/all beats zone's `vars:`
  t.is(v['p_gv_all_vs_child'], 'group-vars-all');
  // group_vars files among themselves: by depth; inventory dir before playbook dir
  t.is(v['p_gv_depth'], 'rack-group-vars');
  t.is(v['p_gv_layers'], 'playbook-group-vars-zone');
  t.is(v['p_pb_vs_inv_gv'], 'playbook-group-vars-all');
  t.is(v['p_pb_all_vs_inv_group'], 'playbook-group-vars-all');
  // the priority used for sorting comes from the inventory file, not from group_vars
  t.is(v['p_gv_priority'], 'alpha');
  t.is(v['ansible_group_priority'], 1, 'a group_vars ansible_group_priority is just a variable');
  // group_vars/NAME/ directory: files merged in name order
  t.is(v['p_dir_order'], 'beta-b');
  // host vars: inventory < host_vars beside inventory < host_vars in playbook dir
  t.is(v['p_host'], 'h1-inventory');
  t.is(v['p_hv_vs_inv'], 'h1-host-vars');
  t.is(v['p_pb_hv'], 'playbook-host-vars');
});

test('without the playbook dir its group_vars/host_vars do not apply', async (t) => {
  const inv = await loadInventory([inventory]);
  const v = inv.hostVars('h1');
  t.is(v['p_pb_vs_inv_gv'], 'inventory-group-vars-all');
  t.is(v['p_gv_layers'], 'inventory-group-vars-region');
  t.is(v['p_pb_hv'], 'inventory-host-vars');
  t.false('p_pb_all_vs_inv_group' in v);
});

test('ansible_group_priority from the inventory is not a host variable', async (t) => {
  const inv = await loadInventory([inventory]);
  t.false('ansible_group_priority' in inv.hostVars('h2'));
  // h3 sees only group_vars/alpha.yml's value, never the inventory's 10
  t.is(inv.hostVars('h3')['ansible_group_priority'], 1);
  t.is(inv.hostVars('h3')['p_priority'], 'alpha-priority-10');
});

test('hostVars returns a copy', async (t) => {
  const dir = await tempTree({ 'h.yml': 'all:\n  vars:\n    nested: {a: [1]}\n  hosts:\n    x:\n' });
  const inv = await loadInventory([path.join(dir, 'h.yml')]);
  const v = inv.hostVars('x') as { nested: { a: number[] } };
  v.nested.a.push(2);
  t.deepEqual(inv.hostVars('x')['nested'], { a: [1] });
});

test('later sources override earlier ones; group_vars of each source in source order', async (t) => {
  const dir = await tempTree({
    'a/inv.yml': 'all:\n  children:\n    g:\n      hosts:\n        h:\n          x: a\n      vars:\n        y: a\n',
    'a/group_vars/g.yml': 'z: a-g\nw: a-g\n',
    'b/inv.ini': '[g]\nh x=b\n[g:vars]\ny=b\n[child]\nh\n[g:children]\nchild\n',
    'b/group_vars/all.yml': 'z: b-all\nw: b-all\n',
    'b/group_vars/child.yml': 'w: b-child\n',
  });
  const inv = await loadInventory([path.join(dir, 'a/inv.yml'), path.join(dir, 'b/inv.ini')]);
  const v = inv.hostVars('h');
  t.is(v['x'], 'b');
  t.is(v['y'], 'b');
  t.is(v['z'], 'a-g', 'group_vars/g (any source) beats group_vars/all (any source)');
  t.is(v['w'], 'b-child', 'deeper group wins among group_vars files');
  t.deepEqual(inv.groupNames('h'), ['child', 'g']);
});

test('a group defined twice keeps the vars set last', async (t) => {
  const dir = await tempTree({
    'inv.yml': 'all:\n  children:\n    g:\n      vars: {a: 1, b: 1}\n      hosts: {h: }\n    p:\n      children:\n        g:\n          vars: {b: 2}\n',
  });
  const inv = await loadInventory([path.join(dir, 'inv.yml')]);
  t.deepEqual(inv.hostVars('h'), { a: 1, b: 2 });
});
