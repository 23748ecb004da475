/** git with the real git on local directories (a bare repository made here, file:// URLs). */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLsRemote, resolveVersion } from '../../../src/edit/git.js';
import { TaskError } from '../../../src/errors.js';
import { gitModule } from '../../../src/modules/git.js';
import { validator } from '../../../src/playbook/schema.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { DirHost } from '../edit/local-hosts.js';

const ctx = fakeContext().ctx;

const LS = `ref: refs/heads/main\tHEAD
1111111111111111111111111111111111111111\tHEAD
1111111111111111111111111111111111111111\trefs/heads/main
2222222222222222222222222222222222222222\trefs/heads/dev
3333333333333333333333333333333333333333\trefs/tags/v1
4444444444444444444444444444444444444444\trefs/tags/v1^{}
5555555555555555555555555555555555555555\trefs/tags/light
`;

test('git: resolving versions from ls-remote', (t) => {
  t.deepEqual(resolveVersion(LS, 'HEAD'), { sha: '1'.repeat(40), kind: 'head', branch: 'main' });
  t.deepEqual(resolveVersion(LS, 'dev'), { sha: '2'.repeat(40), kind: 'branch', branch: 'dev' });
  t.deepEqual(resolveVersion(LS, 'v1'), { sha: '4'.repeat(40), kind: 'tag' });
  t.deepEqual(resolveVersion(LS, 'refs/tags/light'), { sha: '5'.repeat(40), kind: 'tag' });
  t.deepEqual(resolveVersion(LS, 'a'.repeat(40)), { sha: 'a'.repeat(40), kind: 'sha' });
  t.is(resolveVersion(LS, 'nope'), null);
  t.is(parseLsRemote(LS).headSymref, 'main');
});

test('git: schema', (t) => {
  const v = validator(gitModule.args as object, false);
  t.true(v({ repo: 'file:///srv/x.git', dest: '/opt/x', version: 'v1' }));
  t.false(v({ repo: 'x', dest: 'relative' }));
  t.false(v({ repo: 'x', dest: '/x', version: 'a b' }));
});

function sh(cwd: string, ...argv: string[]): string {
  return execFileSync(argv[0] as string, argv.slice(1), {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
  }).trim();
}

function repo(): { dir: string; url: string; work: string; commit: (msg: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'hf-git-'));
  sh(dir, 'git', 'init', '-q', '--bare', '-b', 'main', 'r.git');
  sh(dir, 'git', 'clone', '-q', join(dir, 'r.git'), 'w');
  const work = join(dir, 'w');
  sh(work, 'git', 'checkout', '-q', '-b', 'main');
  let n = 0;
  const commit = (msg: string): string => {
    writeFileSync(join(work, 'f'), `${msg}\n${n++}\n`);
    sh(work, 'git', 'add', 'f');
    sh(work, 'git', 'commit', '-q', '-m', msg);
    sh(work, 'git', 'push', '-q', 'origin', 'main');
    return sh(work, 'git', 'rev-parse', 'HEAD');
  };
  return { dir, url: `file://${join(dir, 'r.git')}`, work, commit };
}

test.serial('git: clone, in state, update only when HEAD moves, tags, local changes', async (t) => {
  const r = repo();
  try {
    const c1 = r.commit('one');
    const host = new DirHost();
    const dest = join(r.dir, 'dest');
    const args = { repo: r.url, dest, version: 'main' };
    const first = await gitModule.plan(host, args, ctx);
    t.is(first[0]?.data?.op, 'clone');
    await gitModule.apply(host, first, args, ctx);
    t.is(sh(dest, 'git', 'rev-parse', 'HEAD'), c1);
    t.deepEqual(await gitModule.plan(host, args, ctx), []);

    const c2 = r.commit('two');
    const up = await gitModule.plan(host, args, ctx);
    t.is(up.length, 1);
    t.regex(up[0]?.summary ?? '', new RegExp(`${c1.slice(0, 7)} -> ${c2.slice(0, 7)}`));
    await gitModule.apply(host, up, args, ctx);
    t.is(sh(dest, 'git', 'rev-parse', 'HEAD'), c2);
    t.is(sh(dest, 'git', 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
    t.deepEqual(await gitModule.plan(host, args, ctx), []);
    t.deepEqual(await gitModule.plan(host, { ...args, update: false, version: c1 }, ctx), [], 'update: false never moves');

    sh(r.work, 'git', 'tag', '-a', '-m', 'v1', 'v1', c1);
    sh(r.work, 'git', 'push', '-q', 'origin', 'v1');
    const tagArgs = { repo: r.url, dest, version: 'v1' };
    const tg = await gitModule.plan(host, tagArgs, ctx);
    await gitModule.apply(host, tg, tagArgs, ctx);
    t.is(sh(dest, 'git', 'rev-parse', 'HEAD'), c1);
    t.deepEqual(await gitModule.plan(host, tagArgs, ctx), []);

    const shaArgs = { repo: r.url, dest, version: c2.slice(0, 10) };
    await gitModule.apply(host, await gitModule.plan(host, shaArgs, ctx), shaArgs, ctx);
    t.is(sh(dest, 'git', 'rev-parse', 'HEAD'), c2);
    t.deepEqual(await gitModule.plan(host, shaArgs, ctx), []);

    writeFileSync(join(dest, 'f'), 'local edit\n');
    await t.throwsAsync(gitModule.plan(host, tagArgs, ctx), { instanceOf: TaskError, message: /local modifications/ });
    const forced = { ...tagArgs, force: true };
    await gitModule.apply(host, await gitModule.plan(host, forced, ctx), forced, ctx);
    t.is(sh(dest, 'git', 'rev-parse', 'HEAD'), c1);
    t.is(sh(dest, 'git', 'status', '--porcelain'), '');

    await t.throwsAsync(gitModule.plan(host, { repo: r.url, dest, version: 'nope' }, ctx), { instanceOf: TaskError, message: /no branch or tag named nope/ });
    await t.throwsAsync(gitModule.plan(host, { repo: r.url, dest: r.dir, version: 'main' }, ctx), { instanceOf: TaskError, message: /not a git working copy/ });
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});
