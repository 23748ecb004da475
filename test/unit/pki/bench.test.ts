/**
 * Issuing for 50 hosts at once must not be slowed (or the event loop blocked) by signing.
 * Signatures are node:crypto's in the libuv thread pool; node-forge's pure-JS RSA is
 * measured alongside for the record.
 */
import test from 'ava';
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { makeCa, openssl, PASS } from './helpers/ca.js';
import { removeTempDirs } from './helpers/local-host.js';

test.after.always(removeTempDirs);

test('50 concurrent signings: total time and longest event-loop stall', async (t) => {
  const { pki, dir, root } = await makeCa('bench');
  await pki.caKey(); // unlock first: the KDF is a one-off per run, not per cert
  const csrs: string[] = [];
  for (let i = 0; i < 5; i++) {
    const r = await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(root, `k${i}.key`), '-subj', `/CN=host${i}`, '-out', join(root, `k${i}.csr`)]);
    t.is(r.code, 0, r.stderr);
    csrs.push(await readFile(join(root, `k${i}.csr`), 'utf8'));
  }

  let maxLag = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - last - 2);
    last = now;
  }, 2);
  const t0 = performance.now();
  const certs = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      pki.signCsr(csrs[i % 5]!, {
        subject: [{ type: 'CN', value: `host${i}` }],
        dns: [`host${i}`, `host${i}.example.com`],
        ips: [`198.18.0.${i + 10}`],
        usage: 'both',
        days: 365,
        requester: `host${i}`,
      }),
    ),
  );
  const total = performance.now() - t0;
  clearInterval(timer);

  t.is(certs.length, 50);
  t.is(new Set(certs).size, 50);
  const listed = await pki.list();
  t.is(listed.length, 50, 'every issue is in the index (batched writes lose nothing)');
  t.is(new Set(listed.map((c) => c.serial)).size, 50);
  for (const i of [0, 17, 49]) {
    const v = await openssl(['verify', '-CAfile', join(dir, 'ca.crt')], { stdin: certs[i] });
    t.is(v.code, 0, v.stderr);
  }

  // node-forge's own RSA signing, for comparison (pure JS, on the event loop).
  const keyPem = createPrivateKey({ key: await readFile(join(dir, 'ca.key'), 'utf8'), passphrase: PASS }).export({ type: 'pkcs1', format: 'pem' }).toString();
  const fk = forge.pki.privateKeyFromPem(keyPem);
  const f0 = performance.now();
  for (let i = 0; i < 5; i++) {
    const md = forge.md.sha256.create();
    md.update('x'.repeat(800));
    fk.sign(md);
  }
  const forgeMs = (performance.now() - f0) / 5;

  t.log(`50 certificates signed in ${total.toFixed(0)} ms (${(total / 50).toFixed(1)} ms each, concurrent); longest event-loop stall ${maxLag.toFixed(0)} ms`);
  t.log(`node-forge pure-JS RSA-2048 signature: ${forgeMs.toFixed(1)} ms each (x50 = ${(forgeMs * 50).toFixed(0)} ms blocking the event loop)`);
  t.true(total < 10_000, `50 signings took ${total} ms`);
  t.true(maxLag < 250, `event loop stalled ${maxLag} ms`);
});
