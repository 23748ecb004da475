/**
 * Lockout guards on a real lab host, beyond the faults of faults-guard.test.ts: good changes of
 * every guarded kind are confirmed and disarmed (no guard directory, no timer; the changes stay);
 * `lockout_guard: false` really skips the guard; a reboot inside the window (the timer dies with
 * the host): the `@reboot` hook in /etc/cron.d restores at boot, and without it a guard whose timer
 * is gone is rolled back by the next run that can connect.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events } from '../helpers/cli.js';
import { labSkipReason, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';
import { consoleRun, guardDirs, timerPids } from '../helpers/lab-console.js';
import { KINDS, NOOP, STATE, W, apply, clean, crashInsideWindow, inHost, iptablesS, lockoutTask, loginWorks, playbook, read, sleep, snapshot, until, useGuardLab, type Kind } from '../helpers/guard-lab.js';

const LAB = 'guardlife';
let lab: LabInfo;
let h: LabHost;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-guardlife-'));

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 1);
  h = useGuardLab(lab);
});
test.after.always(async () => {
  if (!skip) {
    clean();
    await stopLab(LAB);
  }
});

test.serial('(d) good changes of every kind are confirmed and disarmed: no guard, no timer, the changes stay', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'extra', '-f', join(dir, 'extra')]);
  const extra = readFileSync(join(dir, 'extra.pub'), 'utf8').trim();
  const tasks = [
    '    - name: good sshd_config\n      sshd_config:\n        settings:\n          MaxAuthTries: 5\n',
    '    - name: good pam\n      pam:\n        service: sshd\n        type: account\n        control: optional\n        module: pam_permit.so\n        after: pam_nologin.so\n',
    '    - name: good nsswitch\n      nsswitch:\n        database: netgroup\n        sources: [files]\n',
    `    - name: good authorized_key\n      authorized_key:\n        user: root\n        key: "${extra}"\n`,
    '    - name: good iptables\n      iptables:\n        chain: INPUT\n        rules:\n          - "-p tcp --dport 2222 -j ACCEPT"\n',
    '    - name: good user\n      user:\n        name: root\n        comment: hostforge guard test\n',
  ].join('');
  const t0 = Date.now();
  const r = await apply(playbook('d-good', tasks));
  const took = (Date.now() - t0) / 1000;
  t.is(r.code, 0, r.out.slice(-3000));
  t.is(events(r.out).filter((e) => e.type === 'task_result' && e.status === 'changed').length, 6, r.out.slice(-3000));
  t.deepEqual(guardDirs(h, STATE), [], 'every guard was disarmed');
  t.deepEqual(timerPids(h), [], 'no timer left');
  await sleep((W + 3) * 1000);
  t.deepEqual(guardDirs(h, STATE), []);
  t.regex(consoleRun(h, 'sshd -T').stdout, /^maxauthtries 5$/m);
  t.regex(read('/etc/pam.d/sshd'), /account\s+optional\s+pam_permit\.so/);
  t.regex(read('/etc/nsswitch.conf'), /^netgroup:\s+files$/m);
  t.true(read('/root/.ssh/authorized_keys').includes(extra));
  t.regex(iptablesS(), /--dport 2222 -j ACCEPT/);
  t.regex(read('/etc/passwd'), /^root:x:0:0:hostforge guard test:/m);
  t.true(await loginWorks());
  const again = await apply(playbook('d-good', tasks));
  t.is(again.code, 0);
  t.false(events(again.out).some((e) => e.type === 'task_result' && e.status === 'changed'), 'the second run changes nothing');
  t.log(`six guarded changes applied and confirmed in one run of ${took.toFixed(1)} s`);
});

/** Save the guarded files and the rules through the console, to repair a host the test locked out. */
function saveForRepair(): () => void {
  const files = [...new Set(KINDS.flatMap((k) => k.files))].join(' ');
  const save = consoleRun(h, `mkdir -p /var/tmp/hf-repair && tar -cpf /var/tmp/hf-repair/files.tar --ignore-failed-read ${files} 2>/dev/null; iptables-save > /var/tmp/hf-repair/rules`);
  if (save.code !== 0) throw new Error(`cannot save for repair: ${save.stderr}`);
  return () => {
    const r = consoleRun(h, 'tar -xpf /var/tmp/hf-repair/files.tar -C / && iptables -F && { [ ! -s /var/tmp/hf-repair/rules ] || iptables-restore < /var/tmp/hf-repair/rules; } && /etc/init.d/ssh restart >/dev/null');
    if (r.code !== 0) throw new Error(`cannot repair: ${r.stderr}`);
  };
}

