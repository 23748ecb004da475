import test from 'ava';
import { execFileSync } from 'node:child_process';
import { retry } from '../../../src/edit/retry.js';
import { parseSections, sectionsScript } from '../../../src/edit/script.js';

function run(script: string): string {
  return execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
}

test('sections: outputs and exit codes come back byte for byte', (t) => {
  const script = sectionsScript([
    { name: 'a', cmd: ['printf', '%s', 'no newline'] },
    { name: 'b', cmd: ['printf', 'two\\nlines\\n'] },
    { name: 'empty', cmd: ['true'] },
    { name: 'fail', cmd: { script: 'echo oops >&2; exit 3' } },
    { name: 'quiet', cmd: { script: 'echo hidden >&2; false' }, stderr: 'drop' },
    { name: 'marker-like', cmd: ['echo', '@@hostforge end a 0'] },
  ]);
  const s = parseSections(run(script));
  t.deepEqual(s.get('a'), { out: 'no newline', rc: 0 });
  t.deepEqual(s.get('b'), { out: 'two\nlines\n', rc: 0 });
  t.deepEqual(s.get('empty'), { out: '', rc: 0 });
  t.deepEqual(s.get('fail'), { out: 'oops\n', rc: 3 });
  t.deepEqual(s.get('quiet'), { out: '', rc: 1 });
  t.deepEqual(s.get('marker-like'), { out: '@@hostforge end a 0\n', rc: 0 });
});

test('sections: an exit in one section does not end the script', (t) => {
  const s = parseSections(run(sectionsScript([{ name: 'x', cmd: { script: 'exit 7' } }, { name: 'y', cmd: ['echo', 'y'] }])));
  t.is(s.get('x')?.rc, 7);
  t.is(s.get('y')?.out, 'y\n');
});

test('sections: bad names are refused', (t) => {
  t.throws(() => sectionsScript([{ name: 'a b', cmd: ['true'] }]));
});

test('retry: succeeds after failures, rethrows the last one', async (t) => {
  let n = 0;
  t.is(
    await retry(async () => {
      n++;
      if (n < 3) throw new Error(`fail ${n}`);
      return n;
    }, [1, 1, 1]),
    3,
  );
  await t.throwsAsync(
    retry(async () => {
      throw new Error('always');
    }, [1]),
    { message: 'always' },
  );
});
