/**
 * Failure paths on real hosts: bad input touches no host, an unreachable host does not
 * stop the others, a changed host key is refused, a failed validation keeps the file.
 */
import test from 'ava';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, hostforge, recapOf } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const LAB = 'fail';
let lab: LabInfo;
let skip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'hf-fail-'));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test.before(async () => {
  skip = await labSkipReason();
  if (!skip) lab = await startLab(LAB, 3);
});
test.after.always(async () => {
  if (!skip) await stopLab(LAB);
});

const marker = (n: string) => `- hosts: lab\n  gather_facts: false\n  tasks:\n    - name: marker\n      copy: {dest: /root/${n}, content: "x\\n"}\n`;

test.serial('bad input: exit 1, file:line:column, and no host is contacted', async (t) => {
  if (skip) return t.pass(skip);
  const cases: [string, string, RegExp][] = [
    ['syntax.yaml', '- hosts: lab\n  tasks:\n    - name: x\n      copy: {dest: /root/x, content: [1, 2\n', /syntax\.yaml:5:1: YAML syntax error/],
    ['schema.yaml', '- hosts: lab\n  tasks:\n    - name: x\n      copy:\n        dest: /root/x\n        contnt: hi\n', /schema\.yaml:6:9: .*unknown key "contnt"/],
    ['unknown.yaml', '- hosts: lab\n  tasks:\n    - name: x\n      cpoy:\n        dest: /root/x\n', /unknown\.yaml:4:7: unknown module "cpoy" \(did you mean "copy"\?\)/],
    ['undef.yaml', '- hosts: lab\n  tasks:\n    - name: ok\n      copy: {dest: /root/ok, content: "x"}\n    - name: x\n      copy:\n        dest: /root/x\n        content: "{{nope}}"\n', /undef\.yaml:8:18: .*undefined variable "nope"/],
    ['play.yaml', '- hosts: lab\n  taks: []\n', /play\.yaml:2:3: play: unknown key "taks"/],
  ];
  for (const [name, text, re] of cases) {
    const r = await hostforge(['apply', write(name, text), '-i', lab.inventoryPath]);
    t.is(r.code, 1, `${name}: ${r.stdout}${r.stderr}`);
    t.regex(r.stderr, re, name);
    t.true(r.stderr.split('\n').length < 25, 'one screen');
    t.is(r.stdout, '', `${name}: no run output`);
  }
  const tpl = write('t.hbs', 'line1\nvalue={{missing_var}}\n');
  const r = await hostforge(['apply', write('undef-tpl.yaml', `- hosts: lab\n  tasks:\n    - name: x\n      template: {src: ${tpl}, dest: /root/t}\n`), '-i', lab.inventoryPath]);
  t.is(r.code, 1);
  t.regex(r.stderr, /t\.hbs:2:\d+: .*undefined variable "missing_var"/);
  const none = await sshRun(lab, 'node1', 'ls /root/ok /root/x /root/t 2>/dev/null | wc -l');
  t.is(none.stdout.trim(), '0');
});

test.serial('an unreachable host: the others finish, recap marks it, exit 4', async (t) => {
  if (skip) return t.pass(skip);
  const inv = write('inv-unreach.yaml', `all:\n  children:\n    lab:\n      hosts:\n        ghost:\n          ansible_host: 127.0.0.1\n          ansible_port: 1\n          hostforge_connect_timeout: 3\n`);
  const r = await hostforge(['apply', write('m1.yaml', marker('m1')), '-i', lab.inventoryPath, '-i', inv, '--json']);
  t.is(r.code, 4, r.stdout + r.stderr);
  const recap = recapOf(r.stdout);
  t.is(recap.ghost?.unreachable, 1);
  for (const h of ['node1', 'node2', 'node3']) t.is(recap[h]?.changed, 1, h);
});

