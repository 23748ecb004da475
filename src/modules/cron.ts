/**
 * cron (ansible.builtin.cron): one job or variable in a user's crontab (`crontab -u USER`)
 * or in a cron_file under /etc/cron.d, edited exactly as Ansible does (cron/table.ts),
 * so `#Ansible: NAME` markers written by either tool are recognised by the other.
 *
 * Changes: a user crontab is one 'other' change whose before/after are the crontab texts
 * (applied with `crontab -u USER -` from stdin); a cron_file is an ordinary file change, or
 * its removal when the last job leaves it.
 * Check mode: a cron_file is predicted like any file; a user crontab is read from the
 * host each time, so two tasks editing the same user's crontab in one check run each plan
 * against the crontab as it is (the same changes, before texts that do not chain).
 */
import { posix } from 'node:path';
import { TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module, ModuleContext } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { bool, exclusive, nonEmpty, object, oneOfValues, str, type Schema } from './support/schema.js';
import { planTextFile } from './support/text-file.js';
import { editCron, envNames, jobNames, renderCron, splitLines, stripHeader, type CronEdit, type CronJobSpec } from './cron/table.js';

type TimeField = 'minute' | 'hour' | 'day' | 'month' | 'weekday';

export interface CronArgs extends Omit<CronJobSpec, TimeField> {
  minute?: string | number;
  hour?: string | number;
  day?: string | number;
  month?: string | number;
  weekday?: string | number;
  user?: string;
  value?: string;
  cron_file?: string;
  backup?: boolean;
  dom?: string | number;
  dow?: string | number;
}

const timeField: Schema = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] };

export const cronSchema: Schema = object(
  {
    name: { type: 'string', minLength: 1 },
    user: { type: 'string', minLength: 1, pattern: '^[^\\s:/]+$' },
    job: str,
    value: str,
    cron_file: nonEmpty,
    state: oneOfValues('present', 'absent'),
    backup: bool,
    minute: timeField,
    hour: timeField,
    day: timeField,
    dom: timeField,
    month: timeField,
    weekday: timeField,
    dow: timeField,
    special_time: oneOfValues('reboot', 'yearly', 'annually', 'monthly', 'weekly', 'daily', 'hourly'),
    disabled: bool,
    env: bool,
    insertafter: nonEmpty,
    insertbefore: nonEmpty,
  },
  ['name'],
  { allOf: [exclusive('insertafter', 'insertbefore'), exclusive('job', 'value'), exclusive('day', 'dom'), exclusive('weekday', 'dow')] },
);

function spec(a: CronArgs): CronJobSpec {
  const { minute: _m, hour: _h, day: _d, month: _mo, weekday: _w, dom: _dom, dow: _dow, ...rest } = a;
  const s: CronJobSpec = { ...rest };
  const job = a.job ?? a.value;
  if (job !== undefined) s.job = job;
  const f = (v: unknown): string | undefined => (v === undefined ? undefined : String(v));
  for (const [k, v] of [['minute', a.minute], ['hour', a.hour], ['day', a.day ?? a.dom], ['month', a.month], ['weekday', a.weekday ?? a.dow]] as const) {
    const x = f(v);
    if (x !== undefined) s[k] = x;
  }
  return s;
}

export function cronFilePath(f: string): string {
  return posix.isAbsolute(f) ? f : posix.join('/etc/cron.d', f);
}

function crontabArgv(user: string | undefined, ...rest: string[]): string[] {
  return ['crontab', ...(user !== undefined ? ['-u', user] : []), ...rest];
}

