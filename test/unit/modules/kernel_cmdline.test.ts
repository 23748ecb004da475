import test from 'ava';
import { TaskError } from '../../../src/errors.js';
import { kernelCmdlineModule } from '../../../src/modules/kernel_cmdline.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

const GRUB = 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="nomodeset elevator=deadline"\nGRUB_CMDLINE_LINUX=""\n';

test('kernel_cmdline: schema', (t) => {
  const v = validator(kernelCmdlineModule.args as object, false);
  t.true(v({ args_present: ['elevator=cfq'] }));
  t.true(v({ args_absent: ['quiet'], variable: 'GRUB_CMDLINE_LINUX' }));
  t.false(v({}));
  t.false(v({ args_present: ['x'], variable: 'GRUB_OTHER' }));
  t.false(v({ args_present: 'elevator=cfq', bogus: 1 }));
});

test('kernel_cmdline: run twice (replaces the elevator in place, once)', async (t) => {
  const host = new FakeHost({ files: { '/etc/default/grub': GRUB } });
  const { first, second } = await runTwice(kernelCmdlineModule, host, { args_present: ['elevator=cfq'] });
  t.is(first.length, 1);
  t.is(first[0]?.kind, 'file');
  t.regex(first[0]?.summary ?? '', /replace elevator=deadline with elevator=cfq/);
  t.deepEqual(second, []);
  t.is(host.text('/etc/default/grub'), GRUB.replace('elevator=deadline', 'elevator=cfq'));
});

test('kernel_cmdline: check mode never writes', async (t) => {
  const host = new FakeHost({ files: { '/etc/default/grub': GRUB }, checkMode: true });
  const changes = await plan(kernelCmdlineModule, host, { args_present: ['elevator=cfq'] });
  t.is(changes.length, 1);
  t.false(host.log.some((e) => e.op === 'write'));
});

test('kernel_cmdline: a missing file fails unless create is set', async (t) => {
  const host = new FakeHost();
  await t.throwsAsync(plan(kernelCmdlineModule, host, { args_present: ['elevator=cfq'] }), { instanceOf: TaskError });
  t.deepEqual(await plan(kernelCmdlineModule, host, { args_absent: ['quiet'] }), []);
  const { second } = await runTwice(kernelCmdlineModule, host, { args_present: ['elevator=cfq'], create: true });
  t.deepEqual(second, []);
  t.is(host.text('/etc/default/grub'), 'GRUB_CMDLINE_LINUX_DEFAULT="elevator=cfq"\n');
});
