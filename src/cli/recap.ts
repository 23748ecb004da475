/**
 * `hostforge recap merge FILE...`: one recap and one exit code from the `--json` outputs of
 * the shards of a run (`apply --shard K/N --json > shard-K.json`). A file without its run_end
 * line (a shard that crashed or was killed) is an error, never a silent gap.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Recap } from '../engine/events.js';
import { InputError } from '../errors.js';
import { recapLines } from '../report/format.js';
import { rebootLines } from '../report/reboot.js';

export interface ShardEnd {
  file: string;
  recap: Record<string, Recap>;
  durationMs: number;
  /** Hosts that need a reboot, with why (absent in outputs of older versions). */
  rebootRequired?: Record<string, string[]>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const FIELDS = ['ok', 'changed', 'failed', 'skipped', 'unreachable', 'rescued', 'ignored'] as const;

function isRecap(v: unknown): v is Recap {
  return isObj(v) && FIELDS.every((f) => v[f] === undefined || typeof v[f] === 'number');
}

/** The run_end event of one --json output. */
export function parseShardOutput(text: string, file: string): ShardEnd {
  const lines = text.split('\n');
  for (let k = lines.length - 1; k >= 0; k--) {
    const line = (lines[k] as string).trim();
    if (line === '') continue;
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObj(e) || e.type !== 'run_end') continue;
    if (!isObj(e.recap) || !Object.values(e.recap).every(isRecap)) throw new InputError(`${file}:${k + 1}: run_end has no valid recap`);
    const rr = isObj(e.rebootRequired) ? (e.rebootRequired as Record<string, unknown>) : {};
    const rebootRequired = Object.fromEntries(Object.entries(rr).filter((x): x is [string, string[]] => Array.isArray(x[1]) && x[1].every((w) => typeof w === 'string')));
    return { file, recap: e.recap as Record<string, Recap>, durationMs: typeof e.durationMs === 'number' ? e.durationMs : 0, rebootRequired };
  }
  throw new InputError(`${file}: no run_end line: is it the complete --json output of a run (did the shard finish)?`);
}

/** Hosts of every shard; a host in two shards is an error (the shards overlapped). */
export function mergeRecaps(ends: readonly ShardEnd[]): Record<string, Recap> {
  const out: Record<string, Recap> = {};
  const from = new Map<string, string>();
  for (const end of ends) {
    for (const [host, r] of Object.entries(end.recap)) {
      const seen = from.get(host);
      if (seen !== undefined) throw new InputError(`host ${JSON.stringify(host)} is in the recap of both ${seen} and ${end.file}: the shards overlap`);
      from.set(host, end.file);
      const n = (f: (typeof FIELDS)[number]): number => (r as Partial<Recap>)[f] ?? 0;
      out[host] = { ok: n('ok'), changed: n('changed'), failed: n('failed'), skipped: n('skipped'), unreachable: n('unreachable'), rescued: n('rescued'), ignored: n('ignored') };
    }
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

export function registerRecapCommands(program: Command): void {
  const recap = program.command('recap').description('recaps of runs');
  recap
    .command('merge')
    .description("one recap and exit code from the shards' `apply --json` outputs (exit 0 ok, 2 a task failed, 4 a host was unreachable)")
    .argument('<files...>', '--json output files, one per shard')
    .option('--json', 'print the merged run_end event as JSON')
    .action(async (files: string[], o: { json?: boolean }) => {
      const ends: ShardEnd[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, 'utf8');
        } catch (err) {
          throw new InputError(`cannot read ${file}: ${(err as Error).message}`, { code: 'USAGE', cause: err });
        }
        ends.push(parseShardOutput(text, file));
      }
      const merged = mergeRecaps(ends);
      const { exitCodeFor } = await import('../engine/run.js'); // the engine is not loaded at start-up
      const exitCode = exitCodeFor(merged);
      const durationMs = Math.max(0, ...ends.map((e) => e.durationMs));
      const rebootRequired = Object.fromEntries(ends.flatMap((e) => Object.entries(e.rebootRequired ?? {})).sort(([a], [b]) => a.localeCompare(b)));
      if (o.json) process.stdout.write(`${JSON.stringify({ type: 'run_end', recap: merged, durationMs, exitCode, rebootRequired, shards: files.length })}\n`);
      else {
        const lines = ['PLAY RECAP ' + '*'.repeat(50), ...recapLines(merged), ...rebootLines(Object.keys(merged), rebootRequired), '', `${files.length} shard(s), ${Object.keys(merged).length} host(s); longest shard ${(durationMs / 1000).toFixed(2)} s`];
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      process.exitCode = exitCode;
    });
}
