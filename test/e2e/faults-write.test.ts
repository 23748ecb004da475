/**
 * Files and temp files under faults — experiments on real lab hosts (issue #8):
 * - ≥ 20 runs that write small files, a 6 MB file and a validated file on two hosts (node1 as
 *   root; node2 as the non-root login `deploy` through sudo) are hit at random points by a
 *   link cut (the host's veth set down) or a SIGKILL of the bastion's hostforge: after each,
 *   every target is the old or the new content, never partial; after the next run no
 *   `.NAME.hostforge-*` temp file is left;
 * - a symlink planted at a temp name of ours (and at the old predictable validate name) is
 *   never followed; a big write's temp file is never readable by others: its mode, observed
 *   while it grows, is 0600, and a local unprivileged user reading in a loop gets no byte.
 * The numbers (experiments, where each fault landed, what it left) are logged.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labSkipReason, sshRun, startLab, stopLab, type LabHost, type LabInfo } from '../helpers/lab.js';
import { loginUserScript } from '../helpers/login-user.js';
import { sleep, startRun, until, type Finished } from '../helpers/runs.js';

const LAB = 'fwrite';
const EXPERIMENTS = Number(process.env.HF_FAULT_EXPERIMENTS ?? 22);
const BIG = 6 * 1024 * 1024;
const MID = 512 * 1024;
const SMALL = ['s1', 's2', 's3', 's4'];
const TARGETS = [...SMALL.map((s) => `${s}.conf`), 'big.bin', 'app.conf'];
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-fwrite-'));
let inventory: string;

const veth = (h: LabHost): string => `hfx${lab.slot}v${lab.hosts.indexOf(h) + 1}`;
const upperDir = (h: LabHost): string => join(lab.stateDir, 'hosts', h.name, 'upper', 'srv', 'fw');
const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const why = (r: Finished): string => `exit ${r.code} ${r.signal ?? ''}\n${r.stderr.slice(-1500)}\n${r.stdout.slice(-1500)}`;

function ip(...args: string[]): void {
  spawnSync('ip', args);
}

/** A seeded PRNG (mulberry32): the experiment plan is the same on every run of the suite. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The content of every target at version `v`, and the bastion files the copy tasks read. */
function version(v: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const s of SMALL) out.set(`${s}.conf`, Buffer.from(`${s} version=${v}\n`));
  const big = Buffer.alloc(BIG, String.fromCharCode(65 + (v % 26)));
  big.write(`version ${v}\n`);
  out.set('big.bin', big);
  const mid = Buffer.alloc(MID, 'm');
  mid.write(`version=${v}\n`);
  out.set('app.conf', mid);
  writeFileSync(join(dir, `big-${v}.bin`), big);
  writeFileSync(join(dir, `app-${v}.conf`), mid);
  return out;
}

const PLAY = `- hosts: lab
  gather_facts: false
  tasks:
    - name: dir
      file: {path: /srv/fw, state: directory, mode: "0755"}
    - name: small files
      copy: {dest: "/srv/fw/{{item}}.conf", content: "{{item}} version={{ver}}\\n", mode: "0644"}
      loop: [${SMALL.join(', ')}]
    - name: big file
      copy: {src: "${dir}/big-{{ver}}.bin", dest: /srv/fw/big.bin, mode: "0600"}
    - name: validated file
      copy:
        src: "${dir}/app-{{ver}}.conf"
        dest: /srv/fw/app.conf
        mode: "0640"
        validate: "sh -c 'sleep 0.3; grep -q ^version= \\"$1\\"' validate %s"
`;

interface HostState {
  /** sha256 of each target, or "-" when absent. */
  files: Map<string, string>;
  /** Our temp files beside the targets and in /tmp. */
  temps: string[];
}

async function stateOf(h: LabHost): Promise<HostState> {
  const script = `cd /srv/fw 2>/dev/null || exit 0; for f in ${TARGETS.join(' ')}; do if [ -f "$f" ]; then sha256sum "$f"; else echo "- $f"; fi; done; ls -A /srv/fw /tmp | grep 'hostforge' | sed 's/^/TEMP /'; true`;
  const r = await sshRun(lab, h, script);
  if (r.code !== 0) throw new Error(`${h.name}: ${r.stderr}`);
  const files = new Map<string, string>();
  const temps: string[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line.startsWith('TEMP ')) temps.push(line.slice(5));
    else if (line.trim() !== '') {
      const [hash = '', name = ''] = line.split(/\s+/);
      files.set(name, hash);
    }
  }
  return { files, temps };
}

