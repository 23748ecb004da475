import test from 'ava';
import { TaskError } from '../../../src/errors.js';
import { timezoneModule, zoneOfLink } from '../../../src/modules/timezone.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const zones = (h: FakeHost): FakeHost => h.addFile('/usr/share/zoneinfo/Etc/UTC', 'TZif').addFile('/usr/share/zoneinfo/Europe/Paris', 'TZif');

test('timezone: schema and link parsing', (t) => {
  const v = validator(timezoneModule.args as object, false);
  t.true(v({ name: 'Europe/Paris' }));
  t.false(v({ name: '../../etc/passwd' }));
  t.false(v({ name: '/etc/passwd' }));
  t.false(v({ name: 'UTC', hwclock: 'UTC' }));
  t.is(zoneOfLink('/usr/share/zoneinfo/Etc/UTC'), 'Etc/UTC');
  t.is(zoneOfLink('../usr/share/zoneinfo/posix/Europe/Paris'), 'Europe/Paris');
});

test('timezone: relink and /etc/timezone, then nothing', async (t) => {
  const host = zones(new FakeHost({ files: { '/etc/timezone': 'Etc/UTC\n' } })).addLink('/etc/localtime', '/usr/share/zoneinfo/Etc/UTC');
  const { first, second } = await runTwice(timezoneModule, host, { name: 'Europe/Paris' });
  t.deepEqual(first.map((c) => `${c.action} ${c.kind} ${c.target}`), ['update link /etc/localtime', 'update file /etc/timezone']);
  t.deepEqual(second, []);
  t.is(host.text('/etc/timezone'), 'Europe/Paris\n');
  t.like(host.node('/etc/localtime'), { type: 'link', target: '/usr/share/zoneinfo/Europe/Paris' });
});

test('timezone: a copied zone file is replaced by the link', async (t) => {
  const host = zones(new FakeHost({ files: { '/etc/localtime': 'TZif', '/etc/timezone': 'Europe/Paris\n' } }));
  const { first, second } = await runTwice(timezoneModule, host, { name: 'Europe/Paris' });
  t.deepEqual(first.map((c) => `${c.action} ${c.kind}`), ['update link']);
  t.deepEqual(second, []);
});

test('timezone: not on the Debian family and no /etc/timezone: the link only', async (t) => {
  const host = zones(new FakeHost({ facts: { os: { id: 'rocky', version: '9', family: 'redhat', pretty: 'Rocky' } } })).addDir('/etc');
  const { first } = await runTwice(timezoneModule, host, { name: 'Etc/UTC' });
  t.deepEqual(first.map((c) => `${c.action} ${c.kind}`), ['create link']);
});

test('timezone: an unknown zone fails before any change', async (t) => {
  const host = zones(new FakeHost());
  await t.throwsAsync(plan(timezoneModule, host, { name: 'Mars/Olympus' }), { instanceOf: TaskError, message: /not available/ });
});
