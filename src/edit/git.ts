/** `git ls-remote` output and the commit a version names. Pure. */

export interface RemoteRef {
  sha: string;
  ref: string;
}

export interface ResolvedVersion {
  sha: string;
  kind: 'branch' | 'tag' | 'head' | 'sha';
  /** The branch name for branches (and for HEAD, the remote's default branch when known). */
  branch?: string;
}

export function parseLsRemote(out: string): { refs: RemoteRef[]; headSymref?: string } {
  const refs: RemoteRef[] = [];
  let headSymref: string | undefined;
  for (const line of out.split('\n')) {
    const sym = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (sym) {
      headSymref = sym[1];
      continue;
    }
    const m = /^([0-9a-f]{40,64})\t(\S+)$/.exec(line);
    if (m) refs.push({ sha: m[1] as string, ref: m[2] as string });
  }
  return headSymref === undefined ? { refs } : { refs, headSymref };
}

export const FULL_SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
export const SHORT_SHA = /^[0-9a-f]{7,64}$/;

/** The commit of `version` in ls-remote output, or null (an abbreviated sha is resolved after fetching). */
export function resolveVersion(out: string, version: string): ResolvedVersion | null {
  if (FULL_SHA.test(version)) return { sha: version, kind: 'sha' };
  const { refs, headSymref } = parseLsRemote(out);
  const find = (ref: string): string | undefined => refs.find((r) => r.ref === ref)?.sha;
  if (version === 'HEAD') {
    const sha = find('HEAD');
    if (!sha) return null;
    return headSymref === undefined ? { sha, kind: 'head' } : { sha, kind: 'head', branch: headSymref };
  }
  const name = version.replace(/^refs\/(heads|tags)\//, '');
  const branch = version.startsWith('refs/tags/') ? undefined : find(`refs/heads/${name}`);
  if (branch) return { sha: branch, kind: 'branch', branch: name };
  const peeled = find(`refs/tags/${name}^{}`) ?? find(`refs/tags/${name}`);
  if (peeled) return { sha: peeled, kind: 'tag' };
  return null;
}
