/**
 * The JSON Schema of `--json` output: one event per line, as src/engine/events.ts types them
 * (after the JSON reporter hides no_log details and sensitive contents). docs/events.schema.json
 * is this object, written by `npm run docs`; `hostforge schema events` prints it.
 */
import { DRAFT, type JsonSchema } from './editor.js';

const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const status = { enum: ['ok', 'changed', 'failed', 'skipped', 'unreachable'] };
const strings = { type: 'array', items: str };

function event(type: string, description: string, props: Record<string, unknown>, required: string[]): JsonSchema {
  return { type: 'object', description, properties: { type: { const: type }, ...props }, required: ['type', ...required], additionalProperties: false };
}

const change = {
  type: 'object',
  description: 'one planned or applied change; before/after (file contents, for diffs) are absent when sensitive',
  properties: {
    action: { enum: ['create', 'update', 'delete', 'run'] },
    kind: { enum: ['file', 'directory', 'link', 'absent', 'attributes', 'package', 'service', 'command', 'user', 'rule', 'other'] },
    target: { ...str, description: 'what it touches: a path, a package, a chain...' },
    summary: { ...str, description: 'one line for people' },
    before: str,
    after: str,
    sensitive: { type: 'boolean', description: 'holds a secret: contents are not shown' },
    attrs: { type: 'object', properties: { mode: str, owner: str, group: str }, additionalProperties: false },
    data: { type: 'object', description: 'module-private detail' },
  },
  required: ['action', 'kind', 'target', 'summary'],
  additionalProperties: false,
};

const recap = {
  type: 'object',
  properties: { ok: int, changed: int, failed: int, skipped: int, unreachable: int, rescued: int, ignored: int },
  required: ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'rescued', 'ignored'],
  additionalProperties: false,
};

const events = [
  event('run_start', 'the run begins (after every input was checked)', { playbook: str, check: { type: 'boolean' }, hosts: int }, ['playbook', 'check', 'hosts']),
  event('play_start', 'a play begins', { play: str, hosts: strings }, ['play', 'hosts']),
  event('task_start', 'a task (or handler) begins on these hosts', { task: str, hosts: strings, handler: { type: 'boolean' } }, ['task', 'hosts', 'handler']),
  event(
    'task_result',
    'the result of a task on one host (one per loop item)',
    {
      host: str,
      task: str,
      item: { ...str, description: 'the loop item label' },
      status,
      changes: { type: 'array', items: { $ref: '#/definitions/change' } },
      msg: str,
      display: { ...str, description: 'what follows => (debug output)' },
      output: { ...str, description: 'command output (shown with -v)' },
      ignored: { type: 'boolean' },
      checkMode: { type: 'boolean' },
      counted: { description: 'loops: false on every item but the last, which says what the task counts as', anyOf: [{ const: false }, { type: 'object', properties: { status, ignored: { type: 'boolean' } }, required: ['status', 'ignored'], additionalProperties: false }] },
      noLog: { type: 'boolean' },
      durationMs: { type: 'number', minimum: 0 },
    },
    ['host', 'task', 'status', 'changes', 'checkMode', 'noLog', 'durationMs'],
  ),
  event('task_host_done', 'every result of this host for the current task was emitted', { task: str, host: str }, ['task', 'host']),
  event('host_unreachable', 'a host could not be reached', { host: str, msg: str }, ['host', 'msg']),
  event('warning', 'a warning, about a host or the run', { host: str, msg: str }, ['msg']),
  event('play_end', 'a play ended', { play: str }, ['play']),
  event('run_end', 'the run ended: the recap per host and the exit code', { recap: { type: 'object', additionalProperties: { $ref: '#/definitions/recap' } }, durationMs: { type: 'number', minimum: 0 }, exitCode: { enum: [0, 1, 2, 4] }, rebootRequired: { type: 'object', description: 'hosts whose changes take effect only at the next boot (no reboot task ran after them, or /var/run/reboot-required is set), with why', additionalProperties: strings } }, ['recap', 'durationMs', 'exitCode']),
];

export const EVENT_TYPES = events.map((e) => ((e.properties as Record<string, { const: string }>).type.const));

export const eventsSchema: JsonSchema = {
  $schema: DRAFT,
  $id: 'https://hostforge.dev/schema/events.json',
  title: 'hostforge --json event',
  description: 'one line of `hostforge apply|plan --json` output; the last line is run_end',
  oneOf: events,
  definitions: { change, recap },
};
