/**
 * get_url (ansible.builtin.get_url): download a URL ON THE HOST (curl, else wget) to
 * `dest` (a directory means dest/basename of the URL path).
 *   dest missing                → download (create)
 *   dest there, checksum given  → the host's `<algo>sum` of dest decides; a mismatch downloads again
 *   dest there, force: false    → attributes only (Ansible's default: no download)
 *   dest there, force: true     → the body is hashed on the host (`curl … | sha256sum`, nothing
 *                                 written) and compared with dest's
 * Planning never writes; the digest a change was planned with (the checksum, or the body's
 * sha256) is checked again on the downloaded temporary file before it is moved over dest,
 * so a body that changed since the plan fails the task and leaves dest untouched.
 */
import { posix } from 'node:path';
import { TaskError } from '../errors.js';
import { shQuote } from '../util/quote.js';
import type { ApplyResult, Change, FileAttrs, Host, Module } from './types.js';
import { applyFileChanges } from './support/apply-files.js';
import { createAttrs, planAttrChanges, wantedAttrs, type AttrArgs } from './support/attrs.js';
import { attrProps, bool, nonEmpty, object, str, type Schema } from './support/schema.js';
import { digestFromList, fetchCommand, fetchStdin, parseChecksum, type Algorithm, type FetchSpec } from './get_url/fetcher.js';

export interface GetUrlArgs extends AttrArgs {
  url: string;
  dest: string;
  checksum?: string;
  force?: boolean;
  backup?: boolean;
  timeout?: number;
  headers?: Record<string, string>;
  validate_certs?: boolean;
  url_username?: string;
  url_password?: string;
  username?: string;
  password?: string;
}

export const getUrlSchema: Schema = object(
  {
    url: nonEmpty,
    dest: nonEmpty,
    checksum: str,
    force: bool,
    backup: bool,
    timeout: { type: 'integer', minimum: 1 },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    validate_certs: bool,
    url_username: nonEmpty,
    url_password: str,
    username: nonEmpty,
    password: str,
    ...attrProps,
  },
  ['url', 'dest'],
);

function spec(a: GetUrlArgs, url = a.url): FetchSpec {
  const s: FetchSpec = { url, timeout: a.timeout ?? 10 };
  if (a.headers !== undefined) s.headers = a.headers;
  if (a.validate_certs !== undefined) s.validateCerts = a.validate_certs;
  const user = a.url_username ?? a.username;
  if (user !== undefined) {
    s.username = user;
    s.password = a.url_password ?? a.password ?? '';
  }
  return s;
}

const FAILED = 'hostforge: download failed, exit';

const urlBase = (url: string): string => posix.basename(new URL(url).pathname) || 'index.html';

async function digestOnHost(host: Host, algo: Algorithm, path: string): Promise<string | null> {
  const r = await host.exec([`${algo}sum`, '--', path]);
  return r.code === 0 ? (r.stdout.split(/\s/)[0] ?? null) : null;
}

/** Download and hash on the host, writing nothing. */
async function digestOfUrl(host: Host, s: FetchSpec, algo: Algorithm): Promise<string> {
  const stdin = fetchStdin(s);
  // POSIX sh has no pipefail: the download's failure is reported on stderr with a marker.
  const r = await host.exec({ script: `{ ${fetchCommand(s)} || echo "${FAILED} $?" >&2; } | ${algo}sum` }, stdin !== undefined ? { stdin } : {});
  const d = r.stdout.split(/\s/)[0] ?? '';
  if (r.code !== 0 || !/^[0-9a-f]+$/.test(d) || r.stderr.includes(FAILED)) {
    throw new TaskError(`Request failed: ${s.url}: ${r.stderr.replace(FAILED, 'exit').trim() || `exit ${r.code}`}`, { details: r.stderr });
  }
  return d;
}

