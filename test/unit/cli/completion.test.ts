/**
 * Shell completion, end to end in the real shells: the script `hostforge completion bash|zsh`
 * prints is sourced in bash (the completion function called as bash calls it, COMP_WORDS /
 * COMP_CWORD / COMP_LINE / COMP_POINT) and in zsh (compinit, then the function with words /
 * CURRENT / BUFFER / CURSOR; zsh's _describe and _files are replaced by printers), calling the
 * built CLI back. Plus the pure walk over the commander tree.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../../helpers/cli.js';
import { Command } from 'commander';
import { registerApplyCommands } from '../../../src/cli/apply.js';
import { registerPkiCommands } from '../../../src/cli/pki.js';
import { complete, walk } from '../../../src/cli/completion.js';

const bin = mkdtempSync(join(tmpdir(), 'hf-completion-'));
writeFileSync(join(bin, 'hostforge'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`);
chmodSync(join(bin, 'hostforge'), 0o755);
const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` };

function bash(lines: string[]): string[] {
  const script = [
    'source <(hostforge completion bash)',
    't() { COMP_LINE="$1"; COMP_POINT=${#1}; read -ra COMP_WORDS <<< "$1"; [[ "$1" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMPREPLY=(); _hostforge_completion; echo "${COMPREPLY[*]}"; }',
    ...lines.map((l) => `t ${JSON.stringify(l)}`),
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: REPO, env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trimEnd().split('\n');
}

test('bash: commands, sub-commands, options, choices and files complete', (t) => {
  const [cmds, ap, lab, li, inv, pb, schema, shell, roles] = bash([
    'hostforge ',
    'hostforge ap',
    'hostforge lab ',
    'hostforge apply playbooks/site.yaml --li',
    'hostforge apply -i inventory.ex',
    'hostforge validate playbooks/si',
    'hostforge schema ',
    'hostforge completion ',
    'hostforge test ',
  ]);
  for (const c of ['apply', 'plan', 'validate', 'lab', 'pki', 'vault', 'test', 'role', 'completion']) t.true(cmds!.split(' ').includes(c), `${c} in ${cmds}`);
  t.false(cmds!.split(' ').includes('completion-server'), 'hidden commands stay hidden');
  t.is(ap, 'apply');
  t.is(lab, 'up down status inventory');
  t.is(li, '--limit --list-hosts --list-tasks --list-tags');
  t.is(inv, 'inventory.example.yaml');
  t.is(pb, 'playbooks/site.yaml');
  t.is(schema, 'playbook tasks inventory role-meta vars events');
  t.is(shell, 'bash zsh');
  t.deepEqual(roles!.split(' ').sort(), ['etcd', 'pki_node', 'uwsgi_node']);
});

const zsh = spawnSync('zsh', ['--version']).status === 0;

test('zsh: names with descriptions, and file completion', (t) => {
  if (!zsh) return t.pass('zsh is not installed');
  const script = [
    'autoload -U compinit && compinit -u -d "$TMPDIR/zcompdump"',
    'source <(hostforge completion zsh)',
    '_describe() { print -r -- "describe: ${(P)2}" }',
    '_files() { print -r -- "files" }',
    't() { BUFFER="$1"; CURSOR=${#1}; words=(${(z)1}); [[ "$1" == *" " ]] && words+=(""); CURRENT=${#words}; _hostforge_completion }',
    't "hostforge ap"',
    't "hostforge apply --li"',
    't "hostforge apply -i "',
    't "hostforge vault "',
  ].join('\n');
  const r = spawnSync('zsh', ['-f', '-c', script], { cwd: REPO, env: { ...env, TMPDIR: bin }, encoding: 'utf8', timeout: 60_000 });
  t.is(r.status, 0, r.stderr);
  const [ap, li, files, vault] = r.stdout.trimEnd().split('\n');
  t.is(ap, 'describe: apply:bring hosts to the state the playbook declares');
  t.regex(li!, /^describe: --limit:only hosts matching this pattern --list-hosts:list the hosts/);
  t.is(files, 'files');
  t.regex(vault!, /create:create an encrypted file/);
  t.regex(vault!, /encrypt_string:/);
});

test('walk: options that take a value skip it; a sub-command is found after global options', async (t) => {
  const program = new Command('hostforge').option('--no-color', 'no colours');
  registerApplyCommands(program);
  registerPkiCommands(program);
  const w = walk(program, ['--no-color', 'apply', '-i', 'inv.yaml', '-e', 'x=1', 'site.yaml']);
  t.is(w.cmd.name(), 'apply');
  t.deepEqual(w.positionals, ['site.yaml']);
  t.deepEqual(await complete(program, ['apply', '-i'], ''), { files: true });
  t.deepEqual(await complete(program, ['apply'], ''), { files: true });
  t.deepEqual(await complete(program, ['apply', 'site.yaml', '-f'], ''), { items: [] }, 'a number: nothing to offer');
  t.deepEqual(await complete(program, ['pki'], 'i'), { items: [{ name: 'init', description: program.commands.find((c) => c.name() === 'pki')!.commands.find((c) => c.name() === 'init')!.description() }, { name: 'issue', description: program.commands.find((c) => c.name() === 'pki')!.commands.find((c) => c.name() === 'issue')!.description() }] });
});
