/**
 * --shard K/N against one lab: three shards run as parallel processes, their --json outputs
 * merged by `recap merge`, give the same recap as one unsharded run on fresh hosts, and the
 * hosts' real state is the same; a second sharded run changes nothing.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const NAME = 'e2e-shard';
const PLAYBOOK = 'bench/bench.yaml';
const SHARDS = 3;
const skip = await labSkipReason();

async function shardedRun(info: LabInfo, dir: string, tag: string): Promise<{ files: string[]; codes: number[] }> {
  const runs = await Promise.all(
    Array.from({ length: SHARDS }, (_, k) => hostforge(['apply', PLAYBOOK, '-i', info.inventoryPath, '--json', '--shard', `${k + 1}/${SHARDS}`])),
  );
  const files = await Promise.all(
    runs.map(async (r, k) => {
      const file = join(dir, `${tag}-${k + 1}.json`);
      await writeFile(file, r.stdout);
      return file;
    }),
  );
  return { files, codes: runs.map((r) => r.code) };
}

if (skip !== undefined) {
  test('shard (skipped)', (t) => {
    t.log(`skipped: ${skip}`);
    t.pass();
  });
} else {
  let dir = '';
  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hf-shard-'));
  });
  test.after.always(async () => {
    await stopLab(NAME);
    await rm(dir, { recursive: true, force: true });
  });

  test.serial('three parallel shards merged equal one unsharded run on fresh hosts', async (t) => {
    let info = await startLab(NAME, 7);
    const whole = await hostforge(['apply', PLAYBOOK, '-i', info.inventoryPath, '--json']);
    t.is(whole.code, 0, whole.stderr);
    const expected = recapOf(whole.stdout);
    t.is(Object.keys(expected).length, 7);

    info = await startLab(NAME, 7); // fresh hosts again
    const first = await shardedRun(info, dir, 'converge');
    t.deepEqual(first.codes, [0, 0, 0]);
    const shardHosts = first.files.map(() => 0);
    const merged = await hostforge(['recap', 'merge', '--json', ...first.files]);
    t.is(merged.code, 0, merged.stderr);
    const end = JSON.parse(merged.stdout) as { recap: typeof expected; exitCode: number; shards: number };
    t.deepEqual(end.recap, expected, 'the same recap, host by host');
    t.is(end.exitCode, 0);
    t.is(end.shards, SHARDS);
    for (const [k, f] of first.files.entries()) {
      const r = await hostforge(['recap', 'merge', '--json', f]);
      shardHosts[k] = Object.keys((JSON.parse(r.stdout) as { recap: object }).recap).length;
    }
    t.is(shardHosts.reduce((a, b) => a + b, 0), 7, 'the shards split the hosts without overlap');
    t.true(shardHosts.filter((n) => n > 0).length >= 2, `more than one shard did work: ${shardHosts.join(', ')}`);

    for (const h of info.hosts) {
      const r = await sshRun(info, h.name, 'cat /opt/bench/d1/f.conf');
      t.is(r.stdout, `host=${h.name} n=1\n`, h.name);
    }

    const again = await shardedRun(info, dir, 'nochange');
    t.deepEqual(again.codes, [0, 0, 0]);
    const plain = await hostforge(['recap', 'merge', ...again.files]);
    t.is(plain.code, 0, plain.stderr);
    t.regex(plain.stdout, /PLAY RECAP/);
    const second = JSON.parse((await hostforge(['recap', 'merge', '--json', ...again.files])).stdout) as { recap: typeof expected };
    t.deepEqual(Object.values(second.recap).map((r) => r.changed), [0, 0, 0, 0, 0, 0, 0], 'a second sharded run changes nothing');
  });

  test.serial('recap merge refuses overlapping shards and a truncated output (exit 1)', async (t) => {
    const names = Array.from({ length: SHARDS }, (_, k) => join(dir, `converge-${k + 1}.json`));
    const sizes = await Promise.all(
      names.map(async (f) => Object.keys((JSON.parse((await hostforge(['recap', 'merge', '--json', f])).stdout) as { recap: object }).recap).length),
    );
    const busy = names[sizes.findIndex((n) => n > 0)] as string;
    const overlap = await hostforge(['recap', 'merge', busy, busy]);
    t.is(overlap.code, 1);
    t.regex(overlap.stderr, /the shards overlap/);
    const cut = join(dir, 'cut.json');
    await writeFile(cut, '{"type":"run_start","playbook":"x","check":false,"hosts":1}\n');
    const r = await hostforge(['recap', 'merge', cut]);
    t.is(r.code, 1);
    t.regex(r.stderr, /no run_end line/);
    const bad = await hostforge(['apply', PLAYBOOK, '-i', 'inventory.example.yaml', '--shard', '4/3']);
    t.is(bad.code, 1);
    t.regex(bad.stderr, /--shard "4\/3"/);
  });
}
