/** Read a host's facts: one exec of the facts script, then the pure parser. */
import { TaskError } from '../errors.js';
import type { Facts, Host } from '../modules/types.js';
import { parseFacts } from './parse.js';
import { FACTS_SCRIPT } from './script.js';

/** Fits transport's FactsReader: `(host) => Promise<Facts>`. */
export async function gatherFacts(host: Pick<Host, 'exec'>): Promise<Facts> {
  const r = await host.exec({ script: FACTS_SCRIPT });
  if (r.code !== 0 && r.stdout.trim() === '') {
    throw new TaskError(`cannot gather facts (exit ${r.code}): ${r.stderr.trim()}`, { details: r.stderr });
  }
  return parseFacts(r.stdout);
}
