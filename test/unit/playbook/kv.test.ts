/** k=v argument strings: every case checked against ansible's own parse_kv. */
import test from 'ava';
import { coerceKv, parseKv, splitArgs, stringArgs } from '../../../src/playbook/kv.js';
import { commandModule } from '../../../src/modules/command.js';
import { copyModule } from '../../../src/modules/copy.js';
import { hasAnsible, python } from '../../helpers/ansible.js';

const CASES: [string, boolean][] = [
  ['a=b', false],
  ['a=b c=d', false],
  ['msg="hello world"', false],
  ["msg='single quoted'", false],
  ['path=/etc/x mode=0644 state=touch', false],
  ['a="with \\"inner\\" quotes"', false],
  ['a=b\\=c', false],
  ['a\\=b=c', false],
  ['x=line1\\nline2 t=tab\\there', false],
  ['u=\\u00e9\\x41', false],
  ['a=b  c=d', false],
  ['a="two  spaces"', false],
  ['key=', false],
  ['=value', false],
  ['word another=1', false],
  ['a="{{ foo }}" b={{ bar }}', false],
  ['msg={{ x | default("a b") }}', false],
  ['a=1\nb=2', false],
  ['a=" leading and trailing "', false],
  ["a='it''s'", false],
  ['a="back\\\\slash"', false],
  ['a=b \\\nc=d', false],
  ['a="unterminated', false],
  ['/usr/bin/make install creates=/opt/x chdir=/src', true],
  ['echo a=b removes=/tmp/y', true],
  ['echo "quoted words" | grep x', true],
  ['FOO=bar env creates=/x', true],
  ['echo {{ item }} chdir=/tmp', true],
  ['ls -l\n  two lines', true],
  ['echo "a  b"   c', true],
  ["printf '%s\\n' x stdin=hello", true],
];

test('parse_kv: the same dict as ansible.parsing.splitter.parse_kv', async (t) => {
  const code = [
    'import json, sys',
    'from ansible.parsing.splitter import parse_kv',
    'out = []',
    'for s, raw in json.load(sys.stdin):',
    '    try: out.append(parse_kv(s, check_raw=raw))',
    '    except Exception as e: out.append({"__error__": str(e)})',
    'print(json.dumps(out))',
  ].join('\n');
  if (!hasAnsible) return t.pass('ansible-core not installed');
  const expected = JSON.parse(await python(code, JSON.stringify(CASES))) as Record<string, string>[];
  CASES.forEach(([s, raw], i) => {
    const want = expected[i]!;
    if ('__error__' in want) {
      t.throws(() => parseKv(s, raw), undefined, `${JSON.stringify(s)}: ansible fails (${want.__error__})`);
      return;
    }
    t.deepEqual(parseKv(s, raw), want, JSON.stringify(s));
  });
});

test('split_args keeps quotes and template blocks together', (t) => {
  t.deepEqual(splitArgs('a=b c="foo bar"'), ['a=b', 'c="foo bar"']);
  t.deepEqual(splitArgs('msg={{ a ~ " " ~ b }} x=1'), ['msg={{ a ~ " " ~ b }}', 'x=1']);
});

test('module k=v: typed by the schema; free-form text only for command/shell', (t) => {
  t.deepEqual(stringArgs(commandModule, 'make install creates=/opt/x chdir=/src'), { cmd: 'make install', creates: '/opt/x', chdir: '/src' });
  t.deepEqual(stringArgs(copyModule, 'src=a dest=/b backup=yes'), { src: 'a', dest: '/b', backup: true });
  t.throws(() => stringArgs(copyModule, 'src=a oops'), { message: /"oops" is not key=value/ });
  t.deepEqual(coerceKv({ properties: { n: { type: 'integer' }, s: { type: 'string' }, b: { type: 'boolean' } } }, { n: '3', s: '3', b: 'no' }), { n: 3, s: '3', b: false });
  t.deepEqual(coerceKv({ properties: { b: { type: 'boolean' } } }, { b: '{{ flag }}' }), { b: '{{ flag }}' });
});
