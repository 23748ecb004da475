/**
 * `hostforge schema playbook|tasks|inventory|role-meta|vars|events`: JSON Schemas built from
 * the very objects the loader validates with (playbook/schema.ts, each module's `args`,
 * inventory/schema.ts), with descriptions and defaults for editors.
 */
import { getModule, moduleNames } from '../modules/registry.js';
import { inventorySchema } from '../inventory/schema.js';
import { playSchema, roleMetaSchema, taskSchema } from '../playbook/schema.js';
import { describedArgs, KEYWORD_DOCS, MODULE_DOCS } from './descriptions.js';
import { DRAFT, forEditor, type JsonSchema } from './editor.js';
import { eventsSchema } from './events.js';

export const SCHEMA_KINDS = ['playbook', 'tasks', 'inventory', 'role-meta', 'vars', 'events'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

/** Ansible's names for modules hostforge runs under its own name. */
const ALIAS_CANDIDATES = ['apt', 'systemd', 'systemd_service', 'sysvinit'];

function moduleKeys(): [string, string][] {
  const out: [string, string][] = [];
  for (const name of moduleNames()) for (const key of [name, `ansible.builtin.${name}`, `ansible.legacy.${name}`]) out.push([key, name]);
  for (const a of ALIAS_CANDIDATES) {
    const m = getModule(a);
    if (m && !moduleNames().includes(a)) out.push([a, m.name], [`ansible.builtin.${a}`, m.name]);
  }
  return out;
}

function moduleDefinitions(): Record<string, unknown> {
  const defs: Record<string, unknown> = {};
  for (const name of moduleNames()) {
    const mod = getModule(name)!;
    const args = forEditor(describedArgs(name, mod.args as JsonSchema));
    defs[`module_${name}`] = {
      description: MODULE_DOCS[name]?.summary ?? `the ${name} module`,
      anyOf: [args, { type: 'string', description: mod.freeForm ? `the ${mod.freeForm}, or key=value arguments` : 'key=value arguments' }, { type: 'null' }],
    };
  }
  return defs;
}

function taskDefinition(): JsonSchema {
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(taskSchema.properties)) {
    const s = forEditor(v) as JsonSchema;
    props[k] = { ...s, ...(KEYWORD_DOCS[k] ? { description: KEYWORD_DOCS[k] } : {}) };
  }
  for (const k of ['block', 'rescue', 'always']) props[k] = { description: KEYWORD_DOCS[k], type: 'array', items: { $ref: '#/definitions/task' } };
  for (const [key, name] of moduleKeys()) props[key] = { $ref: `#/definitions/module_${name}` };
  return { type: 'object', description: 'a task: one module key, or a block, plus task keywords', properties: props, additionalProperties: false };
}

function playDefinition(): JsonSchema {
  const props: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(playSchema.properties)) props[k] = { ...(forEditor(v) as JsonSchema), ...(KEYWORD_DOCS[`play.${k}`] ? { description: KEYWORD_DOCS[`play.${k}`] } : {}) };
  for (const k of ['pre_tasks', 'tasks', 'post_tasks', 'handlers']) props[k] = { description: KEYWORD_DOCS[`play.${k}`], type: 'array', items: { $ref: '#/definitions/task' } };
  return { type: 'object', description: 'a play', required: ['hosts'], properties: props, additionalProperties: false };
}

function withTasks(title: string, root: JsonSchema): JsonSchema {
  return { $schema: DRAFT, $id: `https://hostforge.dev/schema/${title}.json`, title: `hostforge ${title}`, ...root, definitions: { ...(root.definitions as object), task: taskDefinition(), ...moduleDefinitions() } };
}

export function schemaFor(kind: SchemaKind): JsonSchema {
  switch (kind) {
    case 'playbook':
      return withTasks('playbook', {
        description: 'a hostforge (Ansible-style) playbook: a list of plays or import_playbook entries',
        type: 'array',
        items: { anyOf: [{ $ref: '#/definitions/play' }, { type: 'object', required: ['import_playbook'], properties: { import_playbook: { type: 'string', description: 'another playbook, relative to this one' }, name: { type: 'string' } }, additionalProperties: false }] },
        definitions: { play: playDefinition() },
      });
    case 'tasks':
      return withTasks('tasks', { description: 'a task list (roles/NAME/tasks/*.yaml, handlers, import_tasks files)', type: 'array', items: { $ref: '#/definitions/task' } });
    case 'inventory':
      return { $schema: DRAFT, title: 'hostforge inventory', description: 'an Ansible YAML inventory: group names to groups', ...(forEditor(inventorySchema, false, false) as JsonSchema), $id: 'https://hostforge.dev/schema/inventory.json' };
    case 'role-meta':
      return { $schema: DRAFT, $id: 'https://hostforge.dev/schema/role-meta.json', title: 'hostforge role meta/main.yaml', description: 'dependencies and the argument spec of a role', ...(forEditor(roleMetaSchema, false, false) as JsonSchema) };
    case 'vars':
      return { $schema: DRAFT, $id: 'https://hostforge.dev/schema/vars.json', title: 'hostforge vars file', description: 'group_vars/, host_vars/, vars_files, role defaults/ and vars/: a mapping of variable names to values', type: ['object', 'null'] };
    case 'events':
      return eventsSchema;
  }
}
