/**
 * git: a working copy of `repo` at `version` (branch, tag, commit or HEAD) in `dest`.
 * plan is ONE exec: HEAD and local modifications of dest, plus `git ls-remote`
 * for the remote commit. It reports a change only when HEAD would move (or dest is new).
 * apply clones or fetches, checks the commit out (a branch as a local branch at that
 * commit, a tag or commit detached) and checks that HEAD is where the plan said.
 */
import { TaskError } from '../errors.js';
import { shJoin } from '../util/quote.js';
import type { ApplyResult, Change, Host, Module } from './types.js';
import { FULL_SHA, resolveVersion, SHORT_SHA, type ResolvedVersion } from '../edit/git.js';
import { parseSections, sectionsScript, type Section } from '../edit/script.js';
import { bool, nonEmpty, object, type Schema } from './support/schema.js';

export interface GitArgs {
  repo: string;
  dest: string;
  version?: string;
  /** Fetch and move to the remote's commit when dest exists (default true). */
  update?: boolean;
  /** Discard local modifications (default false: they fail the task). */
  force?: boolean;
  depth?: number;
}

export const gitSchema: Schema = object(
  {
    repo: nonEmpty,
    dest: { ...nonEmpty, pattern: '^/' },
    version: { ...nonEmpty, pattern: '^[^\\s~^:?*\\[\\\\]+$' },
    update: bool,
    force: bool,
    depth: { type: 'integer', minimum: 1 },
  },
  ['repo', 'dest'],
);

interface Observed {
  exists: boolean;
  isRepo: boolean;
  empty: boolean;
  head: string | null;
  dirty: boolean;
  target: ResolvedVersion | null;
}

/** git in dest; safe.directory so a working copy owned by another user is still read. */
function git(dest: string, ...rest: string[]): string[] {
  return ['git', '-c', `safe.directory=${dest}`, '-C', dest, ...rest];
}

async function observe(host: Host, args: GitArgs, remote: boolean): Promise<Observed> {
  const version = args.version ?? 'HEAD';
  const sections: Section[] = [
    { name: 'exists', cmd: { script: `test -e ${shJoin([args.dest])} && ls -A ${shJoin([args.dest])} | head -n 1` }, stderr: 'drop' },
    { name: 'head', cmd: git(args.dest, 'rev-parse', '--verify', '-q', 'HEAD'), stderr: 'drop' },
    { name: 'top', cmd: git(args.dest, 'rev-parse', '--show-toplevel'), stderr: 'drop' },
    { name: 'status', cmd: git(args.dest, 'status', '--porcelain', '--untracked-files=no'), stderr: 'drop' },
  ];
  if (remote && !FULL_SHA.test(version)) {
    sections.push({ name: 'ls', cmd: ['git', 'ls-remote', '--symref', '--', args.repo, ...(version === 'HEAD' ? ['HEAD'] : ['HEAD', version, `${version}^{}`])] });
  }
  const r = await host.exec({ script: sectionsScript(sections) });
  const s = parseSections(r.stdout);
  const ex = s.get('exists');
  const exists = ex?.rc === 0;
  const top = s.get('top');
  const isRepo = top?.rc === 0 && top.out.trim() === args.dest.replace(/\/+$/, '');
  const head = s.get('head');
  const status = s.get('status');
  let target: ResolvedVersion | null = null;
  if (FULL_SHA.test(version)) target = { sha: version, kind: 'sha' };
  else if (remote) {
    const ls = s.get('ls');
    if (!ls || ls.rc !== 0) throw new TaskError(`git ls-remote ${args.repo} failed: ${ls?.out.trim() ?? r.stderr.trim()}`);
    target = resolveVersion(ls.out, version);
    if (!target && !SHORT_SHA.test(version)) throw new TaskError(`git: ${args.repo} has no branch or tag named ${version}`);
  }
  return {
    exists,
    isRepo,
    empty: exists && (ex?.out.trim() ?? '') === '',
    head: isRepo && head?.rc === 0 ? head.out.trim() : null,
    dirty: isRepo && status?.rc === 0 && status.out.trim() !== '',
    target,
  };
}

