/**
 * Editor support, checked with the real tools: yaml-language-server's validation (the library
 * the VS Code YAML extension runs) finds no problem in playbooks/*.yaml and the shipped roles'
 * task, handler, meta and test files through their `# yaml-language-server: $schema=` modelines,
 * and flags a misspelt module argument; docs/ is what `npm run docs` generates now; the
 * modeline's schema is what `hostforge schema playbook` prints; and every line of a real
 * `--json` run on a lab host (and an unreachable one) validates against docs/events.schema.json.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Ajv } from 'ajv';
import { getLanguageService } from 'yaml-language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CLI, REPO, events, hostforge } from '../helpers/cli.js';
import { labSkipReason, startLab, stopLab, type LabInfo } from '../helpers/lab.js';

const ls = getLanguageService({
  schemaRequestService: (uri: string) => Promise.resolve(readFileSync(fileURLToPath(uri), 'utf8')),
  workspaceContext: { resolveRelativePath: (rel: string, resource: string) => new URL(rel, resource).href },
});
ls.configure({ validate: true, hover: false, completion: false, format: false, isKubernetes: false, schemas: [], customTags: ['!vault scalar'], yamlVersion: '1.1' });

async function problems(file: string, text = readFileSync(file, 'utf8')): Promise<string[]> {
  const diags = await ls.doValidation(TextDocument.create(pathToFileURL(file).href, 'yaml', 1, text), false);
  return diags.map((d) => `${relative(REPO, file)}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.message}`);
}

const yamlIn = (dir: string): string[] => readdirSync(join(REPO, dir)).filter((f) => f.endsWith('.yaml')).map((f) => join(REPO, dir, f));
const roles = readdirSync(join(REPO, 'roles'));
const editorFiles = [
  ...yamlIn('playbooks'),
  ...roles.flatMap((r) => ['tasks', 'handlers', 'meta'].flatMap((d) => { try { return yamlIn(join('roles', r, d)); } catch { return []; } })),
  ...roles.flatMap((r) => ['verify.yaml', 'prepare.yaml'].map((f) => join(REPO, 'roles', r, 'tests', f))).filter((f) => { try { readFileSync(f); return true; } catch { return false; } }),
];

test('playbooks and role files carry the modeline and validate with no problem', async (t) => {
  t.true(editorFiles.length >= 15, String(editorFiles.length));
  for (const f of editorFiles) {
    const first = readFileSync(f, 'utf8').split('\n')[0] ?? '';
    t.regex(first, /^# yaml-language-server: \$schema=(\.\.\/)+docs\/schema\/(playbook|tasks|inventory|role-meta)\.json$/, relative(REPO, f));
    t.deepEqual(await problems(f), [], relative(REPO, f));
  }
});

test('a misspelt module argument and an unknown play key are flagged at their line', async (t) => {
  const etcd = readFileSync(join(REPO, 'playbooks', 'etcd.yaml'), 'utf8');
  const bad = `${etcd}\n- name: typos\n  hosts: all\n  gather_fact: false\n  tasks:\n    - name: a file\n      copy:\n        dest: /tmp/x\n        contnt: hello\n`;
  const lines = bad.split('\n');
  const found = await problems(join(REPO, 'playbooks', 'typos.yaml'), bad);
  const at = (s: string): number => lines.findIndex((l) => l.includes(s)) + 1;
  t.true(found.some((p) => p.startsWith(`playbooks/typos.yaml:${at('contnt:')}:9: `) && p.includes('contnt')), found.join('\n'));
  t.true(found.some((p) => p.startsWith(`playbooks/typos.yaml:${at('gather_fact:')}:3: `) && p.includes('gather_fact')), found.join('\n'));
  const tasks = await problems(join(REPO, 'roles', 'etcd', 'tasks', 'typo.yaml'), '# yaml-language-server: $schema=../../../docs/schema/tasks.json\n- name: x\n  file:\n    path: /tmp/x\n    stat: directory\n');
  t.true(tasks.some((p) => p.startsWith('roles/etcd/tasks/typo.yaml:5:5: ') && p.includes('stat')), tasks.join('\n'));
});

test('docs/ is what npm run docs generates from the current schemas', (t) => {
  const out = mkdtempSync(join(tmpdir(), 'hf-docs-'));
  const r = spawnSync(process.execPath, [join(CLI, '..', '..', 'schema-export', 'write-docs.js'), out], { encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const written = r.stdout.trim().split('\n').map((l) => l.replace(/^wrote /, ''));
  t.true(written.length >= 7, r.stdout);
  for (const rel of written) t.is(readFileSync(join(REPO, rel), 'utf8'), readFileSync(join(out, rel), 'utf8'), `${rel} is stale: run npm run docs`);
});

test('the modeline schema is what hostforge schema prints', async (t) => {
  for (const kind of ['playbook', 'tasks', 'inventory', 'role-meta']) {
    const r = await hostforge(['schema', kind]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(JSON.parse(r.stdout), JSON.parse(readFileSync(join(REPO, 'docs', 'schema', `${kind}.json`), 'utf8')), kind);
  }
});

let lab: LabInfo | undefined;
test.after.always(async () => {
  if (lab) await stopLab('editor');
});

test('every --json event of a real run (check and apply) validates against docs/events.schema.json', async (t) => {
  const skip = await labSkipReason();
  if (skip) return t.pass(skip);
  lab = await startLab('editor', 1);
  const dir = mkdtempSync(join(tmpdir(), 'hf-events-'));
  // node1 is a lab host; gone is a closed loopback port (unreachable).
  writeFileSync(join(dir, 'gone.yaml'), 'all:\n  hosts:\n    gone:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n');
  writeFileSync(
    join(dir, 'site.yaml'),
    [
      '- name: events',
      '  hosts: all',
      '  gather_facts: false',
      '  tasks:',
      '    - name: files',
      '      copy: {dest: "/root/{{item}}", content: "{{item}}\\n"}',
      '      loop: [a, b]',
      '      notify: touched',
      '    - name: skipped',
      '      command: "false"',
      '      when: eq inventory_hostname "nobody"',
      '    - name: a failure, ignored',
      '      command: "false"',
      '      ignore_errors: true',
      '    - name: shown',
      '      debug: {msg: "hello {{inventory_hostname}}"}',
      '  handlers:',
      '    - name: touched',
      '      file: {path: /root/touched, state: touch}',
      '',
    ].join('\n'),
  );
  const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(join(REPO, 'docs', 'events.schema.json'), 'utf8')) as object);
  const seen = new Set<string>();
  const statuses = new Set<string>();
  for (const mode of [['--check'], []]) {
    const r = await hostforge(['apply', join(dir, 'site.yaml'), '-i', lab.inventoryPath, '-i', join(dir, 'gone.yaml'), '--json', '-T', '3', ...mode]);
    t.is(r.code, 4, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    t.is(lines.length, events(r.stdout).length, 'every line is one JSON event');
    for (const e of events(r.stdout)) {
      seen.add(e.type);
      if (e.status) statuses.add(e.status);
      t.true(validate(e), `${JSON.stringify(e)}\n${JSON.stringify(validate.errors)}`);
    }
  }
  // An unreachable host is reported as a task_result with status unreachable (the engine never emits host_unreachable).
  for (const type of ['run_start', 'play_start', 'task_start', 'task_result', 'task_host_done', 'play_end', 'run_end']) t.true(seen.has(type), type);
  t.true(statuses.has('unreachable') && statuses.has('changed') && statuses.has('skipped') && statuses.has('failed') && statuses.has('ok'), [...statuses].join(','));
});