async function bodyText(host: Host, s: FetchSpec): Promise<string> {
  const stdin = fetchStdin(s);
  const r = await host.exec({ script: fetchCommand(s) }, stdin !== undefined ? { stdin } : {});
  if (r.code !== 0) throw new TaskError(`Request failed: ${s.url}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

async function planGetUrl(host: Host, a: GetUrlArgs): Promise<Change[]> {
  let dest = a.dest;
  const dst = await host.stat(dest);
  if (dst?.type === 'directory' || dest.endsWith('/')) dest = posix.join(dest, urlBase(a.url));
  const cs = parseChecksum(a.checksum ?? '');
  let wantDigest: { algo: Algorithm; digest: string } | null = null;
  if (cs !== null) {
    const digest = cs.isUrl ? digestFromList(await bodyText(host, spec(a, cs.value)), urlBase(a.url)) : cs.value;
    if (digest === null) throw new TaskError(`Unable to find a checksum for file '${urlBase(a.url)}' in '${cs.value}'`);
    wantDigest = { algo: cs.algorithm, digest };
  }
  const w = wantedAttrs(a);
  const st = dest === a.dest ? dst : await host.stat(dest);
  if (st?.type === 'directory') throw new TaskError(`dest ${dest} is a directory`);
  if (st !== null) {
    if (wantDigest !== null) {
      if ((await digestOnHost(host, wantDigest.algo, dest)) === wantDigest.digest) return planAttrChanges(host, dest, st, w);
    } else if (a.force !== true) {
      return planAttrChanges(host, dest, st, w);
    } else {
      const body = await digestOfUrl(host, spec(a), 'sha256');
      if ((await digestOnHost(host, 'sha256', dest)) === body) return planAttrChanges(host, dest, st, w);
      wantDigest = { algo: 'sha256', digest: body };
    }
  }
  if (wantDigest === null) wantDigest = { algo: 'sha256', digest: await digestOfUrl(host, spec(a), 'sha256') };
  const dir = posix.dirname(dest);
  const ds = await host.stat(dir);
  if (ds === null || ds.type !== 'directory') throw new TaskError(`Destination ${dir} does not exist`);
  const attrs: FileAttrs = st === null ? createAttrs(w, false) : Object.assign({}, ...(await planAttrChanges(host, dest, st, w)).map((c) => c.attrs));
  return [
    {
      action: st === null ? 'create' : 'update',
      kind: 'file',
      target: dest,
      summary: `${st === null ? 'download' : 'download again'} ${a.url} → ${dest} (${wantDigest.algo} ${wantDigest.digest.slice(0, 16)}…)`,
      attrs,
      data: { url: a.url, algo: wantDigest.algo, digest: wantDigest.digest, exists: st !== null, ...(a.backup ? { backup: true } : {}) },
    },
  ];
}

/** Download to a temporary file beside dest, check the digest, set attributes, move over dest. */
export function downloadScript(c: Change, a: GetUrlArgs): string {
  const dest = c.target;
  const algo = String(c.data?.algo);
  const digest = String(c.data?.digest);
  const attrs = c.attrs ?? {};
  const q = shQuote;
  const lines = [
    'set -e',
    `tmp=$(mktemp ${q(`${posix.dirname(dest)}/.hostforge-get_url.XXXXXX`)})`,
    `trap 'rm -f "$tmp"' EXIT`,
    `{ ${fetchCommand(spec(a, String(c.data?.url ?? a.url)))}; } > "$tmp"`,
    `sum=$(${algo}sum "$tmp" | cut -d' ' -f1)`,
    `if [ "$sum" != ${q(digest)} ]; then echo "The checksum for ${dest} did not match ${digest}; it was: $sum" >&2; exit 3; fi`,
    c.data?.exists === true ? `chmod --reference=${q(dest)} "$tmp"; chown --reference=${q(dest)} "$tmp" 2>/dev/null || true` : 'chmod 0644 "$tmp"',
    ...(attrs.mode !== undefined ? [`chmod ${q(attrs.mode)} "$tmp"`] : []),
    ...(attrs.owner !== undefined || attrs.group !== undefined ? [`chown ${q(`${attrs.owner ?? ''}${attrs.group !== undefined ? `:${attrs.group}` : ''}`)} "$tmp"`] : []),
    ...(c.data?.backup === true && c.data?.exists === true ? [`b=${q(dest)}.$(date +%Y-%m-%d@%H:%M:%S)~; cp -p -- ${q(dest)} "$b"; echo "backup=$b"`] : []),
    `mv -f -- "$tmp" ${q(dest)}`,
    'trap - EXIT',
    `echo "size=$(wc -c < ${q(dest)})"; echo "sha1=$(sha1sum ${q(dest)} | cut -d' ' -f1)"`,
  ];
  return lines.join('\n');
}

export const getUrlModule: Module<GetUrlArgs> = {
  name: 'get_url',
  args: getUrlSchema,
  checkMode: 'full',
  plan: planGetUrl,
  async apply(host, changes, a): Promise<ApplyResult> {
    const result: ApplyResult = { url: a.url, dest: a.dest, status_code: 200, msg: 'OK' };
    for (const c of changes) {
      if (c.kind !== 'file') {
        await applyFileChanges(host, [c]);
        result.dest = c.target;
        result.msg = 'file already exists but file attributes changed';
        continue;
      }
      const stdin = fetchStdin(spec(a));
      const r = await host.exec({ script: downloadScript(c, a) }, stdin !== undefined ? { stdin } : {});
      host.invalidate(c.target);
      if (r.code !== 0) throw new TaskError(`get_url ${a.url} → ${c.target} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
      const field = (k: string): string | undefined => new RegExp(`^${k}=(.*)$`, 'm').exec(r.stdout)?.[1];
      result.dest = c.target;
      result.checksum_dest = field('sha1') ?? null;
      result.checksum_src = field('sha1') ?? null;
      result.size = Number(field('size') ?? 0);
      const b = field('backup');
      if (b !== undefined) result.backup_file = b;
    }
    return result;
  },
};
