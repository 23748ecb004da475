/**
 * get_url over this machine's /bin/sh and curl (LocalHost) against an HTTP server on
 * loopback that the test starts: the command lines the module emits are real.
 */
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import { getUrlModule, type GetUrlArgs } from '../../../src/modules/get_url.js';
import { digestFromList, parseChecksum } from '../../../src/modules/get_url/fetcher.js';
import { validator } from '../../../src/playbook/schema.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { LocalHost } from '../../helpers/local-host.js';

const bodies = new Map<string, string>([['/app.bin', 'application v1\n']]);
let server: Server;
let base: string;
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

test.before(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/SHA256SUMS') {
      res.end(`${sha256(bodies.get('/app.bin')!)}  app.bin\n${'0'.repeat(64)}  other.bin\n`);
      return;
    }
    if (path === '/auth' && req.headers.authorization !== `Basic ${Buffer.from('u:p w').toString('base64')}`) {
      res.statusCode = 401;
      res.end();
      return;
    }
    const b = path === '/auth' ? 'secret body\n' : bodies.get(path);
    if (b === undefined) {
      res.statusCode = 404;
      res.end('not found');
      return;
    }
    res.end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after.always(() => server?.close());

const ctx = fakeContext().ctx;
async function twice(host: LocalHost, a: GetUrlArgs): Promise<{ first: string[]; second: string[] }> {
  const first = await getUrlModule.plan(host, a, ctx);
  await getUrlModule.apply(host, JSON.parse(JSON.stringify(first)), a, ctx);
  const second = await getUrlModule.plan(host, a, ctx);
  return { first: first.map((c) => `${c.action} ${c.kind}`), second: second.map((c) => `${c.action} ${c.kind}`) };
}

test.serial('get_url: schema and checksum parsing', (t) => {
  const v = validator(getUrlModule.args as object, false);
  t.true(v({ url: 'http://x/a', dest: '/tmp/a', checksum: 'sha256:abc', mode: '0755', force: true }));
  t.false(v({ url: 'http://x/a' }));
  t.false(v({ url: 'http://x/a', dest: '/a', bogus: 1 }));
  t.deepEqual(parseChecksum('SHA256:ABC'), { algorithm: 'sha256', value: 'abc', isUrl: false });
  t.throws(() => parseChecksum('crc:1'));
  t.is(digestFromList('aa  ./x.tgz\nbb *y.tgz\n', 'y.tgz'), 'bb');
});

test.serial('get_url: download, then nothing; attributes; a directory dest takes the URL basename', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-get-url-'));
  const host = new LocalHost();
  t.deepEqual(await twice(host, { url: `${base}/app.bin`, dest: `${dir}/app.bin` }), { first: ['create file'], second: [] });
  t.is(readFileSync(`${dir}/app.bin`, 'utf8'), 'application v1\n');
  t.is(statSync(`${dir}/app.bin`).mode & 0o777, 0o644);
  t.deepEqual(await twice(host, { url: `${base}/app.bin`, dest: `${dir}/app.bin`, mode: '0750' }), { first: ['update attributes'], second: [] });
  t.deepEqual(await twice(host, { url: `${base}/app.bin`, dest: dir }), { first: [], second: [] }, 'dir/app.bin is already there');
});

test.serial('get_url: checksum decides (digest or checksum-file URL); a wrong checksum fails and leaves dest', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-get-url-'));
  const host = new LocalHost();
  writeFileSync(`${dir}/app.bin`, 'stale\n');
  const good = `sha256:${sha256('application v1\n')}`;
  t.deepEqual(await twice(host, { url: `${base}/app.bin`, dest: `${dir}/app.bin`, checksum: good }), { first: ['update file'], second: [] });
  t.deepEqual(await twice(host, { url: `${base}/app.bin`, dest: `${dir}/app.bin`, checksum: `sha256:${base}/SHA256SUMS` }), { first: [], second: [] });
  const bad = { url: `${base}/app.bin`, dest: `${dir}/new.bin`, checksum: `sha256:${'1'.repeat(64)}` };
  const changes = await getUrlModule.plan(host, bad, ctx);
  await t.throwsAsync(getUrlModule.apply(host, changes, bad, ctx), { instanceOf: TaskError, message: /did not match/ });
  t.throws(() => statSync(`${dir}/new.bin`));
});

test.serial('get_url: force compares the body; a body that changed after the plan is refused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-get-url-'));
  const host = new LocalHost();
  const a = { url: `${base}/app.bin`, dest: `${dir}/app.bin`, force: true };
  t.deepEqual(await twice(host, a), { first: ['create file'], second: [] });
  bodies.set('/app.bin', 'application v2\n');
  const changes = await getUrlModule.plan(host, a, ctx);
  t.deepEqual(changes.map((c) => c.action), ['update']);
  bodies.set('/app.bin', 'application v3\n');
  await t.throwsAsync(getUrlModule.apply(host, changes, a, ctx), { message: /did not match/ });
  t.is(readFileSync(`${dir}/app.bin`, 'utf8'), 'application v1\n');
  bodies.set('/app.bin', 'application v1\n');
});

test.serial('get_url: 404 fails at plan; credentials go through stdin, not argv', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hf-get-url-'));
  const host = new LocalHost();
  await t.throwsAsync(getUrlModule.plan(host, { url: `${base}/missing`, dest: `${dir}/x` }, ctx), { instanceOf: TaskError, message: /Request failed/ });
  const a = { url: `${base}/auth`, dest: `${dir}/auth`, url_username: 'u', url_password: 'p w' };
  t.deepEqual(await twice(host, a), { first: ['create file'], second: [] });
  t.is(readFileSync(`${dir}/auth`, 'utf8'), 'secret body\n');
  t.false(host.execLog.some((l) => l.includes('p w')));
});
