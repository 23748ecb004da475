/**
 * --list-hosts, --list-tasks, --list-tags: what a run would touch, in ansible-playbook's layout
 * (play lines with their tags, a tab before TAGS, tasks filtered by --tags/--skip-tags).
 * Nothing is contacted.
 */
import { relative } from 'node:path';
import { taskSelected, type TagFilter } from '../engine/play-runner.js';
import type { Inventory } from '../inventory/index.js';
import type { LoadedPlaybook } from '../playbook/load.js';
import type { Play, Task } from '../playbook/types.js';

export interface ListWhat {
  hosts?: boolean;
  tasks?: boolean;
  tags?: boolean;
}

function tagList(tags: Iterable<string>): string {
  return `[${[...new Set(tags)].sort().join(', ')}]`;
}

function listable(play: Play, f: TagFilter): Task[] {
  return play.tasks.filter((t) => t.meta === undefined && taskSelected(t, f));
}

export function renderListing(pb: LoadedPlaybook, inv: Inventory, limit: Set<string> | undefined, f: TagFilter, what: ListWhat): string {
  const out: string[] = ['', `playbook: ${relative(process.cwd(), pb.file) || pb.file}`];
  pb.plays.forEach((play, i) => {
    out.push('', `  play #${i + 1} (${play.hosts}): ${play.name}\tTAGS: ${tagList(play.tags)}`);
    if (what.hosts) {
      const hosts = inv.resolvePattern(play.hosts).filter((h) => !limit || limit.has(h));
      out.push(`    pattern: ['${play.hosts}']`, `    hosts (${hosts.length}):`, ...hosts.map((h) => `      ${h}`));
    }
    const tasks = listable(play, f);
    if (what.tasks) {
      out.push('    tasks:', ...tasks.map((t) => `      ${t.name}\tTAGS: ${tagList([...play.tags, ...t.tags])}`));
    }
    // As ansible-playbook: the play's own tags are listed even when no task of it is selected.
    if (what.tags) out.push(`      TASK TAGS: ${tagList([...play.tags, ...tasks.flatMap((t) => t.tags)])}`);
  });
  return `${out.join('\n')}\n`;
}

/**
 * --start-at-task: ansible-playbook's name matching (the exact label, a glob, or the part after
 * "role : "); earlier plays run no task and gather no facts. Unlike Ansible, the play holding the
 * task still gathers facts, so templates that use them work.
 */
export function startAtTask(pb: LoadedPlaybook, name: string): LoadedPlaybook | undefined {
  const glob = new RegExp(`^${name.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const matches = (t: Task): boolean => t.meta === undefined && (t.name === name || glob.test(t.name) || glob.test(t.name.replace(/^[^:]+ : /, '')));
  const p = pb.plays.findIndex((play) => play.tasks.some(matches));
  if (p < 0) return undefined;
  const plays = pb.plays.map((play, i) => {
    if (i < p) return { ...play, tasks: [], gatherFacts: false };
    if (i > p) return play;
    return { ...play, tasks: play.tasks.slice(play.tasks.findIndex(matches)) };
  });
  return { ...pb, plays };
}
