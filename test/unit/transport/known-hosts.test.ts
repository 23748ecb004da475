import test from 'ava';
import { entriesFor, hashHostName, parseKnownHosts, preferredHostKeyAlgorithms, verifyHostKey } from '../../../src/transport/known-hosts.js';
import { shJoin, shQuote } from '../../../src/util/quote.js';

const key1 = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from('AAAA')]);
const key2 = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from('BBBB')]);

test('plain, [host]:port, hashed and wildcard entries match like OpenSSH', (t) => {
  const text = [
    `198.18.0.2 ssh-ed25519 ${key1.toString('base64')}`,
    `[198.18.0.3]:2222 ssh-ed25519 ${key1.toString('base64')}`,
    `${hashHostName('node9')} ssh-ed25519 ${key2.toString('base64')}`,
    `*.lab.test,!bad.lab.test ssh-rsa AAAAB3`,
    '# comment',
  ].join('\n');
  const e = parseKnownHosts(text);
  t.is(entriesFor(e, '198.18.0.2', 22).length, 1);
  t.is(entriesFor(e, '198.18.0.3', 22).length, 0);
  t.is(entriesFor(e, '198.18.0.3', 2222).length, 1);
  t.is(entriesFor(e, 'node9', 22).length, 1);
  t.is(entriesFor(e, 'x.lab.test', 22).length, 1);
  t.is(entriesFor(e, 'bad.lab.test', 22).length, 0);
  t.deepEqual(verifyHostKey(e, '198.18.0.2', 22, key1), { ok: true });
  t.is((verifyHostKey(e, '198.18.0.2', 22, key2) as { reason: string }).reason, 'mismatch');
  t.is((verifyHostKey(e, '10.1.1.1', 22, key1) as { reason: string }).reason, 'unknown');
  t.deepEqual(preferredHostKeyAlgorithms(e, 'x.lab.test', 22), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
});

test('POSIX quoting', (t) => {
  t.is(shQuote('plain-word_1.2/x'), 'plain-word_1.2/x');
  t.is(shQuote(''), "''");
  t.is(shQuote("it's $HOME `x`"), `'it'\\''s $HOME \`x\`'`);
  t.is(shJoin(['echo', 'a b', '*']), "echo 'a b' '*'");
});
