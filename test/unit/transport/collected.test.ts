import test from 'ava';
import { Collected } from '../../../src/transport/collected.js';

const needle = Buffer.from('\n__hostforge_0123__ ');

function feed(parts: (string | Buffer)[]): Collected {
  const c = new Collected(needle);
  for (const p of parts) c.push(Buffer.from(p));
  return c;
}

test('the needle is found whole, or split across chunks at every position', (t) => {
  const text = `line one\nline two${needle.toString()}0\n`;
  for (let a = 1; a < text.length; a++) {
    for (const b of [a + 1, a + 3, text.length - 1]) {
      if (b <= a || b >= text.length) continue;
      const hit = feed([text.slice(0, a), text.slice(a, b), text.slice(b)]).split();
      t.is(hit?.before.toString(), 'line one\nline two', `cut at ${a}/${b}`);
      t.is(hit?.after.toString(), '0\n');
    }
  }
});

test('one byte at a time, and nothing before the needle arrives', (t) => {
  const text = `x${needle.toString()}42\n`;
  const c = new Collected(needle);
  for (let i = 0; i < text.length; i++) {
    if (i < text.indexOf('\n__') + needle.length) t.is(c.split(), undefined);
    c.push(Buffer.from(text[i]!));
  }
  t.is(c.split()?.after.toString(), '42\n');
});

test('binary content and a near-miss of the needle stay content', (t) => {
  const binary = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256));
  const near = Buffer.from('\n__hostforge_0123_ ');
  const chunks: Buffer[] = [];
  for (let i = 0; i < binary.length; i += 4096) chunks.push(binary.subarray(i, i + 4096));
  const hit = feed([...chunks, near, needle, '0\n']).split();
  t.deepEqual(hit?.before, Buffer.concat([binary, near]));
});