test.serial('a changed host key is refused with how to check it', async (t) => {
  if (skip) return t.pass(skip);
  const kh = readFileSync(lab.knownHostsPath, 'utf8');
  const ip = lab.hosts[0]!.ip;
  // Give node1 the key of node2 in a copy of known_hosts.
  const ip2 = lab.hosts[1]!.ip;
  const lines = kh.split('\n').filter(Boolean);
  const forged = [...lines.filter((l) => !l.startsWith(`${ip} `)), ...lines.filter((l) => l.startsWith(`${ip2} `)).map((l) => l.replace(ip2, ip))];
  const khFile = write('known_hosts_forged', forged.join('\n') + '\n');
  const inv = write('inv-key.yaml', `all:\n  children:\n    lab:\n      hosts:\n        node1:\n          hostforge_known_hosts: ${khFile}\n`);
  const r = await hostforge(['apply', write('m2.yaml', marker('m2')), '-i', lab.inventoryPath, '-i', inv, '--limit', 'node1']);
  t.is(r.code, 4, r.stdout + r.stderr);
  t.regex(r.stdout + r.stderr, /HOST KEY MISMATCH/);
  t.regex(r.stdout + r.stderr, /ssh-keygen -R/);
  const m = await sshRun(lab, 'node1', 'test -e /root/m2 && echo yes || echo no');
  t.is(m.stdout.trim(), 'no');
});

test.serial('a failed validate leaves the original file byte for byte', async (t) => {
  if (skip) return t.pass(skip);
  await sshRun(lab, 'node1', "printf 'original\\nbytes' > /root/v.conf");
  const pb = write('v.yaml', '- hosts: node1\n  gather_facts: false\n  tasks:\n    - name: bad config\n      copy:\n        dest: /root/v.conf\n        content: "broken\\n"\n        validate: "grep -q valid %s"\n');
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--json']);
  t.is(r.code, 2);
  const failed = events(r.stdout).find((e) => e.type === 'task_result' && e.status === 'failed');
  t.regex(failed?.msg ?? '', /validat/);
  const after = await sshRun(lab, 'node1', 'cat /root/v.conf; ls -a /root | grep -c hostforge-');
  t.is(after.stdout, 'original\nbytes0\n');
});

test.serial('temporary files: a planted validate-output link is never followed, stale partial uploads of ours are removed', async (t) => {
  if (skip) return t.pass(skip);
  // A stale partial upload (cut link, killed run) and a fresh one of another run beside the target.
  await sshRun(lab, 'node1', "printf 'victim\\n' > /root/victim; for r in aaaaaaaaaaaa bbbbbbbbbbbb; do ln -sf /root/victim /tmp/.hostforge-validate-$r; done; printf partial > /root/.s.conf.hostforge-0123456789ab; touch -d '20 minutes ago' /root/.s.conf.hostforge-0123456789ab; printf fresh > /root/.s.conf.hostforge-ffffffffffff");
  const pb = write('s.yaml', '- hosts: node1\n  gather_facts: false\n  tasks:\n    - copy:\n        dest: /root/s.conf\n        mode: "0600"\n        content: "valid\\n"\n        validate: "grep -q valid %s"\n');
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const after = await sshRun(lab, 'node1', 'cat /root/victim; ls -a /root | grep hostforge- || true; stat -c %a /root/s.conf');
  t.is(after.stdout, 'victim\n.s.conf.hostforge-ffffffffffff\n600\n', 'the victim is intact, the stale partial file is gone, a recent one is left to its run');
});

test.serial('a failed host stops its own tasks only; handlers run once per host at the end of the play', async (t) => {
  if (skip) return t.pass(skip);
  const pb = write(
    'partial.yaml',
    `- hosts: lab
  gather_facts: false
  tasks:
    - name: one
      copy: {dest: /root/p1, content: "1\\n"}
      notify: mark
    - name: node1 fails
      fail: {msg: "node1 is broken"}
      when: eq inventory_hostname "node1"
    - name: two
      copy: {dest: /root/p2, content: "2\\n"}
      notify: mark
  handlers:
    - name: mark
      shell: echo x >> /root/handler-runs
`,
  );
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--json']);
  t.is(r.code, 2, r.stdout.slice(-1500));
  const recap = recapOf(r.stdout);
  t.is(recap.node1?.failed, 1);
  t.is(recap.node2?.failed, 0);
  const n1 = await sshRun(lab, 'node1', 'ls /root/p1 /root/p2 /root/handler-runs 2>/dev/null | wc -l');
  t.is(n1.stdout.trim(), '1', 'node1 stopped after its failure, and ran no handler');
  for (const h of ['node2', 'node3']) {
    const c = await sshRun(lab, h, 'cat /root/p2 && wc -l < /root/handler-runs');
    t.is(c.stdout, '2\n1\n', `${h}: the handler ran once for two notifications`);
  }
});

