/**
 * What `hostforge test ROLE` does, as Molecule does it but on lab hosts instead of Docker:
 * two fresh labs of the scenario's size (A for the converge, B kept fresh for the check run),
 * prepare both, converge A, converge A again (nothing may change), check B (it must list
 * exactly the converge's changes), verify A, then tear both down (--keep leaves A up).
 * Each phase yields a verdict; the first failure stops the test. Exit codes per phase below.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostforgeError } from '../errors.js';
import type { LabInfo } from '../lab/index.js';
import type { PkiService } from '../pki/types.js';
import { addressRewriter, changeLines, countChanges, failureLines, generate, runOn, type RunContext, type RunOutcome } from './test-run.js';
import type { Scenario } from './test-scenario.js';

export type Phase = 'lab' | 'prepare' | 'converge' | 'idempotence' | 'check' | 'verify' | 'destroy';

/** The exit code of `hostforge test` when this phase fails (0 when every phase passed, 1 bad input). */
export const PHASE_EXIT: Record<Phase, number> = { lab: 3, prepare: 3, converge: 5, idempotence: 6, check: 7, verify: 8, destroy: 9 };

export interface Verdict {
  phase: Phase;
  ok: boolean;
  summary: string;
  details: string[];
  ms: number;
}

export interface TestOptions {
  labName: string;
  keep: boolean;
  rolesPath: string[];
  verbose: number;
  write: (s: string) => void;
  /** Called as each phase ends (the CLI prints it at once). */
  onVerdict: (v: Verdict) => void;
}

