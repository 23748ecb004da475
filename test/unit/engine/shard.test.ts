import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { fnv1a, inShard, parseShard, shardOf } from '../../../src/engine/shard.js';
import { mergeRecaps, parseShardOutput } from '../../../src/cli/recap.js';

test('--shard K/N parses 1 ≤ K ≤ N and refuses the rest', (t) => {
  t.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
  t.deepEqual(parseShard('1/1'), { index: 1, count: 1 });
  for (const bad of ['0/4', '5/4', '1/0', '1', 'a/b', '1/2/3', '-1/2', '']) t.throws(() => parseShard(bad), { instanceOf: InputError }, bad);
});

test('FNV-1a matches the reference values', (t) => {
  t.is(fnv1a(''), 0x811c9dc5);
  t.is(fnv1a('a'), 0xe40c292c);
  t.is(fnv1a('foobar'), 0xbf9cf968);
});

test('shards partition the hosts, and adding hosts moves no other host', (t) => {
  const hosts = Array.from({ length: 500 }, (_, k) => `node${k + 1}`);
  for (const n of [1, 2, 3, 7]) {
    const parts = Array.from({ length: n }, (_, k) => hosts.filter((h) => inShard(h, { index: k + 1, count: n })));
    t.is(parts.flat().length, hosts.length, 'every host in exactly one shard');
    t.deepEqual(new Set(parts.flat()).size, hosts.length);
    for (const p of parts) t.true(p.length > (hosts.length / n) * 0.7, `shards are balanced: ${p.length} of ${hosts.length}/${n}`);
  }
  const before = hosts.map((h) => shardOf(h, 4));
  const more = [...hosts, 'extra1', 'extra2'];
  t.deepEqual(more.slice(0, hosts.length).map((h) => shardOf(h, 4)), before);
});

const end = (recap: object, exitCode = 0): string => `{"type":"run_start"}\n${JSON.stringify({ type: 'run_end', recap, durationMs: 1200, exitCode })}\n`;
const r = (changed: number, extra: object = {}): object => ({ ok: 3, changed, failed: 0, skipped: 0, unreachable: 0, ignored: 0, ...extra });

test('recap merge: hosts of every shard, sorted; overlap and truncated outputs are errors', (t) => {
  const a = parseShardOutput(end({ node2: r(1) }), 'a.json');
  const b = parseShardOutput(end({ node1: r(0), node3: r(2, { failed: 1 }) }, 2), 'b.json');
  t.deepEqual(Object.keys(mergeRecaps([a, b])), ['node1', 'node2', 'node3']);
  t.is(mergeRecaps([a, b]).node3?.failed, 1);
  t.throws(() => mergeRecaps([a, a]), { instanceOf: InputError, message: /node2.*both a.json and a.json/ });
  t.throws(() => parseShardOutput('{"type":"run_start"}\n{"type":"task_result"}\n', 'c.json'), { instanceOf: InputError, message: /c.json: no run_end/ });
  t.throws(() => parseShardOutput(end({ node1: { ok: 'x' } }), 'd.json'), { instanceOf: InputError, message: /d.json:2/ });
});

test('recap merge: parses each shard\'s rebootRequired (absent in older outputs)', (t) => {
  const line = JSON.stringify({ type: 'run_end', recap: { node1: r(1) }, durationMs: 5, exitCode: 0, rebootRequired: { node1: ['kernel command line in /etc/default/grub'], bad: 'x' } });
  t.deepEqual(parseShardOutput(`${line}\n`, 'a.json').rebootRequired, { node1: ['kernel command line in /etc/default/grub'] });
  t.deepEqual(parseShardOutput(end({ node2: r(0) }), 'b.json').rebootRequired, {});
});
