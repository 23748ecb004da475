/**
 * service: a daemon's running state and boot-time enablement. systemd (systemctl) when
 * the host's PID 1 is systemd (facts.init), else /etc/init.d scripts: running = the
 * script's `status` exits 0; enabled = an S??NAME link in /etc/rc[2-5].d; enable/disable
 * with update-rc.d. Plan is one exec either way.
 *
 * Changes (kind 'service', target = name): 'update' for start/stop/enable/disable;
 * restarted/reloaded always give a 'run' change (that is what handlers use).
 */
import { InputError, TaskError } from '../errors.js';
import { andThen, shJoin, type Command } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { predictedResource } from './support/predicted.js';
import { bool, has, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';

export interface ServiceArgs {
  name: string;
  state?: 'started' | 'stopped' | 'restarted' | 'reloaded';
  enabled?: boolean;
}

export const serviceSchema: Schema = object(
  {
    name: { ...nonEmpty, pattern: '^[-A-Za-z0-9@._:+]+$' },
    state: oneOfValues('started', 'stopped', 'restarted', 'reloaded'),
    enabled: bool,
  },
  ['name'],
  { anyOf: [has('state'), has('enabled')] },
);

export interface ServiceStatus {
  exists: boolean;
  running: boolean;
  /** null: cannot be enabled or disabled (a static/generated systemd unit). */
  enabled: boolean | null;
  raw: string;
}

const NAME = /^[-A-Za-z0-9@._:+]+$/;

export function checkName(name: string): void {
  if (!NAME.test(name)) throw new InputError(`service: invalid service name ${JSON.stringify(name)}`);
}

/** `systemctl show -p LoadState -p ActiveState -p UnitFileState NAME` */
export function parseSystemctlShow(out: string): ServiceStatus {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  const load = kv.get('LoadState') ?? '';
  const active = kv.get('ActiveState') ?? '';
  const file = kv.get('UnitFileState') ?? '';
  let enabled: boolean | null;
  if (file === 'enabled' || file === 'enabled-runtime') enabled = true;
  else if (file === 'disabled' || file === 'masked' || file === 'masked-runtime' || file === '') enabled = false;
  else enabled = null; // static, indirect, generated, transient, alias, linked
  return {
    exists: load !== 'not-found' && load !== '',
    running: active === 'active' || active === 'activating' || active === 'reloading',
    enabled,
    raw: out,
  };
}

export function sysvScript(name: string): string {
  const script = `/etc/init.d/${name}`;
  return [
    `if [ ! -x ${shJoin([script])} ]; then echo exists=no; exit 0; fi`,
    'echo exists=yes',
    `${shJoin([script, 'status'])} </dev/null >/dev/null 2>&1; echo "status=$?"`,
    `set -- /etc/rc[2345].d/S[0-9][0-9]${shJoin([name])}`,
    'if [ -e "$1" ]; then echo enabled=yes; else echo enabled=no; fi',
  ].join('\n');
}

export function parseSysv(out: string): ServiceStatus {
  const kv = new Map<string, string>();
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return {
    exists: kv.get('exists') === 'yes',
    running: kv.get('status') === '0',
    enabled: kv.get('enabled') === 'yes',
    raw: out,
  };
}

async function useSystemd(host: Host): Promise<boolean> {
  return (await host.facts()).init === 'systemd';
}

export async function serviceStatus(host: Host, name: string, systemd: boolean): Promise<ServiceStatus> {
  if (systemd) {
    const r = await host.exec(['systemctl', 'show', '-p', 'LoadState', '-p', 'ActiveState', '-p', 'UnitFileState', '--', name]);
    return parseSystemctlShow(r.stdout);
  }
  const r = await host.exec({ script: sysvScript(name) });
  return parseSysv(r.stdout);
}

const STATE_OF_OP: Record<string, string> = { start: 'started', stop: 'stopped', restart: 'restarted', reload: 'reloaded' };

function change(name: string, op: string, systemd: boolean): Change {
  const run = op === 'restart' || op === 'reload';
  const data: { [k: string]: string | boolean } = { op, init: systemd ? 'systemd' : 'sysvinit' };
  if (STATE_OF_OP[op] !== undefined) data.state = STATE_OF_OP[op];
  if (op === 'enable' || op === 'disable') data.enabled = op === 'enable';
  return { action: run ? 'run' : 'update', kind: 'service', target: name, summary: `${op} ${name}`, data };
}

export async function planService(host: Host, args: ServiceArgs, warn: (m: string) => void = () => {}): Promise<Change[]> {
  checkName(args.name);
  const systemd = await useSystemd(host);
  const st = await serviceStatus(host, args.name, systemd);
  if (!st.exists) {
    const why = systemd ? 'no systemd unit' : `no /etc/init.d/${args.name}`;
    if (!host.checkMode) throw new TaskError(`service ${args.name} not found (${why})`);
    // Check mode: an earlier task (a package, a copied init script) may install it.
    warn(`service ${args.name} not found (${why}); check mode assumes an earlier task installs it, stopped and disabled`);
    st.running = false;
    st.enabled = false;
  }
  const predicted = predictedResource(host, 'service', args.name);
  if (predicted === 'started') st.running = true;
  else if (predicted === 'stopped') st.running = false;
  const out: Change[] = [];
  if (args.enabled !== undefined) {
    if (st.enabled === null) warn(`service ${args.name}: its unit file state cannot be changed with enable/disable (static unit)`);
    else if (st.enabled !== args.enabled) out.push(change(args.name, args.enabled ? 'enable' : 'disable', systemd));
  }
  switch (args.state) {
    case 'started':
      if (!st.running) out.push(change(args.name, 'start', systemd));
      break;
    case 'stopped':
      if (st.running) out.push(change(args.name, 'stop', systemd));
      break;
    case 'restarted':
      out.push(change(args.name, 'restart', systemd));
      break;
    case 'reloaded':
      out.push(change(args.name, st.running ? 'reload' : 'start', systemd));
      break;
    case undefined:
      break;
  }
  return out;
}

/**
 * An init script run over SSH must not keep the channel open: a daemon it starts would
 * inherit our stdout. Its output goes to a temporary file that is printed afterwards.
 */
function sysvRun(name: string, op: string): Command {
  const cmd = shJoin([`/etc/init.d/${name}`, op]);
  return {
    script: `(out=$(mktemp) || exit 1; ${cmd} </dev/null >"$out" 2>&1; rc=$?; cat "$out" >&2; rm -f "$out"; exit $rc)`,
  };
}

export function serviceCommands(c: Change): Command[] {
  const op = String(c.data?.op);
  const name = c.target;
  checkName(name);
  if (c.data?.init === 'systemd') return [['systemctl', op, '--', name]];
  if (op === 'enable') return [['update-rc.d', name, 'defaults'], ['update-rc.d', name, 'enable']];
  if (op === 'disable') return [['update-rc.d', name, 'disable']];
  return [sysvRun(name, op)];
}

export const serviceModule: Module<ServiceArgs> = {
  name: 'service',
  args: serviceSchema,
  checkMode: 'full',
  plan: (host, args, ctx) => planService(host, args, (m) => ctx.warn(m)),
  async apply(host, changes, args): Promise<ApplyResult> {
    if (changes.length === 0) return { name: args.name };
    const cmds = changes.flatMap(serviceCommands);
    const r = await host.exec(andThen(...cmds));
    if (r.code !== 0) {
      throw new TaskError(`service ${args.name}: ${changes.map((c) => String(c.data?.op)).join(', ')} failed (exit ${r.code}): ${r.stderr.trim()}`, { details: r.stderr });
    }
    return { name: args.name, msg: changes.map((c) => c.summary).join(', ') };
  },
};
