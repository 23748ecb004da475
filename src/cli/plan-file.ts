/**
 * Saved plans on the command line: `plan -o plan.json` records the check run; `apply plan.json`
 * (or `apply PLAYBOOK --plan-file plan.json`) replays the plan's options, names what drifted in
 * the inputs, re-plans every host in check mode, refuses (before touching it) each host whose
 * fresh plan differs from the reviewed one, and then applies with the per-task guard on.
 */
import { resolve } from 'node:path';
import type { RunOptions, RunSummary } from '../engine/run.js';
import { planKey, type SavedChange, type SavedPlan } from '../engine/saved-plan.js';
import { InputError } from '../errors.js';
import type { Json, Vars } from '../modules/types.js';
import { comparePlans } from '../plan/compare.js';
import { changeSignature, newSalt } from '../plan/digest.js';
import { asPlanFile, PLAN_FORMAT, PLAN_VERSION, readPlanText, writePlanFile, type PlanFile, type SavedExtraVar } from '../plan/file.js';
import { fingerprint, inputDrift } from '../plan/inputs.js';
import { PlanRecorder } from '../plan/record.js';
import { redactOutput } from '../util/secret.js';

/** Options a saved plan replays (paths made absolute when it is written). */
const REPLAYED = ['inventory', 'limit', 'tags', 'skipTags', 'rolesPath', 'user', 'become', 'becomeUser', 'askBecomePass', 'connection', 'timeout', 'privateKey', 'vaultId', 'vaultPasswordFile', 'askVaultPass', 'forks', 'pkiDir', 'shard', 'startAtTask', 'acceptNewHostKeys'] as const;
const PATHS = new Set(['inventory', 'rolesPath', 'privateKey', 'vaultPasswordFile', 'pkiDir']);

export function savedOptions(o: object): Record<string, Json> {
  const out: Record<string, Json> = {};
  const src = o as Record<string, unknown>;
  for (const k of REPLAYED) {
    const v = src[k];
    if (v === undefined) continue;
    if (PATHS.has(k)) out[k] = Array.isArray(v) ? v.map((p) => resolve(String(p))) : resolve(String(v));
    else out[k] = v as Json;
  }
  return out;
}

export interface PlanArgument<O> {
  playbook: string;
  options: O;
  plan: PlanFile;
}

/**
 * When `apply`'s argument (or its --plan-file) is a saved plan: the playbook and options to run
 * (the plan's, with options given now on top). Undefined for a playbook with no plan.json.
 */
export async function planArgument<O extends { planFile?: string; out?: string }>(arg: string, o: O): Promise<PlanArgument<O> | undefined> {
  const file = o.planFile ?? (arg.endsWith('.json') ? arg : undefined);
  if (file === undefined) return undefined;
  const plan = asPlanFile(await readPlanText(file), file);
  if (!plan) return undefined;
  if (o.planFile !== undefined && resolve(arg) !== plan.playbook) {
    throw new InputError(`--plan-file ${file} was made for ${plan.playbook}, not ${resolve(arg)}`, { code: 'USAGE' });
  }
  if (o.out !== undefined) throw new InputError('-o writes a new plan: it cannot be used while applying one', { code: 'USAGE' });
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return { playbook: plan.playbook, options: { ...(plan.options as object), ...given, planFile: undefined } as O, plan };
}

/** The plan's -e values, then those given now; a secret -e of the plan must be given again. */
export function planExtraVars(plan: PlanFile, given: Vars): Vars {
  const out: Vars = {};
  for (const [k, v] of Object.entries(plan.extraVars)) {
    if (v.secret && !(k in given)) throw new InputError(`the plan was made with a secret -e ${k}, which a plan never stores: pass it again with -e`, { code: 'USAGE' });
    if (!v.secret) out[k] = v.value;
  }
  return { ...out, ...given };
}

function savedExtraVars(vars: Vars): Record<string, SavedExtraVar> {
  const out: Record<string, SavedExtraVar> = {};
  for (const [k, v] of Object.entries(vars)) {
    const text = JSON.stringify(v) ?? 'null';
    out[k] = redactOutput(text) === text ? { value: JSON.parse(text) as Json } : { secret: true };
  }
  return out;
}

async function record(run: RunOptions, out: string, options: Record<string, Json>): Promise<RunSummary> {
  if (!run.check) throw new InputError('-o writes a saved plan: use `hostforge plan` (or `apply --check`)', { code: 'USAGE' });
  const salt = newSalt();
  const inputs = await fingerprint(run.playbook, run.inventory, run.extraVars, salt);
  const recorder = new PlanRecorder(salt, run.revealed ?? new Set(), run.reporter);
  const summary = await (await import('../engine/run.js')).runPlaybook({ ...run, reporter: recorder });
  const plan: PlanFile = {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created: new Date().toISOString(),
    playbook: resolve(run.playbook.file),
    options,
    extraVars: savedExtraVars(run.extraVars),
    salt,
    inputs,
    steps: recorder.steps,
    events: recorder.events,
  };
  await writePlanFile(out, plan);
  const n = plan.steps.reduce((a, s) => a + s.changes.length, 0);
  process.stderr.write(`saved plan: ${out} (${n} change${n === 1 ? '' : 's'} on ${new Set(plan.steps.map((s) => s.host)).size} hosts; apply it with \`hostforge apply ${out}\`)\n`);
  return summary;
}

async function applyPlan(run: RunOptions, plan: PlanFile): Promise<RunSummary> {
  if (run.check) throw new InputError('a saved plan is applied, not checked: `hostforge show PLAN` prints it', { code: 'USAGE' });
  const { runPlaybook } = await import('../engine/run.js');
  const now = await fingerprint(run.playbook, run.inventory, run.extraVars, plan.salt);
  const was = Object.fromEntries(Object.entries(plan.extraVars).filter(([, v]) => !v.secret).map(([k, v]) => [k, v.value]));
  const drift = inputDrift(plan.inputs, now, { was, now: run.extraVars });
  if (drift.length > 0) process.stderr.write(redactOutput(`warning: inputs changed since the plan: ${drift.join(', ')}\n`));
  // Re-plan every host as the plan was made (check mode), saying nothing.
  const fresh = new PlanRecorder(plan.salt, run.revealed ?? new Set());
  await runPlaybook({ ...run, check: true, reporter: fresh, savedPlan: undefined, beforeTask: undefined });
  const because = drift.length > 0 ? `; inputs changed since the plan: ${drift.join(', ')}` : '';
  const refused = new Map([...comparePlans(plan.steps, fresh.steps)].map(([h, why]) => [h, `${why.join('; ')}${because}`]));
  const changes = new Map<string, SavedChange[]>();
  for (const s of plan.steps) {
    const key = planKey(s.host, s.task, s.item);
    changes.set(key, [...(changes.get(key) ?? []), ...s.changes.map((c) => ({ signature: changeSignature(c), content: c.content }))]);
  }
  const savedPlan: SavedPlan = { changes, salt: plan.salt, refused };
  return runPlaybook({ ...run, check: false, savedPlan });
}

/** Run, recording a plan (-o) or applying one (apply plan.json), or simply run. */
export async function runWithPlan(run: RunOptions, ctx: { out?: string; plan?: PlanFile; options: object }): Promise<RunSummary> {
  if (ctx.plan) return applyPlan(run, ctx.plan);
  if (ctx.out !== undefined) return record(run, ctx.out, savedOptions(ctx.options));
  return (await import('../engine/run.js')).runPlaybook(run);
}
