/**
 * The package module on lab hosts, with tiny .deb packages this test builds with dpkg-deb
 * (lab hosts cannot download). Each host gets a local apt repository (file:/srv/hfrepo,
 * dpkg-scanpackages, an `apt-get update` of that source alone), so apt resolves names,
 * virtual packages, versions, dependencies and conflicts for real; apt and dpkg write only
 * the host's overlay, never the machine's own package database.
 *
 * Covered: a virtual package (satisfied by an installed provider, the provider installed
 * when none is), name=version, a .deb path with a dependency from the repository, a
 * conflict (the conflicting package removed, named in the plan), a removal whose
 * dependents check mode names, check on fresh hosts = apply, a second run changes nothing,
 * an interrupted dpkg (killed mid-postinst, a failed postinst) finished with
 * `dpkg --configure -a`, and apt's lock waited for up to lock_timeout.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeKeys, events, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'package';
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

interface Deb {
  name: string;
  version: string;
  control?: string[];
  preinst?: string;
  postinst?: string;
  /** Put it in the repository (else only in /srv/debs, for `deb:`). */
  repo?: boolean;
  /** Ship /etc/NAME.conf as a conffile (removal then leaves the package as config-files). */
  conffile?: boolean;
}

/** A maintainer script that waits while a marker file exists, its shell's PID in /tmp/NAME.pid. */
const waiting = (name: string, marker: string): string => `if [ -e ${marker} ]; then echo $$ > /tmp/${name}.pid; sleep "$(cat ${marker})"; fi`;
const DEBS: Deb[] = [
  { name: 'hf-a', version: '1.0', repo: true },
  { name: 'hf-a', version: '2.0', repo: true },
  { name: 'hf-prov', version: '1.0', control: ['Provides: hf-virtual'], repo: true },
  { name: 'hf-p2a', version: '1.0', control: ['Provides: hf-virtual2'], repo: true },
  { name: 'hf-p2b', version: '1.0', control: ['Provides: hf-virtual2'], repo: true },
  { name: 'hf-dep', version: '1.0', control: ['Depends: hf-a'], repo: true },
  { name: 'hf-local', version: '1.0', control: ['Depends: hf-c'] },
  { name: 'hf-c', version: '1.0', repo: true },
  { name: 'hf-old', version: '1.0', repo: true, conffile: true },
  { name: 'hf-old-user', version: '1.0', control: ['Depends: hf-old'], repo: true },
  { name: 'hf-conflicting', version: '1.0', repo: true },
  { name: 'hf-new', version: '1.0', control: ['Conflicts: hf-conflicting'], repo: true },
  { name: 'hf-slow', version: '1.0', postinst: waiting('hf-slow', '/etc/hf-slow') },
  { name: 'hf-fragile', version: '1.0', postinst: 'if [ -e /etc/hf-fail ]; then echo "hf-fragile: postinst fails" >&2; exit 1; fi' },
  { name: 'hf-holder', version: '1.0', preinst: waiting('hf-holder', '/etc/hf-hold') },
];

const file = (d: Deb): string => `${d.name}_${d.version}_all.deb`;

function build(d: Deb, out: string): void {
  const root = mkdtempSync(join(tmpdir(), 'hf-deb-'));
  mkdirSync(join(root, 'DEBIAN'));
  mkdirSync(join(root, 'usr', 'share', d.name), { recursive: true });
  writeFileSync(join(root, 'usr', 'share', d.name, 'version'), `${d.name} ${d.version}\n`);
  if (d.conffile) {
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc', `${d.name}.conf`), `# ${d.name}\n`);
    writeFileSync(join(root, 'DEBIAN', 'conffiles'), `/etc/${d.name}.conf\n`);
  }
  const control = [`Package: ${d.name}`, `Version: ${d.version}`, 'Architecture: all', 'Maintainer: hostforge <hf@example.com>', ...(d.control ?? []), `Description: hostforge test package ${d.name}`];
  writeFileSync(join(root, 'DEBIAN', 'control'), `${control.join('\n')}\n`);
  for (const [script, body] of [['preinst', d.preinst], ['postinst', d.postinst]] as const) {
    if (body === undefined) continue;
    writeFileSync(join(root, 'DEBIAN', script), `#!/bin/sh\n${body}\n`);
    chmodSync(join(root, 'DEBIAN', script), 0o755);
  }
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', root, join(out, file(d))], { stdio: 'ignore' });
}

