/**
 * sshd_config: settings that are effective the way sshd reads them (first value wins,
 * Include files read where the Include is, Match blocks left alone unless named).
 * See edit/sshd.ts for the planning rules.
 *
 * plan:  ONE exec reads the main file and everything it includes (globs expanded on the
 *        host); in check mode the files are then read through the predicted host.
 *        Changes: one 'file' change per file to edit, then a 'service' restart change.
 * apply: the included files are written first, then the main file with
 *        `validate: sshd -t -f %s` (which reads the new included files too); a failure
 *        restores every file written and fails the task with sshd's message. Then sshd is
 *        restarted (systemctl when PID 1 is systemd, else /etc/init.d), and a NEW SSH
 *        connection must log in (lockout guard): if it cannot, the previous files are
 *        restored, sshd restarted again and the task fails. The guard lives on the host:
 *        before the first write a detached timer is armed that restores the files and
 *        restarts sshd by itself unless the run confirms the new login in time (a killed
 *        bastion or a cut link cannot leave the host locked out). Finally `sshd -T` is
 *        compared with the settings (a difference is a warning).
 */
import { posix } from 'node:path';
import { InputError, TaskError, errorMessage } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Json, Module } from './types.js';
import { planSshd, type SshdArgs, type SshdSettings, valueWords } from '../edit/sshd.js';
import { parseSshdRead, sshdGlobCommand, sshdReadCommand, toSource, type SshdRead } from '../edit/sshd_read.js';
import { retry } from '../edit/retry.js';
import type { ArmedGuard } from '../hoststate/guard.js';
import { arm, confirmAndDisarm, rollbackNow, type GuardedOptions } from './support/guard.js';
import { bool, nonEmpty, object, type Schema } from './support/schema.js';

export interface SshdConfigArgs extends SshdArgs {
  /** Main file, default /etc/ssh/sshd_config. */
  path?: string;
  /** Restart sshd after a change (default true). */
  restart?: boolean;
  /** Validate with `sshd -t` before anything is replaced (default true). */
  validate?: boolean;
  /** Prove a new login works after the restart, else roll back (default true). */
  lockout_guard?: boolean;
  /** Service name (default "ssh", Debian's). */
  service?: string;
}

/**
 * Values are checked by the planner (string, number, boolean, list of those, or null): no
 * `type` here, so the engine's type coercion cannot turn `false` into "false" or 0 into "no".
 */
const settingsSchema: Schema = {
  type: 'object',
  propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9]*$' },
  additionalProperties: {},
};

export const sshdConfigSchema: Schema = object(
  {
    settings: settingsSchema,
    match_blocks: { type: 'object', additionalProperties: settingsSchema },
    path: nonEmpty,
    restart: bool,
    validate: bool,
    lockout_guard: bool,
    service: { ...nonEmpty, pattern: '^[-A-Za-z0-9@._:+]+$' },
  },
  [],
  { anyOf: [{ required: ['settings'], properties: { settings: true } }, { required: ['match_blocks'], properties: { match_blocks: true } }] },
);

export const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';
const MAX_ROUNDS = 4;

/** Read the main file and all it includes (one exec; more only for Include patterns the script missed). */
export async function readSshdConfig(host: Host, mainPath: string): Promise<SshdRead> {
  const r = await host.exec(sshdReadCommand(mainPath));
  if (r.code !== 0) throw new TaskError(`cannot read ${mainPath} and its includes: ${r.stderr.trim() || `exit ${r.code}`}`);
  const read = parseSshdRead(r.stdout);
  if (host.checkMode) {
    // Earlier tasks of a check run may have (virtually) changed these files.
    await Promise.all(
      [mainPath, ...read.files.keys()].map(async (p) => {
        const b = await host.read(p);
        if (b === null) read.files.delete(p);
        else read.files.set(p, b.toString('utf8'));
      }),
    );
  }
  return read;
}

function restartCommand(init: string, service: string): string[] {
  return init === 'systemd' ? ['systemctl', 'restart', service] : [`/etc/init.d/${service}`, 'restart'];
}

