import test from 'ava';
import { blockInFile, DEFAULT_MARKER, type BlockInFileSpec } from '../../../src/modules/text/blockinfile.js';

const B = '# BEGIN HOSTFORGE MANAGED BLOCK\n';
const E = '# END HOSTFORGE MANAGED BLOCK\n';

interface Case {
  name: string;
  before: string | null;
  spec: BlockInFileSpec;
  after: string;
  changed: boolean;
  msg?: string;
}

const cases: Case[] = [
  { name: 'insert at EOF by default', before: 'a\n', spec: { block: 'x=1\ny=2\n' }, after: `a\n${B}x=1\ny=2\n${E}`, changed: true, msg: 'Block inserted' },
  { name: 'block without final newline gets one', before: 'a\n', spec: { block: 'x=1' }, after: `a\n${B}x=1\n${E}`, changed: true },
  { name: 'same block: no change', before: `a\n${B}x=1\n${E}z\n`, spec: { block: 'x=1\n' }, after: `a\n${B}x=1\n${E}z\n`, changed: false },
  { name: 'replaced in place, insertafter ignored', before: `a\n${B}old\n${E}z\n`, spec: { block: 'new\n', insertafter: '^z' }, after: `a\n${B}new\n${E}z\n`, changed: true },
  { name: 'absent removes markers and content', before: `a\n${B}x\n${E}z\n`, spec: { state: 'absent' }, after: 'a\nz\n', changed: true, msg: 'Block removed' },
  { name: 'empty block removes', before: `a\n${B}x\n${E}`, spec: { block: '' }, after: 'a\n', changed: true },
  { name: 'absent, no block: no change', before: 'a\n', spec: { state: 'absent' }, after: 'a\n', changed: false },
  { name: 'absent, file missing', before: null, spec: { state: 'absent' }, after: '', changed: false },
  { name: 'insertbefore BOF', before: 'a\n', spec: { block: 'x', insertbefore: 'BOF' }, after: `${B}x\n${E}a\n`, changed: true },
  { name: 'insertafter regexp: after the LAST match', before: 'k\n[s]\nk\n[s]\nk\n', spec: { block: 'x', insertafter: '^\\[s\\]' }, after: `k\n[s]\nk\n[s]\n${B}x\n${E}k\n`, changed: true },
  { name: 'insertbefore regexp: before the LAST match', before: 'a\nexit 0\nb\nexit 0\n', spec: { block: 'x', insertbefore: '^exit 0' }, after: `a\nexit 0\nb\n${B}x\n${E}exit 0\n`, changed: true },
  { name: 'insertafter without match: EOF', before: 'a\n', spec: { block: 'x', insertafter: '^nothing' }, after: `a\n${B}x\n${E}`, changed: true },
  { name: 'file without final newline', before: 'a', spec: { block: 'x' }, after: `a\n${B}x\n${E}`, changed: true },
  { name: 'new file', before: null, spec: { block: 'x' }, after: `${B}x\n${E}`, changed: true, msg: 'File created' },
  {
    name: 'custom marker and begin/end words',
    before: 'a\n',
    spec: { block: 'x', marker: '<!-- {mark} cfg -->', marker_begin: 'START', marker_end: 'STOP' },
    after: 'a\n<!-- START cfg -->\nx\n<!-- STOP cfg -->\n',
    changed: true,
  },
  { name: 'prepend_newline adds a blank line before', before: 'a\n', spec: { block: 'x', prepend_newline: true }, after: `a\n\n${B}x\n${E}`, changed: true },
  { name: 'append_newline adds a blank line after', before: 'a\nz\n', spec: { block: 'x', insertafter: '^a', append_newline: true }, after: `a\n${B}x\n${E}\nz\n`, changed: true },
  { name: '(?m) regexp searched across lines', before: 'LISTENER =\n  (SID_LIST =\nend\n', spec: { block: 'x', insertafter: '(?m)LISTENER =\\n.*\\(SID_LIST =' }, after: `LISTENER =\n  (SID_LIST =\n${B}x\n${E}end\n`, changed: true },
];

for (const c of cases) {
  test(`blockinfile: ${c.name}`, (t) => {
    const r = blockInFile(c.before, c.spec);
    t.is(r.text, c.after);
    t.is(r.changed, c.changed);
    if (c.msg !== undefined) t.is(r.msg, c.msg);
    if (c.changed && c.after !== '') t.false(blockInFile(r.text, c.spec).changed, 'second run is a no-op');
  });
}

test('blockinfile: the default marker names hostforge', (t) => {
  t.is(DEFAULT_MARKER, '# {mark} HOSTFORGE MANAGED BLOCK');
});

test('blockinfile: insertafter and insertbefore are exclusive', (t) => {
  t.throws(() => blockInFile('', { block: 'x', insertafter: 'a', insertbefore: 'b' }), { message: /mutually exclusive/ });
});
