import test from 'ava';
import { parseInlineYaml, parseYaml } from '../../../src/util/yaml.js';
import { InputError } from '../../../src/errors.js';

const text = `# a playbook
- hosts: all
  tasks:
    - name: one
      copy:
        dest: /tmp/x
        content: "hi"
    - name: two
      shell: echo hi
      when:
  vars: {a: 1, b: [x, y]}
`;

test('locates values and keys', (t) => {
  const doc = parseYaml(text, 'p.yaml');
  t.deepEqual(doc.locate([0, 'hosts']), { file: 'p.yaml', line: 2, column: 10 });
  t.deepEqual(doc.locateKey([0, 'tasks', 0, 'copy']), { file: 'p.yaml', line: 5, column: 7 });
  t.deepEqual(doc.locate([0, 'tasks', 0, 'copy', 'dest']), { file: 'p.yaml', line: 6, column: 15 });
  t.deepEqual(doc.locate([0, 'tasks', 1]), { file: 'p.yaml', line: 8, column: 7 });
  t.deepEqual(doc.locateKey([0, 'tasks', 1, 'when']), { file: 'p.yaml', line: 10, column: 7 });
  t.deepEqual(doc.locate([0, 'vars', 'b', 1]), { file: 'p.yaml', line: 11, column: 23 });
});

test('syntax error names line and column', (t) => {
  const err = t.throws(() => parseYaml('a: 1\nb: [1, 2\nc: 3\n', 'bad.yaml'));
  t.true(err instanceof InputError);
  t.is((err as InputError).location?.file, 'bad.yaml');
  t.truthy((err as InputError).location?.line);
});

/** The classic billion laughs: 9 levels of 9 aliases each = 9^9 strings from ~700 bytes. */
function laughs(levels = 9): string {
  const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let l = 1; l < levels; l++) {
    const name = String.fromCharCode(97 + l);
    const prev = String.fromCharCode(96 + l);
    lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

test('a billion-laughs document is refused at the alias that breaks the bound', (t) => {
  const err = t.throws(() => parseYaml(laughs(), 'lol.yaml')) as InputError;
  t.true(err instanceof InputError);
  t.is(err.code, 'YAML');
  t.regex(err.message, /alias \*f expands the document past 1,000,000 nodes/);
  // g: &g [*f, ...] is line 7; its first *f is at column 8.
  t.deepEqual(err.location, { file: 'lol.yaml', line: 7, column: 8 });
});

test('aliases within the bound load, shared as YAML shares them', (t) => {
  const doc = parseYaml(laughs(5), 'ok.yaml'); // 9^5 = 59049 strings: fine
  const data = doc.data as Record<string, unknown[]>;
  t.is(data.e!.length, 9);
  t.is(data.e![0], data.d);
  t.deepEqual(doc.locate(['e', 8]), { file: 'ok.yaml', line: 5, column: 1 + 'e: &e ['.length + 8 * 4 });
});

test('a long string repeated through aliases counts by its length', (t) => {
  const big = 'x'.repeat(100_000);
  const text = `a: &a "${big}"\nb: [${Array(1000).fill('*a').join(', ')}]\n`;
  const err = t.throws(() => parseYaml(text, 's.yaml')) as InputError;
  t.is(err.location?.line, 2);
});

test('an alias inside the node it names is refused', (t) => {
  const err = t.throws(() => parseYaml('top:\n  a: &a [1, *a]\n', 'rec.yaml')) as InputError;
  t.regex(err.message, /alias \*a refers to a node that contains it/);
  t.deepEqual(err.location, { file: 'rec.yaml', line: 2, column: 13 });
});

test('positions stay right deep into a large document', (t) => {
  const n = 20_000;
  const text = Array.from({ length: n }, (_, i) => `- name: t${i}\n  debug: {msg: "m${i}"}\n`).join('');
  const doc = parseYaml(text, 'big.yaml');
  for (const i of [0, 1, 9_999, n - 1]) {
    t.deepEqual(doc.locate([i, 'debug', 'msg']), { file: 'big.yaml', line: 2 * i + 2, column: 16 });
    t.deepEqual(doc.locateKey([i, 'name']), { file: 'big.yaml', line: 2 * i + 1, column: 3 });
  }
});

test('an inline -e YAML error shows the text masked, never the values', (t) => {
  const err = t.throws(() => parseInlineYaml('{"api_token": "hunter2", "b": "x" "y"}', '-e argument 1')) as InputError;
  t.false(err.describe().includes('hunter2'));
  t.false(err.describe().includes('api_token'));
  t.regex(err.describe(), /^-e argument 1: YAML syntax error: .* at line 1, column \d+ .*not shown/);
  t.regex(err.message, /\{"\*\*\*": "\*\*\*", "\*\*\*": "\*\*\*" "\*\*\*"\}\n +\^/);
  const bomb = t.throws(() => parseInlineYaml(`{${laughs().trim().split('\n').join(', ')}}`, '-e argument 2')) as InputError;
  t.regex(bomb.message, /billion laughs/);
});
