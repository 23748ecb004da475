/**
 * reboot: the command Ansible would build, the detached issue (run by the local /bin/sh), and
 * the wait for a new boot id over a fake link whose host "reboots" when the test says so.
 */
import test from 'ava';
import { failureKind, TaskError, UnreachableError } from '../../../src/errors.js';
import { makeRebootModule, rebootModule, type RebootArgs } from '../../../src/modules/reboot.js';
import { detachedScript, issueResult, rebootCommandLine, splitRebootCommand } from '../../../src/modules/reboot/command.js';
import { RebootTimeout } from '../../../src/modules/reboot/wait.js';
import type { HostLink } from '../../../src/modules/types.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost, fakeContext } from '../../helpers/fake-host.js';
import { localExec } from '../../helpers/local-exec.js';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../../src/util/quote.js';

/** The fake answers the program search (one script of `[ -f P ] || [ -L P ]` tests) from its files. */
function searchable(host: FakeHost): FakeHost {
  return host.on(/^if \[ -f /, (text) => {
    for (const m of text.matchAll(/\[ -f (\S+) \]/g)) if (host.node(m[1]!) !== undefined) return { stdout: `${m[1]}\n` };
    return { code: 1 };
  });
}

/** A host whose boot id is `boot`; `down` makes every command fail as a lost link. */
class Machine {
  boot = 'boot-1';
  down = false;
  readonly host: FakeHost;
  readonly calls: string[] = [];
  constructor(files: Record<string, string> = { '/sbin/shutdown': '' }) {
    this.host = new FakeHost({ files });
    this.host.on(
      () => this.down,
      () => {
        throw new UnreachableError('node1: connection lost during a command: connection closed');
      },
    );
    searchable(this.host);
  }
  link(onReopen: (n: number) => void = () => undefined): HostLink {
    let n = 0;
    return {
      local: false,
      drop: async () => void this.calls.push('drop'),
      reopen: async () => {
        this.calls.push('reopen');
        onReopen(++n);
        if (this.down) throw new UnreachableError('node1 (root@198.18.0.2:22): connect ECONNREFUSED');
      },
    };
  }
}

const ctxWith = (link?: HostLink) => ({ ...fakeContext().ctx, ...(link ? { link } : {}) });
const quick = makeRebootModule({ backoff: () => 5 });

test('reboot: schema takes Ansible argument names only', (t) => {
  const v = validator(rebootModule.args as object, false);
  t.true(v({}));
  t.true(v({ reboot_timeout: 300, connect_timeout: 5, pre_reboot_delay: 120, post_reboot_delay: 10, test_command: 'uptime', msg: 'kernel', search_paths: ['/lib/molly-guard'], boot_time_command: 'uptime -s', reboot_command: 'systemctl reboot' }));
  t.true(v({ search_paths: '/sbin,/usr/sbin' }));
  t.false(v({ reboot_timeout_sec: 300 }));
  t.false(v({ connect_timeout: 0 }));
  t.false(v({ reboot_timeout: -1 }));
});

test('reboot: the command line, as Ansible builds it', async (t) => {
  t.deepEqual(splitRebootCommand({}), { program: 'shutdown', args: "-r 0 'Reboot initiated by hostforge'" });
  t.deepEqual(splitRebootCommand({ pre_reboot_delay: 59, msg: 'new kernel' }), { program: 'shutdown', args: "-r 0 'new kernel'" });
  t.deepEqual(splitRebootCommand({ pre_reboot_delay: 150 }).args, "-r 2 'Reboot initiated by hostforge'");
  // reboot_command: first word the program, the rest as given; delay and msg do not apply
  t.deepEqual(splitRebootCommand({ reboot_command: 'systemctl reboot --force', pre_reboot_delay: 120, msg: 'x' }), { program: 'systemctl', args: 'reboot --force' });
  const host = searchable(new FakeHost({ files: { '/sbin/shutdown': '', '/usr/bin/systemctl': '', '/lib/molly-guard/shutdown': '' } }));
  t.is(await rebootCommandLine(host, {}), "/sbin/shutdown -r 0 'Reboot initiated by hostforge'");
  t.is(await rebootCommandLine(host, { reboot_command: 'systemctl reboot' }), '/usr/bin/systemctl reboot');
  t.is(await rebootCommandLine(host, { search_paths: ['/lib/molly-guard'] }), "/lib/molly-guard/shutdown -r 0 'Reboot initiated by hostforge'");
  t.is(await rebootCommandLine(host, { reboot_command: '/opt/bin/restart-all now' }), '/opt/bin/restart-all now');
  await t.throwsAsync(rebootCommandLine(host, { reboot_command: 'halt-and-catch-fire' }), {
    instanceOf: TaskError,
    message: `Unable to find command "halt-and-catch-fire" in search paths: ['/sbin', '/bin', '/usr/sbin', '/usr/bin', '/usr/local/sbin']`,
  });
});

test('reboot: the search for the program runs as a test of each path in order', async (t) => {
  // The real script, run by the local /bin/sh over a scratch tree: the first path that has it wins.
  const d = mkdtempSync(join(tmpdir(), 'hf-reboot-'));
  for (const sub of ['a', 'b', 'c']) mkdirSync(join(d, sub));
  writeFileSync(join(d, 'b', 'shutdown'), '');
  symlinkSync('/bin/true', join(d, 'c', 'shutdown'));
  const real = { exec: (cmd: Command) => localExec(cmd) } as unknown as FakeHost;
  t.is(await rebootCommandLine(real, { search_paths: `${d}/a,${d}/c,${d}/b` }), `${d}/c/shutdown -r 0 'Reboot initiated by hostforge'`);
  t.is(await rebootCommandLine(real, { search_paths: [`${d}/a`, `${d}/b`] }), `${d}/b/shutdown -r 0 'Reboot initiated by hostforge'`);
  await t.throwsAsync(rebootCommandLine(real, { search_paths: [`${d}/a`] }), { message: /Unable to find command "shutdown"/ });
});

test('reboot: plan is one change, read-only; refused on the bastion and without a link', async (t) => {
  const m = new Machine();
  m.host.on('boot_id', () => ({ stdout: `${m.boot}\n` }));
  const changes = await rebootModule.plan(m.host, {}, ctxWith(m.link()));
  t.is(changes.length, 1);
  t.like(changes[0], { action: 'run', kind: 'command', target: 'reboot' });
  t.regex(changes[0]!.summary, /^reboot \(\/sbin\/shutdown -r 0 'Reboot initiated by hostforge'\), then wait up to 600 s/);
  t.false(m.host.execs().some((c) => c.includes('shutdown -r')), 'nothing issued at plan time');
  const local: HostLink = { local: true, drop: async () => undefined, reopen: async () => undefined };
  await t.throwsAsync(rebootModule.plan(m.host, {}, ctxWith(local)), { message: /local connection would reboot the control node/ });
  await t.throwsAsync(rebootModule.plan(m.host, {}, ctxWith()), { instanceOf: TaskError });
  const broken = new Machine();
  broken.host.on('boot_id', { code: 1, stderr: 'cat: /proc/sys/kernel/random/boot_id: No such file or directory' });
  await t.throwsAsync(rebootModule.plan(broken.host, {}, ctxWith(broken.link())), { message: /failed to get host boot time info, rc: 1/ });
});

/** apply with the engine's order: plan, then apply those changes. */
async function reboot(m: Machine, args: RebootArgs, link: HostLink) {
  const ctx = ctxWith(link);
  m.host.on('whoami', { stdout: 'root\n' }); // after the test's own rules: theirs win
  const changes = await rebootModule.plan(m.host, args, ctx);
  return quick.apply(m.host, changes, args, ctx);
}

test('reboot: issue, drop, log in again until the boot id changed, then the test command', async (t) => {
  const m = new Machine();
  m.host.on('boot_id', () => ({ stdout: `${m.boot}\n` }));
  let whoami = 0;
  m.host.on('whoami', () => (++whoami === 1 ? { code: 1, stderr: 'not yet' } : { stdout: 'root\n' }));
  // The reboot command: the host goes down; it comes back with a new boot id at the 3rd login.
  m.host.on('shutdown -r', () => {
    m.down = true;
    return { code: 0 };
  });
  const link = m.link((n) => {
    if (n === 3) {
      m.down = false;
      m.boot = 'boot-2';
    }
  });
  const r = await reboot(m, {}, link);
  t.like(r, { rebooted: true });
  t.is(typeof r?.elapsed, 'number');
  t.is(m.calls[0], 'drop', 'the old connection is dropped first');
  t.is(m.calls.filter((c) => c === 'reopen').length, 3);
  t.is(whoami, 2, 'the test command is retried until it succeeds');
  const issued = m.host.execs().find((c) => c.includes('shutdown -r'))!;
  t.regex(issued, /setsid \/bin\/sh -c/);
});

test('reboot: the link ending under the reboot command is the reboot, not a failure', async (t) => {
  const m = new Machine();
  m.host.on('boot_id', () => ({ stdout: `${m.boot}\n` }));
  m.host.on('shutdown -r', () => {
    m.down = true;
    throw new UnreachableError('node1: connection lost during a command: the host closed the connection');
  });
  const r = await reboot(m, { boot_time_command: 'cat /run/boot_id' }, m.link(() => {
    m.down = false;
    m.boot = 'boot-2';
  }));
  t.like(r, { rebooted: true });
});

test('reboot: a host that is up with the same boot id is asked again (not yet rebooted)', async (t) => {
  const m = new Machine();
  let asked = 0;
  m.host.on('boot_id', () => ({ stdout: ++asked <= 3 ? 'boot-1\n' : 'boot-2\n' }));
  m.host.on('shutdown -r', {}); // issued; the host takes its time to go down
  const r = await reboot(m, {}, m.link());
  t.like(r, { rebooted: true });
  t.is(asked, 4, 'plan, before, two unchanged answers, then the new one');
});

test('reboot: never back within reboot_timeout: a failed task (not unreachable), rebooted true', async (t) => {
  const m = new Machine();
  m.host.on('boot_id', () => ({ stdout: `${m.boot}\n` }));
  m.host.on('shutdown -r', () => {
    m.down = true;
    return {};
  });
  const err = await t.throwsAsync(reboot(m, { reboot_timeout: 1 }, m.link()), { instanceOf: RebootTimeout });
  t.regex(err!.message, /^Timed out waiting for last boot time check \(timeout=1\): .*ECONNREFUSED/);
  t.is(failureKind(err), 'failed');
  t.like(err!.result, { rebooted: true });
});

test('reboot: a failing reboot command fails the task with its output', async (t) => {
  const m = new Machine();
  m.host.on('boot_id', () => ({ stdout: 'boot-1\n' }));
  m.host.on('shutdown -r', { stdout: 'Failed to talk to init daemon.\n\nHOSTFORGE_REBOOT_RC=1\n' });
  const err = await t.throwsAsync(reboot(m, {}, m.link()), { instanceOf: TaskError });
  t.is(err!.message, "Reboot command failed (exit 1). Error was: 'Failed to talk to init daemon.'");
  t.deepEqual(m.calls, [], 'the connection is kept: the host did not go down');
});

test('reboot: the detached issue reports a command that fails at once, and returns while one runs', async (t) => {
  const failed = await localExec({ script: detachedScript('echo nope >&2; exit 3', 2) });
  t.is(failed.code, 0);
  t.deepEqual(issueResult(failed.stdout), { issued: false, code: 3, output: 'nope' });
  const ok = await localExec({ script: detachedScript('true', 2) });
  t.deepEqual(issueResult(ok.stdout), { issued: true });
  t.regex(ok.stdout, /HOSTFORGE_REBOOT_RC=0\n$/);
  // Still running after the wait: issued; it holds none of the session's streams.
  const running = await localExec({ script: detachedScript('sleep 3', 0.3) });
  t.is(running.stdout, 'HOSTFORGE_REBOOT_ISSUED\n');
  // The script killed by the host going down prints no verdict: issued.
  t.deepEqual(issueResult(''), { issued: true });
});
