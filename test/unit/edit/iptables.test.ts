import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  canonicalWords,
  type ChainArgs,
  type ChainState,
  normalizeSave,
  parseChainListing,
  planChain,
  renderWords,
  restoreInput,
  ruleWords,
  type RuleSpec,
  tokenize,
} from '../../../src/edit/iptables.js';
import { normAddress } from '../../../src/edit/iptables_rule.js';
import { InputError } from '../../../src/errors.js';

/** Rule as written -> what `iptables -S` prints after `-A CHAIN`. */
const canon: Array<[RuleSpec, string]> = [
  ['-A INPUT -p udp -m udp --sport 999 --dport 999 -s 198.18.0.3/32 -j ACCEPT'.slice('-A INPUT '.length), '-s 198.18.0.3/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT'],
  ['-p udp --dport 999 --sport 999 -s 198.18.0.3 -d 198.18.0.2 -j ACCEPT', '-s 198.18.0.3/32 -d 198.18.0.2/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT'],
  ['-d 198.18.0.2 -p udp --dport 999 -j DROP', '-d 198.18.0.2/32 -p udp -m udp --dport 999 -j DROP'],
  ['-s 198.18.0.4/255.255.255.0 -p udp --dport 1 -j ACCEPT', '-s 198.18.0.0/24 -p udp -m udp --dport 1 -j ACCEPT'],
  ['-p tcp --syn --dport 22 -m comment --comment "ssh \\"x\\" here" -j ACCEPT', '-p tcp -m tcp --dport 22 --tcp-flags FIN,SYN,RST,ACK SYN -m comment --comment "ssh \\"x\\" here" -j ACCEPT'],
  ['-m conntrack --ctstate ESTABLISHED,RELATED,NEW -j ACCEPT', '-m conntrack --ctstate NEW,RELATED,ESTABLISHED -j ACCEPT'],
  ['-m state --state established,related -j ACCEPT', '-m state --state RELATED,ESTABLISHED -j ACCEPT'],
  ['-p icmp --icmp-type echo-request -j ACCEPT', '-p icmp -m icmp --icmp-type 8 -j ACCEPT'],
  ['-i lo ! -s 10.0.0.0/8 -p tcp -m multiport --dports 80,443 -j REJECT', '! -s 10.0.0.0/8 -i lo -p tcp -m multiport --dports 80,443 -j REJECT --reject-with icmp-port-unreachable'],
  ['-p tcp ! --dport 22 -j LOG --log-prefix "hf: "', '-p tcp -m tcp ! --dport 22 -j LOG --log-prefix "hf: "'],
  ['-m comment --comment x -p udp --dport 5 -j DROP', '-p udp -m comment --comment x -m udp --dport 5 -j DROP'],
  ['-p 17 --dport 6 -j DROP', '-p udp -m udp --dport 6 -j DROP'],
  ['-p tcp --dport 1000: -j DROP', '-p tcp -m tcp --dport 1000:65535 -j DROP'],
  ['--protocol tcp --destination-port 443 --jump ACCEPT', '-p tcp -m tcp --dport 443 -j ACCEPT'],
  ['-m udp -p udp --dport 999 -j ACCEPT', '-p udp -m udp --dport 999 -j ACCEPT'],
  ['-p all -j ACCEPT', '-j ACCEPT'],
  ['-j UW', '-j UW'],
  [{ protocol: 'udp', source: '198.18.0.3', sport: 999, dport: 999, jump: 'ACCEPT' }, '-s 198.18.0.3/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT'],
  [{ protocol: 'tcp', dport: 998, source: '!198.18.0.9', jump: 'DROP', comment: 'fastrouter' }, '! -s 198.18.0.9/32 -p tcp -m tcp --dport 998 -m comment --comment fastrouter -j DROP'],
  [{ ctstate: ['RELATED', 'ESTABLISHED'], jump: 'ACCEPT' }, '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'],
  [{ protocol: 'tcp', dport: 80, jump: 'REJECT', reject_with: 'tcp-reset' }, '-p tcp -m tcp --dport 80 -j REJECT --reject-with tcp-reset'],
  [{ in_interface: 'eth0', protocol: 'tcp', extra: '-m limit --limit 5/min', jump: 'ACCEPT' }, '-i eth0 -p tcp -m limit --limit 5/min -j ACCEPT'],
];

for (const [spec, printed] of canon) {
  test(`iptables canonical: ${typeof spec === 'string' ? spec : JSON.stringify(spec)}`, (t) => {
    const w = canonicalWords(ruleWords(spec));
    t.is(renderWords(w), printed);
    // The canonical form of the printed form is itself.
    t.is(renderWords(canonicalWords(tokenize(printed))), printed);
  });
}

