import test from 'ava';
import path from 'node:path';
import { InputError } from '../../../src/errors.js';
import { loadInventory } from '../../../src/inventory/index.js';
import { findVarsFiles } from '../../../src/inventory/vars-files.js';
import { tempTree } from './helpers.js';

test('NAME, NAME.yml, NAME.yaml, NAME.json: the first that exists wins', async (t) => {
  const dir = await tempTree({
    'group_vars/a': 'x: 1\n',
    'group_vars/a.yml': 'x: 2\n',
    'group_vars/b.yaml': 'x: 3\n',
    'group_vars/b.json': '{"x": 4}',
    'group_vars/c.json': '{"x": 5}',
  });
  t.deepEqual(await findVarsFiles(dir, 'group_vars', 'a'), [path.join(dir, 'group_vars/a')]);
  t.deepEqual(await findVarsFiles(dir, 'group_vars', 'b'), [path.join(dir, 'group_vars/b.yaml')]);
  t.deepEqual(await findVarsFiles(dir, 'group_vars', 'c'), [path.join(dir, 'group_vars/c.json')]);
  t.deepEqual(await findVarsFiles(dir, 'group_vars', 'd'), []);
  t.deepEqual(await findVarsFiles(dir, 'host_vars', 'a'), []);
});

test('a NAME/ directory: sorted files, sub-directories without extension, skips the rest', async (t) => {
  const dir = await tempTree({
    'host_vars/h/b.yml': 'b: 1\n',
    'host_vars/h/a.yaml': 'a: 1\n',
    'host_vars/h/sub/c.json': '{"c": 1}',
    'host_vars/h/noext': 'n: 1\n',
    'host_vars/h/.hidden.yml': 'hidden: 1\n',
    'host_vars/h/backup.yml~': 'backup: 1\n',
    'host_vars/h/readme.txt': 'txt: 1\n',
    'host_vars/h/dir.d/x.yml': 'dotted: 1\n',
  });
  const files = (await findVarsFiles(dir, 'host_vars', 'h')).map((f) => path.relative(dir, f));
  t.deepEqual(files, ['host_vars/h/a.yaml', 'host_vars/h/b.yml', 'host_vars/h/noext', 'host_vars/h/sub/c.json']);
});

test('group_vars and host_vars beside the inventory and in extra dirs', async (t) => {
  const dir = await tempTree({
    'inv/hosts.yml': 'web:\n  hosts:\n    w1:\n',
    'inv/group_vars/web.yml': 'a: inv\nb: inv\n',
    'inv/host_vars/w1.yml': 'c: inv\n',
    'play/group_vars/web.yml': 'b: play\n',
    'play/host_vars/w1/main.yml': 'c: play\n',
    'play/group_vars/empty.yml': '',
  });
  const inv = await loadInventory([path.join(dir, 'inv/hosts.yml')], { extraVarsDirs: [path.join(dir, 'play')] });
  t.deepEqual(inv.hostVars('w1'), { a: 'inv', b: 'play', c: 'play' });
});

test('a vars file that is not a mapping is an error with its location', async (t) => {
  const dir = await tempTree({ 'hosts.yml': 'g:\n  hosts:\n    h:\n', 'group_vars/g.yml': '- 1\n- 2\n' });
  const err = await t.throwsAsync(loadInventory([path.join(dir, 'hosts.yml')]), { instanceOf: InputError });
  t.is(err?.location?.file, path.join(dir, 'group_vars/g.yml'));
  t.is(err?.location?.line, 1);
  t.regex(err?.message ?? '', /mapping/);
});

test('a YAML error in a vars file names file, line and column', async (t) => {
  const dir = await tempTree({ 'hosts.yml': 'g:\n  hosts:\n    h:\n', 'host_vars/h.yml': 'a: 1\nb: [\n' });
  const err = await t.throwsAsync(loadInventory([path.join(dir, 'hosts.yml')]), { instanceOf: InputError });
  t.is(err?.location?.file, path.join(dir, 'host_vars/h.yml'));
  t.is(err?.location?.line, 3);
});

test('vault-encrypted vars files are refused', async (t) => {
  const dir = await tempTree({ 'hosts.yml': 'g:\n  hosts:\n    h:\n', 'group_vars/g.yml': '$ANSIBLE_VAULT;1.1;AES256\n6162\n' });
  await t.throwsAsync(loadInventory([path.join(dir, 'hosts.yml')]), { instanceOf: InputError, message: /Vault/ });
});
