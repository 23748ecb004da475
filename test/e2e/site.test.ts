/**
 * The README's main job: playbooks/site.yaml (PKI, hosting node, etcd) on a 3-host lab,
 * the roles as shipped: only the bootloader/block-device switches of playbooks/lab-groups.yaml,
 * the runbook's packages preinstalled on the machine, the git repositories local mirrors
 * (playbooks/lab-sources.yaml). Check mode on fresh hosts lists exactly the changes the real
 * run makes; the second run changes nothing; sshd logins work with pam_unbit.so required in
 * the session stack; no secret reaches the output.
 */
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changeKeys, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'site';
let lab: LabInfo;
let skip: string | undefined;
const env = { HOSTFORGE_PKI_DIR: join(mkdtempSync(join(tmpdir(), 'hf-site-')), 'pki'), HOSTFORGE_CA_PASSPHRASE: 'site-test-passphrase' };
const PASSWORD = 'site-etcd-root-pw';

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 3);
  const init = await hostforge(['pki', 'init'], { env });
  if (init.code !== 0) throw new Error(init.stderr);
  const sources = await hostforge(['apply', 'playbooks/lab-sources.yaml', '-i', lab.inventoryPath, '-i', 'playbooks/lab-groups.yaml']);
  if (sources.code !== 0) throw new Error(sources.stdout + sources.stderr);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

test.serial('site.yaml: check = apply, then nothing to change', async (t) => {
  if (skip) return t.pass(skip);
  const args = ['playbooks/site.yaml', '-i', lab.inventoryPath, '-i', 'playbooks/lab-groups.yaml', '-e', `etcd_root_password=${PASSWORD}`, '--json'];
  const check = await hostforge(['apply', ...args, '--check'], { env });
  t.is(check.code, 0, check.stdout.slice(-2000) + check.stderr);
  const apply = await hostforge(['apply', ...args], { env });
  t.is(apply.code, 0, apply.stdout.slice(-2000) + apply.stderr);
  const planned = changeKeys(check.stdout);
  t.true(planned.length > 100, `${planned.length} changes`);
  t.deepEqual(changeKeys(apply.stdout), planned);
  const again = await hostforge(['apply', ...args], { env });
  for (const [h, r] of Object.entries(recapOf(again.stdout))) t.is(r.changed, 0, h);
  for (const h of lab.hosts) {
    const r = await sshRun(lab, h.name, 'rm -f /run/pam_unbit.last');
    t.is(r.code, 0);
    t.is((await sshRun(lab, h.name, 'cat /run/pam_unbit.last; grep -c "^session *required *pam_unbit.so" /etc/pam.d/sshd')).stdout, 'root sshd\n1\n', `${h.name}: a new login ran pam_unbit.so`);
  }
  for (const out of [check, apply, again]) {
    t.false(out.stdout.includes(PASSWORD) || out.stderr.includes(PASSWORD));
    t.false(out.stdout.includes('PRIVATE KEY'));
  }
});
