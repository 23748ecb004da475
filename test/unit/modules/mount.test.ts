import test from 'ava';
import { mountModule, type MountArgs } from '../../../src/modules/mount.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { runTwice } from '../../helpers/module-run.js';

const FSTAB = 'proc /proc proc defaults 0 0\n';

/** A fake mount table: findmnt answers from it; mount/umount scripts change it. */
function mounts(h: FakeHost, table: Map<string, { source: string; fstype: string; options: string }>): FakeHost {
  h.on(/^findmnt /, (t) => {
    const m = table.get(t.split(' ').pop()!);
    return m ? { stdout: `SOURCE="${m.source}" FSTYPE="${m.fstype}" OPTIONS="${m.options}"\n` } : { code: 1 };
  });
  h.on(/^mkdir -p -- \S+ && mount /, (t) => {
    const path = t.split(' ').pop()!;
    const entry = /^(\S+) (\S+) (\S+) (\S+)/m.exec((h.text('/etc/fstab') ?? '').split('\n').find((l) => l.split(/\s+/)[1] === path) ?? '');
    const eph = /mount -t (\S+) -o (\S+) -- (\S+) (\S+)$/.exec(t);
    h.mkdirs(path);
    if (eph) table.set(path, { source: eph[3]!, fstype: eph[1]!, options: `rw,${eph[2]}` });
    else if (entry) table.set(path, { source: entry[1]!, fstype: entry[3]!, options: `rw,${entry[4]}` });
    else return { code: 1, stderr: `mount: ${path}: can't find in /etc/fstab.` };
    return {};
  });
  h.on(/^mount -o remount/, (t) => {
    const path = t.split(' || ')[0]!.split(' ').pop()!;
    const o = /-o remount,(\S+)/.exec(t);
    const cur = table.get(path)!;
    if (o) cur.options = `rw,${o[1]}`;
    return {};
  });
  h.on(/^umount -- /, (t) => {
    table.delete(t.split(' ').pop()!);
    return {};
  });
  h.on(/^rmdir -- \S+ 2>\/dev\/null/, (t) => {
    h.fs.delete(t.split(' ')[2]!);
    return {};
  });
  return h;
}

test('mount: schema', (t) => {
  const v = validator(mountModule.args as object, false);
  t.true(v({ path: '/mnt/x', src: 'tmpfs', fstype: 'tmpfs', opts: 'size=16m', state: 'mounted' }));
  t.true(v({ path: '/mnt/x', state: 'unmounted' }));
  t.true(v({ name: '/mnt/x', state: 'absent' }));
  t.false(v({ path: '/mnt/x', state: 'mounted' }));
  t.false(v({ path: '/mnt/x', src: 'a', fstype: 'b' }));
  t.false(v({ path: '/mnt/x', state: 'bogus' }));
});

const T = { path: '/mnt/scratch', src: 'tmpfs', fstype: 'tmpfs', opts: 'nosuid' };
const cases: { name: string; pre?: (h: FakeHost, m: Map<string, { source: string; fstype: string; options: string }>) => void; args: MountArgs; first: string[]; mounted: boolean; fstab?: RegExp }[] = [
  { name: 'present: entry only', args: { ...T, state: 'present' }, first: ['update file'], mounted: false, fstab: /^tmpfs \/mnt\/scratch tmpfs nosuid 0 0$/m },
  { name: 'mounted: entry, mount point and mount', args: { ...T, state: 'mounted' }, first: ['update file', 'run command'], mounted: true },
  {
    name: 'mounted: options changed while mounted → remount',
    pre: (h, m) => {
      h.addFile('/etc/fstab', `${FSTAB}tmpfs /mnt/scratch tmpfs defaults 0 0\n`).addDir('/mnt/scratch');
      m.set('/mnt/scratch', { source: 'tmpfs', fstype: 'tmpfs', options: 'rw' });
    },
    args: { ...T, state: 'mounted' },
    first: ['update file', 'run command'],
    mounted: true,
  },
  {
    name: 'unmounted keeps the entry',
    pre: (h, m) => {
      h.addFile('/etc/fstab', `${FSTAB}tmpfs /mnt/scratch tmpfs nosuid 0 0\n`).addDir('/mnt/scratch');
      m.set('/mnt/scratch', { source: 'tmpfs', fstype: 'tmpfs', options: 'rw,nosuid' });
    },
    args: { path: '/mnt/scratch', state: 'unmounted' },
    first: ['run command'],
    mounted: false,
    fstab: /scratch/,
  },
  {
    name: 'absent: entry, mount and mount point',
    pre: (h, m) => {
      h.addFile('/etc/fstab', `${FSTAB}tmpfs /mnt/scratch tmpfs nosuid 0 0\n`).addDir('/mnt/scratch');
      m.set('/mnt/scratch', { source: 'tmpfs', fstype: 'tmpfs', options: 'rw,nosuid' });
    },
    args: { path: '/mnt/scratch', state: 'absent' },
    first: ['update file', 'run command', 'delete command'],
    mounted: false,
  },
  { name: 'ephemeral: mounted, fstab untouched', args: { ...T, state: 'ephemeral' }, first: ['run command'], mounted: true, fstab: /^proc \/proc proc defaults 0 0\n$/ },
  {
    name: 'ephemeral: other options → remount',
    pre: (_h, m) => m.set('/mnt/scratch', { source: 'tmpfs', fstype: 'tmpfs', options: 'rw' }),
    args: { ...T, state: 'ephemeral' },
    first: ['run command'],
    mounted: true,
  },
];

for (const c of cases) {
  test(`mount: ${c.name}`, async (t) => {
    const table = new Map<string, { source: string; fstype: string; options: string }>();
    const host = mounts(new FakeHost({ files: { '/etc/fstab': FSTAB } }), table);
    c.pre?.(host, table);
    const { first, second } = await runTwice(mountModule, host, c.args);
    t.deepEqual(first.map((x) => `${x.action} ${x.kind}`), c.first);
    t.deepEqual(second, []);
    t.is(table.has('/mnt/scratch'), c.mounted);
    if (c.fstab) t.regex(host.text('/etc/fstab') ?? '', c.fstab);
    if (c.args.state === 'absent') t.is(host.node('/mnt/scratch'), undefined);
  });
}

test('mount: remounted is always a change', async (t) => {
  const table = new Map([['/mnt/scratch', { source: 'tmpfs', fstype: 'tmpfs', options: 'rw' }]]);
  const host = mounts(new FakeHost({ files: { '/etc/fstab': FSTAB } }), table);
  const { first, second } = await runTwice(mountModule, host, { path: '/mnt/scratch', state: 'remounted' });
  t.is(first.length, 1);
  t.is(second.length, 1);
});
