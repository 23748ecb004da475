/** Check mode's view of a host: later tasks see what earlier tasks would have done. */
import test from 'ava';
import { PredictedHost, PredictedState } from '../../../src/engine/predicted-host.js';
import type { FileStat, Host } from '../../../src/modules/types.js';

function real(files: Record<string, string>, dirs: string[] = ['/etc']): Host {
  return {
    name: 'h', vars: {}, checkMode: false,
    exec: async () => ({ code: 0, stdout: '', stderr: '' }),
    read: async (p) => (p in files ? Buffer.from(files[p]!) : null),
    stat: async (p): Promise<FileStat | null> =>
      p in files ? { type: 'file', mode: '0600', owner: 'root', group: 'root', size: files[p]!.length } : dirs.includes(p) ? { type: 'directory', mode: '0755', owner: 'root', group: 'root', size: 0 } : null,
    write: async () => ({}),
    facts: async () => { throw new Error('no facts'); },
    invalidate: () => undefined,
  };
}

test('a file written earlier is read back; attributes and deletions are seen', async (t) => {
  const st = new PredictedState();
  const h = new PredictedHost(real({ '/etc/a': 'old\n', '/etc/b': 'b\n' }), st);
  st.record([{ action: 'update', kind: 'file', target: '/etc/a', summary: '', before: 'old\n', after: 'new\n', attrs: { mode: '0644' } }]);
  st.record([{ action: 'delete', kind: 'absent', target: '/etc/b', summary: '' }]);
  t.is((await h.read('/etc/a'))?.toString(), 'new\n');
  t.is((await h.stat('/etc/a'))?.mode, '0644');
  t.is(await h.read('/etc/b'), null);
  t.is(await h.stat('/etc/b'), null);
});

test('mkdir -p creates the parents too; a removed directory takes its children', async (t) => {
  const st = new PredictedState();
  const h = new PredictedHost(real({ '/opt/x/f': 'f' }), st);
  st.record([{ action: 'create', kind: 'directory', target: '/srv/app/conf.d', summary: '', attrs: { mode: '0750' } }]);
  t.is((await h.stat('/srv'))?.type, 'directory');
  t.is((await h.stat('/srv/app'))?.type, 'directory');
  t.is((await h.stat('/srv/app/conf.d'))?.mode, '0750');
  st.record([{ action: 'delete', kind: 'absent', target: '/opt/x', summary: '' }]);
  t.is(await h.stat('/opt/x/f'), null);
});

test('packages and services are predicted; writes while planning are refused', async (t) => {
  const st = new PredictedState();
  const h = new PredictedHost(real({}), st);
  st.record([{ action: 'create', kind: 'package', target: 'etcd-server', summary: '' }]);
  st.record([{ action: 'update', kind: 'service', target: 'etcd', summary: '', data: { state: 'started' } }]);
  t.is(h.predicted('package', 'etcd-server'), 'present');
  t.is(h.predicted('service', 'etcd'), 'started');
  await t.throwsAsync(h.write('/etc/x', 'y'), { message: /while planning/ });
});