test.serial('until/retries/delay: a task is retried until its condition holds, or fails after the last try', async (t) => {
  if (skip) return t.pass(skip);
  const pb = write(
    'until.yaml',
    `- hosts: node1
  gather_facts: false
  tasks:
    - name: third time lucky
      shell: echo x >> /root/tries; wc -l < /root/tries
      register: tries
      until: eq tries.stdout "3"
      retries: 5
      delay: 0
    - name: never true
      command: "true"
      register: never
      until: eq never.rc 1
      retries: 1
      delay: 0
`,
  );
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--json']);
  t.is(r.code, 2);
  const res = events(r.stdout).filter((e) => e.type === 'task_result');
  t.is(res.find((e) => e.task === 'third time lucky')?.status, 'changed');
  t.regex(res.find((e) => e.task === 'never true')?.msg ?? '', /after 2 attempts/);
  t.is((await sshRun(lab, 'node1', 'wc -l < /root/tries')).stdout.trim(), '3');
});

test.serial('apply --plan-file applies a saved check run, and refuses a task whose plan changed since', async (t) => {
  if (skip) return t.pass(skip);
  const pb = write(
    'saved.yaml',
    `- hosts: lab
  gather_facts: false
  tasks:
    - name: conf
      copy: {dest: /root/saved.conf, content: "v1\\n"}
    - name: dir
      file: {path: /root/saved.d, state: directory}
`,
  );
  const plan1 = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--check', '--json']);
  const file1 = write('plan1.jsonl', plan1.stdout);
  const ok = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--plan-file', file1, '--json']);
  t.is(ok.code, 0, ok.stdout.slice(-1500));
  t.is(recapOf(ok.stdout).node2?.changed, 2);

  // Save a plan, then let node2 drift before applying it.
  await sshRun(lab, 'node1', 'rm -r /root/saved.d');
  const plan2 = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--check', '--json']);
  const file2 = write('plan2.jsonl', plan2.stdout);
  await sshRun(lab, 'node2', 'echo drift > /root/saved.conf');
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--plan-file', file2, '--json']);
  t.is(r.code, 2);
  const failed = events(r.stdout).find((e) => e.type === 'task_result' && e.status === 'failed');
  t.is(failed?.host, 'node2');
  t.regex(failed?.msg ?? '', /saved plan no longer holds.*not in the saved plan: update file \/root\/saved\.conf/);
  t.is((await sshRun(lab, 'node2', 'cat /root/saved.conf')).stdout, 'drift\n', 'nothing was changed');
  t.is((await sshRun(lab, 'node1', 'test -d /root/saved.d && echo yes')).stdout.trim(), 'yes', 'other hosts applied their plan');
});

test.serial('environment: play and task variables reach every command, the task winning', async (t) => {
  if (skip) return t.pass(skip);
  const pb = write(
    'env.yaml',
    `- hosts: node3
  gather_facts: false
  environment:
    GREETING: hello
    WHO: play
  vars:
    who: task
  tasks:
    - name: env
      shell:
        cmd: echo "$GREETING $WHO" > /root/env.out
        creates: /root/env.out
      environment:
        WHO: "{{who}}"
`,
  );
  const r = await hostforge(['apply', pb, '-i', lab.inventoryPath, '--json']);
  t.is(r.code, 0, r.stdout.slice(-1500));
  t.is((await sshRun(lab, 'node3', 'cat /root/env.out')).stdout, 'hello task\n');
});
