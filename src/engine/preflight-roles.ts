/**
 * The preflight of a play's roles, per host: the role's parameters render (no undefined
 * variable, no Jinja), and the values its argument spec declares (params, vars, defaults,
 * inventory) satisfy the spec: types, choices, required options.
 */
import { InputError } from '../errors.js';
import type { LoadedPlay } from '../playbook/load.js';
import { checkArgumentSpec } from '../playbook/argument-check.js';
import { describeAjvError, realErrors } from '../playbook/schema.js';
import type { RoleRef } from '../playbook/types.js';
import { renderDeep, toPlain, type Scope } from '../vars/scope.js';
import type { PerHost } from './preflight-report.js';
import { hasUnknown } from './preflight-unknown.js';

export function checkRoles(play: LoadedPlay, hosts: string[], scopeFor: (host: string, role: RoleRef) => Scope, found: PerHost): void {
  for (const role of play.loadedRoles) {
    const what = `role "${role.ref.name}"`;
    for (const h of hosts) {
      const scope = scopeFor(h, role.ref);
      try {
        renderDeep(role.ref.params, scope, role.usedAt);
      } catch (err) {
        found.add(`${what} parameters`, h, err, role.usedAt);
      }
      if (!role.argumentSpec) continue;
      const values: Record<string, unknown> = {};
      for (const k of Object.keys(role.argumentSpec)) {
        try {
          const v = (scope.context as Record<string, unknown>)[k];
          if (v !== undefined) values[k] = toPlain(v);
        } catch (err) {
          found.add(`${what} option "${k}"`, h, err, role.usedAt);
        }
      }
      const errors = checkArgumentSpec(role.argumentSpec, values);
      if (errors.length === 0) continue;
      for (const e of realErrors(errors, values)) {
        const key = e.instancePath.split('/')[1];
        if (key !== undefined && hasUnknown(values[key])) continue;
        found.add(`${what} argument spec`, h, new InputError(describeAjvError(e), { code: 'SCHEMA', location: role.usedAt }), role.usedAt);
      }
    }
  }
}