test.before(async () => {
  skip = await labSkipReason();
  if (skip) return;
  lab = await startLab(LAB, 2);
  const pub = readFileSync(`${lab.keyPath}.pub`, 'utf8').trim();
  const setup = [
    ...loginUserScript({ name: 'deploy', publicKey: pub, sudo: 'nopasswd' }),
  ].join(' && ');
  const r = await sshRun(lab, 'node2', setup);
  if (r.code !== 0) throw new Error(r.stderr);
  inventory = join(dir, 'inv.yaml');
  // Keepalives of 1 s × 3: a cut link ends the run in seconds, not 20.
  writeFileSync(
    inventory,
    'all:\n  vars:\n    ansible_ssh_common_args: "-o ServerAliveInterval=1 -o ServerAliveCountMax=3"\n  children:\n    lab:\n      hosts:\n        node2: {ansible_user: deploy, ansible_become: true}\n',
  );
  writeFileSync(join(dir, 'write.yaml'), PLAY);
});
test.after.always(async () => {
  if (!skip) {
    for (const h of lab.hosts) {
      ip('link', 'set', 'dev', veth(h), 'up');
      spawnSync('tc', ['qdisc', 'del', 'dev', veth(h), 'root']);
    }
    await stopLab(LAB);
  }
});

const applyArgs = (v: number): string[] => ['apply', join(dir, 'write.yaml'), '-i', lab.inventoryPath, '-i', inventory, '--json', '-e', `ver=${v}`];

type Trigger = 'time' | 'upload' | 'big-temp' | 'validate';

interface Experiment {
  i: number;
  kind: 'kill' | 'cut';
  host: number;
  trigger: Trigger;
  delay: number;
}

/** The experiment plan, from a seeded PRNG: the same on every run of the suite (HF_FAULT_SEED changes it). */
const SEED = Number(process.env.HF_FAULT_SEED ?? 20261203);
const plan: Experiment[] = (() => {
  const rnd = prng(SEED);
  return Array.from({ length: EXPERIMENTS }, (_, k) => {
    const host = Math.floor(rnd() * 2);
    const trigger = (['time', 'upload', 'big-temp', 'validate'] as const)[Math.floor(rnd() * 4)]!;
    return { i: k + 1, kind: k % 2 === 0 ? 'kill' : 'cut', host, trigger, delay: 200 + Math.floor(rnd() * 5800) };
  });
})();

const describe = (e: Experiment): string =>
  `${e.kind === 'kill' ? 'SIGKILL of the bastion' : `link cut of node${e.host + 1}`} ` +
  {
    time: `${e.delay} ms into the run`,
    upload: `${e.delay % 1500} ms into the big file's upload to node${e.host + 1}`,
    'big-temp': `when node${e.host + 1}'s big.bin temp file appears`,
    validate: `while node${e.host + 1} validates app.conf`,
  }[e.trigger];

/** Every target's content as last converged (version `current`). */
let current: Map<string, Buffer> | undefined;
const log: string[] = [`seed ${SEED}`];
const outcomes = { old: 0, new: 0, absent: 0, tempsAfterFault: 0, cut: 0, kill: 0, exit: new Map<string, number>() };

test.serial('baseline: version 0 on both hosts, the links slowed to ~4 MB/s', async (t) => {
  if (skip) return t.pass(skip);
  current = version(0);
  const base = await startRun(applyArgs(0)).done;
  t.is(base.code, 0, why(base));
  // An upload of the big file then lasts seconds, so that faults land inside it.
  for (const h of lab.hosts) spawnSync('tc', ['qdisc', 'add', 'dev', veth(h), 'root', 'tbf', 'rate', '32mbit', 'burst', '64kb', 'latency', '400ms']);
});

