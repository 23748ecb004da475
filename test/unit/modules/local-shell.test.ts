/**
 * The file-changing modules against this machine's real coreutils, in a private temp
 * directory: plan → apply → plan again must be [] (what the lab e2e test checks on
 * real hosts, here without SSH).
 */
import test from 'ava';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { blockinfileModule } from '../../../src/modules/blockinfile.js';
import { commandModule } from '../../../src/modules/command.js';
import { copyModule } from '../../../src/modules/copy.js';
import { fileModule } from '../../../src/modules/file.js';
import { lineinfileModule } from '../../../src/modules/lineinfile.js';
import { shellModule } from '../../../src/modules/shell.js';
import type { Change, Module } from '../../../src/modules/types.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { LocalHost } from '../../helpers/local-host.js';

const root = process.getuid?.() === 0;
const ctx = fakeContext().ctx;

async function twice<A>(m: Module<A>, host: LocalHost, args: NoInfer<A>): Promise<Change[]> {
  const first = await m.plan(host, args, ctx);
  await m.apply(host, first, args, ctx);
  const second = await m.plan(host, args, ctx);
  if (second.length !== 0) throw new Error(`second plan not empty: ${JSON.stringify(second)}`);
  return first;
}

async function tmp(): Promise<string> {
  return fs.mkdtemp(join(tmpdir(), 'hf-core-'));
}

test('local: directory, modes, links, absent', async (t) => {
  const d = await tmp();
  const h = new LocalHost();
  try {
    const c1 = await twice(fileModule, h, { path: `${d}/a/b`, state: 'directory', mode: '0750' });
    t.deepEqual(c1.map((c) => c.kind), ['directory']);
    t.is((await fs.stat(`${d}/a/b`)).mode & 0o7777, 0o750);
    t.deepEqual((await twice(fileModule, h, { path: `${d}/a/b`, state: 'directory', mode: 'g+w,o-rwx' })).map((c) => c.attrs), [{ mode: '0770' }]);
    await twice(fileModule, h, { path: `${d}/cur`, state: 'link', src: 'a/b' });
    t.is(await fs.readlink(`${d}/cur`), 'a/b');
    await fs.mkdir(`${d}/a/c`);
    await twice(fileModule, h, { path: `${d}/cur`, state: 'link', src: 'a/c' });
    t.is(await fs.readlink(`${d}/cur`), 'a/c');
    await twice(fileModule, h, { path: `${d}/t`, state: 'touch', mode: '0600' });
    t.is((await fs.stat(`${d}/t`)).mode & 0o7777, 0o600);
    await twice(fileModule, h, { path: `${d}/t`, state: 'link', src: 'a/c', force: true });
    t.true((await fs.lstat(`${d}/t`)).isSymbolicLink());
    await twice(fileModule, h, { path: `${d}/a`, state: 'absent' });
    await t.throwsAsync(fs.stat(`${d}/a`));
  } finally {
    await fs.rm(d, { recursive: true, force: true });
  }
});

test('local: recurse with find, chmod -R, chown -R -h', async (t) => {
  const d = await tmp();
  const h = new LocalHost();
  try {
    await fs.mkdir(`${d}/w/sub`, { recursive: true });
    await fs.writeFile(`${d}/w/sub/f`, 'x');
    await fs.chmod(`${d}/w/sub/f`, 0o600);
    await fs.symlink('sub/f', `${d}/w/l`);
    const args = { path: `${d}/w`, state: 'directory' as const, recurse: true, mode: '0755', ...(root ? { owner: 'daemon', group: 'daemon' } : {}) };
    const first = await twice(fileModule, h, args);
    t.true(first.some((c) => c.data?.recurse === true && c.attrs?.mode === '0755'));
    t.is((await fs.stat(`${d}/w/sub/f`)).mode & 0o7777, 0o755);
    if (root) {
      t.true(first.some((c) => c.data?.recurse === true && c.attrs?.owner === 'daemon'));
      t.is((await fs.lstat(`${d}/w/l`)).uid, 1, 'the link itself is chowned');
    }
  } finally {
    await fs.rm(d, { recursive: true, force: true });
  }
});

test('local: copy, lineinfile, blockinfile', async (t) => {
  const d = await tmp();
  const h = new LocalHost();
  try {
    await twice(copyModule, h, { content: 'Port 22\nPermitRootLogin yes\n', dest: `${d}/sshd_config`, mode: '0600' });
    await twice(lineinfileModule, h, { path: `${d}/sshd_config`, regexp: '^PermitRootLogin', line: 'PermitRootLogin prohibit-password' });
    await twice(blockinfileModule, h, { path: `${d}/sshd_config`, block: 'Match User backup\n  ForceCommand internal-sftp\n' });
    t.is(
      await fs.readFile(`${d}/sshd_config`, 'utf8'),
      'Port 22\nPermitRootLogin prohibit-password\n# BEGIN HOSTFORGE MANAGED BLOCK\nMatch User backup\n  ForceCommand internal-sftp\n# END HOSTFORGE MANAGED BLOCK\n',
    );
    t.is((await fs.stat(`${d}/sshd_config`)).mode & 0o7777, 0o600, 'edits keep the mode');
  } finally {
    await fs.rm(d, { recursive: true, force: true });
  }
});

test('local: command and shell with creates, chdir, stdin', async (t) => {
  const d = await tmp();
  const h = new LocalHost();
  try {
    await twice(commandModule, h, { cmd: `touch "${d}/made it"`, creates: `${d}/made it` });
    t.truthy(await fs.stat(`${d}/made it`));
    const a = { cmd: 'cat > out.txt; pwd >> out.txt', chdir: d, stdin: 'hello', creates: 'out.txt' };
    await twice(shellModule, h, a);
    t.is(await fs.readFile(`${d}/out.txt`, 'utf8'), `hello\n${await fs.realpath(d)}\n`);
    const r = await commandModule.apply(h, await commandModule.plan(h, { argv: ['printf', '%s|', 'a b', '$X'] }, ctx), { argv: ['printf', '%s|', 'a b', '$X'] }, ctx);
    t.like(r, { rc: 0, stdout: 'a b|$X|' });
    await t.throwsAsync(commandModule.apply(h, [{ action: 'run', kind: 'command', target: 'x', summary: 'x' }], { cmd: `ls ${d}/nope` }, ctx), { message: /exit code 2/ });
    const g = await commandModule.plan(h, { cmd: 'x', creates: `${d}/*.txt` }, ctx);
    t.deepEqual(g, [], 'glob creates matched out.txt');
  } finally {
    await fs.rm(d, { recursive: true, force: true });
  }
});