export const sshdConfigModule: Module<SshdConfigArgs> = {
  name: 'sshd_config',
  args: sshdConfigSchema,
  checkMode: 'full',

  async plan(host, args): Promise<Change[]> {
    const main = args.path ?? DEFAULT_SSHD_CONFIG;
    if (!posix.isAbsolute(main)) throw new InputError(`sshd_config: path must be absolute (${main})`);
    const read = await readSshdConfig(host, main);
    let plan = planSshd(toSource(main, read), args);
    for (let round = 1; plan.unresolved.length > 0; round++) {
      if (round >= MAX_ROUNDS) throw new TaskError(`sshd_config: cannot expand Include ${plan.unresolved.join(' ')}`);
      const more = await host.exec(sshdGlobCommand(plan.unresolved));
      parseSshdRead(more.stdout, read);
      for (const p of plan.unresolved) if (!read.globs.has(p)) read.globs.set(p, []);
      plan = planSshd(toSource(main, read), args);
    }
    // Included files first, the main file last: apply writes them in this order.
    const edits = [...plan.edits].sort((a, b) => (a.path === main ? 1 : 0) - (b.path === main ? 1 : 0));
    const changes: Change[] = edits.map((e) => {
      const exists = read.files.has(e.path);
      return {
        action: exists ? 'update' : 'create',
        kind: 'file',
        target: e.path,
        summary: `${exists ? 'update' : 'create'} ${e.path}: ${e.changes.join('; ')}`,
        before: e.before,
        after: e.after,
        data: {
          existed: exists,
          main: e.path === main,
          ...(e.path === main && args.validate !== false ? { validate: 'sshd -t -f %s' } : {}),
        },
      };
    });
    if (changes.length > 0 && args.restart !== false) {
      const service = args.service ?? 'ssh';
      changes.push({
        action: 'run',
        kind: 'service',
        target: service,
        summary:
          args.lockout_guard === false
            ? `restart ${service}`
            : `restart ${service}, then prove a new SSH login works (lockout guard: roll back otherwise)`,
        data: { state: 'restarted' },
      });
    }
    return changes;
  },

  async apply(host, changes, args, ctx): Promise<ApplyResult> {
    const main = args.path ?? DEFAULT_SSHD_CONFIG;
    const files = changes.filter((c) => c.kind === 'file');
    const restart = changes.find((c) => c.kind === 'service');

    // The plan must still hold: every file is as it was when planned.
    for (const c of files) {
      const now = await host.read(c.target);
      const text = now === null ? null : now.toString('utf8');
      const expected = c.data?.existed === true ? (c.before ?? '') : null;
      if (text !== expected) throw new TaskError(`${c.target} changed since it was planned; run again`);
    }

    const facts = restart ? await host.facts() : undefined;
    const service = restart?.target ?? args.service ?? 'ssh';
    const restartArgv = restartCommand(facts?.init ?? 'sysvinit', service);
    const doRestart = async (): Promise<void> => {
      const r = await host.exec(restartArgv);
      if (r.code !== 0) throw new TaskError(`restarting ${service} failed: ${r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`}`);
    };
    const gopts: GuardedOptions = {
      what: `changing ${files.map((c) => c.target).join(', ')}`,
      files: files.map((c) => c.target),
      reload: [restartArgv],
      reloadNow: doRestart,
      restored: 'the previous sshd configuration was restored',
      restarted: `${service} restarted`,
      // sshd may take a moment to listen again after the restart.
      confirm: () => retry(() => ctx.probeLogin(), [300, 1000, 2000]),
    };
    const guard: ArmedGuard | undefined = restart && args.lockout_guard !== false ? await arm(host, ctx, gopts) : undefined;

    const written: Change[] = [];
    const restore = async (): Promise<string[]> => {
      if (guard) {
        const r = await guard.rollback();
        for (const c of written) host.invalidate(c.target);
        return r.state === 'failed' ? [r.reason] : [];
      }
      const problems: string[] = [];
      for (const c of [...written].reverse()) {
        try {
          if (c.data?.existed === true) await host.write(c.target, c.before ?? '');
          else {
            const r = await host.exec(['rm', '-f', '--', c.target]);
            if (r.code !== 0) problems.push(`${c.target}: ${r.stderr.trim()}`);
          }
        } catch (err) {
          problems.push(`${c.target}: ${errorMessage(err)}`);
        }
        host.invalidate(c.target);
      }
      return problems;
    };

    try {
      for (const c of files) {
        const validate = typeof c.data?.validate === 'string' ? c.data.validate : undefined;
        await host.write(c.target, c.after ?? '', validate !== undefined ? { validate } : {});
        written.push(c);
        host.invalidate(c.target);
      }
      // Only included files changed: check the whole configuration now.
      if (args.validate !== false && !files.some((c) => c.data?.main === true) && files.length > 0) {
        const t = await host.exec(['sshd', '-t', '-f', main]);
        if (t.code !== 0) throw new TaskError(`validation failed for ${main} (sshd -t)`, { details: t.stderr.trim() });
      }
    } catch (err) {
      const problems = await restore();
      const details = err instanceof TaskError ? err.details : undefined;
      throw new TaskError(`${errorMessage(err)}${problems.length > 0 ? `; restoring failed: ${problems.join('; ')}` : '; nothing was changed'}`, {
        cause: err,
        ...(details !== undefined ? { details } : {}),
      });
    }

    if (!restart) return { msg: files.map((c) => c.summary).join('\n') };

    if (guard) {
      try {
        await doRestart();
      } catch (err) {
        throw new TaskError(`lockout guard: ${errorMessage(err)}; ${(await rollbackNow(guard, gopts)).text}`, { cause: err });
      }
      for (const c of files) host.invalidate(c.target);
      await confirmAndDisarm(guard, ctx, gopts);
    } else {
      try {
        await doRestart();
      } catch (failure) {
        const problems = await restore();
        let restarted = true;
        try {
          await doRestart();
        } catch (err) {
          restarted = false;
          problems.push(errorMessage(err));
        }
        throw new TaskError(
          `${errorMessage(failure)}; the previous sshd configuration was ${problems.length === 0 ? 'restored' : 'NOT fully restored'}` +
            `${restarted ? ` and ${service} restarted` : ''}${problems.length > 0 ? ` (${problems.join('; ')})` : ''}`,
          { cause: failure },
        );
      }
    }

    const mismatches = await verifyEffective(host, main, args);
    for (const m of mismatches) ctx.warn(`sshd -T: ${m}`);
    const result: { [k: string]: Json } = { msg: files.map((c) => c.summary).join('\n') };
    if (mismatches.length > 0) result.effective_mismatch = mismatches;
    return result;
  },
};

const TIME_KEYWORDS = new Set(['clientaliveinterval', 'logingracetime']);

function seconds(v: string): string {
  const m = /^(\d+)([smhdwSMHDW]?)$/.exec(v);
  if (!m) return v;
  const mult: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  return String(Number(m[1]) * (mult[(m[2] ?? '').toLowerCase()] ?? 1));
}

/** Compare `sshd -T` with the declared global settings; returns human mismatches. */
export function compareEffective(sshdT: string, settings: SshdSettings): string[] {
  const seen = new Map<string, string[]>();
  for (const line of sshdT.split('\n')) {
    const i = line.indexOf(' ');
    if (i <= 0) continue;
    const k = line.slice(0, i).toLowerCase();
    seen.set(k, [...(seen.get(k) ?? []), line.slice(i + 1).trim()]);
  }
  const out: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    if (value === null) continue;
    const k = key.toLowerCase();
    const have = seen.get(k);
    if (have === undefined) continue; // sshd -T does not print every keyword
    const lines = valueWords(key, value);
    const norm = (s: string): string => (TIME_KEYWORDS.has(k) ? seconds(s) : s).toLowerCase();
    const want = lines.flat().map(norm);
    const got = have.flatMap((h) => h.split(/\s+/)).map(norm);
    const same =
      lines.length === 1 && have.length === 1
        ? want.join(' ') === got.join(' ')
        : new Set(want).size === new Set(got).size && want.every((w) => got.includes(w));
    if (!same) out.push(`${key} is "${have.join(', ')}", expected "${lines.map((l) => l.join(' ')).join(', ')}"`);
  }
  return out;
}

async function verifyEffective(host: Host, main: string, args: SshdConfigArgs): Promise<string[]> {
  if (!args.settings) return [];
  const r = await host.exec({ script: `${shJoin(['sshd', '-T', '-f', main])} 2>&1` });
  if (r.code !== 0) return [`sshd -T failed: ${r.stdout.trim().split('\n').slice(-3).join(' ')}`];
  return compareEffective(r.stdout, args.settings);
}

