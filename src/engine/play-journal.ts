/**
 * Where a play meets the hosts' handler journals: at its start it takes the handlers a killed
 * run notified and never ran (those it has a handler for, by name or listen topic) and
 * notifies them again; after a handler ran on a host, its names leave that host's journal.
 */
import { errorMessage } from '../errors.js';
import type { NotifyJournal } from '../hoststate/locks.js';
import type { LoadedPlay } from '../playbook/load.js';
import type { HostRunState } from './context.js';
import type { Reporter, TaskResultEvent } from './events.js';

/** A task changed: its notifies are recorded on the host (fsynced) before the run goes on. */
export async function journalNotify(env: { journal?: NotifyJournal; reporter: Reporter; playName?: string }, host: string, task: { name: string; notify: string[] }): Promise<void> {
  if (!env.journal || task.notify.length === 0) return;
  try {
    await env.journal.notified(host, task.notify, env.playName ?? '', task.name);
  } catch (err) {
    env.reporter.emit({ type: 'warning', host, msg: `the notify of "${task.name}" is not journaled on the host (a killed run would forget it): ${errorMessage(err)}` });
  }
}

/** Every name that notifies one of the play's handlers. */
export function handlerNames(play: { handlers: { name: string; listen: string[] }[] }): Set<string> {
  return new Set(play.handlers.flatMap((h) => [h.name.replace(/^[^:]+ : /, ''), h.name, ...h.listen]));
}

export function takePending(play: LoadedPlay, hosts: string[], journal: NotifyJournal, states: Map<string, HostRunState>, reporter: Reporter): void {
  const names = handlerNames(play);
  for (const h of hosts) {
    for (const e of journal.take(h, names)) {
      states.get(h)?.notified.add(e.handler);
      reporter.emit({ type: 'warning', host: h, msg: `${h}: handler "${e.handler}" pending from an interrupted run (notified by "${e.task}" at ${e.at}, ${e.by}): it runs at the end of play "${play.name}"` });
    }
  }
}

/** The handler ran (ok, changed or skipped) on these hosts: clear its names. A failed one stays for the next run. */
export async function journalRan(results: TaskResultEvent[], names: string[], env: { journal?: NotifyJournal; reporter: Reporter }): Promise<void> {
  if (!env.journal) return;
  const failed = new Set(results.filter((e) => (e.status === 'failed' && !e.ignored) || e.status === 'unreachable').map((e) => e.host));
  const done = [...new Set(results.map((e) => e.host))].filter((h) => !failed.has(h));
  await Promise.all(
    done.map((h) =>
      env.journal!.ran(h, names).catch((err: unknown) => env.reporter.emit({ type: 'warning', host: h, msg: `${h}: cannot clear the ran handler from the host's journal (the next run would run it again): ${errorMessage(err)}` })),
    ),
  );
}

/**
 * At the start of a run: the handlers an interrupted run left pending on a host that no play
 * of this run will take stay in the journal for a run that has them; say so.
 */
export function announcePending(journal: NotifyJournal, plays: readonly { play: { handlers: { name: string; listen: string[] }[] }; hosts: string[] }[], reporter: Reporter): void {
  for (const h of new Set(plays.flatMap((p) => p.hosts))) {
    const names = new Set(plays.filter((p) => p.hosts.includes(h)).flatMap((p) => [...handlerNames(p.play)]));
    for (const e of journal.pending(h)) {
      if (names.has(e.handler)) continue;
      reporter.emit({ type: 'warning', host: h, msg: `${h}: handler "${e.handler}" pending from an interrupted run (notified by "${e.task}" at ${e.at}); no play of this run has it: kept on the host for a run that does` });
    }
  }
}
