/**
 * plan.json: a saved plan. What `hostforge plan -o` writes and `hostforge apply plan.json`,
 * `apply --plan-file plan.json` and `hostforge show plan.json` read. It holds the run's
 * options, the -e values (secret ones as a digest only), the input fingerprint, per host and
 * task the planned changes with keyed digests, and the run's events as `--json` prints them
 * (redacted), so `show` renders exactly what `plan` printed. Written atomically, mode 0600.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';
import type { Json } from '../modules/types.js';
import { validator } from '../playbook/schema.js';
import type { Fingerprint } from './inputs.js';

export const PLAN_FORMAT = 'hostforge-plan';
export const PLAN_VERSION = 1;

export interface PlannedChange {
  action: string;
  kind: string;
  target: string;
  /** Redacted summary, for messages. */
  summary: string;
  /** Keyed digest of what the change writes (content, attributes, module detail). */
  write: string;
  /** Keyed digest of content and attributes only (what a real run's plan must still match). */
  content: string;
  /** Keyed digest of what the change found on the host. */
  before: string;
}

export interface PlannedStep {
  host: string;
  task: string;
  item?: string;
  changes: PlannedChange[];
}

/** One -e value: given in clear unless it is a secret (then only its digest is kept). */
export interface SavedExtraVar {
  value?: Json;
  secret?: true;
}

export interface PlanFile {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  created: string;
  playbook: string;
  /** The options of the run (absolute paths), replayed by `apply plan.json`. */
  options: Record<string, Json>;
  extraVars: Record<string, SavedExtraVar>;
  salt: string;
  inputs: Fingerprint;
  steps: PlannedStep[];
  /** The run's `--json` events, redacted. */
  events: Json[];
}

const str = { type: 'string' } as const;
const changeSchema = {
  type: 'object',
  required: ['action', 'kind', 'target', 'summary', 'write', 'content', 'before'],
  properties: { action: str, kind: str, target: str, summary: str, write: str, content: str, before: str },
};
export const planFileSchema = {
  type: 'object',
  required: ['format', 'version', 'created', 'playbook', 'options', 'extraVars', 'salt', 'inputs', 'steps', 'events'],
  properties: {
    format: { const: PLAN_FORMAT },
    version: { const: PLAN_VERSION },
    created: str,
    playbook: str,
    options: { type: 'object' },
    extraVars: { type: 'object', additionalProperties: { type: 'object', properties: { secret: { const: true } } } },
    salt: str,
    inputs: { type: 'object', additionalProperties: str },
    steps: {
      type: 'array',
      items: { type: 'object', required: ['host', 'task', 'changes'], properties: { host: str, task: str, item: str, changes: { type: 'array', items: changeSchema } } },
    },
    events: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: str } } },
  },
};

/** The parsed plan when `text` is a saved plan (a JSON object of our format), else undefined. */
export function asPlanFile(text: string, file: string): PlanFile | undefined {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith('{')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(trimmed);
  } catch {
    return undefined; // JSON lines (`apply --check --json` output), or not JSON at all
  }
  if (data === null || typeof data !== 'object' || (data as { format?: unknown }).format !== PLAN_FORMAT) return undefined;
  const v = validator(planFileSchema, false);
  if (!v(data)) {
    const e = v.errors?.[0];
    throw new InputError(`${file}: not a valid saved plan: ${e?.instancePath || '/'} ${e?.message ?? ''}`.trim(), { code: 'USAGE', location: { file } });
  }
  return data as PlanFile;
}

export async function readPlanText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read plan file ${file}: ${(err as Error).message}`, { code: 'USAGE', cause: err });
  }
}

export async function loadPlanFile(file: string): Promise<PlanFile> {
  const plan = asPlanFile(await readPlanText(file), file);
  if (!plan) throw new InputError(`${file} is not a saved plan: write one with \`hostforge plan PLAYBOOK -o ${basename(file)}\``, { code: 'USAGE', location: { file } });
  return plan;
}

/** Atomic and private from the first byte: a 0600 temporary file beside the target, renamed over it. */
export async function writePlanFile(file: string, plan: PlanFile): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${JSON.stringify(plan, null, 1)}\n`);
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new InputError(`cannot write plan file ${file}: ${(err as Error).message}`, { code: 'USAGE', cause: err });
  }
}
