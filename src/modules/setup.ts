/**
 * setup: (re)gather the host's facts. No change; the result is
 * { ansible_facts: { ...Ansible-named facts, hostforge: <typed Facts> } }.
 */
import { toAnsibleFacts } from '../facts/ansible.js';
import type { ApplyResult, Change } from './types.js';
import { toJson } from './support/json.js';
import type { ReadOnlyModule } from './support/readonly.js';
import { object, strOrList, type Schema } from './support/schema.js';

export interface SetupArgs {
  /** Accepted for Ansible compatibility; hostforge always reads its whole (small) set. */
  gather_subset?: string | string[];
}

export const setupSchema: Schema = object({ gather_subset: strOrList });

export const setupModule: ReadOnlyModule<SetupArgs> = {
  name: 'setup',
  args: setupSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(): Promise<Change[]> {
    return [];
  },
  async apply(host): Promise<ApplyResult> {
    host.invalidate();
    const facts = await host.facts();
    return { ansible_facts: { ...toAnsibleFacts(facts), hostforge: toJson(facts) } };
  },
};
