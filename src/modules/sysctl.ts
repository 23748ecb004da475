/**
 * sysctl (ansible.posix.sysctl): a kernel parameter in a sysctl file (default
 * /etc/sysctl.conf, as Ansible; point `sysctl_file` into /etc/sysctl.d/ for a drop-in)
 * and its live value. The file edit is Ansible's exactly (see `fixSysctlLines`): every
 * line stripped, a key's later duplicates dropped, the key written as `name=value`.
 *
 * Changes, in Ansible's order:
 *   file      the rewritten sysctl file (when its value for the key differs, or state=absent removes it)
 *   live      `sysctl -w name=value` (sysctl_set: the live value differs)
 *   reload    `sysctl -p FILE` (reload, default true: anything changed, or the live value differs)
 * The live value is read with `sysctl -e -n` (procfs /proc/sys), one exec.
 */
import { InputError, TaskError } from '../errors.js';
import type { ApplyResult, Change, Module } from './types.js';
import type { AttrArgs } from './support/attrs.js';
import { attrProps, bool, has, nonEmpty, object, oneOfValues, type Schema } from './support/schema.js';
import { applySteps } from './support/steps.js';
import { planTextFile } from './support/text-file.js';

export interface SysctlArgs extends AttrArgs {
  name?: string;
  key?: string;
  value?: string | number | boolean;
  val?: string | number | boolean;
  state?: 'present' | 'absent';
  reload?: boolean;
  sysctl_set?: boolean;
  ignoreerrors?: boolean;
  sysctl_file?: string;
}

const scalar: Schema = { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

export const sysctlSchema: Schema = object(
  {
    name: nonEmpty,
    key: nonEmpty,
    value: scalar,
    val: scalar,
    state: oneOfValues('present', 'absent'),
    reload: bool,
    sysctl_set: bool,
    ignoreerrors: bool,
    sysctl_file: nonEmpty,
    ...attrProps,
  },
  [],
  {
    allOf: [
      { oneOf: [has('name'), has('key')] },
      { not: has('value', 'val') },
      { anyOf: [{ properties: { state: { const: 'absent' } }, required: ['state'] }, has('value'), has('val')] },
    ],
  },
);

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f']);

/** Ansible's _parse_value: booleans and their spellings become 1/0, strings are trimmed. */
export function sysctlValue(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  const s = String(v);
  if (TRUE.has(s.toLowerCase())) return '1';
  if (FALSE.has(s.toLowerCase())) return '0';
  return s.trim();
}

/** Whitespace-separated tokens compared in order (Ansible's _values_is_equal). */
export function sameSysctlValue(a: string | null, b: string): boolean {
  if (a === null) return false;
  const x = a.split(/\s+/).filter(Boolean);
  const y = b.split(/\s+/).filter(Boolean);
  return x.length === y.length && x.every((t, i) => t === y[i]);
}

const isData = (line: string): boolean => line !== '' && !line.startsWith('#') && !line.startsWith(';') && line.includes('=');

/** The key's value in the file (the last occurrence wins, as in Ansible's dict), or null. */
export function sysctlFileValue(text: string, name: string): string | null {
  let out: string | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!isData(line)) continue;
    const i = line.indexOf('=');
    if (line.slice(0, i).trim() === name) out = line.slice(i + 1).trim();
  }
  return out;
}

/** Ansible's fix_lines + write_sysctl: the whole file as it would be written. */
export function fixSysctlLines(text: string, name: string, value: string, present: boolean): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!isData(line)) {
      out.push(line);
      continue;
    }
    const i = line.indexOf('=');
    const k = line.slice(0, i).trim();
    if (seen.has(k)) continue;
    seen.add(k);
    if (k !== name) out.push(`${k}=${line.slice(i + 1).trim()}`);
    else if (present) out.push(`${k}=${value}`);
  }
  if (!seen.has(name) && present) out.push(`${name}=${value}`);
  return out.map((l) => `${l}\n`).join('');
}

function attrsOf(a: AttrArgs): AttrArgs {
  return { ...(a.mode !== undefined ? { mode: a.mode } : {}), ...(a.owner !== undefined ? { owner: a.owner } : {}), ...(a.group !== undefined ? { group: a.group } : {}) };
}

function keyOf(args: SysctlArgs): string {
  const k = (args.name ?? args.key ?? '').trim();
  if (k === '') throw new InputError('sysctl: name cannot be blank');
  return k;
}

export async function planSysctl(host: Parameters<Module<SysctlArgs>['plan']>[0], args: SysctlArgs): Promise<Change[]> {
  const name = keyOf(args);
  const present = args.state !== 'absent';
  const value = sysctlValue(args.value ?? args.val);
  if (present && value === '') throw new InputError('sysctl: value cannot be blank');
  const file = args.sysctl_file ?? '/etc/sysctl.conf';
  const ignore = args.ignoreerrors === true ? ['-e'] : [];
  const live = await host.exec(['sysctl', '-e', '-n', name], { env: { LANG: 'C', LC_ALL: 'C' } });
  const liveValue = live.code === 0 ? live.stdout.replace(/\n$/, '') : null;
  let fileValue: string | null = null;
  let writes = false;
  const changes = await planTextFile(host, file, { ...attrsOf(args), create: present, missingOk: !present }, (text) => {
    fileValue = sysctlFileValue(text ?? '', name);
    writes = present ? fileValue !== value : fileValue !== null && fileValue !== '';
    const next = fixSysctlLines(text ?? '', name, value, present);
    return { text: next, changed: writes, msg: present ? `${name}=${value}` : `${name} removed` };
  });
  const liveDiffers = !sameSysctlValue(liveValue, value);
  const out = [...changes];
  if (args.sysctl_set === true && present && liveDiffers && liveValue !== null) {
    out.push({
      action: 'update',
      kind: 'other',
      target: `sysctl ${name}`,
      summary: `set ${name} live: ${liveValue === '' ? '(unset)' : liveValue} → ${value}`,
      data: { argv: ['sysctl', ...ignore, '-w', `${name}=${value}`], live: true },
    });
  }
  const reloadLive = present && (args.reload ?? true) && !writes && liveDiffers;
  if ((args.reload ?? true) && (out.length > 0 || reloadLive)) {
    out.push({
      action: 'run',
      kind: 'command',
      target: `sysctl -p ${file}`,
      summary: `reload ${file}${reloadLive && out.length === 0 ? ` (live ${name} is ${liveValue ?? 'unknown'}, want ${value})` : ''}`,
      data: { argv: ['sysctl', ...ignore, '-p', file] },
    });
  }
  return out;
}

export const sysctlModule: Module<SysctlArgs> = {
  name: 'sysctl',
  args: sysctlSchema,
  checkMode: 'full',
  plan: planSysctl,
  async apply(host, changes, args): Promise<ApplyResult> {
    const r = await applySteps(host, changes);
    for (const o of r.outputs) {
      if (/^sysctl: setting key "[^"]+": (Invalid argument|Read-only file system)$/m.test(o.stderr)) {
        throw new TaskError(`sysctl: setting ${keyOf(args)} failed: ${o.stderr.trim()}`);
      }
    }
    return { name: keyOf(args), value: sysctlValue(args.value ?? args.val), state: args.state ?? 'present' };
  },
};
