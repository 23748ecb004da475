import test from 'ava';
import { splitWords } from '../../../src/modules/text/shellwords.js';
import { pyExpand, pyRegex } from '../../../src/modules/text/pyregex.js';
import { readLines, splitLinesKeepEnds } from '../../../src/modules/text/lines.js';
import { lookupInstalled, parseAptPolicy, parseDpkgQuery, parseSpec, sections, versionMatches } from '../../../src/modules/text/dpkg.js';
import { applySymbolic, parseMode, resolveMode } from '../../../src/modules/support/mode.js';

const words: [string, string[]][] = [
  ['ls -l /tmp', ['ls', '-l', '/tmp']],
  ['  echo   a\tb  ', ['echo', 'a', 'b']],
  [`echo 'a b' "c d"`, ['echo', 'a b', 'c d']],
  [`echo "it's" 'say "hi"'`, ['echo', "it's", 'say "hi"']],
  [`echo a\\ b`, ['echo', 'a b']],
  [`echo "a\\"b" "\\$HOME" "x\\y"`, ['echo', 'a"b', '$HOME', 'x\\y']],
  [`echo $HOME *.txt ~ a|b >c && d`, ['echo', '$HOME', '*.txt', '~', 'a|b', '>c', '&&', 'd']],
  [`echo ''`, ['echo', '']],
  [`echo pre'fix'"ed"`, ['echo', 'prefixed']],
];
for (const [input, expected] of words) {
  test(`splitWords: ${input}`, (t) => {
    t.deepEqual(splitWords(input), expected);
  });
}
test('splitWords: unterminated quotes are errors', (t) => {
  t.throws(() => splitWords(`echo 'a`), { message: /unterminated single quote/ });
  t.throws(() => splitWords(`echo "a`), { message: /unterminated double quote/ });
});

test('pyRegex: Python syntax', (t) => {
  t.true(pyRegex('(?i)^PORT').re.test('port 22'));
  t.deepEqual(pyRegex('^(?P<k>\\w+)=(?P=k)$').re.exec('ab=ab')?.groups, { k: 'ab' });
  t.true(pyRegex('\\Afoo\\Z').re.test('foo'));
  t.false(pyRegex('\\Afoo\\Z').re.test('foo\n'));
  t.true(pyRegex('(?x) a  b # comment\n c').re.test('abc'));
  t.true(pyRegex('(?m)^b').multiline);
  t.true(pyRegex('[]a]').re.test(']'));
  t.throws(() => pyRegex('(unclosed'), { message: /invalid regexp/ });
});

test('pyExpand: templates', (t) => {
  const m = /^(\w+)=(?<v>.*)$/.exec('key=val')!;
  t.is(pyExpand('\\1: \\2', m), 'key: val');
  t.is(pyExpand('\\g<1>0 \\g<v>', m), 'key0 val');
  t.is(pyExpand('a\\tb\\\\c\\&', m), 'a\tb\\c\\&');
  t.throws(() => pyExpand('\\q', m), { message: /bad escape/ });
  t.throws(() => pyExpand('\\g<nope>', m), { message: /unknown group/ });
  const opt = /^(a)?(b)$/.exec('b')!;
  t.is(pyExpand('[\\1]', opt), '[]');
});

test('line splitting keeps endings', (t) => {
  t.deepEqual(readLines('a\nb\r\nc'), ['a\n', 'b\r\n', 'c']);
  t.deepEqual(readLines(''), []);
  t.deepEqual(splitLinesKeepEnds('a\r\nb\rc\n'), ['a\r\n', 'b\r', 'c\n']);
});

