import test from 'ava';
import { batches, mapLimit, taskSelected } from '../../../src/engine/play-runner.js';
import type { Task } from '../../../src/playbook/types.js';

const hosts = ['a', 'b', 'c', 'd', 'e'];

test('serial: numbers, percentages and lists of steps', (t) => {
  t.deepEqual(batches(hosts, undefined), [hosts]);
  t.deepEqual(batches(hosts, [2]), [['a', 'b'], ['c', 'd'], ['e']]);
  t.deepEqual(batches(hosts, ['40%']), [['a', 'b'], ['c', 'd'], ['e']]);
  t.deepEqual(batches(hosts, [1, 3]), [['a'], ['b', 'c', 'd'], ['e']]);
  t.deepEqual(batches(hosts, ['10%']), [['a'], ['b'], ['c'], ['d'], ['e']]);
});

const task = (tags: string[]): Task => ({ name: 't', module: 'debug', args: {}, loopVar: 'item', notify: [], listen: [], tags, ignoreErrors: false, retries: 0, delayS: 0, vars: {}, noLog: false, searchPaths: [], location: { file: 'x' } });

test('tags and skip-tags like Ansible', (t) => {
  const f = (tags: string[], skipTags: string[] = []) => ({ tags, skipTags });
  t.true(taskSelected(task([]), f([])));
  t.false(taskSelected(task(['never']), f([])));
  t.true(taskSelected(task(['never', 'x']), f(['x'])));
  t.true(taskSelected(task(['always']), f(['other'])));
  t.false(taskSelected(task(['always']), f([], ['always'])));
  t.true(taskSelected(task(['web']), f(['web'])));
  t.false(taskSelected(task(['db']), f(['web'])));
  t.false(taskSelected(task(['web']), f([], ['web'])));
  t.true(taskSelected(task(['web']), f(['tagged'])));
  t.true(taskSelected(task([]), f(['untagged'])));
});

test('mapLimit keeps order and bounds concurrency', async (t) => {
  let active = 0;
  let peak = 0;
  const out = await mapLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 5));
    active--;
    return n * 2;
  });
  t.deepEqual(out, [2, 4, 6, 8, 10, 12, 14]);
  t.is(peak, 3);
});
