import test from 'ava';
import { nsswitchModule } from '../../../src/modules/nsswitch.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { runTwice } from '../../helpers/module-run.js';
import { DEBIAN12_NSSWITCH } from '../edit/fixtures.js';

test('nsswitch: schema', (t) => {
  const v = validator(nsswitchModule.args as object, false);
  t.true(v({ database: 'passwd', sources: ['compat', 'unbit'] }));
  t.true(v({ database: 'passwd', sources_present: ['unbit'], sources_absent: ['systemd'] }));
  t.false(v({ database: 'passwd' }));
  t.false(v({ database: 'passwd', sources: ['a'], sources_present: ['b'] }));
  t.false(v({ database: 'pass wd', sources: ['a'] }));
});

// The lockout guard needs a real shell on the host: test/unit/modules/guarded-modules.test.ts.
test('nsswitch: passwd, group and shadow use unbit, twice', async (t) => {
  const host = new FakeHost({ files: { '/etc/nsswitch.conf': DEBIAN12_NSSWITCH } });
  for (const database of ['passwd', 'group', 'shadow']) {
    const { first, second } = await runTwice(nsswitchModule, host, { database, sources: ['compat', 'unbit'], lockout_guard: false });
    t.is(first.length, 1, database);
    t.deepEqual(second, [], database);
  }
  const text = host.text('/etc/nsswitch.conf') ?? '';
  for (const db of ['passwd', 'group', 'shadow']) t.is(text.split('\n').filter((l) => l.startsWith(`${db}:`) && l.endsWith(' compat unbit')).length, 1);
  t.true(text.includes('gshadow:        files systemd'));
});
