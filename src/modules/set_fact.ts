/**
 * set_fact: the engine handles it (it sets host variables); this module only declares
 * the schema (a free object) and returns the values as { ansible_facts }.
 */
import type { ApplyResult, Change } from './types.js';
import { toJson } from './support/json.js';
import type { ReadOnlyModule } from './support/readonly.js';
import type { Schema } from './support/schema.js';

export type SetFactArgs = Record<string, unknown>;

export const setFactSchema: Schema = {
  type: 'object',
  properties: { cacheable: { type: 'boolean' } },
  additionalProperties: true,
  minProperties: 1,
};

export const setFactModule: ReadOnlyModule<SetFactArgs> = {
  name: 'set_fact',
  args: setFactSchema,
  checkMode: 'full',
  readOnly: true,
  async plan(): Promise<Change[]> {
    return [];
  },
  async apply(_host, _changes, args): Promise<ApplyResult> {
    const facts: Record<string, unknown> = { ...args };
    delete facts.cacheable;
    return { ansible_facts: toJson(facts) };
  },
};
