import test from 'ava';
import { rawModule } from '../../../src/modules/raw.js';
import { scriptModule, scriptWords } from '../../../src/modules/script.js';
import { isCommandFailed } from '../../../src/modules/support/command-error.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

test('raw: the line goes to the shell as is; always a change', async (t) => {
  const host = new FakeHost().on('echo $HOME | tr a-z A-Z', { stdout: '/ROOT\n' });
  const { first, result, second } = await runTwice(rawModule, host, { free_form: 'echo $HOME | tr a-z A-Z' });
  t.is(first.length, 1);
  t.is(second.length, 1);
  t.like(result, { rc: 0, stdout: '/ROOT', stdout_lines: ['/ROOT'] });
  const bash = new FakeHost().on("/bin/bash -c 'echo $0'", { stdout: 'bash\n' });
  t.like(await rawModule.apply(bash, [], { free_form: 'echo $0', executable: '/bin/bash' }, fakeContext().ctx), { stdout: 'bash' });
  const bad = new FakeHost().on('false', { code: 1 });
  const err = await t.throwsAsync(rawModule.apply(bad, [], { free_form: 'false' }, fakeContext().ctx));
  t.true(isCommandFailed(err));
});

test('script: uploaded 0700, run with its arguments in chdir, removed', async (t) => {
  const host = new FakeHost().addDir('/tmp').addDir('/srv');
  host.on(/^\/tmp\/\.hostforge-script-[0-9a-f]+ --name 'a b'$/, (_t, o) => ({ stdout: `ran in ${o.cwd ?? ''}\n` }));
  host.on(/^rm -f -- \/tmp\/\.hostforge-script-/, (txt) => {
    host.fs.delete(txt.split(' ').pop()!);
    return {};
  });
  const { ctx } = fakeContext({ local: { 'setup.sh': '#!/bin/sh\necho hi\n' } });
  const args = { free_form: "setup.sh --name 'a b'", chdir: '/srv' };
  const changes = await plan(scriptModule, host, args, ctx);
  t.is(changes[0]?.action, 'run');
  const r = await scriptModule.apply(host, changes, args, ctx);
  t.like(r, { rc: 0, stdout: 'ran in /srv' });
  const write = host.log.find((e) => e.op === 'write');
  t.like(write?.opts, { mode: '0700' });
  t.false([...host.fs.keys()].some((k) => k.includes('hostforge-script')));
  t.deepEqual(scriptWords({ cmd: 'a.sh x "y z"' }), { file: 'a.sh', argv: ['x', 'y z'] });
});

test('script: creates decides; a missing local script is an error before anything runs', async (t) => {
  const host = new FakeHost({ files: { '/etc/done': '' } });
  const { ctx } = fakeContext({ local: { 'setup.sh': 'x' } });
  t.deepEqual(await plan(scriptModule, host, { free_form: 'setup.sh', creates: '/etc/done' }, ctx), []);
  await t.throwsAsync(plan(scriptModule, host, { free_form: 'nope.sh' }, ctx), { message: /not found/ });
});