test.serial('(e) lockout_guard: false really skips the guard of every kind: no guard, no probe, the host stays locked out', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  const before = KINDS.map(snapshot);
  const repair = saveForRepair();
  try {
    // passwd without files hides root from the modules after it. The firewall drops NEW connections
    // to tcp/22 only: a DROP of all of tcp/22 would also stop this run's own connection.
    const order = ['sshd_config', 'pam', 'authorized_key', 'user', 'nsswitch', 'iptables'];
    const newOnly = (k: Kind): Kind =>
      k.name !== 'iptables' ? k : { ...k, task: k.task.replace('-p tcp --dport 22 -j DROP', '-p tcp --dport 22 -m conntrack --ctstate NEW -j DROP'), live: () => /--ctstate NEW -j DROP/.test(iptablesS()) };
    const kinds = order.map((n) => newOnly(KINDS.find((k) => k.name === n) as Kind));
    const tasks = kinds.map((k) => lockoutTask(k, '        lockout_guard: false\n')).join('');
    const r = await apply(playbook('e-optout', tasks));
    const changed = events(r.out).filter((e) => e.type === 'task_result' && e.status === 'changed').map((e) => e.task);
    t.deepEqual(changed, kinds.map((k) => `lockout ${k.name}`), r.out.slice(-3000));
    t.false(/lockout guard/.test(r.out), 'no guard message');
    t.deepEqual(guardDirs(h, STATE), [], 'no guard was armed');
    t.deepEqual(timerPids(h), []);
    t.is(r.code, 0, r.out.slice(-3000));
    await sleep((W + 2) * 1000);
    for (const k of kinds) t.true(k.live(0), `${k.name}: the change stays after the window`);
    t.false(await loginWorks(), 'still locked out after the window');
  } finally {
    repair();
  }
  await until('a new login after the repair through the console', loginWorks, 30_000).catch((e: unknown) => {
    t.log(consoleRun(h, 'grep ^passwd /etc/nsswitch.conf; grep pam_deny /etc/pam.d/sshd; grep ^root /etc/passwd; iptables -S; pgrep -a sshd; grep -i allowusers /etc/ssh/sshd_config; wc -l /root/.ssh/authorized_keys; ls -la /var/tmp/hf-repair; tar -tf /var/tmp/hf-repair/files.tar'));
    throw e;
  });
  t.deepEqual(KINDS.map(snapshot), before);
});


test.serial('(f) a reboot inside the window kills the timer: the @reboot hook in /etc/cron.d restores at boot', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  const pam = KINDS.find((k) => k.name === 'pam') as Kind;
  const before = snapshot(pam);
  const guard = await crashInsideWindow(pam, playbook('f-reboot', lockoutTask(pam)));
  t.deepEqual(timerPids(h), [], 'the timer is gone');
  await sleep((W + 2) * 1000);
  t.true(existsSync(inHost(`${guard}/armed`)), 'still armed after the window: nothing restored it');
  t.true(pam.live(0));
  t.false(await loginWorks(), 'without the hook the host stays locked out');
  const hook = read('/etc/cron.d/hostforge-guard');
  const line = /^@reboot root (.+)$/m.exec(hook);
  t.truthy(line, hook);
  t.false(hook.includes('%'), 'no % in a crontab command');
  t.is(consoleRun(h, 'stat -c "%a %u" /etc/cron.d/hostforge-guard').stdout.trim(), '644 0');
  // What cron does at boot: the command through /bin/sh.
  const r = consoleRun(h, line?.[1] ?? 'false');
  t.is(r.code, 0, r.stderr);
  t.is(read(`${guard}/reason`).trim(), 'reboot');
  t.is(read(`${guard}/restore_rc`).trim(), '0', read(`${guard}/restore.log`));
  await until('a new login', loginWorks, 20_000);
  t.is(snapshot(pam), before);
  const next = await apply(playbook('noop', NOOP));
  t.regex(events(next.out).find((e) => e.type === 'warning')?.msg ?? '', /^rolled back on the host at \S+ \(guard for lockout pam: restored at boot\)$/);
  t.deepEqual(guardDirs(h, STATE), []);
});

test.serial('(g) no cron: a guard whose timer is gone is reported by a check run and rolled back by the next real run', async (t) => {
  if (skip) return t.pass(skip);
  clean();
  const before = read('/etc/pam.d/sshd');
  // A change that does not lock out (so the next run can connect), left unconfirmed by a crash.
  const good: Kind = { ...(KINDS.find((k) => k.name === 'pam') as Kind), name: 'warn', task: '      pam:\n        service: sshd\n        type: account\n        control: optional\n        module: pam_warn.so\n        after: pam_nologin.so\n', live: () => read('/etc/pam.d/sshd').includes('pam_warn.so') };
  const guard = await crashInsideWindow(good, playbook('g-stale', lockoutTask(good)));
  t.true(good.live(0));
  await sleep((W + 2) * 1000);
  t.true(existsSync(inHost(`${guard}/armed`)));
  const check = await apply(playbook('noop', NOOP), undefined, ['--check']);
  t.regex(events(check.out).find((e) => e.type === 'warning')?.msg ?? '', /lockout guard for "lockout warn" is still armed but its timer is gone/);
  t.true(good.live(0), 'check mode changes nothing');
  const next = await apply(playbook('noop', NOOP));
  t.is(next.code, 0, next.out.slice(-2000));
  t.regex(events(next.out).find((e) => e.type === 'warning')?.msg ?? '', /^rolled back on the host at \S+ \(guard for lockout warn: no timer left \(reboot\?\); rolled back by the next run\)$/);
  t.is(read('/etc/pam.d/sshd'), before, 'the unconfirmed change was rolled back');
  t.deepEqual(guardDirs(h, STATE), []);
  t.true(await loginWorks());
});
