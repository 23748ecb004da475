import test from 'ava';
import type { RunEvent, TaskResultEvent } from '../../../src/engine/events.js';
import type { Change } from '../../../src/modules/types.js';
import { PlainReporter, formatResult } from '../../../src/report/plain.js';
import { changeDiff, recapLines } from '../../../src/report/format.js';
import { taint } from '../../../src/util/secret.js';

const result = (over: Partial<TaskResultEvent>): TaskResultEvent => ({
  type: 'task_result',
  host: 'web1',
  task: 't',
  status: 'changed',
  changes: [],
  checkMode: false,
  noLog: false,
  durationMs: 1,
  ...over,
});

const change = (target: string, over: Partial<Change> = {}): Change => ({ action: 'create', kind: 'file', target, summary: `create file ${target}`, ...over });

/** No output line holds a raw control character other than the line breaks themselves. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const cases: { name: string; event: TaskResultEvent; lines: string[] }[] = [
  {
    name: 'a newline in a file name stays on its change line',
    event: result({ changes: [change('/etc/a\nb.conf')] }),
    lines: ['changed: [web1] 1 change', '  + create file /etc/a\\nb.conf'],
  },
  {
    name: 'ESC sequences in a debug message are escaped, its lines kept',
    event: result({ status: 'ok', display: '"\u001b[31mred\u001b[0m"\nsecond' }),
    lines: ['ok: [web1] => "\\e[31mred\\e[0m"', 'second'],
  },
  {
    name: 'a loop item label with a carriage return and a bell',
    event: result({ status: 'ok', item: 'a\rb\u0007' }),
    lines: ['ok: [web1] => (item=a\\rb\\x07)'],
  },
  {
    name: 'registered stdout shown with -v: lines kept, ESC and NUL escaped',
    event: result({ status: 'ok', output: 'one\u001b]0;pwned\u0007\ntwo\u0000' }),
    lines: ['ok: [web1]', '  | one\\e]0;pwned\\x07', '  | two\\0'],
  },
  {
    name: 'a failure message with a C1 control',
    event: result({ status: 'failed', msg: 'bad\u009bthing' }),
    lines: ['failed: [web1]', '  bad\\x9bthing'],
  },
];

for (const c of cases) {
  test(`plain output: ${c.name}`, (t) => {
    const lines = formatResult(c.event, { diff: false, verbose: 1 });
    t.deepEqual(lines, c.lines);
    for (const l of lines) t.false(RAW_CONTROL.test(l), JSON.stringify(l));
  });
}

test('play, task, host names and warnings are escaped; the recap keeps its columns', (t) => {
  const out: string[] = [];
  const r = new PlainReporter({ diff: true, verbose: 0, revealed: new Set(), write: (s) => out.push(s) });
  const events: RunEvent[] = [
    { type: 'play_start', play: 'p\nq' } as RunEvent,
    { type: 'task_start', task: 'copy \u001b[2J', hosts: ['web1'], handler: false } as RunEvent,
    { type: 'warning', host: 'h\n1', msg: 'careful\u001b' } as RunEvent,
  ];
  for (const e of events) r.emit(e);
  const text = out.join('');
  t.true(text.includes('PLAY [p\\nq]'), text);
  t.true(text.includes('TASK [copy \\e[2J]'), text);
  t.true(text.includes('[WARNING] [h\\n1]: careful\\e'), text);
  t.false(RAW_CONTROL.test(text.replaceAll('\n', '')));
  const recap = recapLines({ 'a\tb': { ok: 1, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 }, web1: { ok: 1, changed: 0, failed: 0, skipped: 0, unreachable: 0, rescued: 0, ignored: 0 } });
  t.is(recap[0]!.indexOf(' : '), recap[1]!.indexOf(' : '));
  t.true(recap[0]!.startsWith('a\\tb'));
});

test('diff lines escape control characters of the content but keep its lines', (t) => {
  const d = changeDiff(change('/etc/x\ny', { action: 'update', before: 'a\n', after: 'a\n\u001b[1mb\n' }))!;
  t.true(d.includes('+\\e[1mb'), d);
  t.true(d.includes('+++ /etc/x\\ny (after)'), d);
  t.false(RAW_CONTROL.test(d));
});

test('a secret holding a control character is redacted before escaping', (t) => {
  taint('pa\u001bss-very-secret');
  const lines = formatResult(result({ status: 'ok', display: 'value pa\u001bss-very-secret' }), { diff: false, verbose: 0 });
  t.deepEqual(lines, ['ok: [web1] => value ***']);
});
