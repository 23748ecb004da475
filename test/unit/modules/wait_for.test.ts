import test from 'ava';
import { TaskError } from '../../../src/errors.js';
import { waitForModule, type WaitForArgs } from '../../../src/modules/wait_for.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';

const run = (h: FakeHost, a: WaitForArgs, ctx = fakeContext().ctx) => waitForModule.apply(h, [], a, ctx);

test('wait_for: schema', (t) => {
  const v = validator(waitForModule.args as object, false);
  t.true(v({ port: 22, host: '198.18.0.2', timeout: 10 }));
  t.true(v({ path: '/run/app.pid', state: 'absent' }));
  t.false(v({ port: 22, path: '/x' }));
  t.false(v({ port: 0 }));
  t.false(v({ port: 22, state: 'drained' }));
});

test('wait_for: a file that appears, with a regex and its groups', async (t) => {
  const host = new FakeHost().addDir('/var/log');
  setTimeout(() => host.addFile('/var/log/app.log', 'booting\nready on port 8080\n'), 300);
  const r = await run(host, { path: '/var/log/app.log', search_regex: '^ready on port (?P<port>\\d+)$', timeout: 5 });
  t.like(r, { state: 'started', match_groups: ['8080'], match_groupdict: { port: '8080' } });
});

test('wait_for: a file that goes away; timeout fails with msg', async (t) => {
  const host = new FakeHost({ files: { '/run/lock': 'x' } });
  setTimeout(() => host.fs.delete('/run/lock'), 200);
  t.like(await run(host, { path: '/run/lock', state: 'absent', timeout: 5 }), { state: 'absent' });
  const stuck = new FakeHost({ files: { '/run/lock': 'x' } });
  await t.throwsAsync(run(stuck, { path: '/run/lock', state: 'absent', timeout: 1, msg: 'still locked' }), { instanceOf: TaskError, message: 'still locked' });
});

test('wait_for: a port, connected from the host', async (t) => {
  let tries = 0;
  const host = new FakeHost().on('/dev/tcp/', () => (++tries < 3 ? { code: 7 } : { stdout: 'SSH-2.0-OpenSSH_9.2\r\n' }));
  const r = await run(host, { port: 22, search_regex: 'OpenSSH', timeout: 10 });
  t.is(tries, 3);
  t.is(r?.port, 22);
  t.true(host.execs()[0]!.includes("timeout 5 bash -c"));
  t.true(host.execs()[0]!.includes(' 127.0.0.1 22 read'));
});

test('wait_for: check mode probes once and warns instead of waiting', async (t) => {
  const host = new FakeHost({ checkMode: true }).on('/dev/tcp/', { code: 7 });
  const { ctx, warnings } = fakeContext();
  const t0 = Date.now();
  const r = await run(host, { port: 8080, timeout: 30 }, ctx);
  t.true(Date.now() - t0 < 1000);
  t.is(r?.msg, 'not waited for in check mode');
  t.regex(warnings[0] ?? '', /does not hold yet/);
});
