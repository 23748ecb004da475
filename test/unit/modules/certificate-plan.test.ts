/**
 * Table tests for the certificate planner's decision (pure: observed state + wanted → reasons),
 * and for how arguments + inventory vars become the wanted subject and SANs.
 */
import test from 'ava';
import { issueReasons, sanFromArgs, wantFromArgs, type CertState, type CertWant } from '../../../src/modules/certificate.js';
import type { CertInfo } from '../../../src/pki/types.js';

const DAY = 86_400_000;
const NOW = Date.parse('2026-01-01T00:00:00Z');

const want: CertWant = {
  subject: [
    { type: 'O', value: 'Org' },
    { type: 'CN', value: 'node1' },
  ],
  dns: ['node1', 'node1.example.com'],
  ips: ['198.18.0.11'],
  usage: 'both',
  days: 90,
  renewBeforeMs: 30 * DAY,
  force: false,
};

const good: CertInfo = {
  serial: '4a',
  subject: want.subject,
  issuer: [{ type: 'CN', value: 'Test CA' }],
  issuedByCa: true,
  dns: want.dns,
  ips: want.ips,
  usage: 'both',
  isCa: false,
  notBefore: new Date(NOW - 10 * DAY).toISOString(),
  notAfter: new Date(NOW + 80 * DAY).toISOString(),
  publicKeyId: 'k1',
};

interface Row {
  name: string;
  state: CertState;
  want?: Partial<CertWant>;
  reasons: string[];
}

const rows: Row[] = [
  { name: 'in state', state: { keyId: 'k1', cert: good }, reasons: [] },
  { name: 'no key, no cert', state: { keyId: null, cert: 'missing' }, reasons: ['new key', 'no certificate'] },
  { name: 'key, no cert', state: { keyId: 'k1', cert: 'missing' }, reasons: ['no certificate'] },
  { name: 'unparseable cert', state: { keyId: 'k1', cert: 'unparseable' }, reasons: ['certificate unparseable'] },
  { name: 'key regenerated (missing) while cert exists', state: { keyId: null, cert: good }, reasons: ['new key'] },
  { name: 'key mismatch', state: { keyId: 'k2', cert: good }, reasons: ['key mismatch'] },
  {
    name: 'another CA',
    state: { keyId: 'k1', cert: { ...good, issuedByCa: false, issuer: [{ type: 'CN', value: 'Other CA' }] } },
    reasons: ['issued by another CA (CN=Other CA)'],
  },
  {
    name: 'subject changed',
    state: { keyId: 'k1', cert: { ...good, subject: [{ type: 'CN', value: 'node1' }] } },
    reasons: ['subject CN=node1 → O=Org, CN=node1'],
  },
  {
    name: 'IP changed in the inventory',
    state: { keyId: 'k1', cert: good },
    want: { ips: ['198.18.0.99'] },
    reasons: ['IP addresses +198.18.0.99 -198.18.0.11'],
  },
  {
    name: 'DNS name added',
    state: { keyId: 'k1', cert: good },
    want: { dns: ['node1', 'node1.example.com', 'node1.internal'] },
    reasons: ['DNS names +node1.internal'],
  },
  { name: 'usage changed', state: { keyId: 'k1', cert: { ...good, usage: 'server' } }, reasons: ['usage server → both'] },
  { name: 'no EKU at all', state: { keyId: 'k1', cert: { ...good, usage: null } }, reasons: ['usage none → both'] },
  {
    name: 'inside the renewal window',
    state: { keyId: 'k1', cert: { ...good, notAfter: new Date(NOW + 29 * DAY).toISOString() } },
    reasons: ['expires in 29.0 days (renewal window 30.0 days)'],
  },
  {
    name: 'just outside the renewal window',
    state: { keyId: 'k1', cert: { ...good, notAfter: new Date(NOW + 31 * DAY).toISOString() } },
    reasons: [],
  },
  {
    name: 'expired',
    state: { keyId: 'k1', cert: { ...good, notAfter: '2025-12-01T00:00:00.000Z' } },
    reasons: ['expired 2025-12-01T00:00:00.000Z'],
  },
  { name: 'forced', state: { keyId: 'k1', cert: good }, want: { force: true }, reasons: ['forced'] },
  {
    name: 'revoked by the CA',
    state: { keyId: 'k1', cert: good, revoked: { date: '2026-11-30T10:00:00.000Z', reason: 'keyCompromise' } },
    reasons: ['revoked by the CA on 2026-11-30T10:00:00.000Z (keyCompromise)'],
  },
  {
    name: 'several at once',
    state: { keyId: 'k2', cert: { ...good, usage: 'client', ips: [] } },
    reasons: ['key mismatch', 'IP addresses +198.18.0.11', 'usage client → both'],
  },
];

for (const row of rows) {
  test(`issueReasons: ${row.name}`, (t) => {
    t.deepEqual(issueReasons(row.state, { ...want, ...row.want }, NOW), row.reasons);
  });
}

test('wanted subject and SANs from arguments and inventory vars', (t) => {
  const w = wantFromArgs(
    { path: '/c', key_path: '/k', organization: 'Org', dns: ['Extra.Example.com.'], ips: ['2001:DB8:0:0::1'], usage: 'both', days: 90 },
    'node1.example.com',
    { fqdn: 'node1.prod.example.com', ansible_host: '198.18.0.11', ip: ['198.18.0.12', 'node1-alias'] },
  );
  t.deepEqual(w.subject, [
    { type: 'O', value: 'Org' },
    { type: 'CN', value: 'node1.example.com' },
  ]);
  t.deepEqual(w.dns, ['extra.example.com', 'node1', 'node1-alias', 'node1.example.com', 'node1.prod.example.com']);
  t.deepEqual(w.ips, ['198.18.0.11', '198.18.0.12', '2001:db8::1']);
  t.is(w.renewBeforeMs, 30 * DAY, 'one third of the validity by default');
});

test('include_host_names: false uses only the given names', (t) => {
  t.deepEqual(sanFromArgs({ path: '/c', key_path: '/k', include_host_names: false, dns: ['a'] }, 'node1', { ansible_host: '198.18.0.1' }), {
    dns: ['a'],
    ips: [],
  });
});

test('a renewal window as long as the validity is refused (it would re-issue every run)', (t) => {
  t.throws(() => wantFromArgs({ path: '/c', key_path: '/k', days: 10, renew_before_days: 10 }, 'h', {}), { message: /must be less than days/ });
  t.throws(() => wantFromArgs({ path: '/c', key_path: '/k', dns: ['bad name'] }, 'h', {}), { message: /not a DNS name/ });
  t.throws(() => wantFromArgs({ path: '/c', key_path: '/k', ips: ['nope'] }, 'h', {}), { message: /not an IP address/ });
});
