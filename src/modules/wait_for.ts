/**
 * wait_for (ansible.builtin.wait_for): wait until a TCP port on `host` (seen from the
 * managed host) accepts connections / stops accepting them, or a file on the managed host
 * exists / contains `search_regex` (Python syntax, MULTILINE) / is gone. Neither: sleep
 * `timeout` seconds. Each probe is one command on the host over the run's connection
 * (the TCP connect uses bash's /dev/tcp, else `nc -z`); the bastion drives the loop.
 *
 * Read-only. In check mode it probes once, without waiting, against the predicted state
 * (a file an earlier task would write counts as present) and warns when the condition
 * does not hold yet; Ansible skips the task in check mode.
 */
import { InputError, TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Host, Json, Module, ModuleContext } from './types.js';
import { int, nonEmpty, object, oneOfValues, str, type Schema } from './support/schema.js';
import { pyRegex } from './text/pyregex.js';

export interface WaitForArgs {
  host?: string;
  port?: number;
  path?: string;
  search_regex?: string;
  state?: 'started' | 'present' | 'stopped' | 'absent';
  timeout?: number;
  connect_timeout?: number;
  delay?: number;
  sleep?: number;
  msg?: string;
}

const seconds: Schema = { ...int, minimum: 0 };

export const waitForSchema: Schema = object(
  {
    host: nonEmpty,
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    path: nonEmpty,
    search_regex: str,
    state: oneOfValues('started', 'present', 'stopped', 'absent'),
    timeout: seconds,
    connect_timeout: { ...int, minimum: 1 },
    delay: seconds,
    sleep: { ...int, minimum: 1 },
    msg: str,
  },
  [],
  { not: { properties: { port: true, path: true }, required: ['port', 'path'] } },
);

interface Probe {
  ok: boolean;
  match?: RegExpExecArray | null;
}

const TCP = 'exec 3<>"/dev/tcp/$0/$1" || exit 7; [ -n "$2" ] || exit 0; timeout 2 cat <&3; exit 0';

/** One connect (and read, with a regex) from the managed host to host:port. */
export async function probePort(h: Host, target: string, port: number, ct: number, regex: RegExp | null): Promise<Probe> {
  const read = regex !== null ? 'read' : '';
  const script = `if command -v bash >/dev/null 2>&1; then ${shJoin(['timeout', String(ct), 'bash', '-c', TCP, target, String(port), read])} 2>/dev/null; else ${shJoin(['nc', '-z', '-w', String(ct), target, String(port)])}; fi`;
  const r = await h.exec({ script });
  if (r.code !== 0) return { ok: false };
  if (regex === null) return { ok: true };
  const m = regex.exec(r.stdout);
  return { ok: m !== null, match: m };
}

export async function probePath(h: Host, path: string, regex: RegExp | null): Promise<Probe> {
  const st = await h.stat(path);
  if (st === null) return { ok: false };
  if (regex === null) return { ok: true };
  if (st.type === 'directory') return { ok: false };
  const data = await h.read(path);
  const m = data === null ? null : regex.exec(data.toString('utf8'));
  return { ok: m !== null, match: m };
}

function groupsOf(m: RegExpExecArray | null | undefined): { match_groups: Json[]; match_groupdict: { [k: string]: Json } } {
  if (!m) return { match_groups: [], match_groupdict: {} };
  return { match_groups: m.slice(1).map((g) => g ?? null), match_groupdict: Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, v ?? null])) };
}

const sleepMs = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function describe(a: WaitForArgs, target: string): string {
  const what = a.port !== undefined ? `${target}:${a.port}` : (a.path ?? '');
  const want = a.state === 'stopped' ? 'to stop' : a.state === 'absent' ? 'to be absent' : a.search_regex !== undefined ? `to match ${a.search_regex}` : 'to be ready';
  return `${what} ${want}`;
}

async function waitFor(host: Host, a: WaitForArgs, ctx: ModuleContext): Promise<ApplyResult> {
  const target = a.host ?? '127.0.0.1';
  const state = a.state ?? 'started';
  const timeout = a.timeout ?? 300;
  if ((state === 'stopped' || state === 'absent') && a.search_regex !== undefined) throw new InputError('wait_for: search_regex applies to state started/present only');
  if (state === 'stopped' && a.port === undefined) throw new InputError('wait_for: state=stopped should only be used for checking a port in the wait_for module');
  const regex = a.search_regex !== undefined ? pyRegex(a.search_regex, 'm').re : null;
  const base = { state, port: a.port ?? null, path: a.path ?? null, search_regex: a.search_regex ?? null };
  const t0 = Date.now();
  const elapsed = (): number => Math.floor((Date.now() - t0) / 1000);
  if (a.port === undefined && a.path === undefined) {
    if (!host.checkMode) await sleepMs(timeout * 1000);
    return { ...base, elapsed: elapsed(), ...groupsOf(null) };
  }
  const probe = (): Promise<Probe> =>
    a.port !== undefined ? probePort(host, target, a.port, a.connect_timeout ?? 5, regex) : probePath(host, a.path as string, regex);
  const wantPresent = state === 'started' || state === 'present';
  if (host.checkMode) {
    const p = await probe();
    if (p.ok !== wantPresent) ctx.warn(`wait_for: check mode does not wait; ${describe(a, target)} does not hold yet`);
    return { ...base, elapsed: 0, ...groupsOf(p.match), msg: 'not waited for in check mode' };
  }
  await sleepMs((a.delay ?? 0) * 1000);
  for (;;) {
    const p = await probe();
    if (p.ok === wantPresent) return { ...base, elapsed: elapsed(), ...groupsOf(p.match) };
    if (Date.now() - t0 >= timeout * 1000) {
      throw new TaskError(a.msg ?? `Timeout when waiting for ${describe(a, target)} (${elapsed()} s)`);
    }
    await sleepMs(Math.min((a.sleep ?? 1) * 1000, Math.max(0, timeout * 1000 - (Date.now() - t0))));
  }
}

export const waitForModule: Module<WaitForArgs> = {
  name: 'wait_for',
  args: waitForSchema,
  checkMode: 'full',
  readOnly: true,
  plan: async () => [],
  apply: (host, _changes, args, ctx) => waitFor(host, args, ctx),
};