for (const e of plan) {
  test.serial(`fault #${e.i}: ${describe(e)}: every target old or new; the next run leaves no temp file`, async (t) => {
    if (skip) return t.pass(skip);
    if (!current) return t.fail('no baseline');
    const host = lab.hosts[e.host]!;
    const next = version(e.i);
    const run = startRun(applyArgs(e.i));
    const tempOf = (name: string): boolean => {
      try {
        return readdirSync(upperDir(host)).some((f) => f.startsWith(`.${name}.hostforge-`));
      } catch {
        return false;
      }
    };
    // The big file's upload starts once the last small file is written (its new content is in the host's overlay).
    let smallDoneAt = 0;
    const smallDone = (): boolean => {
      try {
        return readFileSync(join(upperDir(host), 's4.conf'), 'utf8') === `s4 version=${e.i}\n`;
      } catch {
        return false;
      }
    };
    const ready = (): boolean => {
      if (e.trigger === 'time') return Date.now() - run.startedAt >= e.delay;
      if (Date.now() - run.startedAt > 90_000) return true;
      if (e.trigger === 'upload') {
        if (smallDoneAt === 0 && smallDone()) smallDoneAt = Date.now();
        return smallDoneAt > 0 && Date.now() - smallDoneAt >= e.delay % 1500;
      }
      return tempOf(e.trigger === 'big-temp' ? 'big.bin' : 'app.conf');
    };
    let ended = false;
    void run.done.then(() => (ended = true));
    await until(() => ended || ready(), 120_000, 10);
    const at = Date.now() - run.startedAt;
    if (e.kind === 'kill') run.kill();
    else ip('link', 'set', 'dev', veth(host), 'down');
    const r = await run.done;
    if (e.kind === 'cut') ip('link', 'set', 'dev', veth(host), 'up');
    outcomes[e.kind]++;
    const exitKey = r.signal ? r.signal : String(r.code);
    outcomes.exit.set(exitKey, (outcomes.exit.get(exitKey) ?? 0) + 1);
    if (e.kind === 'cut') t.true(r.code === 4 || r.code === 0, `a cut is unreachable (4), or came after the run's end (0): ${why(r)}`);

    const notes: string[] = [];
    for (const h of lab.hosts) {
      const s = await stateOf(h);
      for (const f of TARGETS) {
        const got = s.files.get(f) ?? '-';
        const was = current.has(f) ? sha(current.get(f)!) : '-';
        const verdict = got === was ? 'old' : got === sha(next.get(f)!) ? 'new' : got === '-' ? 'absent' : 'PARTIAL';
        if (verdict === 'old' || verdict === 'new' || verdict === 'absent') outcomes[verdict]++;
        t.true(verdict === 'old' || verdict === 'new', `fault at ${at} ms: ${h.name}:/srv/fw/${f} is ${verdict}`);
        if (f === 'big.bin' || f === 'app.conf') notes.push(`${h.name}:${f}=${verdict}`);
      }
      outcomes.tempsAfterFault += s.temps.length;
      if (s.temps.length > 0) notes.push(`${h.name} temps: ${s.temps.join(',')}`);
    }
    // The next run converges and leaves no temp file of ours anywhere.
    const repair = await startRun(applyArgs(e.i)).done;
    t.is(repair.code, 0, `the next run: ${why(repair)}`);
    for (const h of lab.hosts) {
      const s = await stateOf(h);
      for (const f of TARGETS) t.is(s.files.get(f), sha(next.get(f)!), `${h.name}:${f} after the next run`);
      t.deepEqual(s.temps, [], `${h.name}: no temp file after the next run`);
    }
    log.push(`#${e.i} ${describe(e)}: fault at ${at} ms → ${exitKey}; ${notes.join(' ')}`);
    rmSync(join(dir, `big-${e.i - 1}.bin`), { force: true });
    rmSync(join(dir, `app-${e.i - 1}.conf`), { force: true });
    current = next;
  });
}

test.serial('the fault experiments, in numbers', (t) => {
  if (skip) return t.pass(skip);
  for (const h of lab.hosts) spawnSync('tc', ['qdisc', 'del', 'dev', veth(h), 'root']);
  log.push(
    `${outcomes.kill + outcomes.cut} experiments (${outcomes.kill} SIGKILL, ${outcomes.cut} cuts); exits ${[...outcomes.exit].map(([k, n]) => `${k}×${n}`).join(' ')}; ` +
      `targets after the fault: ${outcomes.old} old, ${outcomes.new} new, ${outcomes.absent} absent, 0 partial; temp files left by the faults: ${outcomes.tempsAfterFault}, after the next runs: 0`,
  );
  t.log(log.join('\n'));
  writeFileSync(join(tmpdir(), `hf-faults-write-${lab.name}.log`), `${log.join('\n')}\n`);
  t.is(outcomes.kill + outcomes.cut, EXPERIMENTS);
  t.true(EXPERIMENTS < 20 || (outcomes.kill >= 10 && outcomes.cut >= 10));
});

