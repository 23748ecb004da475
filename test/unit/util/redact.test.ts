import test from 'ava';
import { compileRedactor, encodings, looksLikePrivateKey, MASK, redactKeyMaterial } from '../../../src/util/redact.js';
import { redactOutput, Secret, taint } from '../../../src/util/secret.js';
import { taintByName, taintSecretArgs } from '../../../src/util/secret-args.js';

const odd = 'pa"ss\\wo$rd\'`x';

const cases: [string, string, (s: string) => string][] = [
  ['raw', 'hunter22', (s) => `password is ${s}.`],
  ['JSON-escaped', odd, (s) => JSON.stringify({ v: s })],
  ['JSON-escaped twice', odd, (s) => JSON.stringify(JSON.stringify({ v: s }))],
  ['shell single-quoted', odd, (s) => `echo '${s.replace(/'/g, `'\\''`)}'`],
  ['shell double-quoted', odd, (s) => `echo "${s.replace(/(["\\$`])/g, '\\$1')}"`],
  ['upper-cased', 'hunter22', (s) => s.toUpperCase()],
  ['base64', 'hunter22', (s) => Buffer.from(s).toString('base64')],
  ['base64 of echo', 'hunter22', (s) => Buffer.from(`${s}\n`).toString('base64')],
  ['base64 embedded at offset 1', 'correct horse battery', (s) => Buffer.from(`x${s}yz`).toString('base64')],
  ['base64 embedded at offset 2', 'correct horse battery', (s) => Buffer.from(`xy${s}z`).toString('base64')],
  ['base64 embedded at offset 0', 'correct horse battery', (s) => Buffer.from(`xyz${s}zzzz`).toString('base64')],
  ['url-encoded', 'p@ss w/rd&x', (s) => `https://u:${encodeURIComponent(s)}@h/`],
  ['hex', 'hunter22', (s) => Buffer.from(s).toString('hex')],
  ['short, alone', 'ab', (s) => `pw=${s} done`],
  ['one character', 'Q', (s) => `pw: ${s}`],
];

for (const [title, secret, make] of cases) {
  test(`redacts a secret: ${title}`, (t) => {
    const red = compileRedactor([secret]);
    const text = make(secret);
    const out = red(text);
    t.true(out.includes(MASK), out);
    for (const f of encodings(secret)) if (f.length >= 4) t.false(out.includes(f), `${f} left in ${out}`);
    t.false(out.toLowerCase().includes(secret.toLowerCase()), out);
  });
}

test('a short secret does not eat parts of other words', (t) => {
  const red = compileRedactor(['ab']);
  t.is(red('table ab cab'), 'table *** cab');
});

test('text without secrets is unchanged', (t) => {
  const red = compileRedactor(['hunter22']);
  const text = 'ok=3 changed=1 {"a": "b\\n"}';
  t.is(red(text), text);
});

const pem = ['-----BEGIN OPENSSH PRIVATE KEY-----', 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ', '-----END OPENSSH PRIVATE KEY-----'].join('\n');
const pgp = ['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', 'lQOYBGV1c2VyAQgAxyz', '=abcd', '-----END PGP PRIVATE KEY BLOCK-----'].join('\n');
const putty = [
  'PuTTY-User-Key-File-3: ssh-ed25519',
  'Encryption: none',
  'Comment: me',
  'Public-Lines: 2',
  'AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC',
  'AAAA',
  'Private-Lines: 1',
  'AAAAIEXAMPLESECRETPRIVATEBYTES',
  'Private-MAC: 0123abcd',
].join('\n');

test('private key material is masked in diffs, PEM, OpenSSH, PGP and PuTTY alike', (t) => {
  const diff = (k: string): string => k.split('\n').map((l) => `+${l}`).join('\n');
  for (const key of [pem, pgp, putty]) {
    t.true(looksLikePrivateKey(key));
    for (const text of [key, diff(key), JSON.stringify(key)]) {
      const out = redactKeyMaterial(text);
      t.false(out.includes('b3BlbnNzaC1rZXkt'), out);
      t.false(out.includes('lQOYBGV1c2VyAQgAxyz'), out);
      t.false(out.includes('EXAMPLESECRETPRIVATE'), out);
    }
  }
  t.true(redactKeyMaterial(putty).includes('AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC'), 'the public part stays');
  t.true(redactKeyMaterial('-----BEGIN RSA PRIVATE KEY-----\nMIIEcut').endsWith(MASK + '-----END RSA PRIVATE KEY-----'), 'a key cut short is masked to its end');
});

test('Secrets and tainted values are redacted process-wide', (t) => {
  const s = new Secret('Zq9-process-secret');
  taint('another-tainted-value');
  t.is(redactOutput(`x ${s.reveal()} y another-tainted-value`), 'x *** y ***');
});

test('module arguments secret by nature are tainted whatever the variable was called', (t) => {
  taintSecretArgs({ name: 'u', password: 'from-var-x-7', nested: { api_token: 'tok-abc-123' }, content: pem });
  t.is(redactOutput('from-var-x-7 tok-abc-123 u'), '*** *** u');
});

test('secret-named variables are tainted by name', (t) => {
  taintByName({ db_password: 'name-rule-9', plain: 'visible', vault_thing: 'vaulted-1', deep: { api_token: 'deep-1' } });
  t.is(redactOutput('name-rule-9 visible vaulted-1 deep-1'), '*** visible *** ***');
});
