/**
 * The preflight finds the same problem on many hosts: it is reported once, naming the
 * hosts ("on hosts node1, node2 and 8 more"), at the place in the files it comes from.
 */
import { InputError, InputErrors, type SourceLocation } from '../errors.js';
import { printable } from '../util/printable.js';
import { report } from '../util/problems.js';

interface Group {
  what: string;
  err: InputError;
  location?: SourceLocation;
  hosts: string[];
}

function hostList(hosts: string[]): string {
  const shown = hosts.slice(0, 3).join(', ');
  return hosts.length === 1 ? `host ${shown}` : hosts.length <= 3 ? `hosts ${shown}` : `hosts ${shown} and ${hosts.length - 3} more`;
}

export class PerHost {
  private readonly groups = new Map<string, Group>();

  /** `what` names the unit ('task "x"', 'role "y"'); `fallback` is used when the error has no location. */
  add(what: string, host: string | undefined, err: unknown, fallback?: SourceLocation): void {
    if (!(err instanceof InputError)) throw err;
    for (const e of err instanceof InputErrors ? err.problems : [err]) {
      const key = `${what}\u0000${e.describe()}`;
      let g = this.groups.get(key);
      if (!g) this.groups.set(key, (g = { what, err: e, location: e.location?.line !== undefined ? e.location : (fallback ?? e.location), hosts: [] }));
      if (host !== undefined && !g.hosts.includes(host)) g.hosts.push(host);
    }
  }

  /** Hand every problem to the active collector (or throw the first). */
  flush(): void {
    for (const g of this.groups.values()) {
      const on = g.hosts.length > 0 ? ` on ${hostList(g.hosts)}` : '';
      report(new InputError(`${printable(g.what)}${on}: ${g.err.message}`, { code: g.err.code, location: g.location, cause: g.err }));
    }
    this.groups.clear();
  }
}
