import test from 'ava';
import { fileModule, type FileArgs } from '../../../src/modules/file.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { plan, runTwice } from '../../helpers/module-run.js';

interface Case {
  name: string;
  setup: (h: FakeHost) => void;
  args: FileArgs;
  /** Expected [action kind summary-substring] per change. */
  changes: [string, string, string][];
  check?: (h: FakeHost) => void;
}

const cases: Case[] = [
  {
    name: 'directory: create with mode and owner',
    setup: () => {},
    args: { path: '/srv/app/data', state: 'directory', mode: 0o750, owner: 'www', group: 'www' },
    changes: [['create', 'directory', 'create directory /srv/app/data']],
    check: (h) => t(h.node('/srv/app/data'), { type: 'directory', mode: '0750', owner: 'www', group: 'www' }),
  },
  {
    name: 'directory: exists, nothing asked',
    setup: (h) => h.addDir('/srv'),
    args: { path: '/srv', state: 'directory' },
    changes: [],
  },
  {
    name: 'directory: chmod and chown are separate changes',
    setup: (h) => h.addDir('/srv', { mode: '0700' }),
    args: { path: '/srv', state: 'directory', mode: '0755', owner: 'alice' },
    changes: [
      ['update', 'attributes', 'mode of /srv: 0700 → 0755'],
      ['update', 'attributes', 'owner of /srv: root → alice'],
    ],
  },
  {
    name: 'directory: numeric owner equal to the name is no change',
    setup: (h) => h.addDir('/srv', { owner: 'alice', group: 'staff' }),
    args: { path: '/srv', state: 'directory', owner: 1000, group: '50' },
    changes: [],
  },
  {
    name: 'directory: symbolic mode relative to the current one',
    setup: (h) => h.addDir('/srv', { mode: '0700' }),
    args: { path: '/srv', state: 'directory', mode: 'go+rX' },
    changes: [['update', 'attributes', '0700 → 0755']],
  },
  {
    name: 'directory: a file is in the way',
    setup: (h) => h.addFile('/srv', 'x'),
    args: { path: '/srv', state: 'directory' },
    changes: [],
  },
  {
    name: 'touch: creates an empty file',
    setup: (h) => h.addDir('/etc'),
    args: { path: '/etc/flag', state: 'touch', mode: '0600' },
    changes: [['create', 'file', 'create empty file /etc/flag']],
    check: (h) => t(h.node('/etc/flag'), { type: 'file', mode: '0600', data: Buffer.alloc(0) }),
  },
  {
    name: 'touch: existing file keeps content and times, attrs only',
    setup: (h) => h.addFile('/etc/flag', 'keep', { mode: '0644' }),
    args: { path: '/etc/flag', state: 'touch', mode: '0600' },
    changes: [['update', 'attributes', '0644 → 0600']],
    check: (h) => t(h.node('/etc/flag'), { data: Buffer.from('keep') }),
  },
  {
    name: 'file: attrs of an existing file',
    setup: (h) => h.addFile('/etc/x', 'x', { group: 'root' }),
    args: { path: '/etc/x', state: 'file', group: 'staff' },
    changes: [['update', 'attributes', 'owner of /etc/x: :root → :staff']],
  },
  {
    name: 'file: follows a symlink for attrs',
    setup: (h) => h.addFile('/etc/real', 'x', { mode: '0644' }).addLink('/etc/alias', 'real'),
    args: { path: '/etc/alias', mode: '0600' },
    changes: [['update', 'attributes', 'mode of /etc/real']],
  },
  {
    name: 'absent: removes a tree',
    setup: (h) => h.addFile('/srv/a/b/c', 'x'),
    args: { path: '/srv/a', state: 'absent' },
    changes: [['delete', 'absent', 'remove directory /srv/a']],
    check: (h) => {
      if (h.node('/srv/a') || h.node('/srv/a/b/c')) throw new Error('not removed');
    },
  },
  {
    name: 'absent: already gone',
    setup: () => {},
    args: { path: '/nope', state: 'absent' },
    changes: [],
  },
  {
    name: 'link: create',
    setup: (h) => h.addFile('/opt/app-1.2/bin', 'x').addDir('/usr/local'),
    args: { path: '/usr/local/app', state: 'link', src: '/opt/app-1.2' },
    changes: [['create', 'link', 'link /usr/local/app → /opt/app-1.2']],
    check: (h) => t(h.node('/usr/local/app'), { type: 'link', target: '/opt/app-1.2' }),
  },
  {
    name: 'link: retarget',
    setup: (h) => h.addDir('/opt/app-1.3').addLink('/usr/local/app', '/opt/app-1.2'),
    args: { path: '/usr/local/app', state: 'link', src: '/opt/app-1.3' },
    changes: [['update', 'link', 'relink /usr/local/app: /opt/app-1.2 → /opt/app-1.3']],
    check: (h) => t(h.node('/usr/local/app'), { target: '/opt/app-1.3' }),
  },
  {
    name: 'link: relative src resolved from the link directory',
    setup: (h) => h.addFile('/etc/nginx/sites-available/default', 'x').addDir('/etc/nginx/sites-enabled'),
    args: { path: '/etc/nginx/sites-enabled/default', state: 'link', src: '../sites-available/default' },
    changes: [['create', 'link', 'link']],
  },
  {
    name: 'link: force replaces a file',
    setup: (h) => h.addFile('/etc/resolv.conf', 'x').addFile('/run/resolv.conf', 'y'),
    args: { path: '/etc/resolv.conf', state: 'link', src: '/run/resolv.conf', force: true },
    changes: [['update', 'link', 'replace file /etc/resolv.conf with a link']],
    check: (h) => t(h.node('/etc/resolv.conf'), { type: 'link' }),
  },
  {
    name: 'link: force replaces an empty directory',
    setup: (h) => h.addDir('/data').addDir('/srv/data'),
    args: { path: '/data', state: 'link', src: '/srv/data', force: true },
    changes: [['update', 'link', 'replace directory /data']],
    check: (h) => t(h.node('/data'), { type: 'link' }),
  },
  {
    name: 'link: owner of the link itself (chown -h)',
    setup: (h) => h.addDir('/opt/a').addLink('/l', '/opt/a'),
    args: { path: '/l', state: 'link', src: '/opt/a', owner: 'alice' },
    changes: [['update', 'attributes', 'owner of /l']],
  },
];

