/**
 * The lab on this machine, for real: hosts answer over ssh with their own names and keys, have
 * their own files, iptables and processes, survive `/etc/init.d/ssh restart`, and `lab down`
 * leaves nothing behind, also after a crash.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { Command } from 'commander';
import yaml from 'js-yaml';
import { registerLabCommands } from '../../src/cli/lab.js';
import { HostforgeError, InputError } from '../../src/errors.js';
import { labDown, labStatus, labUp, type LabInfo } from '../../src/lab/index.js';
import { DEFAULT_STATE_ROOT, MAX_HOSTS, PREFIX_LEN, bridgeName } from '../../src/lab/layout.js';
import { shJoin, shQuote } from '../../src/util/quote.js';
import { labSkipReason, sshRun, startLab, stopLab } from '../helpers/lab.js';

const PREFIX = process.env.HF_LAB_PREFIX ?? '';
const NAME = 'e2e-lab'; // startLab/stopLab add PREFIX
const FULL = `${PREFIX}${NAME}`;
const CRASH = `${PREFIX}e2e-lab-crash`;
const skip = await labSkipReason();

const run = (argv: string[]): Promise<{ code: number; stdout: string }> =>
  new Promise((resolve, reject) => {
    const [file, ...args] = argv;
    const child = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8') }));
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Names of the machine's links and namespaces of one slot. */
async function slotObjects(slot: number): Promise<string[]> {
  const links = await readdir('/sys/class/net');
  const netns = await readdir('/run/netns').catch(() => [] as string[]);
  const re = new RegExp(`^(hfx${slot}[nv]\\d+|hfx${slot})$`);
  return [...links, ...netns].filter((n) => re.test(n));
}

/** Live (non-zombie) processes whose root directory is inside `dir`. */
async function procsUnder(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const e of await readdir('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const root = await readlink(`/proc/${e}/root`).catch(() => '');
    if (root === dir || root.startsWith(`${dir}/`)) pids.push(Number(e));
  }
  return pids;
}

async function assertClean(t: ExecutionContext, slot: number, stateDir: string): Promise<void> {
  t.deepEqual(await slotObjects(slot), [], `no hfx${slot}* namespace or link is left`);
  const mounts = await readFile('/proc/mounts', 'utf8');
  t.false(mounts.includes(stateDir), 'no mount of the lab in the machine mount table');
  t.false(/^overlay \S+ overlay .*hostforge/m.test(mounts), 'no lab overlay mount');
  t.deepEqual(await procsUnder(stateDir), [], 'no process runs inside the lab');
  t.false(existsSync(stateDir), 'state directory removed');
}

