/**
 * A role's test scenario (ROLE/tests/scenario.yaml): how many lab hosts, their groups, the
 * variables of the converge play, an optional prepare playbook and the verify tasks. Read and
 * schema-checked before any lab host exists; errors name file:line:column.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { check } from '../playbook/schema.js';
import { loadYamlFile } from '../util/yaml.js';

export interface Scenario {
  file: string;
  /** The role's directory and name (its directory's name). */
  roleDir: string;
  role: string;
  hosts: number;
  /** Inventory group → lab host names (node1..nodeN). */
  groups: Record<string, string[]>;
  vars: Record<string, unknown>;
  become: boolean;
  gatherFacts: boolean;
  /** A throwaway CA for the run's certificate tasks. */
  pki: boolean;
  /** A playbook run on every fresh lab before converge and before the check run. */
  prepare?: string;
  /** A task file run on the converged hosts; a failed task fails the test. */
  verify?: string;
}

export const SCENARIO_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hosts: { type: 'integer', minimum: 1, maximum: 50, description: 'number of fresh lab hosts (node1..nodeN); --hosts overrides it' },
    groups: {
      type: 'object',
      description: 'inventory groups of the lab hosts: a list of host names, or "all"',
      additionalProperties: { anyOf: [{ const: 'all' }, { type: 'array', items: { type: 'string', pattern: '^node[0-9]+$' } }] },
    },
    vars: { type: 'object', description: 'variables of the converge and verify plays' },
    become: { type: 'boolean', description: 'run the role with become (default false)' },
    gather_facts: { type: 'boolean', description: 'gather facts before the role (default true, as in a play)' },
    pki: { type: 'boolean', description: 'a throwaway CA (hostforge pki) for certificate tasks (default false)' },
    prepare: { type: 'string', description: 'playbook (relative to the scenario) run on every fresh lab before converge and check' },
    verify: { type: 'string', description: 'task file (relative to the scenario) run on the converged hosts (default verify.yaml when it exists)' },
  },
} as const;

export const DEFAULT_SCENARIO = join('tests', 'scenario.yaml');

function isRoleDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory() && ['tasks', 'meta', 'defaults'].some((d) => existsSync(join(p, d)));
}

/** ROLE as a path (./demo, roles/etcd) or a name looked up in the role directories. */
export function findRoleDir(role: string, searchDirs: string[]): string {
  const candidates = [resolve(role), ...searchDirs.map((d) => join(d, role))];
  const found = candidates.find(isRoleDir);
  if (!found) {
    throw new InputError(`role "${role}" not found (looked in: ${[...new Set(candidates.map((c) => dirname(c)))].join(', ')})`, { code: 'USAGE' });
  }
  return found;
}

function hostNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `node${i + 1}`);
}

function relative(dir: string, value: unknown, what: string, file: string): string | undefined {
  if (value === undefined) return undefined;
  const p = resolve(dir, String(value));
  if (!existsSync(p)) throw new InputError(`${what}: ${p} does not exist`, { code: 'SCHEMA', location: { file } });
  return p;
}

export async function loadScenario(roleDir: string, opts: { file?: string; hosts?: number } = {}): Promise<Scenario> {
  const file = resolve(roleDir, opts.file ?? DEFAULT_SCENARIO);
  if (!existsSync(file)) {
    throw new InputError(`role ${basename(roleDir)} has no test scenario: ${file} (hostforge role init scaffolds one)`, { code: 'USAGE' });
  }
  const doc = await loadYamlFile(file);
  const data = (doc.data ?? {}) as Record<string, unknown>;
  check(SCENARIO_SCHEMA, data, doc, [], 'scenario', file);
  const hosts = opts.hosts ?? (data.hosts as number | undefined) ?? 1;
  const names = hostNames(hosts);
  const groups: Record<string, string[]> = {};
  for (const [g, members] of Object.entries((data.groups ?? {}) as Record<string, 'all' | string[]>)) {
    const list = members === 'all' ? names : members;
    const missing = list.filter((h) => !names.includes(h));
    if (missing.length > 0) {
      throw new InputError(`group ${g}: ${missing.join(', ')} not among the scenario's ${hosts} host(s) (${names.join(', ')})`, {
        code: 'SCHEMA',
        location: doc.locate(['groups', g]),
      });
    }
    groups[g] = list;
  }
  const dir = dirname(file);
  const defaultVerify = join(dir, 'verify.yaml');
  return {
    file,
    roleDir,
    role: basename(roleDir),
    hosts,
    groups,
    vars: (data.vars ?? {}) as Record<string, unknown>,
    become: data.become === true,
    gatherFacts: data.gather_facts !== false,
    pki: data.pki === true,
    prepare: relative(dir, data.prepare, 'prepare', file),
    verify: relative(dir, data.verify, 'verify', file) ?? (existsSync(defaultVerify) ? defaultVerify : undefined),
  };
}
