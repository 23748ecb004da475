/**
 * Every schema the loader knows before it reads a file: the ones `npm run build` generates
 * validators for (schema-export/write-validators.ts). A role's argument spec is built from
 * the role, so it is not here: it is compiled when a run first needs it.
 */
import { CONFIG_SCHEMA } from '../config/hostforge-yaml.js';
import { inventorySchema } from '../inventory/schema.js';
import { getModule, moduleNames } from '../modules/registry.js';
import { planFileSchema } from '../plan/file.js';
import { playSchema, roleMetaSchema, taskSchema } from '../playbook/schema.js';
import type { SchemaKind } from './compile.js';

export interface StaticSchema {
  name: string;
  kind: SchemaKind;
  schema: object;
}

export function staticSchemas(): StaticSchema[] {
  return [
    { name: 'play', kind: 'playbook', schema: playSchema },
    { name: 'task', kind: 'playbook', schema: taskSchema },
    { name: 'role meta', kind: 'playbook', schema: roleMetaSchema },
    { name: 'saved plan', kind: 'playbook', schema: planFileSchema },
    ...moduleNames().map((n): StaticSchema => ({ name: `module ${n}`, kind: 'playbook', schema: getModule(n)!.args as object })),
    { name: 'inventory', kind: 'inventory', schema: inventorySchema },
    { name: 'hostforge.yaml', kind: 'config', schema: CONFIG_SCHEMA },
  ];
}
