/**
 * The uwsgi.it node role as shipped on three lab hosts, and the structured modules' safety
 * nets: check mode lists what apply changes, a second run changes nothing, the hosts end in
 * the runbook's state, a setting sshd -t rejects leaves sshd_config byte for byte, and a
 * setting or a firewall rule that would lock the run out is rolled back by itself.
 *
 * The role runs every step of the runbook: the package task finds the runbook's packages
 * present (scripts/setup.sh installs them on the machine; the hosts inherit them), and the
 * git + make steps clone local mirrors made by playbooks/lab-sources.yaml (stand-ins for
 * nss-unbit, pam-unbit and uwsgi.it that build with the runbook's make), so pam_unbit.so is
 * built by the role, required in sshd's session stack, and a new login runs it.
 *
 * Runs the engine in-process (the CLI path is covered by the other e2e tests).
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPlaybook } from '../../src/engine/run.js';
import type { RunEvent, TaskResultEvent } from '../../src/engine/events.js';
import { openInventory } from '../../src/cli/options.js';
import { loadPlaybook } from '../../src/playbook/load.js';
import type { Vars } from '../../src/modules/types.js';
import { shQuote } from '../../src/util/quote.js';
import { REPO } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'uwsgi';
let lab: LabInfo;
let skip: string | undefined;
let dir: string;

const UBUNTU_GRUB = 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=10\nGRUB_CMDLINE_LINUX_DEFAULT="nomodeset"\nGRUB_CMDLINE_LINUX=""\n';
const FSTAB = '# /etc/fstab\n/dev/md/2 / ext4 defaults 0 0\n/dev/md/1 none swap sw 0 0\n';
const LAB_VARS: Vars = {
  uwsgi_node_legion_ports: [2100],
};

interface Outcome {
  exitCode: number;
  results: TaskResultEvent[];
  recap: Record<string, { changed: number; failed: number; ok: number }>;
}

async function run(playbook: string, opts: { check?: boolean; vars?: Vars; limit?: string } = {}): Promise<Outcome> {
  const events: RunEvent[] = [];
  const pb = await loadPlaybook(playbook);
  const inventory = await openInventory([lab.inventoryPath, join(dir, 'groups.yaml')], [pb.dir]);
  const summary = await runPlaybook({
    playbook: pb,
    inventory,
    check: opts.check === true,
    forks: 10,
    tags: [],
    skipTags: [],
    extraVars: { ...LAB_VARS, ...(opts.vars ?? {}) },
    acceptNewHostKeys: false,
    reporter: { emit: (e) => void events.push(e), close: async () => undefined },
    pki: () => Promise.reject(new Error('no PKI here')),
    ...(opts.limit ? { limit: opts.limit } : {}),
  });
  return {
    exitCode: summary.exitCode,
    results: events.filter((e): e is TaskResultEvent => e.type === 'task_result'),
    recap: summary.recap,
  };
}

function changeKeys(o: Outcome): string[] {
  return o.results.flatMap((r) => r.changes.map((c) => `${r.host} | ${r.task} | ${c.kind}:${c.target}`)).sort();
}

function failures(o: Outcome): string {
  return o.results
    .filter((r) => r.status === 'failed')
    .map((r) => `${r.host} ${r.task}: ${r.msg ?? ''}`)
    .join('\n');
}

async function sh(host: string, cmd: string): Promise<string> {
  const r = await sshRun(lab, host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function playbookFile(name: string, tasks: string): string {
  const p = join(dir, name);
  writeFileSync(p, `- name: ${name}\n  hosts: node1\n  gather_facts: true\n  tasks:\n${tasks}`);
  return p;
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 3);
  dir = mkdtempSync(join(tmpdir(), 'hf-uwsgi-e2e-'));
  writeFileSync(
    join(dir, 'groups.yaml'),
    'all:\n  children:\n    uwsgi_nodes:\n      hosts:\n        node1: {}\n        node2: {}\n        node3: {}\n    legion_routers:\n      hosts:\n        node3: {}\n' +
      '  vars:\n' +
      '    uwsgi_node_nss_repo: file:///srv/lab-sources/nss-unbit.git\n' +
      '    uwsgi_node_pam_repo: file:///srv/lab-sources/pam-unbit.git\n' +
      '    uwsgi_node_uwsgi_it_repo: file:///srv/lab-sources/uwsgi.it.git\n',
  );
  const sources = await run(join(REPO, 'playbooks', 'lab-sources.yaml'));
  if (sources.exitCode !== 0) throw new Error(`lab-sources.yaml: ${failures(sources)}`);
  for (const h of lab.hosts) {
    // An Ubuntu node as the runbook finds it: grub defaults, the root filesystem in fstab.
    await sh(h.name, `printf %s ${shQuote(UBUNTU_GRUB)} > /etc/default/grub && printf %s ${shQuote(FSTAB)} > /etc/fstab`);
  }
  // node1 has an upstart /etc/init: the emperor's upstart job goes there, and only there
  await sh('node1', 'mkdir -p /etc/init');
  // Hand-made contradictions the role must find and fix instead of silently overriding:
  await sh('node2', "mkdir -p /etc/ssh/sshd_config.d && printf 'PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/50-cloud-init.conf");
  await sh('node3', "sed -i '1i ClientAliveInterval 0' /etc/ssh/sshd_config");
});

test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const SITE = join(REPO, 'playbooks', 'uwsgi-node.yaml');

test.serial('check lists what apply changes; a second run changes nothing', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const check = await run(SITE, { check: true });
  t.is(check.exitCode, 0, failures(check));
  const planned = changeKeys(check);
  t.true(planned.length >= 3 * 10, `planned ${planned.length}`);
  t.is((await sshRun(lab, 'node1', 'test -e /etc/uwsgi/local.ini')).code, 1, 'check mode wrote nothing');

  const apply = await run(SITE);
  t.is(apply.exitCode, 0, failures(apply));
  t.deepEqual(changeKeys(apply).filter((k) => !k.includes('| update grub |')), planned);

  const again = await run(SITE);
  t.is(again.exitCode, 0, failures(again));
  for (const [h, r] of Object.entries(again.recap)) t.is(r.changed, 0, `${h}: ${changeKeys(again).join('\n')}`);
  t.deepEqual(changeKeys(await run(SITE, { check: true })), []);
});

test.serial('the nodes are in the runbook state', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const ips = Object.fromEntries(lab.hosts.map((h) => [h.name, h.ip]));
  for (const h of lab.hosts) {
    const T = await sh(h.name, 'sshd -T');
    t.regex(T, /^passwordauthentication no$/m);
    t.regex(T, /^x11forwarding no$/m);
    t.regex(T, /^clientaliveinterval 30$/m);
    t.regex(T, /^authorizedkeysfile \.ssh\/authorized_keys \.ssh\/uwsgi_authorized_keys$/m);

    const rules = await sh(h.name, 'iptables -S');
    for (const peer of lab.hosts.filter((p) => p.name !== h.name)) {
      t.true(rules.includes(`-A UWSGI -s ${peer.ip}/32 -d ${h.ip}/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT`), `${h.name} accepts ${peer.name}\n${rules}`);
      t.true(rules.includes(`-A UWSGI -s ${peer.ip}/32 -d ${h.ip}/32 -p udp -m udp --sport 2100 --dport 2100 -j ACCEPT`));
    }
    t.false(rules.includes(`-s ${h.ip}/32 -d ${h.ip}/32 -p udp`), 'no tuntap/legion rule for itself');
    t.true(rules.includes(`-A UWSGI -d ${h.ip}/32 -p udp -m udp --dport 999 -j DROP`));
    t.true(rules.includes(`-A UWSGI -s ${ips.node3 as string}/32 -d ${h.ip}/32 -p tcp -m tcp --dport 998 -j ACCEPT`));
    t.true(rules.includes(`-A UWSGI -d ${h.ip}/32 -p tcp -m tcp --dport 998 -j DROP`));
    t.regex(rules, /^-A INPUT -j UWSGI$/m);
    t.regex(await sh(h.name, 'cat /etc/iptables/rules.v4'), /-A UWSGI -d \S+ -p tcp -m tcp --dport 998 -j DROP/);

    const grub = await sh(h.name, 'cat /etc/default/grub');
    t.regex(grub, /^GRUB_CMDLINE_LINUX_DEFAULT="nomodeset elevator=cfq"$/m);
    t.is(grub.split('elevator=cfq').length, 2, 'elevator=cfq once');
    const fstab = await sh(h.name, 'cat /etc/fstab');
    t.regex(fstab, /^\/dev\/md\/2 \/ ext4 defaults,usrjquota=aquota\.user,jqfmt=vfsv1 0 0$/m);
    t.is(fstab.split('usrjquota=aquota.user').length, 2);
    t.is(fstab.split('none /sys/fs/cgroup cgroup blkio,cpuacct,cpu,memory,devices 0 0').length, 2);
    const nss = await sh(h.name, 'cat /etc/nsswitch.conf');
    for (const db of ['passwd', 'group', 'shadow']) t.is(nss.split('\n').filter((l) => new RegExp(`^${db}:\\s+files systemd unbit$`).test(l)).length, 1, `${db}: unbit after Debian 12's own files systemd`);
    const pam = (await sh(h.name, 'cat /etc/pam.d/sshd')).split('\n');
    t.is(pam.filter((l) => l.includes('pam_unbit.so')).length, 1);
    t.is(pam.indexOf('session    required     pam_unbit.so'), pam.indexOf('session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale') + 1);
    t.is(await sh(h.name, 'cat /etc/uwsgi/local.ini'), `[uwsgi]\npublic_ip = ${h.ip}\napi_domain = example.com\n; additional options\nenv = LANG=en_US.UTF-8\n`);
    t.is((await sh(h.name, 'stat -c %F /containers /opt/unbit/uwsgi/plugins /var/log/uwsgi')).trim().split('\n').length, 3);
  }
  t.is(await sh('node2', 'cat /etc/ssh/sshd_config.d/50-cloud-init.conf'), '#PasswordAuthentication yes\n', 'the drop-in that won is commented out');
  t.is((await sh('node3', 'head -n 1 /etc/ssh/sshd_config')).trim(), 'ClientAliveInterval 30', 'the earlier hand-added line is fixed in place');
  t.is(await sh('node1', 'cat /etc/init/emperor.conf'), readFileSync(join(REPO, 'playbooks', 'files', 'lab-sources', 'uwsgi.it', 'emperor.conf'), 'utf8'));
  for (const h of ['node2', 'node3']) t.is((await sshRun(lab, h, 'test -e /etc/init/emperor.conf')).code, 1, `${h} has no /etc/init: no upstart job`);
});

test.serial('nss-unbit and pam-unbit are built by the role, and a new login runs pam_unbit.so', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  for (const h of lab.hosts) {
    t.regex(await sh(h.name, 'ls -l /lib/libnss_unbit.so.2 /lib/x86_64-linux-gnu/security/pam_unbit.so'), /pam_unbit\.so/);
    t.is((await sh(h.name, 'ls /usr/local/src/nss-unbit /usr/local/src/pam-unbit')).includes('Makefile'), true);
    // nsswitch.conf's unbit source is loaded: the stand-in answers one name
    t.is(await sh(h.name, 'getent passwd hf-unbit-probe'), 'hf-unbit-probe:x:30000:30000::/containers/30000:/bin/false\n');
    t.is((await sh(h.name, 'getent passwd root')).split(':')[2], '0', 'compat still answers');
    // a NEW login goes through sshd's session stack, pam_unbit.so required in it
    await sh(h.name, 'rm -f /run/pam_unbit.last');
    t.is((await sshRun(lab, h.name, 'true')).code, 0);
    t.is(await sh(h.name, 'cat /run/pam_unbit.last'), 'root sshd\n');
    t.regex(await sh(h.name, 'grep -n pam_unbit /etc/pam.d/sshd'), /^\d+:session    required     pam_unbit\.so$/m);
    t.is((await sh(h.name, 'ls /etc/uwsgi/collector.pl /etc/uwsgi/configurator.pl /etc/uwsgi/dominator.pl /etc/uwsgi/services/tuntap.ini')).trim().split('\n').length, 4);
    t.is((await sshRun(lab, h.name, 'test -e /etc/systemd/system/emperor.service')).code, 1, 'no systemd runs here: no unit');
  }
});

test.serial('ntpsec instead of systemd-timesyncd: check mode names the removal apt makes', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const o = await run(SITE, { check: true, limit: 'node2', vars: { uwsgi_node_time_daemon: 'ntpsec' } });
  t.is(o.exitCode, 0, failures(o));
  const pkg = o.results.find((r) => r.task.endsWith('runbook packages'));
  const changes = (pkg?.changes ?? []).map((c) => `${c.action} ${c.target}`);
  t.true(changes.includes('delete systemd-timesyncd'), changes.join('\n'));
  t.true(changes.includes('create ntpsec'));
  t.regex(pkg?.changes.find((c) => c.target === 'systemd-timesyncd')?.summary ?? '', /not requested: apt removes it/);
  t.true(o.results.some((r) => r.task.endsWith('synchronised clocks (the time daemon running and started at boot)') && r.changes.some((c) => c.target === 'ntpsec')));
});

test.serial('a setting sshd -t rejects fails and leaves sshd_config byte for byte, sshd running', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const before = await sh('node1', 'sha256sum /etc/ssh/sshd_config; ls /etc/ssh/sshd_config.d');
  const pb = playbookFile('bad-sshd.yaml', '    - name: a bad value\n      sshd_config:\n        settings:\n          X11Forwarding: maybe\n');
  const o = await run(pb);
  t.is(o.exitCode, 2);
  t.regex(failures(o), /validation failed for \/etc\/ssh\/sshd_config/);
  t.is(await sh('node1', 'sha256sum /etc/ssh/sshd_config; ls /etc/ssh/sshd_config.d'), before);
  t.is((await sshRun(lab, 'node1', 'true')).code, 0, 'a new login works');
});

test.serial('AllowUsers nobody is rolled back by the lockout guard; the host stays reachable', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const before = await sh('node1', 'sha256sum /etc/ssh/sshd_config');
  const pb = playbookFile('lockout-sshd.yaml', '    - name: lock everyone out\n      sshd_config:\n        settings:\n          AllowUsers: nobody\n');
  const o = await run(pb);
  t.is(o.exitCode, 2);
  t.regex(failures(o), /lockout guard: .*restored and ssh restarted/);
  t.is(await sh('node1', 'sha256sum /etc/ssh/sshd_config'), before);
  t.is((await sshRun(lab, 'node1', 'true')).code, 0);
  t.notRegex(await sh('node1', 'sshd -T'), /^allowusers/m);
});

test.serial('an iptables rule that drops the run\'s SSH is rolled back; the host stays reachable', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  const before = await sh('node1', 'iptables -S');
  const pb = playbookFile(
    'lockout-fw.yaml',
    '    - name: drop ssh\n      iptables:\n        chain: INPUT\n        position: top\n        rollback_seconds: 20\n        rules:\n          - "-p tcp --dport 22 -j DROP"\n',
  );
  const t0 = Date.now();
  const o = await run(pb);
  t.is(o.exitCode, 2);
  t.regex(failures(o), /lockout guard: /);
  t.is(await sh('node1', 'iptables -S'), before);
  t.is((await sshRun(lab, 'node1', 'true')).code, 0);
  t.true(Date.now() - t0 < 90_000);
});

test.serial('user, authorized_key and git: first run changes, second run does not', async (t) => {
  if (skip) return t.pass(`lab unavailable: ${skip}`);
  // A bare repository on the host itself (the lab has no network), with one commit.
  await sh(
    'node1',
    'rm -rf /srv/hf.git /tmp/hfw && git init -q --bare -b main /srv/hf.git && git clone -q /srv/hf.git /tmp/hfw 2>/dev/null && cd /tmp/hfw && ' +
      'echo one > f && git add f && git -c user.name=t -c user.email=t@x commit -q -m one && git push -q origin HEAD:main',
  );
  const key = (await sh('node1', 'cat /root/.ssh/authorized_keys')).split('\n')[0] as string;
  const pb = playbookFile(
    'accounts.yaml',
    [
      '    - name: the uwsgi user',
      '      user: { name: hfuwsgi, uid: 2500, shell: /bin/false, home: /containers/hfuwsgi, groups: [adm] }',
      '    - name: its key',
      `      authorized_key: { user: hfuwsgi, key: ${JSON.stringify(key)}, path: .ssh/uwsgi_authorized_keys }`,
      '    - name: sources',
      '      git: { repo: "file:///srv/hf.git", dest: /usr/local/src/hf, version: main }',
      '',
    ].join('\n'),
  );
  const first = await run(pb);
  t.is(first.exitCode, 0, failures(first));
  t.is(first.recap.node1?.changed, 3);
  const second = await run(pb);
  t.is(second.exitCode, 0, failures(second));
  t.is(second.recap.node1?.changed, 0, changeKeys(second).join('\n'));
  t.regex(await sh('node1', 'getent passwd hfuwsgi; id -nG hfuwsgi'), /^hfuwsgi:x:2500:\d+::\/containers\/hfuwsgi:\/bin\/false\n.*\badm\b/);
  t.is((await sh('node1', 'stat -c "%a %U" /containers/hfuwsgi/.ssh /containers/hfuwsgi/.ssh/uwsgi_authorized_keys')).trim(), '700 hfuwsgi\n600 hfuwsgi');
  t.is((await sh('node1', 'cat /usr/local/src/hf/f')).trim(), 'one');

  // HEAD moves only when the remote moved.
  await sh('node1', 'cd /tmp/hfw && echo two > f && git -c user.name=t -c user.email=t@x commit -qam two && git push -q origin HEAD:main');
  const third = await run(pb);
  t.is(third.recap.node1?.changed, 1, changeKeys(third).join('\n'));
  t.is((await sh('node1', 'cat /usr/local/src/hf/f')).trim(), 'two');
});
