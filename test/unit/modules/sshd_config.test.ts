/**
 * sshd_config on a real local directory: the real sshd validates (-t) and reports (-T);
 * only the service manager is recorded instead of run (see DirHost).
 */
import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import { compareEffective, sshdConfigModule, type SshdConfigArgs } from '../../../src/modules/sshd_config.js';
import { validator } from '../../../src/playbook/schema.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { DEBIAN12_SSHD_CONFIG } from '../edit/fixtures.js';
import { DirHost } from '../edit/local-hosts.js';

const hasSshd = existsSync('/usr/sbin/sshd') && existsSync('/etc/ssh/ssh_host_ed25519_key') && process.getuid?.() === 0;
const maybe = hasSshd ? test : test.skip;

const RUNBOOK = {
  PasswordAuthentication: 'no',
  X11Forwarding: 'no',
  ClientAliveInterval: 30,
  AuthorizedKeysFile: '.ssh/authorized_keys .ssh/uwsgi_authorized_keys',
};

interface Tree {
  dir: string;
  main: string;
  dropin: string;
  args: SshdConfigArgs;
}

function tree(dropin = 'PasswordAuthentication yes\n'): Tree {
  const dir = mkdtempSync(join(tmpdir(), 'hf-sshdmod-'));
  mkdirSync(join(dir, 'd'));
  const main = join(dir, 'sshd_config');
  writeFileSync(main, DEBIAN12_SSHD_CONFIG.replace('Include /etc/ssh/sshd_config.d/*.conf', `Include ${dir}/d/*.conf`));
  const drop = join(dir, 'd', '50-cloud-init.conf');
  writeFileSync(drop, dropin);
  return { dir, main, dropin: drop, args: { path: main, settings: RUNBOOK } };
}

/** The lockout guard's host-side state goes to a private directory, never the machine's /var/lib/hostforge. */
const STATE = mkdtempSync(join(tmpdir(), 'hf-sshdguard-'));
test.after.always(() => rmSync(STATE, { recursive: true, force: true }));

function ctxWith(probe: () => Promise<void>) {
  const f = fakeContext({ vars: { hostforge_state_dir: STATE } });
  return { ...f, ctx: { ...f.ctx, probeLogin: probe } };
}

test('sshd_config: schema', (t) => {
  const v = validator(sshdConfigModule.args as object, false);
  t.true(v({ settings: RUNBOOK }));
  t.true(v({ settings: { AllowUsers: ['a', 'b'], X11Forwarding: false, Banner: null } }));
  t.true(v({ match_blocks: { 'User anoncvs': { X11Forwarding: 'no' } } }));
  t.false(v({}));
  t.false(v({ settings: { 'Bad Key': 'x' } }));
  t.false(v({ settings: RUNBOOK, service: 'ssh; reboot' }));
});

