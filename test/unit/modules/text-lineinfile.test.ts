import test from 'ava';
import { lineInFile, type LineInFileSpec } from '../../../src/modules/text/lineinfile.js';

interface Case {
  name: string;
  before: string | null;
  spec: LineInFileSpec;
  after: string;
  changed: boolean;
  msg?: string;
}

// Expected results follow Ansible's lineinfile (lib/ansible/modules/lineinfile.py) and
// its integration tests (test/integration/targets/lineinfile).
const cases: Case[] = [
  { name: 'append at EOF', before: 'a\nb\n', spec: { line: 'c' }, after: 'a\nb\nc\n', changed: true, msg: 'line added' },
  { name: 'line already present anywhere: no change', before: 'a\nc\nb\n', spec: { line: 'c' }, after: 'a\nc\nb\n', changed: false },
  { name: 'regexp replaces the LAST match', before: 'x=1\nx=2\ny\n', spec: { regexp: '^x=', line: 'x=3' }, after: 'x=1\nx=3\ny\n', changed: true, msg: 'line replaced' },
  { name: 'firstmatch replaces the first match', before: 'x=1\nx=2\ny\n', spec: { regexp: '^x=', line: 'x=3', firstmatch: true }, after: 'x=3\nx=2\ny\n', changed: true },
  { name: 'regexp matches the line as it should be: no change', before: 'x=1\nx=3\n', spec: { regexp: '^x=', line: 'x=3' }, after: 'x=1\nx=3\n', changed: false },
  { name: 'regexp without match appends', before: 'a\n', spec: { regexp: '^x=', line: 'x=1' }, after: 'a\nx=1\n', changed: true },
  { name: 'regexp without match but line present: no change', before: 'x=1\na\n', spec: { regexp: '^y=', line: 'x=1' }, after: 'x=1\na\n', changed: false },
  { name: 'insertafter regexp: after the LAST matching line', before: '[a]\nk=1\n[a]\nk=2\n', spec: { line: 'n=1', insertafter: '^\\[a\\]' }, after: '[a]\nk=1\n[a]\nn=1\nk=2\n', changed: true },
  { name: 'insertafter with firstmatch: after the first', before: '[a]\nk=1\n[a]\nk=2\n', spec: { line: 'n=1', insertafter: '^\\[a\\]', firstmatch: true }, after: '[a]\nn=1\nk=1\n[a]\nk=2\n', changed: true },
  { name: 'insertafter no match: EOF', before: 'a\n', spec: { line: 'n=1', insertafter: '^\\[zzz\\]' }, after: 'a\nn=1\n', changed: true },
  { name: 'insertafter the last line', before: 'a\n[s]\n', spec: { line: 'n=1', insertafter: '^\\[s\\]' }, after: 'a\n[s]\nn=1\n', changed: true },
  { name: 'insertafter EOF explicitly', before: 'a\n', spec: { line: 'z', insertafter: 'EOF' }, after: 'a\nz\n', changed: true },
  { name: 'insertbefore regexp: before the LAST match', before: 'x\n# end\ny\n# end\n', spec: { line: 'n', insertbefore: '^# end' }, after: 'x\n# end\ny\nn\n# end\n', changed: true },
  { name: 'insertbefore firstmatch', before: 'x\n# end\ny\n# end\n', spec: { line: 'n', insertbefore: '^# end', firstmatch: true }, after: 'x\nn\n# end\ny\n# end\n', changed: true },
  { name: 'insertbefore no match: EOF', before: 'x\n', spec: { line: 'n', insertbefore: '^nothing' }, after: 'x\nn\n', changed: true },
  { name: 'insertbefore BOF', before: 'x\ny\n', spec: { line: '#!/bin/sh', insertbefore: 'BOF' }, after: '#!/bin/sh\nx\ny\n', changed: true },
  { name: 'insertafter BOF', before: 'x\n', spec: { line: 'first', insertafter: 'BOF' }, after: 'first\nx\n', changed: true },
  { name: 'insertbefore BOF when present: no change', before: 'x\nfirst\n', spec: { line: 'first', insertbefore: 'BOF' }, after: 'x\nfirst\n', changed: false },
  { name: 'regexp match wins over insertafter', before: '[s]\nx\nk=1\n', spec: { regexp: '^k=', line: 'k=2', insertafter: '^\\[s\\]' }, after: '[s]\nx\nk=2\n', changed: true },
  { name: 'regexp no match: insertafter honoured', before: '[s]\nx\n', spec: { regexp: '^y=', line: 'y=1', insertafter: '^\\[s\\]' }, after: '[s]\ny=1\nx\n', changed: true },
  { name: 'no final newline: one is added first', before: 'a\nb', spec: { line: 'c' }, after: 'a\nb\nc\n', changed: true },
  { name: 'empty file', before: '', spec: { line: 'c' }, after: 'c\n', changed: true },
  { name: 'missing file (create)', before: null, spec: { line: 'c' }, after: 'c\n', changed: true },
  { name: 'backrefs expand \\1', before: 'host=old\nother\n', spec: { regexp: '^(host=).*', line: '\\1new', backrefs: true }, after: 'host=new\nother\n', changed: true },
  { name: 'backrefs expand \\g<1>', before: 'host=old\n', spec: { regexp: '^(host=).*', line: '\\g<1>2new', backrefs: true }, after: 'host=2new\n', changed: true },
  { name: 'backrefs named group (Python syntax)', before: 'port = 22\n', spec: { regexp: '^(?P<key>\\w+)\\s*=.*$', line: '\\g<key> = 2222', backrefs: true }, after: 'port = 2222\n', changed: true },
  { name: 'backrefs without a match: no change at all', before: 'a\n', spec: { regexp: '^(host=).*', line: '\\1new', backrefs: true }, after: 'a\n', changed: false },
  { name: 'backrefs result already there: no change', before: 'host=new\n', spec: { regexp: '^(host=).*', line: '\\1new', backrefs: true }, after: 'host=new\n', changed: false },
  { name: '$ anchors at the end of the line', before: 'foo\nbar\n', spec: { regexp: 'foo$', line: 'baz' }, after: 'baz\nbar\n', changed: true },
  { name: 'CRLF line replaced with LF', before: 'a\r\nb\r\n', spec: { regexp: '^a', line: 'A' }, after: 'A\nb\r\n', changed: true },
  // Ansible quirk, kept: an exact match ending in CRLF is rewritten with LF (changed once).
  { name: 'exact match ending in CRLF is rewritten with LF', before: 'a\r\nb\r\n', spec: { line: 'b' }, after: 'a\r\nb\n', changed: true },
  { name: 'search_string replaces the last containing line', before: 'ListenAddress 0.0.0.0\nPort 22\n', spec: { search_string: 'ListenAddress', line: 'ListenAddress 198.18.0.2' }, after: 'ListenAddress 198.18.0.2\nPort 22\n', changed: true },
  { name: 'search_string is literal, not a regexp', before: 'a.b\naxb\n', spec: { search_string: 'a.b', line: 'Z' }, after: 'Z\naxb\n', changed: true },
  { name: '(?i) flag', before: 'PermitRootLogin yes\n', spec: { regexp: '(?i)^permitrootlogin', line: 'PermitRootLogin no' }, after: 'PermitRootLogin no\n', changed: true },
  { name: 'absent by line removes every copy', before: 'a\nb\na\n', spec: { state: 'absent', line: 'a' }, after: 'b\n', changed: true, msg: '2 line(s) removed' },
  { name: 'absent by regexp', before: 'k=1\nx\nk=2\n', spec: { state: 'absent', regexp: '^k=' }, after: 'x\n', changed: true },
  { name: 'absent by search_string', before: 'foo bar\nbaz\n', spec: { state: 'absent', search_string: 'bar' }, after: 'baz\n', changed: true },
  { name: 'absent, nothing there', before: 'x\n', spec: { state: 'absent', line: 'a' }, after: 'x\n', changed: false },
  { name: 'absent, file missing', before: null, spec: { state: 'absent', line: 'a' }, after: '', changed: false },
];

for (const c of cases) {
  test(`lineinfile: ${c.name}`, (t) => {
    const r = lineInFile(c.before, c.spec);
    t.is(r.text, c.before === null && !c.changed ? '' : c.after);
    t.is(r.changed, c.changed);
    if (c.msg !== undefined) t.is(r.msg, c.msg);
    // Idempotence: applying the same spec to the result changes nothing.
    if (c.changed && !c.spec.backrefs) t.false(lineInFile(r.text, c.spec).changed, 'second run is a no-op');
  });
}

test('lineinfile: argument errors', (t) => {
  t.throws(() => lineInFile('', {}), { message: /line is required/ });
  t.throws(() => lineInFile('', { line: 'x', backrefs: true }), { message: /regexp is required/ });
  t.throws(() => lineInFile('', { line: 'x', insertafter: 'a', insertbefore: 'b' }), { message: /mutually exclusive/ });
  t.throws(() => lineInFile('', { state: 'absent' }), { message: /one of line/ });
  t.throws(() => lineInFile('', { line: 'x', regexp: '(' }), { message: /invalid regexp/ });
});