export interface TestResult {
  verdicts: Verdict[];
  exitCode: number;
  kept?: LabInfo;
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function throwawayCa(dir: string): Promise<() => Promise<PkiService>> {
  const [{ initPki }, { fixedPassphrase }, { randomBytes }] = await Promise.all([import('../pki/service.js'), import('../pki/passphrase.js'), import('node:crypto')]);
  const pki = await initPki(join(dir, 'pki'), fixedPassphrase(randomBytes(18).toString('base64url')), { cn: 'hostforge test CA', keySize: 2048, days: 2 });
  return () => Promise.resolve(pki);
}

function noCa(): Promise<PkiService> {
  return Promise.reject(new HostforgeError('PKI', 'this scenario has no CA: set "pki: true" in its scenario.yaml'));
}

function recapText(o: RunOutcome): string {
  const sum = Object.values(o.recap).reduce((a, r) => ({ ok: a.ok + r.ok, changed: a.changed + r.changed, failed: a.failed + r.failed }), { ok: 0, changed: 0, failed: 0 });
  return `ok=${sum.ok} changed=${sum.changed} failed=${sum.failed}`;
}

/** Changes or a changed status on the second converge: "host | task: summary". */
function changedLines(o: RunOutcome): string[] {
  return o.results
    .filter((r) => r.status === 'changed' || r.changes.length > 0)
    .flatMap((r) => {
      const head = `${r.host} | ${r.task}${r.item !== undefined ? ` (item=${r.item})` : ''}`;
      return r.changes.length === 0 ? [`${head}: changed`] : r.changes.map((c) => `${head}: ${r.noLog ? '(details hidden: no_log)' : c.summary}`);
    });
}

function difference(a: string[], b: string[]): string[] {
  const rest = [...b];
  return a.filter((x) => {
    const i = rest.indexOf(x);
    if (i < 0) return true;
    rest.splice(i, 1);
    return false;
  });
}

export async function runScenario(s: Scenario, o: TestOptions): Promise<TestResult> {
  const verdicts: Verdict[] = [];
  const { labUp, labDown } = await import('../lab/index.js');
  const work = await mkdtemp(join(tmpdir(), `hostforge-test-${s.role}-`));
  const names = { a: o.labName, b: `${o.labName}-c` };
  const labs: { a?: LabInfo; b?: LabInfo } = {};
  let failedAt: Phase | undefined;
  let current: Phase = 'lab';
  // Bad input (the scenario's playbooks, the role, its argument spec) stops here: exit 1, no lab.
  const files = await generate(s, work).catch(async (err: unknown) => {
    await rm(work, { recursive: true, force: true });
    throw err;
  });
  const { loadPlaybook } = await import('../playbook/load.js');
  for (const f of [files.converge, files.verify, s.prepare]) {
    if (f) await loadPlaybook(f, { rolesPath: o.rolesPath }).catch(async (err: unknown) => {
      await rm(work, { recursive: true, force: true });
      throw err;
    });
  }
  const done = (v: Omit<Verdict, 'ms'>, t0: number): boolean => {
    const verdict = { ...v, ms: Date.now() - t0 };
    verdicts.push(verdict);
    o.onVerdict(verdict);
    if (!v.ok) failedAt = v.phase;
    return v.ok;
  };
  try {
    await runPhases();
  } catch (err) {
    const { describeError } = await import('./errors.js');
    done({ phase: current, ok: false, summary: `stopped by an error`, details: [describeError(err)] }, Date.now());
  } finally {
    const t0 = Date.now();
    const down = [...(o.keep && labs.a ? [] : [names.a]), names.b];
    const errors: string[] = [];
    for (const name of down) await labDown({ name }).catch((err: Error) => errors.push(`${name}: ${err.message}`));
    await rm(work, { recursive: true, force: true });
    const kept = o.keep && labs.a ? `; lab ${labs.a.name} kept` : '';
    done({ phase: 'destroy', ok: errors.length === 0, summary: errors.length === 0 ? `labs removed${kept}` : 'a lab could not be removed', details: errors }, t0);
  }
  return { verdicts, exitCode: failedAt ? PHASE_EXIT[failedAt] : 0, ...(o.keep && labs.a ? { kept: labs.a } : {}) };

  async function runPhases(): Promise<void> {
    let t0 = Date.now();
    // Each lab has a CA of its own: the check lab's bastion state is as fresh as its hosts.
    const ctx: RunContext = { rolesPath: o.rolesPath, pki: noCa, verbose: o.verbose, write: o.write };
    const ctxB: RunContext = { ...ctx };
    try {
      if (s.pki) {
        ctx.pki = await throwawayCa(join(work, 'a'));
        ctxB.pki = await throwawayCa(join(work, 'b'));
      }
      labs.a = await labUp({ name: names.a, count: s.hosts });
      labs.b = await labUp({ name: names.b, count: s.hosts });
    } catch (err) {
      done({ phase: 'lab', ok: false, summary: 'the lab hosts could not be started', details: [(err as Error).message] }, t0);
      return;
    }
    const { a, b } = labs as { a: LabInfo; b: LabInfo };
    if (!done({ phase: 'lab', ok: true, summary: `2 labs of ${s.hosts} fresh host(s): ${a.name} (converge), ${b.name} (check)`, details: [] }, t0)) return;

    if (s.prepare) {
      t0 = Date.now();
      current = 'prepare';
      const runs = [await runOn(a, files.groups, s.prepare, false, ctx, 'prepare'), await runOn(b, files.groups, s.prepare, false, ctxB, 'prepare')];
      const bad = runs.flatMap(failureLines);
      if (!done({ phase: 'prepare', ok: bad.length === 0 && runs.every((r) => r.exitCode === 0), summary: bad.length === 0 ? 'both labs prepared' : 'the prepare playbook failed', details: bad }, t0)) return;
    }

    t0 = Date.now();
    current = 'converge';
    const converge = await runOn(a, files.groups, files.converge, false, ctx, 'converge');
    const failed = failureLines(converge);
    if (converge.exitCode !== 0 || failed.length > 0) {
      done({ phase: 'converge', ok: false, summary: `the converge failed (exit ${converge.exitCode}; ${recapText(converge)})`, details: failed }, t0);
      return;
    }
    if (!done({ phase: 'converge', ok: true, summary: `${countChanges(converge)} change(s) on ${s.hosts} host(s) (${recapText(converge)})`, details: [] }, t0)) return;

    t0 = Date.now();
    current = 'idempotence';
    const again = await runOn(a, files.groups, files.converge, false, ctx, 'idempotence');
    const changed = changedLines(again);
    const againFailed = failureLines(again);
    if (again.exitCode !== 0 || changed.length > 0 || againFailed.length > 0) {
      const summary = againFailed.length > 0 ? `the second converge failed (exit ${again.exitCode})` : `the second converge changed ${changed.length} thing(s): the role is not idempotent`;
      done({ phase: 'idempotence', ok: false, summary, details: [...againFailed, ...changed] }, t0);
      return;
    }
    if (!done({ phase: 'idempotence', ok: true, summary: 'the second converge changed nothing', details: [] }, t0)) return;

    t0 = Date.now();
    current = 'check';
    const check = await runOn(b, files.groups, files.converge, true, ctxB, 'check (fresh hosts)');
    const planned = changeLines(check, addressRewriter(b, a));
    const made = changeLines(converge);
    const missing = difference(made, planned).map((l) => `converge only: ${l}`);
    const extra = difference(planned, made).map((l) => `check only:    ${l}`);
    const checkFailed = failureLines(check);
    if (check.exitCode !== 0 || checkFailed.length > 0 || missing.length + extra.length > 0) {
      const summary = checkFailed.length > 0 ? `the check run failed (exit ${check.exitCode})` : `the check run on fresh hosts differs from the converge (${missing.length + extra.length} change(s))`;
      done({ phase: 'check', ok: false, summary, details: [...checkFailed, ...missing, ...extra] }, t0);
      return;
    }
    if (!done({ phase: 'check', ok: true, summary: `the check run on fresh hosts listed exactly the converge's ${planned.length} change(s)`, details: [] }, t0)) return;

    if (!files.verify) return;
    t0 = Date.now();
    current = 'verify';
    const verify = await runOn(a, files.groups, files.verify, false, ctx, 'verify');
    const verifyFailed = failureLines(verify);
    const ok = verify.exitCode === 0 && verifyFailed.length === 0;
    const tasks = new Set(verify.results.map((r) => r.task)).size;
    done({ phase: 'verify', ok, summary: ok ? `${tasks} verify task(s) passed on ${s.hosts} host(s)` : `verify failed (exit ${verify.exitCode})`, details: verifyFailed }, t0);
  }
}
