/**
 * iptables with the real iptables in a private network namespace (NetnsHost): nothing of
 * the machine's own rules is touched. The lockout guard's login probe is the test's.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import { iptablesModule, ruleList, type IptablesArgs } from '../../../src/modules/iptables.js';
import { validator } from '../../../src/playbook/schema.js';
import { fakeContext } from '../../helpers/fake-host.js';
import { canNetns, NetnsHost } from '../edit/local-hosts.js';

const maybe = canNetns() ? test.serial : test.skip;

/** The lockout guard's host-side state goes to a private directory, never the machine's /var/lib/hostforge. */
const STATE = mkdtempSync(join(tmpdir(), 'hf-iptguard-'));
test.after.always(() => rmSync(STATE, { recursive: true, force: true }));

function ctxWith(probe: () => Promise<void>) {
  return { ...fakeContext({ vars: { hostforge_state_dir: STATE } }).ctx, probeLogin: probe };
}
const ok = ctxWith(async () => undefined);

const ME = '198.18.0.2';
const PEERS = ['198.18.0.3', '198.18.0.4'];

function uwsgiArgs(dir: string, peers = PEERS): IptablesArgs {
  return {
    chain: 'UWSGI',
    exclusive: true,
    persist_path: join(dir, 'rules.v4'),
    rules: [
      ...peers.map((p) => ({ protocol: 'udp', source: p, destination: ME, sport: 999, dport: 999, jump: 'ACCEPT' })),
      `-d ${ME} -p udp --dport 999 -j DROP`,
    ],
  };
}

async function withHost(tag: string, fn: (h: NetnsHost, dir: string) => Promise<void>): Promise<void> {
  const h = new NetnsHost(tag);
  const dir = mkdtempSync(join(tmpdir(), 'hf-ipt-'));
  await h.create();
  try {
    await fn(h, dir);
  } finally {
    await h.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Live (not zombie) processes of the namespace that belong to a rollback timer. */
async function liveTimers(h: NetnsHost): Promise<string[]> {
  const pids = (await h.exec({ script: `ip netns pids ${h.ns}` })).stdout.split('\n').filter((p) => /^\d+$/.test(p));
  return pids.filter((p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return !/\) Z /.test(stat) && (cmd.includes('hostforge-rollback') || cmd.includes('hostforge-guard') || /^sleep\0/.test(cmd));
    } catch {
      return false;
    }
  });
}

async function listing(h: NetnsHost, chain: string): Promise<string> {
  return (await h.exec(['iptables', '-w', '-S', chain])).stdout;
}

test('iptables: a rules string is one rule per line', (t) => {
  t.deepEqual(ruleList('\n  -p udp --dport 999 -j DROP\n# peers\n\n-j RETURN\n'), ['-p udp --dport 999 -j DROP', '-j RETURN']);
  t.deepEqual(ruleList(['-j ACCEPT']), ['-j ACCEPT']);
});

test('iptables: schema', (t) => {
  const v = validator(iptablesModule.args as object, false);
  t.true(v({ chain: 'INPUT', rules: ['-p tcp --dport 22 -j ACCEPT', { protocol: 'udp', dport: 999, jump: 'DROP' }], policy: 'ACCEPT' }));
  t.true(v({ chain: 'UWSGI', rules: '-p udp --dport 999 -j DROP\n\n# comment\n-p udp --dport 2100 -j DROP\n' }));
  t.false(v({ rules: [] }));
  t.false(v({ chain: 'INPUT', rules: [{ proto: 'udp' }] }));
  t.false(v({ chain: 'IN PUT' }));
  t.false(v({ chain: 'INPUT', rollback_seconds: 1 }));
});

maybe('iptables: a user chain, exclusive, plus the jump from INPUT; twice; persisted', async (t) => {
  await withHost('a', async (h, dir) => {
    const args = uwsgiArgs(dir);
    const first = await iptablesModule.plan(h, args, ok);
    t.deepEqual(
      first.map((c) => c.summary.replace(/^iptables -t filter: /, '').split(':')[0]),
      ['create chain UWSGI', 'append -A UWSGI -s 198.18.0.3/32 -d 198.18.0.2/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT', 'append -A UWSGI -s 198.18.0.4/32 -d 198.18.0.2/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT', 'append -A UWSGI -d 198.18.0.2/32 -p udp -m udp --dport 999 -j DROP', `save the rules to ${dir}/rules.v4 (iptables-save)`],
    );
    await iptablesModule.apply(h, JSON.parse(JSON.stringify(first)) as typeof first, args, ok);
    t.deepEqual(await iptablesModule.plan(h, args, ok), []);

    const jump: IptablesArgs = { chain: 'INPUT', rules: ['-p udp --dport 999 -j UWSGI'], persist_path: args.persist_path };
    const j = await iptablesModule.plan(h, jump, ok);
    t.is(j.length, 2);
    await iptablesModule.apply(h, j, jump, ok);
    t.deepEqual(await iptablesModule.plan(h, jump, ok), []);
    t.deepEqual(await iptablesModule.plan(h, args, ok), [], 'the first task is still in state after the second persisted');

    const saved = readFileSync(args.persist_path as string, 'utf8');
    t.regex(saved, /-A UWSGI -s 198\.18\.0\.3\/32 -d 198\.18\.0\.2\/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT/);
    t.regex(saved, /-A INPUT -p udp -m udp --dport 999 -j UWSGI/);
    t.is((await h.exec(['stat', '-c', '%a', args.persist_path as string])).stdout.trim(), '640');

    // A new peer lands before the DROP; a removed one disappears.
    const next = uwsgiArgs(dir, ['198.18.0.4', '198.18.0.5']);
    const c = await iptablesModule.plan(h, next, ok);
    await iptablesModule.apply(h, c, next, ok);
    t.deepEqual(await iptablesModule.plan(h, next, ok), []);
    t.deepEqual(
      (await listing(h, 'UWSGI')).trim().split('\n'),
      [
        '-N UWSGI',
        '-A UWSGI -s 198.18.0.4/32 -d 198.18.0.2/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT',
        '-A UWSGI -s 198.18.0.5/32 -d 198.18.0.2/32 -p udp -m udp --sport 999 --dport 999 -j ACCEPT',
        '-A UWSGI -d 198.18.0.2/32 -p udp -m udp --dport 999 -j DROP',
      ],
    );
  });
});

