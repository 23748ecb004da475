import test from 'ava';
import { groupModule, type GroupArgs } from '../../../src/modules/group.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { runTwice } from '../../helpers/module-run.js';

/** A fake group database answering getent/groupadd/groupmod/groupdel. */
function groups(h: FakeHost, db: Map<string, number>): FakeHost {
  const q = (t: string): string[] => t.split(' ');
  h.on(/^getent group /, (t) => {
    const n = q(t)[2]!;
    return db.has(n) ? { stdout: `${n}:x:${db.get(n)}:\n` } : { code: 2 };
  });
  h.on(/^groupadd /, (t) => {
    const a = q(t);
    const name = a[a.length - 1]!;
    const g = a.indexOf('-g');
    const gid = g >= 0 ? Number(a[g + 1]) : a.includes('-r') ? 999 : 1001;
    if ([...db.values()].includes(gid) && !a.includes('-o')) return { code: 4, stderr: `groupadd: GID '${gid}' already exists` };
    db.set(name, gid);
    return {};
  });
  h.on(/^groupmod -g /, (t) => {
    const a = q(t);
    db.set(a[a.length - 1]!, Number(a[2]));
    return {};
  });
  h.on(/^groupdel /, (t) => {
    db.delete(q(t)[1]!);
    return {};
  });
  return h;
}

test('group: schema', (t) => {
  const v = validator(groupModule.args as object, false);
  t.true(v({ name: 'deploy', gid: 2000, system: true }));
  t.true(v({ name: 'deploy', state: 'absent' }));
  t.false(v({ name: 'deploy', non_unique: true }));
  t.false(v({ name: 'a:b' }));
  t.false(v({ gid: 1 }));
});

const cases: { name: string; db: [string, number][]; args: GroupArgs; first: string[]; after: [string, number | undefined] }[] = [
  { name: 'create with a gid', db: [], args: { name: 'deploy', gid: 2000 }, first: ['create other group deploy'], after: ['deploy', 2000] },
  { name: 'create a system group', db: [], args: { name: 'svc', system: true }, first: ['create other group svc'], after: ['svc', 999] },
  { name: 'exists, no gid asked', db: [['deploy', 1500]], args: { name: 'deploy' }, first: [], after: ['deploy', 1500] },
  { name: 'gid changed', db: [['deploy', 1500]], args: { name: 'deploy', gid: 2000 }, first: ['update other group deploy'], after: ['deploy', 2000] },
  { name: 'non_unique gid', db: [['a', 2000]], args: { name: 'b', gid: 2000, non_unique: true }, first: ['create other group b'], after: ['b', 2000] },
  { name: 'absent removes', db: [['deploy', 1500]], args: { name: 'deploy', state: 'absent' }, first: ['delete other group deploy'], after: ['deploy', undefined] },
  { name: 'absent already', db: [], args: { name: 'deploy', state: 'absent' }, first: [], after: ['deploy', undefined] },
];

for (const c of cases) {
  test(`group: ${c.name}`, async (t) => {
    const db = new Map(c.db);
    const { first, second, result } = await runTwice(groupModule, groups(new FakeHost(), db), c.args);
    t.deepEqual(first.map((x) => `${x.action} ${x.kind} ${x.target}`), c.first);
    t.deepEqual(second, []);
    t.is(db.get(c.after[0]), c.after[1]);
    if (first.length > 0 && c.args.state !== 'absent') t.is((result as { gid?: number }).gid, c.after[1]);
  });
}

test('group: local reads /etc/group', async (t) => {
  const host = groups(new FakeHost({ files: { '/etc/group': 'root:x:0:\ndeploy:x:1500:alice\n' } }), new Map());
  const { first } = await runTwice(groupModule, host, { name: 'deploy', gid: 1500, local: true });
  t.deepEqual(first, []);
  t.false(host.execs().some((e) => e.startsWith('getent')));
});
