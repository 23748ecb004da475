/**
 * Control characters in rendered names reach no output line raw (issue #8): on a lab host, a
 * file whose name holds a newline, a debug message with ESC sequences, and a registered stdout
 * that clears the screen. Human output keeps each change on one line with the characters
 * escaped (\n, \e); --json stays one valid JSON document per line and carries the real values.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { hostforge } from '../helpers/cli.js';
import { labSkipReason, sshRun, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const NAME = 'e2e-printable';
const skip = await labSkipReason();

// A YAML double-quoted string: \n and \e are a real newline and a real ESC.
const PLAYBOOK = `- hosts: all
  gather_facts: false
  tasks:
    - name: "a file with a newline in its name"
      copy:
        dest: "/tmp/hf-ctl/a\\nb.conf"
        content: "x\\n"
    - name: "colour \\e[31mred\\e[0m"
      debug:
        msg: "\\e[2Jcleared"
    - name: shout
      command: printf '\\033]0;title\\007\\033[1mbold'
      register: out
      changed_when: false
`;

// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

if (skip !== undefined) {
  test('printable (skipped)', (t) => {
    t.log(`skipped: ${skip}`);
    t.pass();
  });
} else {
  let dir = '';
  let info: LabInfo;
  test.before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hf-printable-'));
    await writeFile(join(dir, 'site.yaml'), PLAYBOOK);
    info = await startLab(NAME, 1);
    await sshRun(info, info.hosts[0]!, 'mkdir -p /tmp/hf-ctl');
  });
  test.after.always(async () => {
    await stopLab(NAME);
    await rm(dir, { recursive: true, force: true });
  });

  test.serial('human output escapes control characters; the host gets the real name', async (t) => {
    for (const check of [true, false]) {
      const r = await hostforge(['apply', 'site.yaml', '-i', info.inventoryPath, '-v', '--diff', ...(check ? ['--check'] : [])], { cwd: dir });
      t.is(r.code, 0, r.stdout + r.stderr);
      for (const line of (r.stdout + r.stderr).split('\n')) t.false(RAW.test(line), `raw control character in ${JSON.stringify(line)}`);
      t.regex(r.stdout, /^ {2}\+ .*\/tmp\/hf-ctl\/a\\nb\.conf.*$/m, r.stdout);
      t.true(r.stdout.includes('TASK [colour \\e[31mred\\e[0m]'), r.stdout);
      t.true(r.stdout.includes('"msg": "\\u001b[2Jcleared"'), r.stdout); // debug prints JSON, as Ansible does
      t.true(r.stdout.includes('+++ /tmp/hf-ctl/a\\nb.conf (after)'), r.stdout);
      if (!check) t.true(r.stdout.includes('| \\e]0;title\\x07\\e[1mbold'), r.stdout);
    }
    const ls = await sshRun(info, info.hosts[0]!, "ls /tmp/hf-ctl | od -An -c | tr -s ' '");
    t.regex(ls.stdout, /a \\n b \. c o n f/, ls.stdout);
  });

  test.serial('--json stays JSON and carries the real values', async (t) => {
    const r = await hostforge(['apply', 'site.yaml', '-i', info.inventoryPath, '--json', '-v'], { cwd: dir });
    t.is(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    t.true(events.some((e) => e.task === 'colour \u001b[31mred\u001b[0m'));
    t.false(r.stdout.includes('\u001b'), 'JSON escapes ESC as \\u001b');
  });
}