function checkoutArgv(dest: string, t: ResolvedVersion | null, version: string, force: boolean): string[] {
  const f = force ? ['-f'] : [];
  if (t?.branch !== undefined) return git(dest, 'checkout', ...f, '-B', t.branch, t.sha);
  return git(dest, 'checkout', ...f, '--detach', t?.sha ?? version);
}

export const gitModule: Module<GitArgs> = {
  name: 'git',
  args: gitSchema,
  checkMode: 'full',
  async plan(host, args): Promise<Change[]> {
    const version = args.version ?? 'HEAD';
    const o = await observe(host, args, true);
    const to = o.target?.sha;
    const data = { version, ...(to !== undefined ? { sha: to } : {}) };
    if (!o.exists || o.empty) {
      return [{ action: 'create', kind: 'command', target: args.dest, summary: `clone ${args.repo} into ${args.dest} at ${version}${to ? ` (${to.slice(0, 7)})` : ''}`, data: { ...data, op: 'clone' } }];
    }
    if (!o.isRepo) throw new TaskError(`git: ${args.dest} exists and is not a git working copy`);
    if (args.update === false) return [];
    const at = (sha: string): boolean => o.head !== null && (o.head === sha || (SHORT_SHA.test(sha) && o.head.startsWith(sha)));
    if (to !== undefined ? at(to) : at(version)) return [];
    if (o.dirty && !args.force) throw new TaskError(`git: ${args.dest} has local modifications; commit them or set force: true`);
    return [
      {
        action: 'update',
        kind: 'command',
        target: args.dest,
        summary: `update ${args.dest}: ${o.head?.slice(0, 7) ?? '(no commit)'} -> ${to?.slice(0, 7) ?? version} (${version})`,
        data: { ...data, op: 'update', from: o.head },
      },
    ];
  },
  async apply(host, changes, args): Promise<ApplyResult> {
    const c = changes[0];
    if (!c) return {};
    const version = args.version ?? 'HEAD';
    const depth = args.depth !== undefined ? ['--depth', String(args.depth)] : [];
    const o = await observe(host, args, true);
    const run = async (argv: string[]): Promise<void> => {
      const r = await host.exec(argv);
      if (r.code !== 0) throw new TaskError(`${argv.slice(0, 4).join(' ')} failed: ${r.stderr.trim() || `exit ${r.code}`}`, { details: r.stderr });
    };
    if (c.data?.op === 'clone') {
      if (o.exists && !o.empty) throw new TaskError(`git: ${args.dest} appeared since it was planned`);
      await run(['git', 'clone', ...depth, ...(depth.length > 0 ? ['--no-single-branch'] : []), '--', args.repo, args.dest]);
    } else {
      if (!o.isRepo) throw new TaskError(`git: ${args.dest} is no longer a working copy`);
      if (o.dirty && !args.force) throw new TaskError(`git: ${args.dest} has local modifications; commit them or set force: true`);
      await run(git(args.dest, 'fetch', ...depth, '--tags', '--force', '--', args.repo, '+refs/heads/*:refs/remotes/origin/*'));
    }
    await run(checkoutArgv(args.dest, o.target, version, args.force === true));
    const head = await host.exec(git(args.dest, 'rev-parse', 'HEAD'));
    const now = head.stdout.trim();
    const want = o.target?.sha ?? version;
    if (head.code !== 0 || !(now === want || (SHORT_SHA.test(want) && now.startsWith(want)))) {
      throw new TaskError(`git: ${args.dest} is at ${now || '?'} after checkout, expected ${want}`);
    }
    return { before: typeof c.data?.from === 'string' ? c.data.from : null, after: now, msg: c.summary };
  },
};