maybe('sshd_config: runbook settings with a contradicting drop-in, twice', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    const { ctx, warnings } = ctxWith(async () => undefined);
    const first = await sshdConfigModule.plan(host, tr.args, ctx);
    t.deepEqual(
      first.map((c) => `${c.kind}:${c.target}`),
      [`file:${tr.dropin}`, `file:${tr.main}`, 'service:ssh'],
    );
    t.regex(first[0]?.summary ?? '', /comment out "PasswordAuthentication yes".*it was read first and won/);
    t.is(first[1]?.data?.validate, 'sshd -t -f %s');
    const saved = JSON.parse(JSON.stringify(first)) as typeof first;
    await sshdConfigModule.apply(host, saved, tr.args, ctx);
    t.deepEqual(host.services, ['/etc/init.d/ssh restart']);
    t.deepEqual(warnings, [], 'sshd -T agrees with the settings');
    t.is(readFileSync(tr.dropin, 'utf8'), '#PasswordAuthentication yes\n');
    t.deepEqual(await sshdConfigModule.plan(host, tr.args, ctx), []);
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: a value sshd -t rejects fails and leaves every file byte for byte', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    const { ctx } = ctxWith(async () => undefined);
    const args: SshdConfigArgs = { path: tr.main, settings: { PasswordAuthentication: 'no', X11Forwarding: 'maybe' } };
    const before = [readFileSync(tr.main), readFileSync(tr.dropin)];
    const changes = await sshdConfigModule.plan(host, args, ctx);
    t.is(changes.length, 3);
    const err = await t.throwsAsync(sshdConfigModule.apply(host, changes, args, ctx), { instanceOf: TaskError, message: /validation failed/ });
    t.regex(err?.details ?? '', /X11Forwarding|maybe|unsupported/i);
    t.deepEqual([readFileSync(tr.main), readFileSync(tr.dropin)], before);
    t.deepEqual(host.services, [], 'sshd was not restarted');
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: only a drop-in changes: the whole configuration is still checked', async (t) => {
  const tr = tree('PasswordAuthentication yes\nMaxAuthTries 3\n');
  try {
    writeFileSync(tr.main, `Include ${tr.dir}/d/*.conf\nPasswordAuthentication no\n`);
    const host = new DirHost();
    const { ctx } = ctxWith(async () => undefined);
    const args: SshdConfigArgs = { path: tr.main, settings: { PasswordAuthentication: 'no' } };
    const changes = await sshdConfigModule.plan(host, args, ctx);
    t.deepEqual(
      changes.map((c) => c.target),
      [tr.dropin, 'ssh'],
    );
    await sshdConfigModule.apply(host, changes, args, ctx);
    t.true(host.execs.some((e) => e === `sshd -t -f ${tr.main}`));
    t.deepEqual(await sshdConfigModule.plan(host, args, ctx), []);
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: lockout guard restores the files and restarts again', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    let probes = 0;
    const { ctx } = ctxWith(async () => {
      probes++;
      throw new Error('Permission denied (publickey)');
    });
    const args: SshdConfigArgs = { path: tr.main, settings: { AllowUsers: 'nobody' } };
    const before = [readFileSync(tr.main), readFileSync(tr.dropin)];
    const changes = await sshdConfigModule.plan(host, args, ctx);
    await t.throwsAsync(sshdConfigModule.apply(host, changes, args, ctx), { instanceOf: TaskError, message: /^lockout guard: .*restored and ssh restarted/ });
    t.is(probes, 4, 'the login is retried before giving up');
    t.deepEqual([readFileSync(tr.main), readFileSync(tr.dropin)], before);
    t.deepEqual(host.services, ['/etc/init.d/ssh restart', '/etc/init.d/ssh restart']);
    t.deepEqual(readdirSync(STATE), [], 'the guard was rolled back and removed');
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: a failed restart rolls back too; systemd hosts use systemctl', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    host.serviceExit = 1;
    host.facts_ = { ...host.facts_, init: 'systemd' };
    const { ctx } = ctxWith(async () => undefined);
    const before = readFileSync(tr.main);
    const changes = await sshdConfigModule.plan(host, tr.args, ctx);
    await t.throwsAsync(sshdConfigModule.apply(host, changes, tr.args, ctx), { instanceOf: TaskError, message: /restarting ssh failed/ });
    t.deepEqual(readFileSync(tr.main), before);
    t.deepEqual(host.services, ['systemctl restart ssh', 'systemctl restart ssh']);
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: apply refuses a file that changed since the plan', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    const { ctx } = ctxWith(async () => undefined);
    const changes = await sshdConfigModule.plan(host, tr.args, ctx);
    writeFileSync(tr.dropin, 'PasswordAuthentication yes\nX11Forwarding yes\n');
    await t.throwsAsync(sshdConfigModule.apply(host, changes, tr.args, ctx), { instanceOf: TaskError, message: /changed since it was planned/ });
    t.deepEqual(host.services, []);
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

maybe('sshd_config: restart false and no guard', async (t) => {
  const tr = tree();
  try {
    const host = new DirHost();
    const { ctx } = ctxWith(async () => {
      throw new Error('not called');
    });
    const args = { ...tr.args, restart: false };
    const changes = await sshdConfigModule.plan(host, args, ctx);
    t.false(changes.some((c) => c.kind === 'service'));
    await sshdConfigModule.apply(host, changes, args, ctx);
    t.deepEqual(host.services, []);
    t.deepEqual(await sshdConfigModule.plan(host, args, ctx), []);
  } finally {
    rmSync(tr.dir, { recursive: true, force: true });
  }
});

test('sshd_config: comparing sshd -T', (t) => {
  const out = 'passwordauthentication no\nclientaliveinterval 60\nallowusers a\nallowusers b\nauthorizedkeysfile .ssh/authorized_keys .ssh/x\nport 22\n';
  t.deepEqual(compareEffective(out, { PasswordAuthentication: 'no', ClientAliveInterval: '1m', AllowUsers: 'b a', AuthorizedKeysFile: '.ssh/authorized_keys .ssh/x', Banner: null }), []);
  t.deepEqual(compareEffective(out, { PasswordAuthentication: 'yes' }), ['PasswordAuthentication is "no", expected "yes"']);
  t.deepEqual(compareEffective(out, { Port: [22, 2222] }).length, 1);
});
