import test from 'ava';
import { comparePlans } from '../../../src/plan/compare.js';
import { canonical, digest } from '../../../src/plan/digest.js';
import type { PlannedChange, PlannedStep } from '../../../src/plan/file.js';
import { inputDrift } from '../../../src/plan/inputs.js';
import { planDrift, planKey } from '../../../src/engine/saved-plan.js';

const ch = (target: string, write = 'w', before = 'b', action = 'update'): PlannedChange => ({ action, kind: 'file', target, summary: `${action} ${target}`, write, content: write, before });
const step = (host: string, task: string, changes: PlannedChange[]): PlannedStep => ({ host, task, changes });

const cases: [string, PlannedStep[], PlannedStep[], Record<string, RegExp>][] = [
  ['identical', [step('h1', 't', [ch('/a')])], [step('h1', 't', [ch('/a')])], {}],
  ['became a no-op', [step('h1', 't', [ch('/a'), ch('/b')])], [step('h1', 't', [ch('/b')])], {}],
  ['whole task became a no-op', [step('h1', 't', [ch('/a')])], [], {}],
  ['content differs', [step('h1', 't', [ch('/a')])], [step('h1', 't', [ch('/a', 'w2')])], { h1: /update file \/a — what it writes differs/ }],
  ['host changed', [step('h1', 't', [ch('/a')])], [step('h1', 't', [ch('/a', 'w', 'b2')])], { h1: /\/a on the host changed since the plan/ }],
  ['new change', [step('h1', 't', [ch('/a')])], [step('h1', 't', [ch('/a'), ch('/c')])], { h1: /update \/c — not in the reviewed plan/ }],
  ['new task', [], [step('h2', 'u', [ch('/a')])], { h2: /task "u": update \/a — not in the reviewed plan/ }],
  ['other action on the same target', [step('h1', 't', [ch('/a')])], [step('h1', 't', [ch('/a', 'w', 'b', 'delete')])], { h1: /not in the reviewed plan/ }],
  ['per host', [step('h1', 't', [ch('/a')]), step('h2', 't', [ch('/a')])], [step('h1', 't', [ch('/a')]), step('h2', 't', [ch('/a', 'x')])], { h2: /differs/ }],
];

for (const [name, saved, fresh, want] of cases) {
  test(`comparePlans: ${name}`, (t) => {
    const got = comparePlans(saved, fresh);
    t.deepEqual([...got.keys()].sort(), Object.keys(want).sort());
    for (const [h, re] of Object.entries(want)) t.regex(got.get(h)!.join('\n'), re);
  });
}

test('canonical JSON sorts keys and drops undefined', (t) => {
  t.is(canonical({ b: 1, a: [1, { d: undefined, c: 'x' }] }), '{"a":[1,{"c":"x"}],"b":1}');
  t.is(digest('s', { a: 1, b: 2 }), digest('s', { b: 2, a: 1 }));
  t.not(digest('s', { a: 1 }), digest('t', { a: 1 }), 'keyed by the salt');
});

test('inputDrift names -e values and files', (t) => {
  const d = inputDrift({ '-e:ver': 'x', 'file:/p/templates/a.hbs': '1', 'file:/p/old.yml': '1' }, { '-e:ver': 'y', 'file:/p/templates/a.hbs': '2', 'file:/p/new.yml': '1' }, { was: { ver: 2 }, now: { ver: '666' } }, '/p');
  t.deepEqual(d, ['-e ver=666 (was 2)', 'new.yml (new)', 'old.yml (removed)', 'templates/a.hbs (changed)']);
});

test('planDrift: a no-op is fine, a new change or other content is not, a refused host is refused', (t) => {
  const salt = 'k';
  const c = { action: 'update' as const, kind: 'file' as const, target: '/a', summary: 's', after: 'x\n' };
  const key = planKey('h1', 't', undefined);
  const { contentDigest } = { contentDigest: (s: string, x: typeof c) => digest(s, { after: x.after, attrs: undefined }) };
  const saved = { changes: new Map([[key, [{ signature: 'update file /a', content: contentDigest(salt, c) }]]]), salt, refused: new Map([['h2', 'because']]) };
  t.is(planDrift(saved, key, [c]), undefined);
  t.is(planDrift(saved, key, []), undefined);
  t.regex(planDrift(saved, key, [{ ...c, after: 'y\n' }]) ?? '', /content differs from the saved plan: update file \/a/);
  t.regex(planDrift(saved, key, [c, { ...c, target: '/b' }]) ?? '', /not in the saved plan: update file \/b/);
  t.regex(planDrift(saved, planKey('h2', 't', undefined), []) ?? '', /refused for this host before any change: because/);
});