function t(node: unknown, want: Record<string, unknown>): void {
  const n = node as Record<string, unknown> | undefined;
  if (!n) throw new Error('missing node');
  for (const [k, v] of Object.entries(want)) {
    const got = n[k];
    const same = Buffer.isBuffer(v) ? Buffer.isBuffer(got) && v.equals(got) : got === v;
    if (!same) throw new Error(`${k}: got ${String(got)}, want ${String(v)}`);
  }
}

for (const c of cases) {
  test(`file: ${c.name}`, async (tt) => {
    const h = new FakeHost();
    c.setup(h);
    if (c.name.includes('in the way')) {
      await tt.throwsAsync(plan(fileModule, h, c.args), { message: /not a directory/ });
      return;
    }
    const { first, second } = await runTwice(fileModule, h, c.args);
    tt.deepEqual(
      first.map((x) => [x.action, x.kind]),
      c.changes.map(([a, k]) => [a, k]),
    );
    first.forEach((x, i) => tt.true(x.summary.includes(c.changes[i]![2]), `${x.summary} ∌ ${c.changes[i]![2]}`));
    tt.deepEqual(second, [], 'second plan is empty');
    tt.notThrows(() => c.check?.(h));
  });
}

test('file: plan is read-only and costs one stat for a simple directory', async (t) => {
  const h = new FakeHost().addDir('/srv', { mode: '0700' });
  await plan(fileModule, h, { path: '/srv', state: 'directory', mode: '0700' });
  t.deepEqual(h.log.map((e) => e.op), ['stat']);
});

test('file: apply of mkdir + chmod + chown is one exec', async (t) => {
  const h = new FakeHost();
  const changes = await plan(fileModule, h, { path: '/a/b', state: 'directory', mode: '0700', owner: 'alice', group: 'staff' });
  h.clearLog();
  await fileModule.apply(h, changes, { path: '/a/b', state: 'directory' }, undefined as never);
  t.deepEqual(h.execs(), ['mkdir -p -- /a/b && chmod 0700 -- /a/b && chown alice:staff -- /a/b']);
});

test('file: recurse checks the tree with one find and fixes it with chmod -R / chown -R', async (t) => {
  const h = new FakeHost().addDir('/srv/www', { mode: '0755', owner: 'www', group: 'www' }).addFile('/srv/www/index.html', 'x', { owner: 'root' });
  let seen = '';
  h.on('find', (text) => {
    seen = text;
    // Only ownership differs below /srv/www.
    return { stdout: 'mode=\nowner=/srv/www/index.html\n' };
  });
  const changes = await plan(fileModule, h, { path: '/srv/www', state: 'directory', recurse: true, mode: '0755', owner: 'www', group: 'www' });
  t.regex(seen, /find \/srv\/www -mindepth 1 '!' -type l '!' -perm 0755 -print/);
  t.regex(seen, /find \/srv\/www -mindepth 1 '\(' '!' -user www -o '!' -group www '\)' -print/);
  t.is(changes.length, 1);
  t.like(changes[0], { action: 'update', kind: 'attributes', attrs: { owner: 'www', group: 'www' }, data: { recurse: true } });
  h.clearLog();
  await fileModule.apply(h, changes, { path: '/srv/www' }, undefined as never);
  t.deepEqual(h.execs(), ['chown -R -h www:www -- /srv/www']);
  t.is((h.node('/srv/www/index.html') as { owner: string }).owner, 'www');
});

test('file: errors', async (t) => {
  const h = new FakeHost().addFile('/f', 'x').addDir('/d');
  await t.throwsAsync(plan(fileModule, h, { path: '/missing', state: 'file' }), { message: /absent, cannot continue/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/missing' }), { message: /does not exist/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/d', state: 'file' }), { message: /is a directory/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/l', state: 'link' }), { message: /needs src/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/l', state: 'link', src: '/nothing' }), { message: /use force=true/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/f', state: 'link', src: '/d' }), { message: /refusing to convert/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/d', mode: 0o17777 }), { message: /not a file mode/ });
  await t.throwsAsync(plan(fileModule, h, { path: '/', state: 'absent' }), { message: /refusing/ });
});

test('file: link to a missing src with force is planned', async (t) => {
  const h = new FakeHost();
  const c = await plan(fileModule, h, { path: '/l', state: 'link', src: '/later', force: true });
  t.like(c[0], { action: 'create', kind: 'link', after: '/later', data: { src: '/later' } });
});

test('file: a failing command becomes a TaskError with stderr', async (t) => {
  const h = new FakeHost().addDir('/srv');
  const changes = await plan(fileModule, h, { path: '/srv', state: 'directory', owner: 'ghost' });
  await t.throwsAsync(fileModule.apply(h, changes, { path: '/srv' }, undefined as never), { message: /invalid user/ });
});
