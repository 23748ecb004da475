/**
 * One run of `hostforge test`: a generated playbook (converge, verify or the scenario's
 * prepare) on one lab, in-process, its events kept for the phase verdicts (and printed as
 * plain lines with -v).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Recap, RunEvent, TaskResultEvent } from '../engine/events.js';
import type { LabInfo } from '../lab/index.js';
import type { PkiService } from '../pki/types.js';
import { loadVarsFile } from '../playbook/roles.js';
import { openInventory } from './options.js';
import type { Scenario } from './test-scenario.js';

export interface RunOutcome {
  exitCode: number;
  results: TaskResultEvent[];
  unreachable: { host: string; msg: string }[];
  recap: Record<string, Recap>;
  ms: number;
}

export interface RunContext {
  /** Role directories: the role's parent first, then --roles-path and the config's. */
  rolesPath: string[];
  pki: () => Promise<PkiService>;
  verbose: number;
  write: (s: string) => void;
}

/** The generated files of one lab: its groups inventory, converge and verify playbooks (JSON is YAML). */
export interface Generated {
  groups: string;
  converge: string;
  verify?: string;
}

export async function generate(s: Scenario, dir: string): Promise<Generated> {
  const children = Object.fromEntries(Object.entries(s.groups).map(([g, hosts]) => [g, { hosts: Object.fromEntries(hosts.map((h) => [h, null])) }]));
  const groups = join(dir, 'groups.yaml');
  await writeFile(groups, `${JSON.stringify({ all: { children } }, null, 2)}\n`);
  const play = { hosts: 'all', become: s.become, gather_facts: s.gatherFacts };
  const converge = join(dir, 'converge.yaml');
  await writeFile(converge, `${JSON.stringify([{ name: `converge ${s.role}`, ...play, vars: s.vars, roles: [s.role] }], null, 2)}\n`);
  if (!s.verify) return { groups, converge };
  // Verify sees the role's defaults (as the converge did), then the scenario's vars.
  const defaults = await loadVarsFile(join(s.roleDir, 'defaults'));
  const verify = join(dir, 'verify.yaml');
  const tasks = [{ import_tasks: s.verify }];
  await writeFile(verify, `${JSON.stringify([{ name: `verify ${s.role}`, ...play, vars: { ...defaults, ...s.vars }, tasks }], null, 2)}\n`);
  return { groups, converge, verify };
}

export async function runOn(lab: LabInfo, groups: string, playbookFile: string, check: boolean, ctx: RunContext, heading: string): Promise<RunOutcome> {
  const [{ loadPlaybook }, { runPlaybook }] = await Promise.all([import('../playbook/load.js'), import('../engine/run.js')]);
  const playbook = await loadPlaybook(playbookFile, { rolesPath: ctx.rolesPath });
  const inventory = await openInventory([lab.inventoryPath, groups], [playbook.dir]);
  const results: TaskResultEvent[] = [];
  const unreachable: { host: string; msg: string }[] = [];
  const revealed = new Set<string>();
  let forward: ((e: RunEvent) => void) | undefined;
  let close = async (): Promise<void> => undefined;
  if (ctx.verbose > 0) {
    const { PlainReporter } = await import('../report/plain.js');
    const plain = new PlainReporter({ diff: true, verbose: ctx.verbose - 1, revealed, write: ctx.write });
    ctx.write(`\n----- ${heading} (lab ${lab.name}) -----\n`);
    forward = (e) => plain.emit(e);
    close = () => plain.close();
  }
  const summary = await runPlaybook({
    playbook,
    inventory,
    check,
    forks: 50,
    tags: [],
    skipTags: [],
    extraVars: {},
    acceptNewHostKeys: false,
    revealed,
    pki: ctx.pki,
    reporter: {
      emit: (e) => {
        if (e.type === 'task_result') results.push(e);
        if (e.type === 'host_unreachable') unreachable.push({ host: e.host, msg: e.msg });
        forward?.(e);
      },
      close,
    },
  });
  return { exitCode: summary.exitCode, results, unreachable, recap: summary.recap, ms: summary.durationMs };
}

/** The changes of a run, one comparable line each: "host | task | item | action kind target". */
export function changeLines(o: RunOutcome, rewrite: (s: string) => string = (s) => s): string[] {
  return o.results
    .flatMap((r) => r.changes.map((c) => rewrite(`${r.host} | ${r.task} | ${r.item ?? ''} | ${c.action} ${c.kind} ${c.target}`)))
    .sort();
}

/** Lab B's addresses written as lab A's (same host names, other slot): what differs is then real. */
export function addressRewriter(from: LabInfo, to: LabInfo): (s: string) => string {
  const pairs = from.hosts.flatMap((h) => {
    const twin = to.hosts.find((t) => t.name === h.name);
    return twin ? [[h.ip, twin.ip] as const] : [];
  });
  const escape = (ip: string): string => ip.replace(/\./g, '\\.');
  return (s) => pairs.reduce((acc, [a, b]) => acc.replace(new RegExp(`(?<![\\d.])${escape(a)}(?![\\d])`, 'g'), b), s);
}

/** The failed (not ignored) results and unreachable hosts of a run, one line each. */
export function failureLines(o: RunOutcome): string[] {
  const failed = o.results.filter((r) => (r.status === 'failed' || r.status === 'unreachable') && !r.ignored);
  return [
    ...o.unreachable.map((u) => `${u.host}: unreachable: ${u.msg}`),
    ...failed.map((r) => `${r.host} | ${r.task}${r.item !== undefined ? ` (item=${r.item})` : ''}: ${r.noLog ? '(hidden: no_log)' : (r.msg ?? 'failed')}`),
  ];
}

export function countChanges(o: RunOutcome): number {
  return o.results.reduce((n, r) => n + r.changes.length, 0);
}
