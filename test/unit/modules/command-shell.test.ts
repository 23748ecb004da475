import test from 'ava';
import { commandModule } from '../../../src/modules/command.js';
import { shellModule } from '../../../src/modules/shell.js';
import { isCommandFailed } from '../../../src/modules/support/command-error.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan } from '../../helpers/module-run.js';

const ctx = fakeContext().ctx;

test('command: the free form is split without a shell', async (t) => {
  const h = new FakeHost();
  const c = await plan(commandModule, h, { cmd: `echo 'a b' $HOME` });
  t.deepEqual(c, [
    { action: 'run', kind: 'command', target: `echo 'a b' '$HOME'`, summary: `run: echo 'a b' '$HOME'`, data: { argv: ['echo', 'a b', '$HOME'], decided: false } },
  ]);
  t.is(commandModule.checkMode, 'skip-run');
  t.is(h.log.length, 0, 'no creates/removes: plan touches nothing');
});

test('command: apply runs the argv (quoted) with chdir and stdin, result shaped like Ansible', async (t) => {
  const h = new FakeHost().on('echo', (_text, opts) => ({ stdout: `in ${opts.cwd}\nline2\n`, stderr: '' }));
  const args = { argv: ['echo', 'a;b'], chdir: '/srv', stdin: 'data' };
  const changes = await plan(commandModule, h, args);
  const r = await commandModule.apply(h, changes, args, ctx);
  t.deepEqual(h.execs(), [`echo 'a;b'`]);
  t.like(h.log[0]!.opts, { cwd: '/srv', stdin: 'data\n' });
  t.like(r, { rc: 0, stdout: 'in /srv\nline2', stdout_lines: ['in /srv', 'line2'], stderr: '', cmd: ['echo', 'a;b'] });
});

test('command: non-zero exit throws CommandFailed carrying the result', async (t) => {
  const h = new FakeHost().on('false', { code: 3, stdout: 'out', stderr: 'boom\n' });
  const changes = await plan(commandModule, h, { cmd: 'false' });
  const err = await t.throwsAsync(commandModule.apply(h, changes, { cmd: 'false' }, ctx), { message: /exit code 3: boom/ });
  t.true(isCommandFailed(err));
  if (isCommandFailed(err)) t.like(err.result, { rc: 3, stdout: 'out', stderr: 'boom' });
});

test('command: creates / removes decide by stat (relative to chdir)', async (t) => {
  const h = new FakeHost().addFile('/srv/app/.done', '');
  t.deepEqual(await plan(commandModule, h, { cmd: 'make install', creates: '/srv/app/.done' }), []);
  t.deepEqual(await plan(commandModule, h, { cmd: 'make install', chdir: '/srv/app', creates: '.done' }), []);
  const run = await plan(commandModule, h, { cmd: 'make install', creates: '/srv/app/.other' });
  t.like(run[0], { action: 'run', data: { decided: true } });
  t.deepEqual(await plan(commandModule, h, { cmd: 'rm x', removes: '/nope' }), []);
  t.is((await plan(commandModule, h, { cmd: 'rm x', removes: '/srv/app/.done' })).length, 1);
});

test('command: creates with a glob uses find in the directory', async (t) => {
  const h = new FakeHost().on(/^find \/etc\/ssl -mindepth 1 -maxdepth 1 -name '\*.pem'/, { stdout: '/etc/ssl/a.pem\n' });
  t.deepEqual(await plan(commandModule, h, { cmd: 'gen', creates: '/etc/ssl/*.pem' }), []);
  await t.throwsAsync(plan(commandModule, h, { cmd: 'gen', creates: '/etc/*/x' }), { message: /last path component/ });
});

test('command: empty command', async (t) => {
  await t.throwsAsync(plan(commandModule, new FakeHost(), { cmd: '   ' }), { message: /no command/ });
});

test('shell: runs a script; executable runs it with -c', async (t) => {
  const h = new FakeHost().on(/./, { stdout: 'ok\n' });
  const a1 = { cmd: 'echo $HOME | tr a-z A-Z > /tmp/x' };
  await shellModule.apply(h, await plan(shellModule, h, a1), a1, ctx);
  const a2 = { cmd: 'echo ${BASH_VERSION}', executable: '/bin/bash' };
  await shellModule.apply(h, await plan(shellModule, h, a2), a2, ctx);
  t.deepEqual(h.execs(), ['echo $HOME | tr a-z A-Z > /tmp/x', `/bin/bash -c 'echo \${BASH_VERSION}'`]);
  t.is(shellModule.checkMode, 'skip-run');
});

test('shell: creates skips', async (t) => {
  const h = new FakeHost().addFile('/var/lib/x/ok', '');
  t.deepEqual(await plan(shellModule, h, { cmd: 'setup.sh', creates: '/var/lib/x/ok' }), []);
});