async function sh(host: string, cmd: string, timeoutMs = 60_000): Promise<string> {
  const r = await sshRun(lab, host, cmd, { timeoutMs });
  if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** "name ii VERSION" (installed), "name iF VERSION" (half-configured...), "name rc" (config files), "name -" (not installed). */
async function status(host: string, pkgs: string[]): Promise<string> {
  const out = await sh(host, `for p in ${pkgs.join(' ')}; do printf '%s|%s\\n' "$p" "$(dpkg-query -W -f='\${db:Status-Abbrev}|\${Version}' "$p" 2>/dev/null)"; done`);
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [name, abbrev = '', version = ''] = l.split('|');
      const a = abbrev.trim();
      if (a === 'rc') return `${name} rc`;
      if (a === '' || a.endsWith('n')) return `${name} -`;
      return `${name} ${a} ${version}`;
    })
    .join('\n');
}

function playbook(name: string, hosts: string, tasks: string): string {
  const p = join(dir, `${name}.yaml`);
  writeFileSync(p, `- name: ${name}\n  hosts: ${hosts}\n  gather_facts: false\n  tasks:\n${tasks}`);
  return p;
}

const run = (pb: string, ...extra: string[]): ReturnType<typeof hostforge> => hostforge(['apply', pb, '-i', lab.inventoryPath, '--json', ...extra]);

function summaries(stdout: string): string[] {
  return events(stdout).flatMap((e) => (e.changes ?? []).map((c) => `${e.host} ${c.action} ${c.target}: ${c.summary}`));
}

function failed(stdout: string): string {
  return events(stdout)
    .filter((e) => e.type === 'task_result' && e.status === 'failed')
    .map((e) => `${e.host} ${e.task}: ${e.msg ?? ''}`)
    .join('\n');
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 2);
  dir = mkdtempSync(join(tmpdir(), 'hf-package-e2e-'));
  const debs = join(dir, 'debs');
  mkdirSync(debs);
  for (const d of DEBS) build(d, debs);
  for (const h of lab.hosts) {
    await sh(h.name, 'mkdir -p /srv/hfrepo /srv/debs');
    for (const name of readdirSync(debs)) {
      const d = DEBS.find((x) => file(x) === name)!;
      const dest = d.repo ? '/srv/hfrepo' : '/srv/debs';
      await sshRun(lab, h.name, `base64 -d > ${dest}/${name}`, { stdin: readFileSync(join(debs, name)).toString('base64') });
    }
    // a local repository, and apt's lists of it alone (the Debian lists stay the machine's)
    await sh(
      h.name,
      'cd /srv/hfrepo && dpkg-scanpackages -m . /dev/null > Packages 2>/dev/null && ' +
        'echo "deb [trusted=yes] file:/srv/hfrepo ./" > /etc/apt/sources.list.d/hf.list && ' +
        'apt-get update -qq -o Dir::Etc::sourcelist=sources.list.d/hf.list -o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0',
    );
    // before the run: one provider of hf-virtual2, a package with a dependent, one that conflicts
    await sh(h.name, 'apt-get install -y -qq hf-p2a hf-old-user hf-conflicting >/dev/null');
  }
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const SITE_TASKS = [
  '    - name: a virtual package, a pinned version, a dependent',
  '      package: { name: [hf-virtual, hf-a=1.0, hf-dep] }',
  '    - name: a virtual package one provider of which is installed (apt-get install would refuse to choose)',
  '      package: { name: hf-virtual2 }',
  '    - name: a .deb whose dependency comes from the repository',
  '      package: { deb: /srv/debs/hf-local_1.0_all.deb }',
  '    - name: a removal with a dependent',
  '      package: { name: hf-old, state: absent }',
  '    - name: a package that conflicts with an installed one',
  '      package: { name: hf-new }',
  '',
].join('\n');