if (skip !== undefined) {
  test('lab (skipped)', (t) => {
    t.log(`skipped: ${skip}`);
    t.pass();
  });
} else {
  let info: LabInfo | undefined;
  const lab = (): LabInfo => {
    if (!info) throw new Error('lab is not up');
    return info;
  };

  test.after.always(async () => {
    await stopLab(NAME);
    await labDown({ name: CRASH });
  });

  test.serial('refuses bad counts and names before touching anything', async (t) => {
    for (const count of [0, MAX_HOSTS + 1, 2.5]) {
      const err = await t.throwsAsync(labUp({ name: FULL, count }), { instanceOf: HostforgeError });
      t.is(err?.code, 'LAB');
    }
    await t.throwsAsync(labUp({ name: '../etc', count: 1 }), { instanceOf: InputError });
    await t.throwsAsync(labUp({ name: 'x', count: 1, stateRoot: '/tmp/a,b/c' }), { instanceOf: InputError });
  });

  test.serial('lab up 5: every host answers over ssh with its own name, address and host keys', async (t) => {
    const t0 = Date.now();
    info = await startLab(NAME, 5);
    t.log(`lab up 5: ${Date.now() - t0} ms (slot ${info.slot})`);
    t.is(info.hosts.length, 5);
    const results = await Promise.all(
      info.hosts.map((h) => sshRun(lab(), h.name, 'hostname; hostname -f; cat /etc/hostname; ip -4 -o addr show dev eth0')),
    );
    for (const [k, h] of info.hosts.entries()) {
      const r = results[k];
      t.is(r?.code, 0, r?.stderr);
      const [name, fqdn, etcName, addr] = (r?.stdout ?? '').split('\n');
      t.is(name, h.name);
      t.is(fqdn, `${h.name}.lab.test`);
      t.is(etcName, h.name);
      t.true(addr?.includes(` ${h.ip}/${PREFIX_LEN} `), addr);
    }

    const known = (await readFile(info.knownHostsPath, 'utf8')).trim().split('\n');
    const ed = known.filter((l) => l.split(' ')[1] === 'ssh-ed25519');
    t.deepEqual(ed.map((l) => l.split(' ')[0]), info.hosts.map((h) => h.ip), 'one ed25519 key per host, named by IP');
    const blobs = new Set(ed.map((l) => l.split(' ')[2]));
    t.is(blobs.size, 5, 'host keys are distinct');
    const machineKey = (await readFile('/etc/ssh/ssh_host_ed25519_key.pub', 'utf8').catch(() => '')).split(' ')[1];
    t.false(blobs.has(machineKey), "no host uses the machine's host key");
    const onHost = await sshRun(info, 'node3', 'cat /etc/ssh/ssh_host_ed25519_key.pub');
    t.true(ed[2] !== undefined && onHost.stdout.includes(ed[2].split(' ')[2] as string));
  });

  test.serial('the inventory lists every host with key and known_hosts', async (t) => {
    const doc = yaml.load(await readFile(lab().inventoryPath, 'utf8')) as {
      all: { children: { lab: { hosts: Record<string, Record<string, unknown>> } } };
    };
    const hosts = doc.all.children.lab.hosts;
    t.deepEqual(Object.keys(hosts), ['node1', 'node2', 'node3', 'node4', 'node5']);
    t.deepEqual(hosts.node2, {
      ansible_host: lab().hosts[1]?.ip,
      ansible_user: 'root',
      ansible_port: 22,
      ansible_ssh_private_key_file: lab().keyPath,
      hostforge_known_hosts: lab().knownHostsPath,
      fqdn: 'node2.lab.test',
      ip: lab().hosts[1]?.ip,
    });
  });

  test.serial('each host has its own iptables, files, root dotfiles and /etc/hosts', async (t) => {
    const before = await run(['iptables', '-S']);
    const add = await sshRun(lab(), 'node1', 'iptables -A INPUT -p tcp --dport 9 -j DROP && iptables -S INPUT');
    t.is(add.code, 0, add.stderr);
    t.true(add.stdout.includes('--dport 9 -j DROP'));
    t.is((await run(['iptables', '-S'])).stdout, before.stdout, "the machine's tables are untouched");
    t.false((await sshRun(lab(), 'node2', 'iptables -S INPUT')).stdout.includes('--dport 9'), 'node2 has its own tables');

    const marker = '/etc/hostforge-e2e-lab-marker';
    t.is((await sshRun(lab(), 'node1', shJoin(['touch', marker]))).code, 0);
    t.is((await sshRun(lab(), 'node2', shJoin(['test', '-e', marker]))).code, 1, 'other hosts do not see it');
    t.false(existsSync(marker), 'the machine does not see it');

    const home = await sshRun(lab(), 'node4', 'ls -A /root; cat /root/.ssh/authorized_keys');
    t.deepEqual(home.stdout.split('\n').slice(0, 3), ['.bashrc', '.profile', '.ssh']);
    t.true(home.stdout.includes((await readFile(`${lab().keyPath}.pub`, 'utf8')).split(' ')[1] as string));

    const user = await sshRun(lab(), 'node3', 'stat -c %a /; setpriv --reuid 65534 --regid 65534 --clear-groups cat /etc/hostname');
    t.is(user.stdout, '755\nnode3\n', `a non-root user can use the host: ${user.stderr}`);

    const node5 = lab().hosts[4];
    const peer = await sshRun(
      lab(),
      'node1',
      `getent hosts node5.lab.test && timeout 3 bash -c ${shQuote(`exec 3<>/dev/tcp/${node5?.ip}/22 && head -c 4 <&3`)}`,
    );
    t.is(peer.code, 0, peer.stderr);
    t.true(peer.stdout.startsWith(`${node5?.ip}`), peer.stdout);
    t.true(peer.stdout.trim().endsWith('SSH-'), 'hosts reach each other over the bridge');

    const fwd = await readFile(`/proc/sys/net/ipv4/conf/${bridgeName(lab().slot)}/forwarding`, 'utf8');
    t.is(fwd.trim(), '0', 'the machine never forwards what comes from the lab bridge');
  });

  test.serial('/etc/init.d/ssh restart keeps the host alive and leaves no zombie', async (t) => {
    for (let k = 0; k < 3; k++) {
      const r = await sshRun(lab(), 'node2', '/etc/init.d/ssh restart');
      t.is(r.code, 0, r.stderr);
    }
    await sleep(200);
    const ps = await sshRun(lab(), 'node2', 'ps -e -o pid=,stat=,comm=; /etc/init.d/ssh status');
    t.is(ps.code, 0, ps.stderr);
    const rows = ps.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    t.deepEqual(rows[0]?.slice(0, 1), ['1']);
    t.is(rows[0]?.[2], 'tini', 'PID 1 is the reaping init');
    t.deepEqual(rows.filter((r) => r[1]?.startsWith('Z')), [], 'no zombie');
    t.true(ps.stdout.includes('sshd is running'));
  });

  test.serial('status and the CLI describe the running lab', async (t) => {
    const s = await labStatus(FULL);
    t.is(s.state, 'up');
    t.deepEqual(s.hosts.map((h) => h.running), [true, true, true, true, true]);

    let out = '';
    const program = new Command().exitOverride();
    registerLabCommands(program, (text) => {
      out += text;
    });
    await program.parseAsync(['lab', 'status', '--name', FULL], { from: 'user' });
    t.true(out.includes(`lab "${FULL}": up (slot ${lab().slot})`), out);
    t.is(out.match(/ running$/gm)?.length, 5);
    out = '';
    await program.parseAsync(['lab', 'inventory', '--name', FULL], { from: 'user' });
    t.true(out.startsWith(`# ${lab().inventoryPath}\n`));
    t.true(out.includes('ansible_host: '));
    await t.throwsAsync(program.parseAsync(['lab', 'up', '0', '--name', FULL], { from: 'user' }), { instanceOf: InputError });
  });

  test.serial('lab down removes namespaces, links, mounts, processes and state; twice is fine', async (t) => {
    const { slot, stateDir } = lab();
    const t0 = Date.now();
    const r = await labDown({ name: FULL });
    t.log(`lab down (5 hosts): ${Date.now() - t0} ms`);
    t.is(r.netns.length, 5);
    await assertClean(t, slot, stateDir);
    t.deepEqual(await labDown({ name: FULL }), { netns: [], links: [], dirs: [] });
    t.is((await labStatus(FULL)).state, 'down');
    info = undefined;
  });

  test.serial('after kill -9 of the hosts and a lost state file, lab down still cleans up', async (t) => {
    const crash = await labUp({ name: CRASH, count: 2 });
    const state = JSON.parse(await readFile(join(crash.stateDir, 'state.json'), 'utf8')) as { pids: Record<string, number> };
    for (const pid of Object.values(state.pids)) {
      t.is((await readFile(`/proc/${pid}/comm`, 'utf8')).trim(), 'unshare');
      process.kill(pid, 'SIGKILL');
    }
    await rm(join(crash.stateDir, 'state.json'));
    t.not((await slotObjects(crash.slot)).length, 0, 'namespaces and links outlive the killed hosts');
    t.is((await labStatus(CRASH)).state, 'partial');
    await labDown({ name: CRASH });
    await assertClean(t, crash.slot, crash.stateDir);
  });

  test.serial('after an interrupted lab up (its process killed), lab down --all cleans up', async (t) => {
    const entry = fileURLToPath(new URL('../../src/lab/index.js', import.meta.url));
    const script = `import(${JSON.stringify(entry)}).then((m) => m.labUp({ name: ${JSON.stringify(CRASH)}, count: 3 }))`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    // Listen at once: on a loaded machine the child may finish (or die) before the kill below.
    const closed = new Promise((r) => child.once('close', r));
    const stateFile = join(DEFAULT_STATE_ROOT, CRASH, 'state.json');
    const deadline = Date.now() + 10_000;
    while (!existsSync(stateFile) && Date.now() < deadline) await sleep(5);
    await sleep(150); // hosts are starting
    child.kill('SIGKILL');
    await closed;
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as { slot: number; stateDir: string };
    // --all also removes other labs: only use it when no other lab is running on this machine.
    const others = (await readdir('/sys/class/net')).filter((n) => /^hf(x|br)\d+$/.test(n) && n !== bridgeName(state.slot));
    if (others.length === 0) {
      await labDown({ all: true });
      t.deepEqual((await readdir('/sys/class/net')).filter((n) => /^hf/.test(n)), [], 'no hf* link at all');
      t.deepEqual((await readdir('/run/netns').catch(() => [])).filter((n) => /^hf/.test(n)), [], 'no hf* netns at all');
    } else {
      t.log(`other labs run (${others.join(', ')}): cleaning by name instead of --all`);
      await labDown({ name: CRASH });
    }
    await assertClean(t, state.slot, state.stateDir);
  });
}
