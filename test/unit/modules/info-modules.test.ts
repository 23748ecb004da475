import test from 'ava';
import { assertModule, isTruthyText } from '../../../src/modules/assert.js';
import { debugModule, lookupVar } from '../../../src/modules/debug.js';
import { failModule } from '../../../src/modules/fail.js';
import { setFactModule } from '../../../src/modules/set_fact.js';
import { setupModule } from '../../../src/modules/setup.js';
import { statModule } from '../../../src/modules/stat.js';
import { isReadOnly } from '../../../src/modules/support/readonly.js';
import type { AnyModule } from '../../../src/modules/types.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';

test('read-only modules plan nothing and say so', async (t) => {
  const h = new FakeHost();
  const { ctx } = fakeContext({ vars: { x: 1 } });
  for (const m of [debugModule, setupModule, setFactModule, statModule] as unknown as AnyModule[]) {
    t.true(isReadOnly(m), m.name);
    t.deepEqual(await m.plan(h, { path: '/x', msg: 'm', a: 1 } as never, ctx), [], m.name);
  }
  t.true(isReadOnly(assertModule as unknown as AnyModule));
  t.true(isReadOnly(failModule as unknown as AnyModule));
});

test('debug: msg and var', async (t) => {
  const { ctx } = fakeContext({ vars: { result: { stdout: 'hi', lines: ['a', 'b'] } } });
  const h = new FakeHost();
  t.deepEqual(await debugModule.apply(h, [], { msg: 'hello' }, ctx), { msg: 'hello' });
  t.deepEqual(await debugModule.apply(h, [], {}, ctx), { msg: 'Hello world!' });
  t.deepEqual(await debugModule.apply(h, [], { var: 'result.stdout' }, ctx), { 'result.stdout': 'hi' });
  t.deepEqual(await debugModule.apply(h, [], { var: 'result.lines[1]' }, ctx), { 'result.lines[1]': 'b' });
  t.deepEqual(await debugModule.apply(h, [], { var: 'nope' }, ctx), { nope: 'VARIABLE IS NOT DEFINED!' });
  t.deepEqual(await debugModule.apply(h, [], { msg: ['a', 1] }, ctx), { msg: '[\n  "a",\n  1\n]' });
  t.is(lookupVar({ a: { 'b-c': 1 } }, "a['b-c']"), 1);
});

test('fail: fails at plan time (so check mode fails too)', async (t) => {
  const { ctx } = fakeContext();
  await t.throwsAsync(failModule.plan(new FakeHost(), { msg: 'stop here' }, ctx), { message: 'stop here' });
  await t.throwsAsync(failModule.plan(new FakeHost(), {}, ctx), { message: /Failed as requested/ });
});

test('assert: handlebars expressions, bare or templated', async (t) => {
  const render = (tpl: string): string => {
    // A tiny stand-in for the engine's renderer: {{eq a b}}, {{x}}.
    return tpl.replace(/\{\{\s*(.*?)\s*\}\}/g, (_m, e: string) => {
      const vars: Record<string, string> = { family: 'debian', count: '3', empty: '' };
      const eq = /^eq (\w+) "(.*)"$/.exec(e);
      if (eq) return String(vars[eq[1]!] === eq[2]);
      return vars[e] ?? '';
    });
  };
  const { ctx } = fakeContext({ render });
  const h = new FakeHost();
  t.deepEqual(await assertModule.plan(h, { that: ['eq family "debian"', '{{count}}'] }, ctx), []);
  t.like(await assertModule.apply(h, [], { that: 'count', success_msg: 'fine' }, ctx), { msg: 'fine' });
  await t.throwsAsync(assertModule.plan(h, { that: ['count', 'eq family "redhat"'] }, ctx), { message: 'Assertion failed: eq family "redhat"' });
  await t.throwsAsync(assertModule.plan(h, { that: 'empty', fail_msg: 'need it' }, ctx), { message: 'need it' });
  for (const s of ['', 'false', 'False', ' no ', '0', 'off']) t.false(isTruthyText(s), s);
  for (const s of ['true', 'yes', '1', 'x']) t.true(isTruthyText(s), s);
});

test('set_fact: returns the facts without cacheable', async (t) => {
  t.deepEqual(await setFactModule.apply(new FakeHost(), [], { a: 1, b: { c: [1] }, cacheable: true }, fakeContext().ctx), { ansible_facts: { a: 1, b: { c: [1] } } });
});

test('stat: exists, type, mode, link, checksum', async (t) => {
  const h = new FakeHost().addFile('/etc/x', 'abc', { mode: '0600', owner: 'alice' }).addLink('/etc/l', 'x').addDir('/srv');
  const { ctx } = fakeContext();
  t.deepEqual(await statModule.apply(h, [], { path: '/nope' }, ctx), { stat: { exists: false, path: '/nope' } });
  t.like(await statModule.apply(h, [], { path: '/etc/x', get_checksum: true }, ctx), {
    stat: { exists: true, isreg: true, isdir: false, mode: '0600', owner: 'alice', pw_name: 'alice', size: 3, checksum: 'a9993e364706816aba3e25717850c26c9cd0d89d' },
  });
  t.like(await statModule.apply(h, [], { path: '/etc/l' }, ctx), { stat: { islnk: true, lnk_target: 'x' } });
  t.like(await statModule.apply(h, [], { path: '/etc/l', follow: true }, ctx), { stat: { isreg: true, lnk_source: '/etc/x' } });
  t.like(await statModule.apply(h, [], { path: '/srv' }, ctx), { stat: { isdir: true } });
});

test('setup: refreshes facts and returns them under Ansible names', async (t) => {
  const h = new FakeHost({ facts: { default_ipv4_interface: 'hf0', ipv4_addresses: ['198.18.0.11'], os_codename: 'bookworm' } });
  const r = await setupModule.apply(h, [], {}, fakeContext().ctx);
  t.true(h.log.some((e) => e.op === 'invalidate'));
  t.like(r, {
    ansible_facts: {
      hostname: 'node1',
      fqdn: 'node1.lab',
      domain: 'lab',
      distribution: 'Debian',
      distribution_major_version: '12',
      distribution_release: 'bookworm',
      os_family: 'Debian',
      service_mgr: 'sysvinit',
      default_ipv4: { address: '198.18.0.11', interface: 'hf0' },
      all_ipv4_addresses: ['198.18.0.11'],
      hostforge: { hostname: 'node1', init: 'sysvinit' },
    },
  });
});
