/**
 * Saved plans on lab hosts: `plan -o plan.json` then `apply plan.json` applies exactly what was
 * reviewed; drift in a -e value, in a template, or on a host behind our back refuses that host
 * before anything changes on it, naming what drifted; a change that became a no-op is fine;
 * `show` prints the plan as `plan` did; plan.json is 0600 and holds no secret.
 */
import test from 'ava';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'plan';
const SECRET = 'Pl4n-s3cret"\\x';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-plan-'));
mkdirSync(join(dir, 'templates'));
const pb = join(dir, 'site.yaml');
const template = join(dir, 'templates', 'app.conf.hbs');

writeFileSync(
  pb,
  `- hosts: lab
  gather_facts: false
  vars:
    ver: 2
  tasks:
    - name: conf
      template: {src: app.conf.hbs, dest: /root/app.conf, mode: "0640"}
    - name: extra line
      lineinfile: {path: /root/extra.conf, line: "extra=1", create: true}
    - name: secret file
      copy: {dest: /root/secret.conf, content: "pw={{db_password}}\\n", mode: "0600"}
    - name: dir
      file: {path: /root/plan.d, state: directory}
`,
);
const TEMPLATE = 'version={{ver}}\nhost={{inventory_hostname}}\n';
writeFileSync(template, TEMPLATE);

const secretArg = ['-e', JSON.stringify({ db_password: SECRET })];
const run = (args: string[]) => hostforge(args, { cwd: dir });
const inv = () => ['-i', lab.inventoryPath];

async function plan(name: string, more: string[] = []): Promise<{ file: string; stdout: string }> {
  const file = join(dir, name);
  const r = await run(['plan', pb, ...inv(), ...secretArg, ...more, '-o', file]);
  if (r.code !== 0) throw new Error(`plan failed: ${r.stdout.slice(-1500)}${r.stderr}`);
  return { file, stdout: r.stdout };
}

const cat = async (host: string, path: string) => (await sshRun(lab, host, `cat ${path}`)).stdout;
const failures = (stdout: string) => events(stdout).filter((e) => e.type === 'task_result' && e.status === 'failed');