async function readUserCrontab(host: Host, user: string | undefined): Promise<{ lines: string[]; existing: string }> {
  const r = await host.exec(crontabArgv(user, '-l'), { env: { LC_ALL: 'C' } });
  if (r.code === 1 && /no crontab for/i.test(r.stderr)) return { lines: [], existing: '' };
  if (r.code !== 0) throw new TaskError(`Unable to read crontab${user !== undefined ? ` of ${user}` : ''}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return stripHeader(r.stdout);
}

function describe(s: CronJobSpec): string {
  return `${s.env ? 'variable' : 'job'} "${s.name}"`;
}

async function planCron(host: Host, args: CronArgs, ctx: ModuleContext): Promise<Change[]> {
  const s = spec(args);
  const verb = s.state === 'absent' ? 'remove' : 'set';
  if (args.cron_file !== undefined) {
    if (args.cron_file === '/etc/crontab') throw new TaskError('Will not manage /etc/crontab via cron_file, see documentation.');
    const base = posix.basename(args.cron_file);
    if (!/^[A-Z0-9_-]+$/i.test(base)) {
      ctx.warn(`Filename portion of cron_file ("${base}") should consist solely of upper- and lower-case letters, digits, underscores, and hyphens`);
    }
    const path = cronFilePath(args.cron_file);
    const st = await host.stat(path);
    const text = st !== null && st.type !== 'directory' ? ((await host.read(path))?.toString('utf8') ?? '') : '';
    const edit = editCron(splitLines(text), text, s, args.user, true);
    for (const w of edit.warnings) ctx.warn(w);
    if (!edit.changed) return [];
    if (edit.removeFile) {
      return st === null ? [] : [{ action: 'delete', kind: 'absent', target: path, summary: `remove ${path} (its last job "${s.name}" removed)`, before: text, after: '' }];
    }
    return planTextFile(host, path, { create: true, ...(args.backup ? { backup: true } : {}) }, () => ({ text: renderCron(edit.lines), changed: true, msg: `${verb} ${describe(s)}` }));
  }
  const { lines, existing } = await readUserCrontab(host, args.user);
  const edit: CronEdit = editCron(lines, existing, s, args.user, false);
  for (const w of edit.warnings) ctx.warn(w);
  if (!edit.changed) return [];
  const who = args.user ?? 'the connecting user';
  return [
    {
      // Always 'update': in check mode a user crontab is not predicted, so create/update would not chain.
      action: 'update',
      kind: 'other',
      target: `crontab ${args.user ?? ''}`.trim(),
      summary: `${verb} ${describe(s)} in the crontab of ${who}`,
      before: existing,
      after: renderCron(edit.lines),
      data: { crontab: renderCron(edit.lines), ...(args.user !== undefined ? { user: args.user } : {}) },
    },
  ];
}

export const cronModule: Module<CronArgs> = {
  name: 'cron',
  args: cronSchema,
  checkMode: 'full',
  plan: planCron,
  async apply(host, changes, args): Promise<ApplyResult> {
    const result: ApplyResult = {};
    for (const c of changes) {
      if (c.kind !== 'other') {
        const r = await applyFileChanges(host, [c]);
        if (r.backup_file !== undefined) result.backup_file = r.backup_file;
        continue;
      }
      if (args.backup === true) {
        const script = `f=$(mktemp /tmp/crontabXXXXXXXX) && { ${shJoin(crontabArgv(args.user, '-l'))} > "$f" 2>/dev/null; printf '%s\\n' "$f"; }`;
        const b = await host.exec({ script });
        if (b.code === 0) result.backup_file = b.stdout.trim();
      }
      const r = await host.exec(crontabArgv(args.user, '-'), { stdin: String(c.data?.crontab ?? '') });
      if (r.code !== 0) throw new TaskError(`crontab${args.user !== undefined ? ` -u ${args.user}` : ''} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
    }
    if (args.cron_file !== undefined) {
      const path = cronFilePath(args.cron_file);
      const text = (await host.read(path))?.toString('utf8') ?? '';
      const lines = splitLines(text);
      return { ...result, cron_file: args.cron_file, state: args.state ?? 'present', jobs: jobNames(lines), envs: envNames(lines) };
    }
    const { lines } = await readUserCrontab(host, args.user);
    return { ...result, jobs: jobNames(lines), envs: envNames(lines) };
  },
};
