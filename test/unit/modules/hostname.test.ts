import test from 'ava';
import { hostnameModule } from '../../../src/modules/hostname.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

function kernelName(h: FakeHost, state: { name: string }): FakeHost {
  h.on(/^hostname$/, () => ({ stdout: `${state.name}\n` }));
  h.on(/^hostname \S+$/, (t) => {
    state.name = t.split(' ')[1]!;
    return {};
  });
  return h;
}

test('hostname: schema', (t) => {
  const v = validator(hostnameModule.args as object, false);
  t.true(v({ name: 'web1' }));
  t.true(v({ name: 'web1.example.com', use: 'systemd' }));
  t.false(v({ name: 'bad_name' }));
  t.false(v({ name: '-x' }));
  t.false(v({ name: 'a', use: 'nope' }));
});

const cases: { name: string; file?: string; live: string; first: string[] }[] = [
  { name: 'both differ', file: 'node1\n', live: 'node1', first: ['update file', 'update other'] },
  { name: 'file missing', live: 'web1', first: ['create file'] },
  { name: 'live only', file: 'web1\n', live: 'node1', first: ['update other'] },
  { name: 'file without newline counts as set (stripped compare)', file: 'web1', live: 'web1', first: [] },
];

for (const c of cases) {
  test(`hostname: ${c.name}`, async (t) => {
    const state = { name: c.live };
    const host = kernelName(new FakeHost({ files: { '/etc/motd': '', ...(c.file !== undefined ? { '/etc/hostname': c.file } : {}) } }), state);
    const { first, second } = await runTwice(hostnameModule, host, { name: 'web1' });
    t.deepEqual(first.map((x) => `${x.action} ${x.kind}`), c.first);
    t.deepEqual(second, []);
    t.is(state.name, 'web1');
    if (c.file === undefined || c.file.trim() !== 'web1') t.is(host.text('/etc/hostname'), 'web1\n');
  });
}

test('hostname: use is ignored with a warning', async (t) => {
  const host = kernelName(new FakeHost({ files: { '/etc/hostname': 'web1\n' } }), { name: 'web1' });
  const { ctx, warnings } = fakeContext();
  t.deepEqual(await plan(hostnameModule, host, { name: 'web1', use: 'systemd' }, ctx), []);
  t.regex(warnings[0] ?? '', /ignored/);
});
