/**
 * Command-line values checked against the inventory and the playbook before anything runs:
 * `--limit` (a pattern that does not parse, a regular expression that does not compile) and
 * `--tags`/`--skip-tags` naming no tag of the playbook (a typo would silently run nothing, or
 * skip nothing). Each is a problem (validate lists them with the others), exit 1, no host contacted.
 */
import { InputError } from '../errors.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import { flattenTasks } from '../playbook/types.js';
import { report } from '../util/problems.js';

/** Tags with a meaning of their own (Ansible's special tags). */
const SPECIAL_TAGS = new Set(['all', 'always', 'never', 'tagged', 'untagged']);

export function splitTags(list: readonly string[] | undefined): string[] {
  return (list ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
}

interface Values {
  limit?: string;
  tags?: string[];
  skipTags?: string[];
}

/** `--limit` resolved, or a problem naming the option. */
export function limitHosts(limit: string | undefined, resolve: (pattern: string) => string[]): Set<string> | undefined {
  if (limit === undefined) return undefined;
  try {
    return new Set(resolve(limit));
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    report(new InputError(`--limit ${JSON.stringify(limit)}: ${err.message.replace(/^invalid host pattern "[^"]*": /, '')}`, { code: 'USAGE', cause: err }));
    return new Set();
  }
}

/** Every tag the playbook can select; undefined when an include is only known at run time. */
function playbookTags(playbook: LoadedPlaybook): Set<string> | undefined {
  const tags = new Set<string>();
  for (const play of playbook.plays) {
    for (const t of play.tags) tags.add(t);
    for (const task of flattenTasks([...play.tasks, ...play.handlers])) {
      if (task.include && !task.include.preloaded) return undefined;
      for (const t of task.tags) {
        if (t.includes('{{')) return undefined;
        tags.add(t);
      }
    }
  }
  return tags;
}

/** Report each bad value; `playbook` undefined when it did not load (tags are not judged then). */
export function checkRunValues(o: Values, playbook: LoadedPlaybook | undefined): void {
  const known = playbook && playbookTags(playbook);
  if (!known) return;
  for (const [option, given] of [['--tags', o.tags], ['--skip-tags', o.skipTags]] as const) {
    for (const tag of splitTags(given)) {
      if (SPECIAL_TAGS.has(tag) || known.has(tag)) continue;
      const list = [...known].filter((t) => !SPECIAL_TAGS.has(t)).sort();
      const shown = list.length === 0 ? 'the playbook has no tags' : `tags: ${list.slice(0, 12).join(', ')}${list.length > 12 ? ', ...' : ''}`;
      report(new InputError(`${option} ${JSON.stringify(tag)}: no play, role or task of ${playbook.file} has this tag (${shown})`, { code: 'USAGE' }));
    }
  }
}