test.serial('check on fresh hosts lists what apply does, including what apt also removes; a second run changes nothing', async (t) => {
  if (skip) return t.pass(skip);
  const pb = playbook('site', 'all', SITE_TASKS);
  const check = await run(pb, '--check');
  t.is(check.code, 0, failed(check.stdout) + check.stderr);
  const planned = changeKeys(check.stdout);
  const said = summaries(check.stdout);
  for (const h of ['node1', 'node2']) {
    t.true(said.includes(`${h} create hf-prov: install hf-prov 1.0 (provides hf-virtual)`), said.join('\n'));
    t.true(said.includes(`${h} create hf-a: install hf-a 1.0`));
    t.true(said.includes(`${h} create hf-c: install hf-c 1.0 (dependency)`));
    t.true(said.includes(`${h} create hf-local: install hf-local 1.0 from /srv/debs/hf-local_1.0_all.deb`));
    t.true(said.includes(`${h} delete hf-old: remove hf-old 1.0`));
    t.true(said.some((s) => s.startsWith(`${h} delete hf-old-user: remove hf-old-user 1.0 (not requested: apt removes it`)), 'check names the dependent apt also removes');
    t.true(said.some((s) => s.startsWith(`${h} delete hf-conflicting: remove hf-conflicting 1.0 (not requested`)), 'and the conflicting one');
    t.false(said.some((s) => s.includes('hf-virtual2') || s.includes('hf-p2b')), 'hf-virtual2 is satisfied by hf-p2a');
  }
  t.is(planned.length, 2 * 9, planned.join('\n'));
  t.is(await status('node1', ['hf-a', 'hf-old']), 'hf-a -\nhf-old ii 1.0', 'check mode changed nothing');

  const apply = await run(pb);
  t.is(apply.code, 0, failed(apply.stdout) + apply.stderr);
  t.deepEqual(changeKeys(apply.stdout), planned);
  for (const h of ['node1', 'node2']) {
    t.is(
      await status(h, ['hf-prov', 'hf-a', 'hf-dep', 'hf-p2a', 'hf-p2b', 'hf-local', 'hf-c', 'hf-old', 'hf-old-user', 'hf-new', 'hf-conflicting']),
      'hf-prov ii 1.0\nhf-a ii 1.0\nhf-dep ii 1.0\nhf-p2a ii 1.0\nhf-p2b -\nhf-local ii 1.0\nhf-c ii 1.0\nhf-old rc\nhf-old-user -\nhf-new ii 1.0\nhf-conflicting -',
    );
  }
  const again = await run(pb);
  t.is(again.code, 0, failed(again.stdout));
  for (const [h, r] of Object.entries(recapOf(again.stdout))) t.is(r.changed, 0, `${h}: ${changeKeys(again.stdout).join('\n')}`);
  t.deepEqual(changeKeys((await run(pb, '--check')).stdout), []);
});

test.serial('name=version changes the version, state=latest upgrades, purge removes config-files packages', async (t) => {
  if (skip) return t.pass(skip);
  const up = playbook('latest', 'node1', '    - package: { name: hf-a, state: latest }\n');
  const check = await run(up, '--check');
  t.true(summaries(check.stdout).includes('node1 update hf-a: hf-a: 1.0 → 2.0'), summaries(check.stdout).join('\n'));
  t.is((await run(up)).code, 0);
  t.is(await status('node1', ['hf-a']), 'hf-a ii 2.0');
  t.is(recapOf((await run(up)).stdout).node1?.changed, 0);
  const down = playbook('pin', 'node1', '    - package: { name: "hf-a=1.0", allow_downgrade: true }\n');
  const d = await run(down);
  t.is(d.code, 0, failed(d.stdout));
  t.is(await status('node1', ['hf-a']), 'hf-a ii 1.0');
  // name:arch as apt takes it: the host's own architecture, installed, is in place
  const arch = (await sh('node1', 'dpkg --print-architecture')).trim();
  const qualified = await run(playbook('arch', 'node1', `    - package: { name: ["libc6:${arch}", "dpkg:${arch}"] }\n`));
  t.is(qualified.code, 0, failed(qualified.stdout));
  t.deepEqual(summaries(qualified.stdout), []);
  const purge = playbook('purge', 'node1', '    - package: { name: [hf-old, hf-never-heard-of], state: absent, purge: true }\n');
  const p = await run(purge);
  t.is(p.code, 0, failed(p.stdout));
  t.deepEqual(summaries(p.stdout), ['node1 delete hf-old: purge hf-old'], 'a config-files package is purged, an unknown name is already absent');
  t.is(await status('node1', ['hf-old']), 'hf-old -');
});