/** The real iptables, in a throw-away network namespace, prints what we predict. */
const canRunIptables = process.getuid?.() === 0 && existsSync('/usr/sbin/iptables') && existsSync('/usr/bin/unshare');
(canRunIptables ? test : test.skip)('iptables canonical forms agree with iptables -S (private netns)', (t) => {
  const usable = canon.filter(([s]) => !(typeof s === 'string' && s === '-j UW'));
  const script = [
    'set -e',
    'iptables -w -N UW',
    ...usable.map(([s]) => `iptables -w -A INPUT ${renderWords(ruleWords(s))}`),
    'iptables -w -S INPUT',
  ].join('\n');
  const out = execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8' });
  const listing = parseChainListing(out, 'INPUT');
  t.deepEqual(
    listing.rules.map((r) => renderWords(r)),
    usable.map(([, p]) => p),
  );
});

const peers = ['198.18.0.3', '198.18.0.4'];
const declared: RuleSpec[] = [
  ...peers.map((p) => `-s ${p} -d 198.18.0.2 -p udp --sport 999 --dport 999 -j ACCEPT`),
  '-d 198.18.0.2 -p udp --dport 999 -j DROP',
];
const canonLines = declared.map((d) => canonicalWords(ruleWords(d)));
const listing = (rules: string[][], policy: string | null = 'ACCEPT'): ChainState => ({ exists: true, listing: { policy, rules } });

interface PlanRow {
  name: string;
  state: ChainState;
  args: ChainArgs;
  ops: string[];
}

const planRows: PlanRow[] = [
  {
    name: 'empty INPUT: append all',
    state: listing([]),
    args: { chain: 'INPUT', rules: declared },
    ops: declared.map((d) => `-A INPUT ${d}`),
  },
  {
    name: 'all present (printed differently): nothing',
    state: listing(canonLines),
    args: { chain: 'INPUT', rules: declared },
    ops: [],
  },
  {
    name: '-C says present even when listing differs: trusted',
    state: { ...listing([]), checks: [true, true, true] },
    args: { chain: 'INPUT', rules: declared },
    ops: [],
  },
  {
    name: 'position top inserts missing rules in declared order',
    state: listing([['-p', 'tcp', '-m', 'tcp', '--dport', '22', '-j', 'ACCEPT']]),
    args: { chain: 'INPUT', rules: declared.slice(0, 2), position: 'top' },
    ops: [`-I INPUT 1 ${String(declared[0])}`, `-I INPUT 2 ${String(declared[1])}`],
  },
  {
    name: 'exclusive: an undeclared rule is deleted, others kept',
    state: listing([canonLines[0] as string[], ['-p', 'tcp', '-m', 'tcp', '--dport', '23', '-j', 'ACCEPT'], canonLines[1] as string[], canonLines[2] as string[]]),
    args: { chain: 'INPUT', rules: declared, exclusive: true },
    ops: ['-D INPUT 2'],
  },
  {
    name: 'exclusive: a new peer goes before the DROP, not after it',
    state: listing([canonLines[0] as string[], canonLines[2] as string[]]),
    args: { chain: 'INPUT', rules: declared, exclusive: true },
    ops: [`-I INPUT 2 ${String(declared[1])}`],
  },
  {
    name: 'exclusive: DROP before the ACCEPTs is reordered',
    state: listing([canonLines[2] as string[], canonLines[0] as string[], canonLines[1] as string[]]),
    args: { chain: 'INPUT', rules: declared, exclusive: true },
    ops: ['-D INPUT 1', `-A INPUT ${String(declared[2])}`],
  },
  {
    name: 'exclusive: duplicates are deleted from the bottom',
    state: listing([canonLines[0] as string[], canonLines[0] as string[], canonLines[1] as string[], canonLines[2] as string[], canonLines[2] as string[]]),
    args: { chain: 'INPUT', rules: declared, exclusive: true },
    ops: ['-D INPUT 5', '-D INPUT 2'],
  },
  {
    name: 'exclusive on a missing user chain: create it and append',
    state: { exists: false, listing: { policy: null, rules: [] } },
    args: { chain: 'UWSGI', rules: declared.slice(2), exclusive: true },
    ops: ['-N UWSGI', `-A UWSGI ${String(declared[2])}`],
  },
  {
    name: 'policy change comes after the rules',
    state: listing([]),
    args: { chain: 'INPUT', rules: ['-p tcp --dport 22 -j ACCEPT'], policy: 'DROP' },
    ops: ['-A INPUT -p tcp --dport 22 -j ACCEPT', '-P INPUT DROP'],
  },
  {
    name: 'policy already right',
    state: listing([], 'DROP'),
    args: { chain: 'INPUT', policy: 'DROP' },
    ops: [],
  },
  {
    name: 'state absent deletes every copy',
    state: listing([canonLines[2] as string[], canonLines[2] as string[]]),
    args: { chain: 'INPUT', rules: declared.slice(2), state: 'absent' },
    ops: [`-D INPUT ${String(declared[2])}`, `-D INPUT ${String(declared[2])}`],
  },
  {
    name: 'state absent, not there',
    state: listing([]),
    args: { chain: 'INPUT', rules: declared, state: 'absent' },
    ops: [],
  },
];

