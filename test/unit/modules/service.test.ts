import test from 'ava';
import { parseSystemctlShow, parseSysv, planService, serviceCommands, serviceModule, sysvScript, type ServiceArgs } from '../../../src/modules/service.js';
import { toShell } from '../../../src/util/quote.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { localExec } from '../../helpers/local-exec.js';

function systemd(show: string): FakeHost {
  return new FakeHost({ facts: { init: 'systemd' } }).on('systemctl show', { stdout: show });
}
function sysv(out: string): FakeHost {
  return new FakeHost({ facts: { init: 'sysvinit' } }).on('/etc/init.d/', { stdout: out });
}

interface Case {
  name: string;
  host: () => FakeHost;
  args: ServiceArgs;
  changes: [string, string][]; // action, op
}

const ACTIVE = 'LoadState=loaded\nActiveState=active\nUnitFileState=enabled\n';
const INACTIVE = 'LoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\n';

const cases: Case[] = [
  { name: 'systemd: started+enabled, already so', host: () => systemd(ACTIVE), args: { name: 'ssh', state: 'started', enabled: true }, changes: [] },
  { name: 'systemd: start and enable', host: () => systemd(INACTIVE), args: { name: 'etcd', state: 'started', enabled: true }, changes: [['update', 'enable'], ['update', 'start']] },
  { name: 'systemd: stop and disable', host: () => systemd(ACTIVE), args: { name: 'etcd', state: 'stopped', enabled: false }, changes: [['update', 'disable'], ['update', 'stop']] },
  { name: 'systemd: restarted always runs', host: () => systemd(ACTIVE), args: { name: 'ssh', state: 'restarted' }, changes: [['run', 'restart']] },
  { name: 'systemd: reloaded on a running service', host: () => systemd(ACTIVE), args: { name: 'nginx', state: 'reloaded' }, changes: [['run', 'reload']] },
  { name: 'systemd: reloaded on a stopped service starts it', host: () => systemd(INACTIVE), args: { name: 'nginx', state: 'reloaded' }, changes: [['update', 'start']] },
  { name: 'sysv: running and enabled', host: () => sysv('exists=yes\nstatus=0\nenabled=yes\n'), args: { name: 'ssh', state: 'started', enabled: true }, changes: [] },
  { name: 'sysv: start and enable', host: () => sysv('exists=yes\nstatus=3\nenabled=no\n'), args: { name: 'uwsgi', state: 'started', enabled: true }, changes: [['update', 'enable'], ['update', 'start']] },
  { name: 'sysv: restarted', host: () => sysv('exists=yes\nstatus=0\nenabled=yes\n'), args: { name: 'ssh', state: 'restarted' }, changes: [['run', 'restart']] },
];

for (const c of cases) {
  test(`service: ${c.name}`, async (t) => {
    const h = c.host();
    const changes = await planService(h, c.args);
    t.deepEqual(changes.map((x) => [x.action, x.data?.op]), c.changes);
    for (const x of changes) t.like(x, { kind: 'service', target: c.args.name });
    t.is(h.execs().length, 1, 'one round trip');
  });
}

test('service: unknown service fails', async (t) => {
  await t.throwsAsync(planService(systemd('LoadState=not-found\nActiveState=inactive\nUnitFileState=\n'), { name: 'nope', state: 'started' }), { message: /not found/ });
  await t.throwsAsync(planService(sysv('exists=no\n'), { name: 'nope', state: 'started' }), { message: /no \/etc\/init.d\/nope/ });
  await t.throwsAsync(planService(sysv(''), { name: 'a;b', state: 'started' }), { message: /invalid service name/ });
});

test('service: static unit cannot be enabled: warn, no change', async (t) => {
  const warnings: string[] = [];
  const c = await planService(systemd('LoadState=loaded\nActiveState=active\nUnitFileState=static\n'), { name: 'x', enabled: true }, (m) => warnings.push(m));
  t.deepEqual(c, []);
  t.is(warnings.length, 1);
});

test('service: parsers', (t) => {
  t.like(parseSystemctlShow(ACTIVE), { exists: true, running: true, enabled: true });
  t.like(parseSystemctlShow('LoadState=loaded\nActiveState=failed\nUnitFileState=masked'), { running: false, enabled: false });
  t.like(parseSysv('exists=yes\nstatus=0\nenabled=no'), { exists: true, running: true, enabled: false });
});

test('service: commands', (t) => {
  const mk = (op: string, init: string) => ({ action: 'update' as const, kind: 'service' as const, target: 'ssh', summary: '', data: { op, init } });
  t.deepEqual(serviceCommands(mk('restart', 'systemd')), [['systemctl', 'restart', '--', 'ssh']]);
  t.deepEqual(serviceCommands(mk('enable', 'sysvinit')), [['update-rc.d', 'ssh', 'defaults'], ['update-rc.d', 'ssh', 'enable']]);
  t.deepEqual(serviceCommands(mk('disable', 'sysvinit')), [['update-rc.d', 'ssh', 'disable']]);
  const start = toShell(serviceCommands(mk('start', 'sysvinit'))[0]!);
  t.regex(start, /^\(out=\$\(mktemp\).*\/etc\/init.d\/ssh start <\/dev\/null >"\$out" 2>&1.*exit \$rc\)$/);
});

test('service: apply runs all ops in one exec and fails with stderr', async (t) => {
  const h = sysv('exists=yes\nstatus=3\nenabled=no\n');
  const args: ServiceArgs = { name: 'uwsgi', state: 'started', enabled: true };
  const changes = await planService(h, args);
  h.on('update-rc.d', { code: 1, stderr: 'update-rc.d: error: no runlevel symlinks' });
  h.rules.reverse();
  await t.throwsAsync(serviceModule.apply(h, changes, args, fakeContext().ctx), { message: /enable, start failed.*no runlevel/ });
  t.is(h.execs().length, 2);
  t.regex(h.execs()[1]!, /^update-rc.d uwsgi defaults && update-rc.d uwsgi enable && \(out=/);
});

test('service: the sysv probe script runs under /bin/sh', async (t) => {
  const r = await localExec({ script: sysvScript('hf-surely-not-a-service') });
  t.is(r.code, 0);
  t.like(parseSysv(r.stdout), { exists: false });
});

test('service: changes carry the state the engine predicts from', async (t) => {
  const c = await planService(systemd(INACTIVE), { name: 'etcd', state: 'started', enabled: true });
  t.deepEqual(c.map((x) => x.data), [
    { op: 'enable', init: 'systemd', enabled: true },
    { op: 'start', init: 'systemd', state: 'started' },
  ]);
  const r = await planService(systemd(ACTIVE), { name: 'etcd', state: 'restarted' });
  t.like(r[0], { action: 'run', data: { state: 'restarted' } });
});

test('service: check mode: a service an earlier task installs is assumed stopped; predicted state wins', async (t) => {
  const warnings: string[] = [];
  const h = new FakeHost({ checkMode: true }).on('/etc/init.d/', { stdout: 'exists=no\n' });
  const c = await planService(h, { name: 'hfdemo', state: 'started' }, (m) => warnings.push(m));
  t.deepEqual(c.map((x) => x.data?.op), ['start']);
  t.regex(warnings[0] ?? '', /check mode assumes/);
  h.predictedResources.set('service:hfdemo', 'started');
  t.deepEqual(await planService(h, { name: 'hfdemo', state: 'started' }), []);
  await t.throwsAsync(planService(sysv('exists=no\n'), { name: 'hfdemo', state: 'started' }), { message: /not found/ });
});
