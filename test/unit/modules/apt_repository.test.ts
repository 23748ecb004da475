import test from 'ava';
import { aptKeyModule, keyringPath } from '../../../src/modules/apt_key.js';
import { aptRepositoryModule, normaliseSource, suggestFilename } from '../../../src/modules/apt_repository.js';
import { validator } from '../../../src/playbook/schema.js';
import { FakeHost } from '../../helpers/fake-host.js';
import { runTwice } from '../../helpers/module-run.js';

function apt(h: FakeHost): FakeHost {
  h.on('/etc/apt/sources.list.d/*.list', () => ({
    stdout: [...h.fs.keys()].filter((k) => k === '/etc/apt/sources.list' || /^\/etc\/apt\/sources\.list\.d\/[^/]+\.list$/.test(k)).map((k) => `\x1e${k}\n`).join(''),
  }));
  h.on('apt-get update -q', {});
  return h;
}

const REPO = 'deb [signed-by=/etc/apt/keyrings/hf.asc] file:///srv/hf-repo ./';

test('apt_repository: file names as Ansible suggests them; normalisation; schema', (t) => {
  t.is(suggestFilename('deb http://dl.google.com/linux/chrome/deb/ stable main'), 'dl_google_com_linux_chrome_deb.list');
  t.is(suggestFilename(REPO), 'srv_hf_repo.list');
  t.is(suggestFilename('deb https://user:pw@repo.example.com/debian bookworm main'), 'repo_example_com_debian.list');
  t.is(normaliseSource('  deb  [ arch=amd64 ]   http://x/  y   z '), 'deb [arch=amd64] http://x/ y z');
  const v = validator(aptRepositoryModule.args as object, false);
  t.true(v({ repo: REPO, filename: 'hf', update_cache: false }));
  t.false(v({ repo: 'ppa:x/y' }));
});

test('apt_repository: added once (with apt-get update), found anywhere, removed with its file', async (t) => {
  const host = apt(new FakeHost({ files: { '/etc/apt/sources.list': 'deb http://deb.debian.org/debian bookworm main\n' } }).addDir('/etc/apt/sources.list.d'));
  const add = await runTwice(aptRepositoryModule, host, { repo: REPO });
  t.deepEqual(add.first.map((c) => `${c.action} ${c.kind} ${c.target}`), ['create file /etc/apt/sources.list.d/srv_hf_repo.list', 'run command apt-get update']);
  t.deepEqual(add.second, []);
  t.is(host.text('/etc/apt/sources.list.d/srv_hf_repo.list'), `${REPO}\n`);
  const already = await runTwice(aptRepositoryModule, host, { repo: 'deb http://deb.debian.org/debian   bookworm main', update_cache: false });
  t.deepEqual(already.first, [], 'present in sources.list already');
  const del = await runTwice(aptRepositoryModule, host, { repo: REPO, state: 'absent', update_cache: false });
  t.deepEqual(del.first.map((c) => `${c.action} ${c.kind}`), ['delete absent']);
  t.deepEqual(del.second, []);
  t.is(host.node('/etc/apt/sources.list.d/srv_hf_repo.list'), undefined);
});

test('apt_key: a keyring file for signed-by, then nothing; absent removes it', async (t) => {
  const key = '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ...\n-----END PGP PUBLIC KEY BLOCK-----\n';
  const host = new FakeHost({ files: { '/root/hf.asc': key } }).addDir('/etc/apt');
  t.is(keyringPath({ url: 'http://x/keys/repo.key' }, Buffer.from(key)), '/etc/apt/keyrings/repo.asc');
  t.is(keyringPath({ file: '/tmp/k.gpg' }, Buffer.from([0x99, 1])), '/etc/apt/keyrings/k.gpg');
  t.throws(() => keyringPath({ data: key }, Buffer.from(key)));
  const add = await runTwice(aptKeyModule, host, { file: '/root/hf.asc' });
  t.deepEqual(add.first.map((c) => `${c.action} ${c.kind} ${c.target}`), ['create directory /etc/apt/keyrings', 'create file /etc/apt/keyrings/hf.asc']);
  t.deepEqual(add.second, []);
  t.is(host.text('/etc/apt/keyrings/hf.asc'), key);
  const del = await runTwice(aptKeyModule, host, { keyring: '/etc/apt/keyrings/hf.asc', state: 'absent' });
  t.is(del.first.length, 1);
  t.deepEqual(del.second, []);
});
