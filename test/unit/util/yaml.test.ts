import test from 'ava';
import { parseYaml } from '../../../src/util/yaml.js';
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
