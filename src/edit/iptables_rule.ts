/**
 * iptables rule specs: tokenising, parsing and the canonical form `iptables -S` prints.
 *
 * `-A INPUT -p udp -m udp --sport 999 --dport 999 -s 198.18.0.3/32 -j ACCEPT` and
 * `-p udp --dport 999 --sport 999 -s 198.18.0.3 -j ACCEPT` are the same rule; iptables
 * prints both as `-s 198.18.0.3/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT`.
 * The canonical form follows iptables' print order: -s -d -i -o -p -f, then the matches in
 * the order they were loaded (an implicit protocol match where its first option appears),
 * then the target and its options.
 */
import { InputError } from '../errors.js';

/** A rule as structured data (the module's object form). */
export interface RuleObject {
  protocol?: string;
  source?: string;
  destination?: string;
  sport?: string | number;
  dport?: string | number;
  in_interface?: string;
  out_interface?: string;
  ctstate?: string | string[];
  comment?: string;
  /** Extra match words, e.g. "-m limit --limit 5/min". */
  extra?: string;
  jump?: string;
  goto?: string;
  reject_with?: string;
}

export type RuleSpec = string | RuleObject;

interface Opt {
  neg: boolean;
  name: string;
  args: string[];
}

interface Match {
  name: string;
  opts: Opt[];
}

interface Field {
  neg: boolean;
  v: string;
}

export interface ParsedRule {
  src?: Field;
  dst?: Field;
  in?: Field;
  out?: Field;
  proto?: Field;
  frag?: { neg: boolean };
  matches: Match[];
  target?: { goto: boolean; name: string; opts: Opt[] };
}

/** Shell-like split: whitespace, '...', "..." with \" and \\ escapes, \x outside quotes. */
export function tokenize(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i] as string)) i++;
    if (i >= s.length) break;
    let tok = '';
    for (; i < s.length && !/\s/.test(s[i] as string); i++) {
      const c = s[i] as string;
      if (c === "'") {
        const end = s.indexOf("'", i + 1);
        if (end < 0) throw new InputError(`unterminated ' in ${JSON.stringify(s)}`);
        tok += s.slice(i + 1, end);
        i = end;
      } else if (c === '"') {
        i++;
        for (; i < s.length && s[i] !== '"'; i++) {
          if (s[i] === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\')) i++;
          tok += s[i];
        }
        if (i >= s.length) throw new InputError(`unterminated " in ${JSON.stringify(s)}`);
      } else if (c === '\\' && i + 1 < s.length) {
        tok += s[++i];
      } else tok += c;
    }
    out.push(tok);
  }
  return out;
}