test.before(async () => {
  skip = await labSkipReason();
  if (!skip) lab = await startLab(LAB, 2);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

test.serial('plan -o writes a private plan without secrets; show prints it as plan did', async (t) => {
  if (skip) return t.pass(skip);
  const { file, stdout } = await plan('first.json');
  t.is(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  for (const form of [SECRET, JSON.stringify(SECRET).slice(1, -1), Buffer.from(SECRET).toString('base64')]) t.false(text.includes(form), `no ${form} in plan.json`);
  t.regex(stdout, /version=2/);
  const shown = await run(['show', file]);
  t.is(shown.code, 0);
  t.is(shown.stdout, stdout);
  const json = await run(['show', file, '--json']);
  t.true(events(json.stdout).some((e) => e.type === 'run_end'));
});

test.serial('apply plan.json applies exactly the reviewed plan; a change that became a no-op is fine', async (t) => {
  if (skip) return t.pass(skip);
  const { file } = await plan('exact.json');
  // node1 converges behind the plan's back (its planned changes become no-ops).
  const pre = await run(['apply', pb, ...inv(), ...secretArg, '--limit', 'node1', '--json']);
  t.is(pre.code, 0, pre.stdout.slice(-1500));
  const r = await run(['apply', file, ...secretArg, '--json']);
  t.is(r.code, 0, r.stdout.slice(-2000) + r.stderr);
  const recap = recapOf(r.stdout);
  t.is(recap.node1?.changed, 0);
  t.is(recap.node2?.changed, 4);
  t.is(await cat('node2', '/root/app.conf'), 'version=2\nhost=node2\n');
  t.is(await cat('node2', '/root/secret.conf'), `pw=${SECRET}\n`);
  t.false(r.stdout.includes(SECRET));
});

test.serial('drift in a -e value refuses the hosts it changes and names the value', async (t) => {
  if (skip) return t.pass(skip);
  const { file } = await plan('ver3.json', ['-e', 'ver=3']);
  const r = await run(['apply', file, ...secretArg, '-e', 'ver=666', '--json']);
  t.is(r.code, 2);
  const f = failures(r.stdout);
  t.deepEqual(f.map((e) => e.host).sort(), ['node1', 'node2']);
  for (const e of f) t.regex(e.msg ?? '', /\/root\/app\.conf — what it writes differs from the reviewed plan.*-e ver=666 \(was 3\)/);
  t.regex(r.stderr, /inputs changed since the plan: -e ver=666 \(was 3\)/);
  t.is(await cat('node1', '/root/app.conf'), 'version=2\nhost=node1\n', 'nothing was changed');
  // The same plan, applied as reviewed.
  const ok = await run(['apply', file, ...secretArg, '--json']);
  t.is(ok.code, 0, ok.stdout.slice(-1500));
  t.is(await cat('node2', '/root/app.conf'), 'version=3\nhost=node2\n');
});

test.serial('drift in a template refuses the plan and names the template', async (t) => {
  if (skip) return t.pass(skip);
  const { file } = await plan('tpl.json', ['-e', 'ver=4']);
  writeFileSync(template, `# edited\n${TEMPLATE}`);
  try {
    const r = await run(['apply', '--plan-file', file, pb, ...secretArg, '--json']);
    t.is(r.code, 2);
    const f = failures(r.stdout);
    t.is(f.length, 2);
    for (const e of f) t.regex(e.msg ?? '', /what it writes differs.*templates\/app\.conf\.hbs \(changed\)/);
    t.is(await cat('node1', '/root/app.conf'), 'version=3\nhost=node1\n');
  } finally {
    writeFileSync(template, TEMPLATE);
  }
});

test.serial('a host file changed behind our back refuses that host only, naming the file', async (t) => {
  if (skip) return t.pass(skip);
  const { file } = await plan('host.json', ['-e', 'ver=5']);
  await sshRun(lab, 'node2', 'echo tampered > /root/app.conf');
  const r = await run(['apply', file, ...secretArg, '--json']);
  t.is(r.code, 2);
  const f = failures(r.stdout);
  t.deepEqual(f.map((e) => e.host), ['node2']);
  t.regex(f[0]?.msg ?? '', /\/root\/app\.conf on the host changed since the plan/);
  t.is(await cat('node2', '/root/app.conf'), 'tampered\n', 'nothing was changed on node2');
  t.is(await cat('node1', '/root/app.conf'), 'version=5\nhost=node1\n', 'node1 applied its plan');
});

test.serial('a new change that is not in the plan is refused', async (t) => {
  if (skip) return t.pass(skip);
  await run(['apply', pb, ...inv(), ...secretArg, '-e', 'ver=5']);
  const { file } = await plan('empty.json', ['-e', 'ver=5']);
  t.false(readFileSync(file, 'utf8').includes('"write"'), 'the plan is empty');
  await sshRun(lab, 'node1', 'rm -r /root/plan.d');
  const r = await run(['apply', file, ...secretArg, '--json']);
  t.is(r.code, 2);
  const f = failures(r.stdout);
  t.deepEqual(f.map((e) => e.host), ['node1']);
  t.regex(f[0]?.msg ?? '', /task "dir": create directory \/root\/plan\.d.*not in the reviewed plan/);
  t.is((await sshRun(lab, 'node1', 'test -d /root/plan.d; echo $?')).stdout.trim(), '1');
});

test.serial('a plan file that is not one, or a made-up one, is refused before any host is contacted', async (t) => {
  if (skip) return t.pass(skip);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ format: 'hostforge-plan', version: 1 }));
  const r = await run(['apply', bad]);
  t.is(r.code, 1);
  t.regex(r.stderr, /not a valid saved plan/);
  const s = await run(['show', pb]);
  t.is(s.code, 1);
  t.regex(s.stderr, /is not a saved plan/);
});