test.serial('planted symlinks at temp names are never followed; a big temp file is never readable by others while it grows', async (t) => {
  if (skip) return t.pass(skip);
  const n2 = lab.hosts[1]!; // the non-root login through sudo
  const v = 100;
  const next = version(v);
  const plant = [
    "printf 'victim\\n' > /etc/hf-victim && chmod 600 /etc/hf-victim",
    'mkdir -p /srv/fw',
    // Our naming (10 characters): removed under the run lock, never followed.
    'ln -sfn /etc/hf-victim /srv/fw/.big.bin.hostforge-AAAAAAAAAA',
    // The naming before the lock (12 hex), old enough to be stale.
    'ln -sfn /etc/hf-victim /srv/fw/.app.conf.hostforge-0123456789ab && touch -h -d "10 minutes ago" /srv/fw/.app.conf.hostforge-0123456789ab',
    // The old predictable validate-output names in /tmp.
    'for s in 000000 111111 abcdef; do ln -sfn /etc/hf-victim /tmp/.hostforge-validate-$s; done',
    'sha256sum /etc/hf-victim',
  ].join(' && ');
  const victim = (await sshRun(lab, n2, plant)).stdout.trim();
  t.regex(victim, /^[0-9a-f]{64} /);
  // On the host, while the run writes: root observes every temp file of big.bin (mode, owner,
  // size); a local unprivileged user tries to read it in a loop.
  const watch =
    "end=$(( $(date +%s) + 40 )); " +
    'runuser -u nobody -- sh -c \'e=$1; n=0; while [ "$(date +%s)" -lt "$e" ] && [ ! -e /tmp/fw-done ]; do for f in /srv/fw/.big.bin.hostforge-*; do c=$(cat "$f" 2>/dev/null | wc -c); n=$((n + c)); done; done; echo "READ $n"\' nobody "$end" & ' +
    'while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/fw-done ]; do for f in /srv/fw/.big.bin.hostforge-*; do if [ -f "$f" ] && [ ! -L "$f" ]; then stat -c "OBS %a %U %s" "$f" 2>/dev/null; fi; done; done; wait';
  await sshRun(lab, n2, 'rm -f /tmp/fw-done');
  const watcher = sshRun(lab, n2, watch, { timeoutMs: 90_000 });
  await sleep(500);
  const r = await startRun(applyArgs(v)).done;
  await sshRun(lab, n2, 'touch /tmp/fw-done');
  const seen = await watcher;
  t.is(r.code, 0, why(r));
  const obs = seen.stdout.split('\n').filter((l) => l.startsWith('OBS ')).map((l) => l.split(' '));
  const modes = new Set(obs.map((o) => `${o[1]} ${o[2]}`));
  const growing = obs.filter((o) => Number(o[3]) < BIG).length;
  t.log(`${obs.length} observations of big.bin's temp file (${growing} while it grew): mode/owner ${[...modes].join(', ')}; the unprivileged reader got ${/READ (\d+)/.exec(seen.stdout)?.[1]} bytes`);
  t.true(obs.length > 0, `the temp file was observed: ${seen.stdout.slice(-500)} ${seen.stderr.slice(-500)}`);
  t.deepEqual([...modes], ['600 root'], 'the temp file is 0600 root from its first byte');
  t.regex(seen.stdout, /READ 0\b/, 'a local user read no byte of it');
  const after = await sshRun(lab, n2, 'sha256sum /etc/hf-victim; ls -A /srv/fw; ls -A /tmp | grep hostforge-validate | wc -l; stat -c %a /etc/hf-victim');
  const [victimNow = '', ...rest] = after.stdout.trim().split('\n');
  t.is(victimNow, victim, 'the victim file was never written through a link');
  t.is(rest.at(-1), '600');
  // The link at our naming is removed (under the run lock); a link at the pre-lock naming is not ours (hostforge never made links): left alone.
  t.deepEqual(rest.filter((l) => l.includes('.hostforge-')), ['.app.conf.hostforge-0123456789ab'], rest.join(' '));
  t.is(rest.at(-2), '3', "the old validate names in /tmp are not ours any more: left alone, never followed");
  const s = await stateOf(n2);
  for (const f of TARGETS) t.is(s.files.get(f), sha(next.get(f)!), f);
  await sshRun(lab, n2, 'rm -f /srv/fw/.app.conf.hostforge-0123456789ab /tmp/.hostforge-validate-* /tmp/fw-done');
  t.true(existsSync(join(dir, `big-${v}.bin`)));
});