/** Quote a word the way iptables-save does, so iptables-restore reads it back. */
export function quoteWord(w: string): string {
  if (/[\r\n]/.test(w)) throw new InputError(`iptables: a rule word contains a newline`);
  if (w !== '' && !/[\s"'\\#]/.test(w)) return w;
  return `"${w.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const PROTO_NUM: Record<string, string> = {
  '1': 'icmp',
  '6': 'tcp',
  '17': 'udp',
  '47': 'gre',
  '50': 'esp',
  '51': 'ah',
  '58': 'ipv6-icmp',
  '132': 'sctp',
};

const ICMP_TYPES: Record<string, string> = {
  'echo-reply': '0',
  pong: '0',
  'destination-unreachable': '3',
  'source-quench': '4',
  redirect: '5',
  'echo-request': '8',
  ping: '8',
  'router-advertisement': '9',
  'router-solicitation': '10',
  'time-exceeded': '11',
  'ttl-exceeded': '11',
  'parameter-problem': '12',
  'timestamp-request': '13',
  'timestamp-reply': '14',
};

const STATE_ORDER = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];

/** Options that load the protocol's match implicitly (after -p tcp/udp/icmp). */
const PROTO_OPTS = new Set([
  '--sport',
  '--source-port',
  '--dport',
  '--destination-port',
  '--tcp-flags',
  '--syn',
  '--tcp-option',
  '--icmp-type',
]);

const VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

function aliasOpt(match: string, name: string): string {
  if (match === 'tcp' || match === 'udp' || match === 'sctp') {
    if (name === '--source-port') return '--sport';
    if (name === '--destination-port') return '--dport';
  }
  if (match === 'multiport') {
    if (name === '--source-ports') return '--sports';
    if (name === '--destination-ports') return '--dports';
  }
  return name;
}

/** Parse rule words (without `-A CHAIN`). */
export function parseRule(words: readonly string[]): ParsedRule {
  const r: ParsedRule = { matches: [] };
  let neg = false;
  let ctx: Match | 'target' | null = null;
  const take = (i: number, what: string): string => {
    const v = words[i];
    if (v === undefined) throw new InputError(`iptables: ${what} needs a value`);
    return v;
  };
  for (let i = 0; i < words.length; i++) {
    const t = words[i] as string;
    if (t === '!') {
      neg = true;
      continue;
    }
    const field = (): Field => ({ neg, v: take(++i, t) });
    switch (t) {
      case '-s':
      case '--source':
      case '--src':
        r.src = field();
        break;
      case '-d':
      case '--destination':
      case '--dst':
        r.dst = field();
        break;
      case '-i':
      case '--in-interface':
        r.in = field();
        break;
      case '-o':
      case '--out-interface':
        r.out = field();
        break;
      case '-p':
      case '--protocol':
        r.proto = field();
        break;
      case '-f':
      case '--fragment':
        r.frag = { neg };
        break;
      case '-m':
      case '--match': {
        const m: Match = { name: take(++i, t).toLowerCase(), opts: [] };
        r.matches.push(m);
        ctx = m;
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto':
        r.target = { goto: t === '-g' || t === '--goto', name: take(++i, t), opts: [] };
        ctx = 'target';
        break;
      default: {
        if (!t.startsWith('-') || /^-[A-Z]$/.test(t)) {
          throw new InputError(`iptables: unexpected ${JSON.stringify(t)} in rule "${words.join(' ')}"`);
        }
        const args: string[] = [];
        while (i + 1 < words.length && !(words[i + 1] as string).startsWith('-') && words[i + 1] !== '!') {
          args.push(words[++i] as string);
        }
        const opt: Opt = { neg, name: t, args };
        const proto = r.proto?.v.toLowerCase();
        const protoName = proto === undefined ? undefined : (PROTO_NUM[proto] ?? proto);
        const targetOwns = ctx === 'target' && r.target !== undefined && !VERDICTS.has(r.target.name) && !PROTO_OPTS.has(t);
        if (targetOwns && r.target) {
          r.target.opts.push(opt);
        } else if (PROTO_OPTS.has(t) && (ctx === null || ctx === 'target' || ctx.name !== protoName)) {
          if (!protoName) throw new InputError(`iptables: ${t} needs -p tcp/udp before it`);
          let m = r.matches.find((x) => x.name === protoName);
          if (!m) {
            m = { name: protoName, opts: [] };
            r.matches.push(m);
          }
          m.opts.push(opt);
          ctx = m;
        } else if (ctx !== null && ctx !== 'target') {
          ctx.opts.push(opt);
        } else if (ctx === 'target' && r.target) {
          r.target.opts.push(opt);
        } else {
          throw new InputError(`iptables: option ${t} without a match (-m ...) in rule "${words.join(' ')}"`);
        }
      }
    }
    neg = false;
  }
  return r;
}

function ipv4ToInt(a: string): number | null {
  const p = a.split('.');
  if (p.length !== 4 || !p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255)) return null;
  return p.reduce((acc, x) => acc * 256 + Number(x), 0);
}

function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** 10.0.0.1/24 -> 10.0.0.0/24, 1.2.3.4 -> 1.2.3.4/32, /255.255.255.0 -> /24. */
export function normAddress(a: string): string {
  if (a.includes(',')) throw new InputError(`iptables: one address per rule (got ${a})`);
  const [addr = '', mask] = a.split('/');
  const ip = ipv4ToInt(addr);
  if (ip === null) {
    if (addr.includes(':')) return `${addr.toLowerCase()}/${mask ?? '128'}`;
    return a; // a host name: left to iptables -C
  }
  let bits = 32;
  if (mask !== undefined) {
    if (/^\d+$/.test(mask)) bits = Number(mask);
    else {
      const m = ipv4ToInt(mask);
      if (m === null) throw new InputError(`iptables: bad mask in ${a}`);
      bits = m.toString(2).replace(/0+$/, '').length;
    }
  }
  if (bits > 32) throw new InputError(`iptables: bad prefix length in ${a}`);
  const net = bits === 0 ? 0 : Math.floor(ip / 2 ** (32 - bits)) * 2 ** (32 - bits);
  return `${intToIpv4(net)}/${bits}`;
}

function normPortRange(p: string): string {
  if (/^\d+:$/.test(p)) return `${p}65535`;
  if (/^:\d+$/.test(p)) return `0${p}`;
  const m = /^(\d+):(\d+)$/.exec(p);
  if (m && m[1] === m[2]) return m[1] as string;
  return p;
}

const OPT_ORDER: Record<string, string[]> = {
  tcp: ['--sport', '--dport', '--tcp-flags', '--tcp-option'],
  udp: ['--sport', '--dport'],
};

function normMatch(m: Match): Match {
  const opts: Opt[] = m.opts.map((o) => {
    let name = aliasOpt(m.name, o.name);
    let args = [...o.args];
    if (m.name === 'tcp' && name === '--syn') {
      name = '--tcp-flags';
      args = ['FIN,SYN,RST,ACK', 'SYN'];
    }
    if ((m.name === 'tcp' || m.name === 'udp') && (name === '--sport' || name === '--dport')) args = args.map(normPortRange);
    if ((m.name === 'conntrack' && name === '--ctstate') || (m.name === 'state' && name === '--state')) {
      const states = (args[0] ?? '').toUpperCase().split(',');
      args = [STATE_ORDER.filter((s) => states.includes(s)).concat(states.filter((s) => !STATE_ORDER.includes(s))).join(',')];
    }
    if (m.name === 'icmp' && name === '--icmp-type') args = args.map((a) => ICMP_TYPES[a] ?? a);
    return { neg: o.neg, name, args };
  });
  const order = OPT_ORDER[m.name];
  if (order) {
    const rank = (o: Opt): number => {
      const i = order.indexOf(o.name);
      return i < 0 ? order.length : i;
    };
    opts.sort((a, b) => rank(a) - rank(b));
  }
  return { name: m.name, opts };
}

/** The canonical words of a rule (what `iptables -S` prints after `-A CHAIN`). */
export function canonicalWords(words: readonly string[]): string[] {
  const r = parseRule(words);
  const out: string[] = [];
  const f = (flag: string, x: Field | undefined, norm: (v: string) => string = (v) => v): void => {
    if (!x) return;
    if (x.neg) out.push('!');
    out.push(flag, norm(x.v));
  };
  f('-s', r.src, normAddress);
  f('-d', r.dst, normAddress);
  f('-i', r.in);
  f('-o', r.out);
  if (r.proto && !(r.proto.v.toLowerCase() === 'all' && !r.proto.neg)) {
    f('-p', r.proto, (v) => PROTO_NUM[v.toLowerCase()] ?? v.toLowerCase());
  }
  if (r.frag) out.push(...(r.frag.neg ? ['!', '-f'] : ['-f']));
  for (const m of r.matches.map(normMatch)) {
    out.push('-m', m.name);
    for (const o of m.opts) out.push(...(o.neg ? ['!'] : []), o.name, ...o.args);
  }
  if (r.target) {
    out.push(r.target.goto ? '-g' : '-j', r.target.name);
    const opts = [...r.target.opts];
    if (r.target.name === 'REJECT' && !opts.some((o) => o.name === '--reject-with')) {
      opts.push({ neg: false, name: '--reject-with', args: ['icmp-port-unreachable'] });
    }
    for (const o of opts) out.push(...(o.neg ? ['!'] : []), o.name, ...o.args);
  }
  return out;
}

/** One comparable string per rule. */
export function canonicalKey(words: readonly string[]): string {
  return canonicalWords(words).join('\u0000');
}

/** Render words as one line iptables(-restore) reads back. */
export function renderWords(words: readonly string[]): string {
  return words.map(quoteWord).join(' ');
}

/** A rule from the module's arguments as iptables words. */
export function ruleWords(spec: RuleSpec): string[] {
  if (typeof spec === 'string') {
    const w = tokenize(spec);
    if (w.length === 0) throw new InputError('iptables: empty rule');
    if (/^-[AIDCRP]$/.test(w[0] as string)) {
      throw new InputError(`iptables: write the rule without ${w[0] as string} CHAIN: ${JSON.stringify(spec)}`);
    }
    canonicalWords(w); // validate early
    return w;
  }
  const w: string[] = [];
  const neg = (flag: string, v: string): string[] => (v.startsWith('!') ? ['!', flag, v.slice(1).trim()] : [flag, v]);
  if (spec.source) w.push(...neg('-s', spec.source));
  if (spec.destination) w.push(...neg('-d', spec.destination));
  if (spec.in_interface) w.push('-i', spec.in_interface);
  if (spec.out_interface) w.push('-o', spec.out_interface);
  if (spec.protocol) w.push('-p', spec.protocol);
  if (spec.sport !== undefined || spec.dport !== undefined) {
    const p = spec.protocol?.toLowerCase();
    if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') throw new InputError('iptables: sport/dport need protocol tcp, udp or sctp');
    w.push('-m', p);
    if (spec.sport !== undefined) w.push(...neg('--sport', String(spec.sport)));
    if (spec.dport !== undefined) w.push(...neg('--dport', String(spec.dport)));
  }
  if (spec.ctstate !== undefined) {
    const states = typeof spec.ctstate === 'string' ? spec.ctstate : spec.ctstate.join(',');
    w.push('-m', 'conntrack', '--ctstate', states);
  }
  if (spec.comment !== undefined) w.push('-m', 'comment', '--comment', spec.comment);
  if (spec.extra) w.push(...tokenize(spec.extra));
  if (spec.jump && spec.goto) throw new InputError('iptables: use jump or goto, not both');
  if (spec.jump) w.push('-j', spec.jump);
  if (spec.goto) w.push('-g', spec.goto);
  if (spec.reject_with) {
    if (spec.jump !== 'REJECT') throw new InputError('iptables: reject_with needs jump: REJECT');
    w.push('--reject-with', spec.reject_with);
  }
  if (w.length === 0) throw new InputError('iptables: empty rule');
  canonicalWords(w);
  return w;
}