maybe('iptables: lockout guard restores the table when the new login fails', async (t) => {
  await withHost('b', async (h, dir) => {
    await h.exec(['iptables', '-w', '-A', 'INPUT', '-p', 'tcp', '--dport', '22', '-j', 'ACCEPT']);
    const before = await listing(h, 'INPUT');
    const args: IptablesArgs = { chain: 'INPUT', rules: ['-p tcp --dport 22 -j DROP'], position: 'top', policy: 'DROP', persist_path: join(dir, 'r.v4') };
    const changes = await iptablesModule.plan(h, args, ok);
    const err = await t.throwsAsync(
      iptablesModule.apply(h, changes, args, ctxWith(async () => Promise.reject(new Error('Timed out while waiting for handshake')))),
      { instanceOf: TaskError },
    );
    t.regex(err?.message ?? '', /^lockout guard: .*the previous rules were restored/);
    t.is(await listing(h, 'INPUT'), before);
    t.throws(() => readFileSync(join(dir, 'r.v4')), undefined, 'nothing persisted');
    t.deepEqual(await liveTimers(h), [], 'the rollback timer was cancelled');
  });
});

maybe('iptables: the timer restores by itself when the probe outlives it', async (t) => {
  await withHost('c', async (h, dir) => {
    const before = await listing(h, 'INPUT');
    const args: IptablesArgs = { chain: 'INPUT', rules: ['-p udp --dport 7 -j DROP'], rollback_seconds: 5, persist: false };
    void dir;
    const changes = await iptablesModule.plan(h, args, ok);
    const slow = ctxWith(() => new Promise((r) => setTimeout(r, 6500)));
    await t.throwsAsync(iptablesModule.apply(h, changes, args, slow), { instanceOf: TaskError, message: /rollback timer had restored/ });
    t.is(await listing(h, 'INPUT'), before);
  });
});

maybe('iptables: a rule iptables refuses changes nothing', async (t) => {
  await withHost('d', async (h, dir) => {
    const args: IptablesArgs = { chain: 'INPUT', rules: ['-p tcp --dport 22 -j ACCEPT', '-p udp -m nosuchmatch --x 1 -j ACCEPT'], persist_path: join(dir, 'r') };
    const changes = await iptablesModule.plan(h, args, ok);
    t.is(changes.filter((c) => c.kind === 'rule').length, 2);
    await t.throwsAsync(iptablesModule.apply(h, changes, args, ok), { instanceOf: TaskError, message: /iptables-restore refused/ });
    t.is((await listing(h, 'INPUT')).trim(), '-P INPUT ACCEPT');
  });
});

maybe('iptables: apply refuses a chain that changed since the plan; state absent', async (t) => {
  await withHost('e', async (h, dir) => {
    const args: IptablesArgs = { chain: 'INPUT', rules: ['-p udp --dport 9 -j DROP'], exclusive: true, persist_path: join(dir, 'r') };
    const changes = await iptablesModule.plan(h, args, ok);
    await h.exec(['iptables', '-w', '-A', 'INPUT', '-p', 'udp', '--dport', '10', '-j', 'DROP']);
    await t.throwsAsync(iptablesModule.apply(h, changes, args, ok), { instanceOf: TaskError, message: /changed since it was planned/ });
    const again = await iptablesModule.plan(h, args, ok);
    await iptablesModule.apply(h, again, args, ok);
    t.is((await listing(h, 'INPUT')).trim(), '-P INPUT ACCEPT\n-A INPUT -p udp -m udp --dport 9 -j DROP');
    const gone: IptablesArgs = { ...args, exclusive: false, state: 'absent' };
    const g = await iptablesModule.plan(h, gone, ok);
    await iptablesModule.apply(h, g, gone, ok);
    t.deepEqual(await iptablesModule.plan(h, gone, ok), []);
    t.is((await listing(h, 'INPUT')).trim(), '-P INPUT ACCEPT');
  });
});
