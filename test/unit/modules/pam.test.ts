import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import { pamModule } from '../../../src/modules/pam.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';
import { DEBIAN12_PAM_SSHD } from '../edit/fixtures.js';
import { DirHost } from '../edit/local-hosts.js';

const ANCHOR = 'session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale';

test('pam: schema', (t) => {
  const v = validator(pamModule.args as object, false);
  t.true(v({ service: 'sshd', type: 'session', control: 'required', module: 'pam_unbit.so', after: ANCHOR }));
  t.true(v({ path: '/etc/pam.d/sshd', type: '-session', control: '[success=ok default=bad]', module: 'pam_x.so', args: ['a', 'b'] }));
  t.false(v({ service: 'sshd', path: '/x', type: 'session', control: 'required', module: 'x.so' }));
  t.false(v({ service: 'sshd', type: 'sessions', control: 'required', module: 'x.so' }));
  t.false(v({ service: '../x', type: 'session', control: 'required', module: 'x.so' }));
  t.false(v({ service: 'sshd', type: 'session', control: 'required', module: 'x.so', after: 'a', before: 'b' }));
});

// The lockout guard needs a real shell on the host: its tests are below, on a DirHost.
test('pam: pam_unbit after the locale pam_env line, twice', async (t) => {
  const host = new FakeHost({ files: { '/etc/pam.d/sshd': DEBIAN12_PAM_SSHD } });
  const args = { service: 'sshd', type: 'session', control: 'required', module: 'pam_unbit.so', after: ANCHOR, lockout_guard: false };
  const { first, second } = await runTwice(pamModule, host, args);
  t.is(first.length, 1);
  t.regex(first[0]?.summary ?? '', /\/etc\/pam.d\/sshd: add "session required pam_unbit.so" after line 47/);
  t.deepEqual(second, []);
  const lines = (host.text('/etc/pam.d/sshd') ?? '').split('\n');
  t.is(lines.filter((l) => l.includes('pam_unbit.so')).length, 1);
  t.is(lines.indexOf('session    required     pam_unbit.so'), lines.indexOf(ANCHOR) + 1);
});

test('pam: missing file or anchor fails; absent on a missing file is fine', async (t) => {
  const host = new FakeHost({ files: { '/etc/pam.d/other': 'auth required pam_deny.so\n' } });
  await t.throwsAsync(plan(pamModule, host, { service: 'sshd', type: 'session', control: 'required', module: 'x.so' }), { instanceOf: TaskError });
  await t.throwsAsync(plan(pamModule, host, { service: 'other', type: 'session', control: 'required', module: 'x.so', after: ANCHOR }), {
    instanceOf: TaskError,
    message: /no rule matching/,
  });
  t.deepEqual(await plan(pamModule, host, { service: 'sshd', type: 'session', control: 'required', module: 'x.so', state: 'absent' }), []);
});

test('pam: lockout guard restores the file when a new login fails', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-pamguard-'));
  try {
    const path = join(dir, 'sshd');
    writeFileSync(path, DEBIAN12_PAM_SSHD);
    const host = new DirHost();
    const args = { path, type: 'session', control: 'required', module: 'pam_unbit.so', after: ANCHOR };
    const f = fakeContext({ vars: { hostforge_state_dir: join(dir, 'state'), hostforge_lockout_guard_seconds: 30 } });
    const failing = { ...f.ctx, probeLogin: async () => Promise.reject(new Error('session failed')) };
    const changes = await pamModule.plan(host, args, failing);
    await t.throwsAsync(pamModule.apply(host, changes, args, failing), { instanceOf: TaskError, message: /^lockout guard: .*restored/ });
    t.is(readFileSync(path, 'utf8'), DEBIAN12_PAM_SSHD);
    t.deepEqual(readdirSync(join(dir, 'state')), [], 'the guard is gone');
    let probed = 0;
    const fine = { ...f.ctx, probeLogin: async () => void probed++ };
    await pamModule.apply(host, await pamModule.plan(host, args, fine), args, fine);
    t.deepEqual(await pamModule.plan(host, args, fine), []);
    t.is(probed, 1);
    t.deepEqual(readdirSync(join(dir, 'state')), [], 'disarmed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
