/** "reboot required": what the engine records per host, Debian's flag file, the recap lines. */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flagReasons, flagScript, noteRebootEffects, rebootRequired, type FlagRequest } from '../../../src/engine/reboot-required.js';
import type { HostRunState } from '../../../src/engine/context.js';
import { PredictedState } from '../../../src/engine/predicted-host.js';
import { fstabModule } from '../../../src/modules/fstab.js';
import { kernelCmdlineModule } from '../../../src/modules/kernel_cmdline.js';
import { rebootModule } from '../../../src/modules/reboot.js';
import { copyModule } from '../../../src/modules/copy.js';
import type { AnyModule, Change } from '../../../src/modules/types.js';
import { rebootLines } from '../../../src/report/reboot.js';

const state = (name: string, extra: Partial<HostRunState> = {}): HostRunState => ({ name, registered: {}, predicted: new PredictedState(), failed: false, unreachable: false, notified: new Set(), ...extra });
const file = (target: string): Change => ({ action: 'update', kind: 'file', target, summary: `update ${target}` });
const remount: Change = { action: 'run', kind: 'command', target: '/', summary: 'remount / with the new options', data: { mountpoint: '/' } };
const erase = (m: unknown): AnyModule => m as AnyModule;

test('modules say what takes effect at the next boot', (t) => {
  t.is(kernelCmdlineModule.rebootNeeded?.([file('/etc/default/grub')], { args_present: ['elevator=cfq'] }), 'kernel command line in /etc/default/grub');
  t.is(kernelCmdlineModule.rebootNeeded?.([], { args_present: ['elevator=cfq'] }), undefined);
  t.is(fstabModule.rebootNeeded?.([file('/etc/fstab')], { path: '/', options_present: ['usrjquota=aquota.user'] }), 'fstab entry for / in /etc/fstab');
  t.is(fstabModule.rebootNeeded?.([file('/etc/fstab')], { line: 'none /sys/fs/cgroup cgroup blkio 0 0' }), 'fstab entry for /sys/fs/cgroup in /etc/fstab');
  // remounted at once: nothing waits for a boot
  t.is(fstabModule.rebootNeeded?.([file('/etc/fstab'), remount], { path: '/', options_present: ['usrjquota=aquota.user'], remount: true }), undefined);
  t.is(copyModule.rebootNeeded, undefined);
});

test('a reboot task clears what came before it; changes after it count again', (t) => {
  const s = state('node1');
  noteRebootEffects(s, erase(kernelCmdlineModule), [file('/etc/default/grub')], {});
  noteRebootEffects(s, erase(kernelCmdlineModule), [file('/etc/default/grub')], {});
  noteRebootEffects(s, erase(fstabModule), [file('/etc/fstab')], { path: '/home' });
  t.deepEqual(s.reboot, { reasons: ['kernel command line in /etc/default/grub', 'fstab entry for /home in /etc/fstab'], rebooted: false });
  noteRebootEffects(s, erase(rebootModule), [], {});
  t.is(s.reboot?.reasons.length, 2, 'a reboot task with no change (skipped) clears nothing');
  noteRebootEffects(s, erase(rebootModule), [{ action: 'run', kind: 'command', target: 'reboot', summary: 'reboot' }], {});
  t.deepEqual(s.reboot, { reasons: [], rebooted: true });
  noteRebootEffects(s, erase(fstabModule), [file('/etc/fstab')], { path: '/srv' });
  t.deepEqual(s.reboot?.reasons, ['fstab entry for /srv in /etc/fstab']);
});

test("Debian's /var/run/reboot-required, with the packages that asked for it and our reasons", (t) => {
  t.deepEqual(flagReasons(''), []);
  t.deepEqual(flagReasons('REQUIRED\n'), ['/var/run/reboot-required']);
  t.deepEqual(flagReasons('REQUIRED\nPKG linux-image-6.1.0-18-amd64\nPKG libc6\nPKG libc6\n'), ['/var/run/reboot-required (linux-image-6.1.0-18-amd64, libc6)']);
  t.deepEqual(flagReasons('REQUIRED\nWHY kernel command line in /etc/default/grub\n'), ['kernel command line in /etc/default/grub']);
  t.deepEqual(flagReasons('REQUIRED\nPKG libc6\nWHY fstab entry for / in /etc/fstab\n'), ['fstab entry for / in /etc/fstab', '/var/run/reboot-required (libc6)']);
});

