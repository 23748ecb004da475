import test from 'ava';
import { TaskError } from '../../../src/errors.js';
import { slurpModule } from '../../../src/modules/slurp.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';

test('slurp: base64 content, source; missing and directory fail', async (t) => {
  const host = new FakeHost({ files: { '/etc/app.conf': Buffer.from([0, 1, 2, 0xff]) } }).addDir('/etc/d');
  const { ctx } = fakeContext();
  t.deepEqual(await slurpModule.plan(host, { src: '/etc/app.conf' }, ctx), []);
  t.deepEqual(await slurpModule.apply(host, [], { src: '/etc/app.conf' }, ctx), { content: 'AAEC/w==', encoding: 'base64', source: '/etc/app.conf' });
  await t.throwsAsync(slurpModule.apply(host, [], { path: '/nope' }, ctx), { instanceOf: TaskError, message: /file not found/ });
  await t.throwsAsync(slurpModule.apply(host, [], { path: '/etc/d' }, ctx), { instanceOf: TaskError, message: /directory/ });
});