const modes: [string | number, string][] = [
  [0o755, '0755'],
  [0o644, '0644'],
  [0o1777, '1777'],
  [0, '0000'],
  ['0755', '0755'],
  ['755', '0755'],
  ['01777', '1777'],
  ['0o640', '0640'],
  ['00600', '0600'],
];
for (const [input, expected] of modes) {
  test(`parseMode(${JSON.stringify(input)}) = ${expected}`, (t) => {
    t.deepEqual(parseMode(input), { octal: expected });
  });
}
test('parseMode: a YAML number is the mode value (YAML 1.1 0644 = 420); beyond 0o7777 is refused', (t) => {
  t.deepEqual(parseMode(0o644), { octal: '0644' });
  t.deepEqual(parseMode(0o1777), { octal: '1777' });
  t.deepEqual(parseMode(0o755), { octal: '0755' });
  t.throws(() => parseMode(0o10000), { message: /not a file mode/ });
  t.throws(() => parseMode(-1), { message: /not a file mode/ });
  t.throws(() => parseMode('rwxr-xr-x'), { message: /expected an octal mode/ });
  t.throws(() => parseMode('99'), { message: /expected an octal mode/ });
});
test('symbolic modes', (t) => {
  t.deepEqual(parseMode('u=rw,go=r'), { symbolic: 'u=rw,go=r' });
  t.is(applySymbolic('u=rw,go=r', 0o777, false), 0o644);
  t.is(applySymbolic('u+x', 0o644, false), 0o744);
  t.is(applySymbolic('go-w', 0o777, false), 0o755);
  t.is(applySymbolic('a+X', 0o644, false), 0o644);
  t.is(applySymbolic('a+X', 0o644, true), 0o755);
  t.is(applySymbolic('a+X', 0o744, false), 0o755);
  t.is(applySymbolic('+t', 0o777, true), 0o1777);
  t.is(applySymbolic('u+s', 0o755, false), 0o4755);
  t.is(applySymbolic('o=', 0o777, false), 0o770);
  t.is(resolveMode({ symbolic: 'u+x' }, undefined, false), '0744');
  t.is(resolveMode({ symbolic: 'g+w' }, '0755', true), '0775');
});

test('dpkg: package specs', (t) => {
  t.deepEqual(parseSpec('nginx'), { spec: 'nginx', name: 'nginx' });
  t.deepEqual(parseSpec('nginx=1.22*'), { spec: 'nginx=1.22*', name: 'nginx', version: '1.22*' });
  t.deepEqual(parseSpec('libc6:amd64'), { spec: 'libc6:amd64', name: 'libc6:amd64' });
  t.throws(() => parseSpec('-oops'), { message: /invalid package name/ });
  t.throws(() => parseSpec('a b'), { message: /invalid package name/ });
  t.true(versionMatches('1.22.1-9', '1.22*'));
  t.false(versionMatches('1.23', '1.22*'));
});

test('dpkg: dpkg-query output', (t) => {
  const m = parseDpkgQuery('bash\tinstall ok installed\t5.2\nvim\tdeinstall ok config-files\t9.0\nx\tinstall ok half-installed\t1\n');
  t.deepEqual(m.get('bash'), { name: 'bash', installed: true, status: 'installed', version: '5.2' });
  t.false(m.get('vim')!.installed);
  t.is(m.get('vim')!.status, 'config-files');
  t.false(m.get('x')!.installed);
  t.is(lookupInstalled(m, 'bash:amd64')?.version, '5.2');
});

test('dpkg: apt-cache policy output', (t) => {
  const out = 'bash:\n  Installed: 5.2.15-2+b8\n  Candidate: 5.2.15-2+b13\n  Version table:\n     5.2.15-2+b13 500\nnew:\n  Installed: (none)\n  Candidate: 1.0\n';
  const p = parseAptPolicy(out);
  t.deepEqual(p.get('bash'), { installed: '5.2.15-2+b8', candidate: '5.2.15-2+b13' });
  t.deepEqual(p.get('new'), { candidate: '1.0' });
});

test('sections split on @@name lines', (t) => {
  const s = sections('a\nb\n@@policy\nc\n@@cache\n1\n2\n');
  t.is(s.get(''), 'a\nb');
  t.is(s.get('policy'), 'c');
  t.is(s.get('cache'), '1\n2\n');
});
