import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { TaskError } from '../../../src/errors.js';
import { pySubn, replaceModule, replaceText, type ReplaceArgs } from '../../../src/modules/replace.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const TEXT = '# hosts\n127.0.0.1 localhost old.example.com\n10.0.0.1 old.example.com db\n[section]\nkey = 1\nkey = 2\n[other]\nkey = 3\n';

/** [regexp, replace, after, before] */
const SUBS: [string, string, string | undefined, string | undefined][] = [
  ['old\\.example\\.com', 'new.example.com', undefined, undefined],
  ['^(\\S+)\\s+localhost', '\\1 localhost.localdomain', undefined, undefined],
  ['^key = (?P<v>\\d)$', 'key = \\g<v>0', '\\[section\\]', '\\[other\\]'],
  ['^key', 'KEY', '\\[other\\]', undefined],
  ['^key', 'KEY', undefined, '\\[other\\]'],
  ['x*', '-', undefined, undefined],
  ['$', ';', undefined, undefined],
  ['(?i)^KEY', 'k', undefined, undefined],
  ['nomatch', 'y', undefined, undefined],
];

test('replace: the text transform agrees with Python re as Ansible uses it', (t) => {
  const py = '/usr/bin/python3';
  if (!existsSync(py)) return t.pass('no python3');
  const script = `
import json, re, sys
cases = json.load(sys.stdin)
out = []
for text, rx, rep, after, before in cases:
    pattern = ''
    if after and before: pattern = '%s(?P<subsection>.*?)%s' % (after, before)
    elif after: pattern = '%s(?P<subsection>.*)' % after
    elif before: pattern = '(?P<subsection>.*)%s' % before
    contents = text
    if pattern:
        m = re.search(re.compile(pattern, re.DOTALL), contents)
        if not m:
            out.append([text, False]); continue
        section = m.group('subsection'); idx = [m.start('subsection'), m.end('subsection')]
    else:
        section = contents
    r = re.subn(re.compile(rx, re.MULTILINE), rep, section, 0)
    if r[1] > 0 and section != r[0]:
        res = contents[:idx[0]] + r[0] + contents[idx[1]:] if pattern else r[0]
        out.append([res, True])
    else:
        out.append([text, False])
print(json.dumps(out))
`;
  const want = JSON.parse(execFileSync(py, ['-c', script], { input: JSON.stringify(SUBS.map(([r, p, a, b]) => [TEXT, r, p, a, b])) }).toString()) as [string, boolean][];
  SUBS.forEach(([regexp, replace, after, before], i) => {
    const got = replaceText(TEXT, { regexp, replace, ...(after ? { after } : {}), ...(before ? { before } : {}) });
    t.deepEqual([got.text, got.changed], want[i], `case ${i}: ${regexp}`);
  });
});

test('replace: counts', (t) => {
  t.deepEqual(pySubn('a', 'b', 'aXa'), { text: 'bXb', count: 2 });
  t.regex(replaceText(TEXT, { regexp: 'key', replace: 'k', after: 'nothere' }).msg, /did not match/);
});

test('replace: schema', (t) => {
  const v = validator(replaceModule.args as object, false);
  t.true(v({ path: '/etc/hosts', regexp: 'a', replace: 'b' }));
  t.true(v({ dest: '/etc/hosts', regexp: 'a', after: 'x', before: 'y', backup: true, mode: '0644' }));
  t.false(v({ path: '/etc/hosts' }));
  t.false(v({ regexp: 'a' }));
  t.false(v({ path: '/a', dest: '/b', regexp: 'a' }));
});

interface Case {
  name: string;
  args: ReplaceArgs;
  first: string[];
  text?: string;
}

const cases: Case[] = [
  { name: 'replaces every match, then nothing', args: { path: '/etc/hosts', regexp: 'old\\.example\\.com', replace: 'new.example.com' }, first: ['update file'], text: TEXT.replace(/old\.example\.com/g, 'new.example.com') },
  { name: 'a symlink edits the real file', args: { path: '/etc/hosts.link', regexp: '^# hosts$', replace: '# managed' }, first: ['update file'] },
  { name: 'no match: no change', args: { path: '/etc/hosts', regexp: 'absent' }, first: [] },
  { name: 'only attributes', args: { path: '/etc/hosts', regexp: 'absent', mode: '0600' }, first: ['update attributes'] },
  { name: 'backup keeps the old file', args: { path: '/etc/hosts', regexp: '^\\[other\\]$', replace: '[third]', backup: true }, first: ['update file'] },
];

for (const c of cases) {
  test(`replace: ${c.name}`, async (t) => {
    const host = new FakeHost({ files: { '/etc/hosts': TEXT } }).addLink('/etc/hosts.link', 'hosts');
    const { first, second, result } = await runTwice(replaceModule, host, c.args);
    t.deepEqual(first.map((x) => `${x.action} ${x.kind}`), c.first);
    t.deepEqual(second, []);
    if (c.text !== undefined) t.is(host.text('/etc/hosts'), c.text);
    if (c.args.backup) t.is((result as { backup_file?: string }).backup_file, '/etc/hosts.backup~');
    if (c.name.startsWith('a symlink')) t.is(host.node('/etc/hosts.link')?.type, 'link');
  });
}

test('replace: a missing file or a directory fails', async (t) => {
  const host = new FakeHost().addDir('/etc');
  await t.throwsAsync(plan(replaceModule, host, { path: '/etc/nope', regexp: 'a' }), { instanceOf: TaskError, message: /does not exist/ });
  await t.throwsAsync(plan(replaceModule, host, { path: '/etc', regexp: 'a' }), { instanceOf: TaskError, message: /is a directory/ });
});
