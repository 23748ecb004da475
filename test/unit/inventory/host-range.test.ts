import test from 'ava';
import { InputError } from '../../../src/errors.js';
import { expandHostPattern, expandHostnameRange, isIpAddress, parseAddress } from '../../../src/inventory/host-range.js';

const expands: [string, string[]][] = [
  ['node[1:3]', ['node1', 'node2', 'node3']],
  ['db-[001:010:3]', ['db-001', 'db-004', 'db-007', 'db-010']],
  ['web[01:03].example.org', ['web01.example.org', 'web02.example.org', 'web03.example.org']],
  ['h[a:c]', ['ha', 'hb', 'hc']],
  ['h[a:e:2]', ['ha', 'hc', 'he']],
  ['x[0:4:2]y[1:2]', ['x0y1', 'x0y2', 'x2y1', 'x2y2', 'x4y1', 'x4y2']],
  ['r[:2]', ['r0', 'r1', 'r2']],
  ['r[3:1]', []],
  ['plain', ['plain']],
];

for (const [input, expected] of expands) {
  test(`range ${input}`, (t) => {
    t.deepEqual(expandHostnameRange(input), expected);
  });
}

test('range errors name the problem and keep the location', (t) => {
  const loc = { file: 'inv.yml', line: 4, column: 9 };
  for (const bad of ['n[01:3]', 'n[1]', 'n[1:]', 'n[1:3:0]', 'n[c:a]', 'n[a:3]']) {
    const err = t.throws(() => expandHostnameRange(bad, loc), { instanceOf: InputError }, bad);
    t.deepEqual(err?.location, loc);
  }
});

test('ports are split off host entries, ranges kept', (t) => {
  t.deepEqual(expandHostPattern('legacy:2222'), { hosts: ['legacy'], port: 2222 });
  t.deepEqual(expandHostPattern('web[1:2]:2200'), { hosts: ['web1', 'web2'], port: 2200 });
  t.deepEqual(expandHostPattern('[2001:db8::1]:22'), { hosts: ['2001:db8::1'], port: 22 });
  t.deepEqual(expandHostPattern('2001:db8::1'), { hosts: ['2001:db8::1'] });
  t.deepEqual(expandHostPattern('198.18.0.[1:2]'), { hosts: ['198.18.0.1', '198.18.0.2'] });
  // not an address at all: kept whole, like Ansible
  t.deepEqual(expandHostPattern('my host'), { hosts: ['my host'] });
});

test('address recognition', (t) => {
  t.deepEqual(parseAddress('h1.example.org:80'), { host: 'h1.example.org', port: 80 });
  t.is(parseAddress('bad_'), undefined);
  t.is(parseAddress('a b'), undefined);
  t.true(isIpAddress('198.18.0.1'));
  t.true(isIpAddress('::1'));
  t.false(isIpAddress('web1.example.org'));
});
