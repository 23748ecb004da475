/** `lab up`: N real SSH hosts, each a netns + overlay root + its own sshd under a reaping init. */
import { spawn } from 'node:child_process';
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import { createCpuGroup, inCpuGroup } from './cgroup.js';
import { labDown, purgeSlot } from './down.js';
import { inventoryYaml } from './inventory.js';
import { generateLabKey, knownHostsText, readHostKeys } from './keys.js';
import {
  DEFAULT_LAB_NAME,
  DEFAULT_STATE_ROOT,
  bridgeAlias,
  bridgeIp,
  bridgeName,
  checkCount,
  checkLabName,
  checkStateRoot,
  hostsFileText,
  labHosts,
  labStateDir,
} from './layout.js';
import { addHostNetworks, claimSlot } from './net.js';
import { assertLabAvailable } from './preflight.js';
import { findInit, hostArgv, hostPaths, machineExtraMounts, prepareHost, setupScript } from './rootfs.js';
import { infoOf, readState, writeState } from './state.js';
import type { LabHost, LabInfo, LabState, LabUpOptions } from './types.js';
import { waitForBanner } from './wait.js';

/** Time for every host to show its banner: 15 s, plus 100 ms a host for large labs on a busy machine. */
const defaultTimeoutMs = (count: number): number => 15_000 + 100 * count;

interface Started {
  host: LabHost;
  pid: number;
  log: string;
  /** Why the host process ended, once it has. */
  ended: () => string | undefined;
}

async function startHost(
  state: LabState,
  host: LabHost,
  ctx: { init: readonly string[]; authorizedKey: string; hostsText: string; stateRoot: string; cpuGroup?: string },
): Promise<Started> {
  const paths = hostPaths(state.stateDir, host.name);
  const extras = await machineExtraMounts(ctx.stateRoot, paths);
  await prepareHost(paths, extras, { hostname: host.name, hostsText: ctx.hostsText, authorizedKey: ctx.authorizedKey });
  const script = setupScript({ paths, extras, hostname: host.name, init: ctx.init });
  const [cmd, ...args] = inCpuGroup(ctx.cpuGroup, hostArgv(host.netns, script));
  const log = await open(paths.log, 'a', 0o600);
  let ended: string | undefined;
  try {
    const child = spawn(cmd as string, args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('exit', (code, signal) => {
      ended = signal ? `its process was killed by ${signal}` : `its process exited with code ${String(code)}`;
    });
    child.unref();
    return { host, pid: child.pid as number, log: paths.log, ended: () => ended };
  } finally {
    await log.close();
  }
}

async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-8).join('\n');
}

/**
 * Start lab `name` with `count` hosts; an existing lab of that name is torn down first, so
 * the hosts are always fresh. Returns once every host shows its SSH banner.
 */
export async function labUp(opts: LabUpOptions): Promise<LabInfo> {
  await assertLabAvailable();
  const name = opts.name ?? DEFAULT_LAB_NAME;
  checkLabName(name);
  checkCount(opts.count);
  const stateRoot = checkStateRoot(opts.stateRoot ?? DEFAULT_STATE_ROOT);
  const stateDir = labStateDir(stateRoot, name);
  const previous = await readState(stateDir).catch(() => undefined);
  await labDown({ name, stateRoot });
  const init = await findInit();

  await mkdir(stateRoot, { recursive: true, mode: 0o755 });
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await chmod(stateDir, 0o700);
  const slot = await claimSlot(bridgeAlias(name, stateDir), previous?.slot);
  try {
    await purgeSlot(slot);
    const hosts = labHosts(slot, opts.count);
    const state: LabState = {
      version: 1,
      name,
      slot,
      stateDir,
      inventoryPath: join(stateDir, 'inventory.yaml'),
      knownHostsPath: join(stateDir, 'known_hosts'),
      keyPath: join(stateDir, 'id_ed25519'),
      hosts,
      createdAt: new Date().toISOString(),
      phase: 'starting',
      bridge: bridgeName(slot),
      bridgeIp: bridgeIp(slot),
      pids: {},
    };
    await writeState(state);
    const authorizedKey = await generateLabKey(state.keyPath, `hostforge-lab-${name}`);
    const ctx = { init, authorizedKey, hostsText: hostsFileText(hosts), stateRoot, cpuGroup: await createCpuGroup(slot) };
    await addHostNetworks(slot, hosts.map((_, k) => k + 1));
    const started = await Promise.all(hosts.map((h) => startHost(state, h, ctx)));
    state.pids = Object.fromEntries(started.map((s) => [s.host.name, s.pid]));
    await writeState(state);

    const deadline = Date.now() + (opts.timeoutMs ?? defaultTimeoutMs(opts.count));
    const waits = await Promise.all(started.map((s) => waitForBanner(s.host.ip, 22, deadline, s.ended)));
    const failures: string[] = [];
    for (const [k, w] of waits.entries()) {
      const s = started[k] as Started;
      if (!w.ok) failures.push(`${s.host.name} (${s.host.ip}): ${w.reason}; ${s.log}:\n${await logTail(s.log)}`);
    }
    if (failures.length > 0) {
      throw new HostforgeError('LAB', `lab ${JSON.stringify(name)}: ${failures.length} host(s) did not come up:\n${failures.join('\n')}`);
    }

    const keys = await Promise.all(started.map(async (s) => ({ ip: s.host.ip, keys: await readHostKeys(hostPaths(stateDir, s.host.name).upper) })));
    await writeFile(state.knownHostsPath, knownHostsText(keys), { mode: 0o644 });
    const info = infoOf(state);
    await writeFile(state.inventoryPath, inventoryYaml(info), { mode: 0o644 });
    state.phase = 'up';
    await writeState(state);
    return info;
  } catch (err) {
    await labDown({ name, stateRoot }).catch(() => undefined);
    throw err;
  }
}
