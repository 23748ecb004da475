/**
 * Our inventory views against the real `ansible-inventory` (ansible-core 2.14 on the dev
 * machine) on the fixture inventories. One ansible-inventory call per fixture (~0.5 s each).
 * Without ansible-core installed (`apt-get install ansible-core`) these tests are skipped.
 */
import test from 'ava';
import { loadInventory } from '../../../src/inventory/index.js';
import { ansibleInventory, fixture, hasAnsibleInventory, normalizeList } from './helpers.js';

const available = await hasAnsibleInventory();
// Serial: several python processes at once only slow each other down on a 2-core machine.
const oracle = available ? test.serial : test.skip;
if (!available) console.warn('ansible-inventory not found: oracle tests skipped');

interface Case {
  title: string;
  sources: string[];
  playbookDir?: string;
}

const cases: Case[] = [
  { title: 'YAML: ranges, ports, nested groups, group_vars dir, host_vars', sources: [fixture('yaml-basic', 'hosts.yml')] },
  { title: 'INI without extension: literals, pending children, [all:vars]', sources: [fixture('ini', 'hosts')] },
  {
    title: 'precedence: depth, priority, names, group_vars/all vs child, playbook dir',
    sources: [fixture('precedence', 'inventory', 'hosts.yml')],
    playbookDir: fixture('precedence', 'playbook'),
  },
  { title: 'directory source: YAML + INI + sub-directory, .ini/.md skipped', sources: [fixture('dir-source', 'inventory')] },
  { title: 'two sources (YAML then INI) merge', sources: [fixture('multi', 's1', 'inv.yml'), fixture('multi', 's2', 'inv.ini')] },
];

for (const c of cases) {
  oracle(`--list matches ansible-inventory: ${c.title}`, async (t) => {
    const args = [...c.sources.flatMap((s) => ['-i', s]), ...(c.playbookDir ? ['--playbook-dir', c.playbookDir] : []), '--list'];
    const [theirs, inv] = await Promise.all([
      ansibleInventory(args),
      loadInventory(c.sources, { extraVarsDirs: c.playbookDir ? [c.playbookDir] : [] }),
    ]);
    const expected = normalizeList(JSON.parse(theirs));
    const actual = normalizeList(inv.toAnsibleList());
    t.deepEqual(actual.groups, expected.groups);
    t.deepEqual(actual.hostvars, expected.hostvars);
    // Sanity: the fixture is not trivially empty.
    t.true(Object.keys(expected.hostvars as object).length >= 3);
  });
}

oracle('--graph and --host print what ansible-inventory prints', async (t) => {
  const src = fixture('multi', 's1', 'inv.yml');
  const src2 = fixture('multi', 's2', 'inv.ini');
  const inv = await loadInventory([src, src2]);
  const graph = await ansibleInventory(['-i', src, '-i', src2, '--graph']);
  t.is(inv.toGraph(), graph.trimEnd());
  // --host prints the same merged vars (one more call; it is the same vars code path as --list).
  const host = JSON.parse(await ansibleInventory(['-i', src, '-i', src2, '--host', 'h1'])) as unknown;
  t.deepEqual(inv.hostJson('h1'), host);
});