test('the flag script (local /bin/sh, scratch directory): written once the Debian way, each reason once, read back', (t) => {
  const d = mkdtempSync(join(tmpdir(), 'hf-rr-'));
  const flag = join(d, 'reboot-required');
  const sh = (script: string, input = ''): string => spawnSync('/bin/sh', ['-c', script], { input, encoding: 'utf8' }).stdout;
  t.is(sh(flagScript(false, flag)), '', 'no flag: nothing to say');
  t.is(sh(flagScript(true, flag), 'kernel command line in /etc/default/grub\n'), 'REQUIRED\nWHY kernel command line in /etc/default/grub\n');
  t.is(readFileSync(flag, 'utf8'), '*** System restart required ***\n');
  writeFileSync(`${flag}.pkgs`, 'linux-image-amd64\n');
  const again = sh(flagScript(true, flag), 'kernel command line in /etc/default/grub\nfstab entry for / in /etc/fstab\n');
  t.deepEqual(flagReasons(again), ['kernel command line in /etc/default/grub', 'fstab entry for / in /etc/fstab', `${flag} (linux-image-amd64)`.replace(flag, '/var/run/reboot-required')]);
  t.is(readFileSync(`${flag}.hostforge`, 'utf8'), 'kernel command line in /etc/default/grub\nfstab entry for / in /etc/fstab\n');
});

test('the end of the run: recorded reasons plus the flag; unreachable hosts and (check) rebooted hosts are not asked', async (t) => {
  const states = new Map([
    ['a', state('a', { reboot: { reasons: ['kernel command line in /etc/default/grub'], rebooted: false } })],
    ['b', state('b')],
    ['c', state('c', { unreachable: true })],
    ['d', state('d', { reboot: { reasons: [], rebooted: true } })],
  ]);
  const asked: FlagRequest[][] = [];
  const reader = {
    probe: async (requests: readonly FlagRequest[]) => {
      asked.push([...requests]);
      return new Map(requests.map((r) => [r.host, 'REQUIRED\nPKG linux-image-amd64\n']));
    },
  };
  t.deepEqual(await rebootRequired(states, reader, false), {
    a: ['kernel command line in /etc/default/grub', '/var/run/reboot-required (linux-image-amd64)'],
    b: ['/var/run/reboot-required (linux-image-amd64)'],
    d: ['/var/run/reboot-required (linux-image-amd64)'],
  });
  t.deepEqual(asked[0]!.map((r) => r.host), ['a', 'b', 'd']);
  t.is(asked[0]![0]!.stdin, 'kernel command line in /etc/default/grub\n', 'a real run records its reasons on the host');
  t.is(asked[0]![1]!.stdin, undefined);
  t.is(asked[0]![0]!.script, flagScript(true));
  await rebootRequired(states, reader, true);
  t.deepEqual(asked[1]!.map((r) => r.host), ['a', 'b'], 'check mode: a host the run would reboot has its flag cleared by then');
  t.true(asked[1]!.every((r) => r.stdin === undefined && r.script === flagScript(false)), 'check mode writes nothing');
});

test('recap lines: one per host that needs a reboot, aligned with the recap', (t) => {
  t.deepEqual(rebootLines(['node1', 'node2'], {}), []);
  t.deepEqual(rebootLines(['node1', 'node2'], undefined), []);
  t.deepEqual(rebootLines(['node1', 'node10'], { node1: ['kernel command line in /etc/default/grub', '/var/run/reboot-required'] }), [
    '',
    'node1  : reboot required: kernel command line in /etc/default/grub; /var/run/reboot-required',
  ]);
});
