/** The documented variable precedence, layer by layer. */
import test from 'ava';
import { buildScope, type HostRunState, type InventoryView } from '../../../src/engine/context.js';
import { PredictedState } from '../../../src/engine/predicted-host.js';
import type { Vars } from '../../../src/modules/types.js';
import type { RoleRef, Task } from '../../../src/playbook/types.js';

const inv = (vars: Vars): InventoryView => ({
  hosts: () => ['h1', 'h2'],
  hostVars: (h) => (h === 'h1' ? vars : { ip: '10.0.0.2' }),
  groupNames: () => ['web'],
  groupMembers: () => ['h1', 'h2'],
  groups: () => ['web'],
});

const role: RoleRef = { name: 'r', path: '/roles/r', defaults: { v: 'role-default', d: 1 }, vars: {}, params: {} };
const task = (vars: Vars): Task => ({
  name: 't', module: 'debug', args: {}, loopVar: 'item', notify: [], listen: [], tags: [], ignoreErrors: false, retries: 0, delayS: 0, vars, noLog: false, searchPaths: [], location: { file: 'x' }, role,
});

function scope(layers: { inv?: Vars; play?: Vars; roleVars?: Vars; params?: Vars; task?: Vars; registered?: Vars; extra?: Vars; loop?: Vars }) {
  const states = new Map<string, HostRunState>([
    ['h1', { name: 'h1', registered: layers.registered ?? {}, predicted: new PredictedState(), failed: false, unreachable: false, notified: new Set() }],
  ]);
  return buildScope({
    inv: inv(layers.inv ?? {}),
    run: { extraVars: layers.extra ?? {}, playbookDir: '/pb', check: false, revealed: new Set() },
    host: 'h1',
    states,
    playVars: layers.play ?? {},
    playHosts: ['h1', 'h2'],
    role: { ...role, vars: layers.roleVars ?? {}, params: layers.params ?? {} },
    task: task(layers.task ?? {}),
    extra: layers.loop,
  }).context as Record<string, unknown>;
}

test('each layer overrides the ones below it', (t) => {
  const order: [keyof Parameters<typeof scope>[0], string][] = [
    ['inv', 'inventory'],
    ['play', 'play'],
    ['roleVars', 'role-vars'],
    ['task', 'task'],
    ['registered', 'registered'],
    ['params', 'role-param'],
    ['loop', 'loop'],
    ['extra', 'extra'],
  ];
  t.is(scope({}).v, 'role-default');
  const layers: Parameters<typeof scope>[0] = {};
  for (const [layer, value] of order) {
    layers[layer] = { v: value };
    t.is(scope(layers).v, value, `${layer} wins over everything below it`);
  }
});

test('magic variables and other hosts through hostvars', (t) => {
  const c = scope({ inv: { ip: '10.0.0.1' } });
  t.is(c.inventory_hostname, 'h1');
  t.deepEqual(c.group_names, ['web']);
  t.deepEqual((c.groups as Record<string, string[]>).web, ['h1', 'h2']);
  t.is(((c.hostvars as Record<string, Vars>).h2 as Vars).ip, '10.0.0.2');
  t.is(c.role_path, '/roles/r');
  t.is(c.d, 1);
});

test('templated variables resolve lazily in their own host scope', (t) => {
  const c = scope({ inv: { addr: '{{inventory_hostname}}.example' }, play: { url: 'https://{{addr}}' } });
  t.is(c.url, 'https://h1.example');
});