for (const row of planRows) {
  test(`iptables plan: ${row.name}`, (t) => {
    const ops = planChain(row.state, row.args);
    t.deepEqual(
      ops.map((o) => renderWords(o.words)),
      row.ops.map((o) => renderWords(tokenize(o))),
    );
    for (const o of ops) t.true(o.summary.length > 0);
  });
}

/** Simulate the operations on the listing, then plan again: must be empty. */
(canRunIptables ? test : test.skip)('iptables plan: applying the ops in a private netns converges', (t) => {
  for (const row of planRows.filter((r) => r.state.checks === undefined)) {
    const table = 'filter';
    const setup = [
      'set -e',
      row.args.chain !== 'INPUT' && row.state.exists ? `iptables -w -N ${row.args.chain}` : ':',
      `iptables -w -P INPUT ${row.state.listing.policy ?? 'ACCEPT'}`,
      ...(row.state.exists ? row.state.listing.rules.map((r) => `iptables -w -A ${row.args.chain} ${renderWords(r)}`) : []),
    ];
    const ops = planChain(row.state, row.args);
    const input = restoreInput(table, ops);
    const script = [...setup, `printf '%s' '${input.replace(/'/g, `'\\''`)}' | iptables-restore -w -n`, `iptables -w -S ${row.args.chain}`].join('\n');
    const out = execFileSync('unshare', ['-n', 'sh', '-c', script], { encoding: 'utf8' });
    const after = parseChainListing(out, row.args.chain);
    const again = planChain({ exists: true, listing: after }, row.args);
    t.deepEqual(again, [], row.name);
    if (row.args.exclusive) {
      t.deepEqual(after.rules.map((r) => renderWords(r)), (row.args.rules ?? []).map((d) => renderWords(canonicalWords(ruleWords(d)))), row.name);
    }
  }
});

test('iptables: listing and save parsing', (t) => {
  const s = '-P INPUT DROP\n-N UW\n-A INPUT -s 1.2.3.4/32 -j ACCEPT\n-A UW -j DROP\n-A INPUT -m comment --comment "a b" -j UW\n';
  t.deepEqual(parseChainListing(s, 'INPUT'), { policy: 'DROP', rules: [['-s', '1.2.3.4/32', '-j', 'ACCEPT'], ['-m', 'comment', '--comment', 'a b', '-j', 'UW']] });
  t.deepEqual(parseChainListing(s, 'UW'), { policy: null, rules: [['-j', 'DROP']] });
  const save = '# Generated by iptables-save v1.8.9 on x\n*filter\n:INPUT ACCEPT [12:345]\n-A INPUT -j ACCEPT\nCOMMIT\n# Completed\n';
  t.deepEqual(normalizeSave(save), ['*filter', ':INPUT ACCEPT', '-A INPUT -j ACCEPT', 'COMMIT']);
  t.is(restoreInput('filter', [{ words: ['-A', 'INPUT', '-m', 'comment', '--comment', 'a "b"', '-j', 'ACCEPT'], summary: '' }]), '*filter\n-A INPUT -m comment --comment "a \\"b\\"" -j ACCEPT\nCOMMIT\n');
});

test('iptables: input errors', (t) => {
  t.throws(() => ruleWords('-A INPUT -j ACCEPT'), { instanceOf: InputError });
  t.throws(() => ruleWords('--dport 22 -j ACCEPT'), { instanceOf: InputError });
  t.throws(() => ruleWords({ dport: 22, jump: 'ACCEPT' }), { instanceOf: InputError });
  t.throws(() => ruleWords('-s 1.2.3.4,5.6.7.8 -j ACCEPT'), { instanceOf: InputError });
  t.throws(() => ruleWords('-p tcp -j ACCEPT --comment "x'), { instanceOf: InputError });
  t.throws(() => planChain(listing([]), { chain: 'UW', policy: 'DROP' }), { instanceOf: InputError });
  t.throws(() => planChain(listing([]), { chain: 'bad chain' }), { instanceOf: InputError });
  t.throws(() => planChain({ exists: false, listing: { policy: null, rules: [] } }, { chain: 'INPUT', rules: ['-j ACCEPT'] }), { instanceOf: InputError });
  // -C finds it but no listed rule has the same canonical form: refuse in exclusive mode.
  t.throws(() => planChain({ ...listing([]), checks: [true] }, { chain: 'INPUT', rules: ['-s host.example -j ACCEPT'], exclusive: true }), {
    instanceOf: InputError,
  });
});

test('iptables: addresses', (t) => {
  t.is(normAddress('10.1.2.3/8'), '10.0.0.0/8');
  t.is(normAddress('10.1.2.3'), '10.1.2.3/32');
  t.is(normAddress('0.0.0.0/0'), '0.0.0.0/0');
  t.is(normAddress('10.1.2.3/255.255.0.0'), '10.1.0.0/16');
});
