/**
 * Every core module on three real lab hosts: check mode on fresh hosts lists exactly
 * the changes the real run then makes; a second run changes nothing; the hosts' real
 * state is what the playbook declares.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeKeys, events, hostforge, recapOf, REPO } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'core';
let lab: LabInfo;
let deb: string;
let skip: string | undefined;

function buildDeb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hf-deb-'));
  mkdirSync(join(dir, 'pkg', 'DEBIAN'), { recursive: true });
  mkdirSync(join(dir, 'pkg', 'usr', 'share', 'hostforge-demo'), { recursive: true });
  writeFileSync(join(dir, 'pkg', 'DEBIAN', 'control'), 'Package: hostforge-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: hostforge tests <root@localhost>\nDescription: hostforge test package\n');
  writeFileSync(join(dir, 'pkg', 'usr', 'share', 'hostforge-demo', 'README'), 'test\n');
  const out = join(dir, 'hostforge-demo_1.0_all.deb');
  execFileSync('dpkg-deb', ['--build', '-Zgzip', join(dir, 'pkg'), out], { stdio: 'ignore' });
  return out;
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  deb = buildDeb();
  lab = await startLab(LAB, 3);
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const args = () => ['test/fixtures/core/site.yaml', '-i', lab.inventoryPath, '-e', `deb_src=${deb}`, '--json'];

test.serial('check on fresh hosts lists exactly what apply then changes; a second run changes nothing', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const check = await hostforge(['apply', ...args(), '--check']);
  t.is(check.code, 0, check.stdout.slice(-3000) + check.stderr);
  const planned = changeKeys(check.stdout);
  t.true(planned.length >= 3 * 12, `planned ${planned.length} changes`);

  // Nothing was written by check mode.
  const r = await sshRun(lab, 'node1', 'test -e /opt/hfdemo && echo present || echo absent');
  t.is(r.stdout.trim(), 'absent');

  const apply = await hostforge(['apply', ...args()]);
  t.is(apply.code, 0, apply.stdout.slice(-3000) + apply.stderr);
  const done = changeKeys(apply.stdout);
  t.deepEqual(done, planned);
  for (const r of Object.values(recapOf(apply.stdout))) t.true(r.changed >= 12);

  const again = await hostforge(['apply', ...args()]);
  t.is(again.code, 0);
  for (const [h, r] of Object.entries(recapOf(again.stdout))) t.is(r.changed, 0, `${h} changed on the second run`);
  const recheck = await hostforge(['apply', ...args(), '--check']);
  t.deepEqual(changeKeys(recheck.stdout), []);
});

test.serial('the hosts are in the declared state', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  for (const h of lab.hosts) {
    const st = await sshRun(lab, h.name, "stat -c '%a %F' /opt/hfdemo/conf.d /opt/hfdemo/conf.d/app.conf; readlink /opt/hfdemo/current; cat /opt/hfdemo/conf.d/extra.conf; dpkg-query -W -f='${Status}' hostforge-demo; /etc/init.d/hfdemo status && echo running; cat /opt/hfdemo/shell-marker");
    t.regex(st.stdout, /^750 directory\n640 regular file\n\/opt\/hfdemo\/conf\.d\n# extra settings\nlog_level=info\ninstall ok installed/);
    t.regex(st.stdout, /running/);
    t.regex(st.stdout, new RegExp(`${h.name} ${h.name}`));
    const conf = await sshRun(lab, h.name, 'cat /opt/hfdemo/conf.d/app.conf');
    const others = lab.hosts.filter((o) => o.name !== h.name).map((o) => o.name).join(',');
    t.true(conf.stdout.includes(`peers=${others}`), conf.stdout);
    const hosts = await sshRun(lab, h.name, 'grep -c "^# peer node" /etc/hosts');
    t.is(hosts.stdout.trim(), '3');
  }
});

test.serial('--diff shows a unified diff of a file that drifted, and apply repairs it', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  await sshRun(lab, 'node2', "sed -i 's/^listen=.*/listen=127.0.0.1:1/' /opt/hfdemo/conf.d/app.conf");
  const plan = await hostforge(['plan', 'test/fixtures/core/site.yaml', '-i', lab.inventoryPath, '-e', `deb_src=${deb}`], { cwd: REPO });
  t.is(plan.code, 0);
  t.regex(plan.stdout, /-listen=127\.0\.0\.1:1\n\s+\+listen=0\.0\.0\.0:8080/);
  const apply = await hostforge(['apply', ...args()]);
  const ev = events(apply.stdout).filter((e) => e.type === 'task_result' && e.status === 'changed');
  t.deepEqual([...new Set(ev.map((e) => `${e.host}:${e.task}`))].sort(), ['node2:config from a template', 'node2:restart demo']);
});
