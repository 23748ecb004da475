/**
 * crl: publish the CA's current certificate revocation list at `path`.
 *
 * plan: read the host's CRL (through the predicted view in check mode) and the
 * bastion's CRL state. If the bastion's CRL is stale (behind the index or inside the
 * last third of its lifetime) the change is "refresh on the bastion and publish"
 * (content known after signing: data.predicted = false); else the host copy must be
 * byte-identical to the bastion's (the diff shows CRL number, dates and revoked serials).
 * apply: refresh if planned, write atomically.
 */
import type { CrlInfo, PkiService } from '../pki/types.js';
import { TaskError } from '../errors.js';
import { planAttrChanges, wantedAttrs, type AttrArgs } from './support/attrs.js';
import { commandsFor } from './support/apply-files.js';
import { andThen } from '../util/quote.js';
import { attrProps, nonEmpty, object, type Schema } from './support/schema.js';
import type { ApplyResult, Change, Host, Module } from './types.js';

export interface CrlArgs extends AttrArgs {
  path: string;
}

export const crlSchema: Schema = object({ path: nonEmpty, ...attrProps }, ['path']);

export function describeCrl(c: CrlInfo): string {
  return [
    `crl number: ${c.number}`,
    `issued by our CA: ${c.issuedByCa ? 'yes' : 'no'}`,
    `this update: ${c.thisUpdate}`,
    `next update: ${c.nextUpdate ?? 'none'}`,
    `revoked: ${c.revoked.length === 0 ? 'none' : c.revoked.join(', ')}`,
    '',
  ].join('\n');
}

function whyPublish(host: CrlInfo | null, text: string | null, bastion: CrlInfo): string {
  if (text === null) return 'missing';
  if (!host) return 'unparseable';
  if (!host.issuedByCa) return 'not issued by our CA';
  if (host.number < bastion.number) return `CRL number ${host.number} < ${bastion.number}`;
  return 'differs from the CA copy';
}

export async function planCrl(host: Host, args: CrlArgs, pki: PkiService): Promise<Change[]> {
  const mode = args.mode ?? '0644';
  const w = wantedAttrs({ mode, owner: args.owner, group: args.group });
  if (!w.mode || !('octal' in w.mode)) throw new TaskError('crl: mode must be octal (such as "0644")');
  const attrs = { mode: w.mode.octal, ...(w.owner !== undefined ? { owner: w.owner } : {}), ...(w.group !== undefined ? { group: w.group } : {}) };
  const [data, state] = await Promise.all([host.read(args.path), pki.crlState()]);
  const text = data ? data.toString('utf8') : null;
  const current = text !== null ? pki.inspectCrl(text) : null;
  const before = current ? describeCrl(current) : text !== null ? '(unparseable)\n' : undefined;
  const action = text === null ? 'create' : 'update';
  if (state.stale) {
    return [
      {
        action,
        kind: 'file',
        target: args.path,
        summary: `refresh the CRL on the bastion (number ${state.number + 1}) and publish it to ${args.path}`,
        ...(before !== undefined ? { before } : {}),
        after: `crl number: ${state.number + 1} (made at apply)\n`,
        attrs,
        data: { op: 'publish', refresh: true, predicted: false },
      },
    ];
  }
  if (text === null || text.replace(/\r\n/g, '\n').trim() !== state.pem.trim()) {
    return [
      {
        action,
        kind: 'file',
        target: args.path,
        summary: `publish CRL number ${state.number} to ${args.path}: ${whyPublish(current, text, state)}`,
        ...(before !== undefined ? { before } : {}),
        after: describeCrl(state),
        attrs,
        data: { op: 'publish', refresh: false, content: Buffer.from(state.pem).toString('base64') },
      },
    ];
  }
  const st = await host.stat(args.path);
  return st ? planAttrChanges(host, args.path, st, w) : [];
}

export async function applyCrl(host: Host, changes: readonly Change[], pki: () => Promise<PkiService>): Promise<ApplyResult> {
  const result: ApplyResult = {};
  for (const c of changes) {
    if (c.data?.op === 'publish') {
      let pem: string;
      if (c.data.refresh === true) pem = (await (await pki()).refreshCrl()).pem;
      else pem = Buffer.from(String(c.data.content), 'base64').toString('utf8');
      await host.write(c.target, pem, c.attrs ?? {});
      host.invalidate(c.target);
      result.msg = `published ${c.target}`;
      continue;
    }
    const cmds = commandsFor(c) ?? [];
    if (cmds.length === 0) continue;
    const r = await host.exec(andThen(...cmds));
    host.invalidate(c.target);
    if (r.code !== 0) throw new TaskError(`crl: ${c.summary}: ${r.stderr.trim()}`, { details: r.stderr });
  }
  return result;
}

export const crlModule: Module<CrlArgs> = {
  name: 'crl',
  args: crlSchema,
  checkMode: 'full',
  async plan(host, args, ctx): Promise<Change[]> {
    return planCrl(host, args, await ctx.pki());
  },
  apply(host, changes, _args, ctx): Promise<ApplyResult> {
    return applyCrl(host, changes, ctx.pki);
  },
};
