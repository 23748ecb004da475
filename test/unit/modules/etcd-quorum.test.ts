/** Which etcd members may leave: undeclared ones, unhealthy first, never below a healthy quorum. */
import test from 'ava';
import { parseCluster, parseDeclared, planRemovals, quorumOf, type ClusterMember } from '../../../src/modules/support/etcd-quorum.js';

const m = (name: string, healthy = true, id = name): ClusterMember => ({ id, name, peerURLs: [`https://${name}:2380`], healthy });
const declared = (...names: string[]) => new Map(names.map((n) => [n, `https://${n}:2380`]));
const names = (ms: ClusterMember[]) => ms.map((x) => x.name);

test('quorum sizes', (t) => {
  t.deepEqual([1, 2, 3, 4, 5, 6, 7].map(quorumOf), [1, 2, 2, 3, 3, 4, 4]);
});

const cases: [string, ClusterMember[], Map<string, string>, string[] | RegExp][] = [
  ['all declared: nothing', [m('a'), m('b'), m('c')], declared('a', 'b', 'c'), []],
  ['4 → 3', [m('a'), m('b'), m('c'), m('d')], declared('a', 'b', 'c'), ['d']],
  ['4 → 3, d down', [m('a'), m('b'), m('c'), m('d', false)], declared('a', 'b', 'c'), ['d']],
  ['unhealthy first', [m('a'), m('b', false), m('c'), m('d')], declared('a', 'c'), ['b', 'd']],
  ['5 → 3 with one kept member down', [m('a'), m('b'), m('c', false), m('d'), m('e')], declared('a', 'b', 'c'), ['d', 'e']],
  ['down to one healthy member', [m('a'), m('b'), m('c')], declared('a'), ['b', 'c']],
  ['kept members down: would lose quorum', [m('a'), m('b', false), m('c')], declared('a', 'b'), /refusing to remove c: the 2 members left would have 1 healthy, below their quorum of 2 \(not healthy: b\)/],
  ['no quorum now', [m('a'), m('b', false), m('c', false)], declared('a', 'b'), /no quorum now \(1 healthy of 3 members, quorum 2\)/],
  ['nothing declared is a member: refuse all', [m('a'), m('b')], declared('x', 'y'), /no member of the running cluster is declared/],
  ['the last member never goes', [m('a')], declared('b'), /would remove every member/],
];

for (const [title, members, decl, want] of cases) {
  test(`planRemovals: ${title}`, (t) => {
    const plan = planRemovals(members, decl);
    if (want instanceof RegExp) {
      t.deepEqual(plan.remove, []);
      t.regex(plan.refused ?? '', want);
    } else {
      t.is(plan.refused, undefined);
      t.deepEqual(names(plan.remove), want);
    }
  });
}

test('a member added but not started yet is kept when its peer URL is declared', (t) => {
  const unstarted: ClusterMember = { id: '1f', name: '', peerURLs: ['https://d:2380'], healthy: false };
  t.deepEqual(planRemovals([m('a'), m('b'), m('c'), unstarted], declared('a', 'b', 'c', 'd')).remove, []);
  t.deepEqual(planRemovals([m('a'), m('b'), m('c'), unstarted], declared('a', 'b', 'c')).remove, [unstarted]);
});

test('parseCluster keeps every digit of uint64 IDs and marks health by client URL', (t) => {
  const list = '{"header":{"cluster_id":17237436991929493444,"member_id":9372538179322589801},"members":[{"ID":10276657743932975437,"name":"node1","peerURLs":["https://10.0.0.1:2380"],"clientURLs":["https://10.0.0.1:2379"]},{"ID":1,"name":"node2","peerURLs":["https://10.0.0.2:2380"],"clientURLs":["https://10.0.0.2:2379"]},{"ID":2,"peerURLs":["https://10.0.0.3:2380"]}]}';
  const health = '[{"endpoint":"https://10.0.0.1:2379","health":true,"took":"1ms"},{"endpoint":"https://10.0.0.2:2379","health":false,"error":"x"}]';
  const got = parseCluster(list, health)!;
  t.deepEqual(got.map((x) => [x.id, x.name, x.healthy]), [
    ['8e9e05c52164694d', 'node1', true],
    ['1', 'node2', false],
    ['2', '', false],
  ]);
  t.is(parseCluster('not json', ''), undefined);
  t.deepEqual(parseCluster(list, '')!.map((x) => x.healthy), [false, false, false]);
});

test('parseDeclared', (t) => {
  t.deepEqual([...parseDeclared('n1=https://a:2380,n2=https://b:2380')], [
    ['n1', 'https://a:2380'],
    ['n2', 'https://b:2380'],
  ]);
});