test.serial('an interrupted dpkg (killed mid-postinst, a failed postinst) is finished by dpkg --configure -a', async (t) => {
  if (skip) return t.pass(skip);
  // a postinst that failed: hf-fragile half-configured
  await sh('node1', 'touch /etc/hf-fail; dpkg -i /srv/debs/hf-fragile_1.0_all.deb >/dev/null 2>&1; rm -f /etc/hf-fail; true');
  // then dpkg killed while hf-slow's postinst runs: a dirty journal, hf-slow half-configured
  await sh('node1', 'echo 120 > /etc/hf-slow; (dpkg -i /srv/debs/hf-slow_1.0_all.deb >/tmp/hf-slow.log 2>&1 & echo $! > /tmp/hf-dpkg.pid)');
  await sh('node1', 'for i in $(seq 100); do [ -s /tmp/hf-slow.pid ] && break; sleep 0.1; done; kill -9 "$(cat /tmp/hf-dpkg.pid)"; pkill -P "$(cat /tmp/hf-slow.pid)"; rm -f /etc/hf-slow');
  t.is(await status('node1', ['hf-slow', 'hf-fragile']), 'hf-slow iF 1.0\nhf-fragile iF 1.0');
  const refused = await sshRun(lab, 'node1', 'apt-get install -y hf-c');
  t.is(refused.code, 100);
  t.regex(refused.stderr, /dpkg was interrupted/, 'apt refuses to work until dpkg is finished');

  const pb = playbook('recover', 'node1', '    - package: { name: [hf-p2a, hf-virtual2] }\n');
  const check = await run(pb, '--check');
  t.deepEqual(summaries(check.stdout), ['node1 run dpkg: dpkg --configure -a (dpkg was interrupted, hf-fragile (half-configured), hf-slow (half-configured))']);
  const apply = await run(pb);
  t.is(apply.code, 0, failed(apply.stdout));
  t.deepEqual(changeKeys(apply.stdout), changeKeys(check.stdout));
  t.is(await status('node1', ['hf-slow', 'hf-fragile']), 'hf-slow ii 1.0\nhf-fragile ii 1.0');
  t.is(await sh('node1', 'dpkg --audit; ls /var/lib/dpkg/updates'), '');
  t.is(recapOf((await run(pb)).stdout).node1?.changed, 0);
});

test.serial("apt's lock is waited for up to lock_timeout, then the task fails naming it", async (t) => {
  if (skip) return t.pass(skip);
  const hold = async (seconds: number): Promise<void> => {
    // another dpkg run holds the dpkg lock while hf-holder's preinst sleeps
    await sh('node1', `rm -f /tmp/hf-holder.pid; echo ${seconds} > /etc/hf-hold; dpkg -r hf-holder >/dev/null 2>&1; (dpkg -i /srv/debs/hf-holder_1.0_all.deb >/dev/null 2>&1 & echo $! > /tmp/hf-dpkg.pid)`);
    await sh('node1', 'for i in $(seq 100); do [ -s /tmp/hf-holder.pid ] && break; sleep 0.1; done; [ -s /tmp/hf-holder.pid ]');
  };
  const released = (): Promise<string> => sh('node1', 'for i in $(seq 300); do kill -0 "$(cat /tmp/hf-dpkg.pid)" 2>/dev/null || break; sleep 0.1; done; ! kill -0 "$(cat /tmp/hf-dpkg.pid)" 2>/dev/null');
  await hold(4);
  const pb = playbook('locked', 'node1', '    - package: { name: hf-p2b, lock_timeout: 30 }\n');
  const t0 = Date.now();
  const r = await run(pb);
  t.is(r.code, 0, failed(r.stdout));
  t.true(Date.now() - t0 > 2000, 'it waited for the holder');
  t.is(await status('node1', ['hf-p2b']), 'hf-p2b ii 1.0');

  await released();
  await hold(20);
  const short = playbook('short', 'node1', `    - package: { name: hf-p2b, state: absent, lock_timeout: 1 }\n`);
  const s = await run(short);
  t.is(s.code, 2);
  t.regex(failed(s.stdout), /Could not get lock|lock/i);
  await sh('node1', 'pkill -P "$(cat /tmp/hf-holder.pid)"; rm -f /etc/hf-hold');
  await released();
  t.is(await status('node1', ['hf-p2b']), 'hf-p2b ii 1.0', 'nothing was removed');
});
