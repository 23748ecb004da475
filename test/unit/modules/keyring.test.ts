import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { keypairModule } from '../../../src/modules/keypair.js';
import { keyringModule, renderKeyring, type KeyringArgs } from '../../../src/modules/keyring.js';
import { openPki } from '../../../src/pki/service.js';
import { makeCa } from '../pki/helpers/ca.js';
import { context, LocalHost, removeTempDirs } from '../pki/helpers/local-host.js';

test.after.always(removeTempDirs);

const groups = { pki_nodes: ['node1', 'node2', 'node3'], all: ['node1', 'node2', 'node3', 'bastion'] };

test('keypair on every node, then keyring: each node lists the public keys of the others; run twice', async (t) => {
  const { pki, root } = await makeCa('keyring');
  const ctx = context(pki, { groups });
  const pubs: Record<string, string> = {};
  // Lockstep: keypair on all hosts, then keyring on all hosts.
  for (const h of groups.pki_nodes) {
    const host = new LocalHost(h);
    const args = { path: join(root, `${h}.key`) };
    await keypairModule.apply(host, await keypairModule.plan(host, args, ctx), args, ctx);
    pubs[h] = await readFile(join(root, `${h}.key.pub`), 'utf8');
  }
  for (const h of groups.pki_nodes) {
    const host = new LocalHost(h);
    const args: KeyringArgs = { path: join(root, `${h}.keyring`), from_group: 'pki_nodes', format: 'pem' };
    const changes = await keyringModule.plan(host, args, ctx);
    const others = groups.pki_nodes.filter((x) => x !== h);
    t.deepEqual(changes.map((c) => c.summary), [`write keyring ${args.path} (2 keys: ${others.join(', ')})`]);
    await keyringModule.apply(host, changes, args, ctx);
    const text = await readFile(args.path, 'utf8');
    t.is(text, others.map((o) => `# ${o}\n${pubs[o]}`).join(''));
    t.false(text.includes(pubs[h]!), 'not its own key');
    t.false(/PRIVATE/.test(text));
    t.deepEqual(await keyringModule.plan(host, args, ctx), []);
  }
  // base58 (BigchainDB) and json formats.
  const b58 = await keyringModule.plan(new LocalHost('node1'), { path: join(root, 'b58'), from_group: 'pki_nodes', format: 'base58' }, ctx);
  t.regex(b58[0]!.after!, /^[1-9A-HJ-NP-Za-km-z]{43,44}\n[1-9A-HJ-NP-Za-km-z]{43,44}\n$/);
  const json = JSON.parse((await keyringModule.plan(new LocalHost('node1'), { path: join(root, 'j'), from_group: 'pki_nodes', format: 'json', include_self: true }, ctx))[0]!.after!) as Record<string, { type: string }>;
  t.deepEqual(Object.keys(json), ['node1', 'node2', 'node3']);
  t.is(json.node2!.type, 'ed25519');
});

test('check mode: a member whose key is not generated yet makes the keyring content unknown, not wrong', async (t) => {
  const { pki, root } = await makeCa('keyring-check');
  const ctx = context(pki, { groups });
  for (const h of ['node1', 'node2']) {
    const host = new LocalHost(h);
    const args = { path: join(root, `${h}.key`) };
    await keypairModule.apply(host, await keypairModule.plan(host, args, ctx), args, ctx);
  }
  // Check run: node3's keypair task predicts a new key.
  const checkPki = await openPki(pki.dir, () => Promise.reject(new Error('no passphrase in check mode')));
  const checkCtx = context(checkPki, { groups });
  await keypairModule.plan(new LocalHost('node3', {}, true), { path: join(root, 'node3.key') }, checkCtx);
  const plan = await keyringModule.plan(new LocalHost('node1', {}, true), { path: join(root, 'k1'), from_group: 'pki_nodes' }, checkCtx);
  t.deepEqual(plan.map((c) => c.summary), [`write keyring ${join(root, 'k1')} (2 keys; not generated yet: node3)`]);
  t.is(plan[0]!.data?.predicted, false);
  // Real run without node3's key: a clear error, not a keyring that silently lacks it.
  await t.throwsAsync(keyringModule.plan(new LocalHost('node1'), { path: join(root, 'k1'), from_group: 'pki_nodes' }, ctx), {
    message: /no public key recorded for node3: run the keypair task on it first/,
  });
  await t.throwsAsync(keyringModule.plan(new LocalHost('node1'), { path: join(root, 'k1'), from_group: 'nope' }, ctx), { message: /no inventory group "nope"/ });
});

test('renderKeyring: hosts sorted, base58 needs Ed25519', (t) => {
  const rsa = { type: 'rsa', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nMFww\n-----END PUBLIC KEY-----\n', recorded: '' };
  t.is(renderKeyring([['b', rsa], ['a', rsa]], 'pem'), `# a\n${rsa.publicKeyPem}# b\n${rsa.publicKeyPem}`);
  t.throws(() => renderKeyring([['a', rsa]], 'base58'), { message: /base58 needs Ed25519/ });
});
