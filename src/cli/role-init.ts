/**
 * `hostforge role init NAME`: a new role that passes `hostforge test NAME` as generated:
 * defaults, an argument spec, tasks, a handler, a template, and a test scenario with verify
 * tasks. Nothing is overwritten: an existing directory is refused.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../errors.js';

/** Ansible's role names: a letter, then letters, digits and underscores (also a variable prefix). */
export const ROLE_NAME_RE = /^[a-z][a-z0-9_]{0,39}$/;

export function roleFiles(name: string): Record<string, string> {
  const v = (k: string): string => `${name}_${k}`;
  return {
    'README.md': `# ${name}\n\nWhat this role does, its variables (see \`meta/main.yaml\`) and an example play.\n\n` +
      `Test it on fresh lab hosts (converge, a second converge that must change nothing, a check run on\nfresh hosts that must list the same changes, then \`tests/verify.yaml\`):\n\n    hostforge test ${name}\n`,
    'defaults/main.yaml': `# Defaults of role ${name}: the lowest precedence, every play may override them.\n` +
      `${v('dir')}: /etc/${name}\n${v('greeting')}: "hello from {{inventory_hostname}}"\n${v('owner')}: root\n`,
    'meta/main.yaml': `dependencies: []\nargument_specs:\n  main:\n    short_description: A configuration directory and file managed by role ${name}.\n    options:\n` +
      `      ${v('dir')}: {type: path, required: true, description: directory of the configuration file}\n` +
      `      ${v('greeting')}: {type: str, required: true, description: the line the configuration file greets with}\n` +
      `      ${v('owner')}: {type: str, required: true, description: owner of the directory and the file}\n`,
    'tasks/main.yaml': `# Tasks of role ${name}.\n- name: ${name} directory\n  file:\n    path: "{{${v('dir')}}}"\n    state: directory\n    owner: "{{${v('owner')}}}"\n    mode: "0755"\n\n` +
      `- name: ${name} configuration\n  template:\n    src: ${name}.conf.hbs\n    dest: "{{${v('dir')}}}/${name}.conf"\n    owner: "{{${v('owner')}}}"\n    mode: "0644"\n  notify: ${name} configuration changed\n`,
    'handlers/main.yaml': `# Runs once per host at the end of the play, only when the configuration changed.\n- name: ${name} configuration changed\n  command: touch {{${v('dir')}}}/reloaded\n`,
    [`templates/${name}.conf.hbs`]: `# managed by hostforge (role ${name}) on {{inventory_hostname}}\ngreeting = {{${v('greeting')}}}\n`,
    'tests/scenario.yaml': `# The test scenario of role ${name}: hostforge test ${name} [--hosts N] [--keep]\n` +
      `hosts: 2                # fresh lab hosts node1..nodeN\ngroups:                 # inventory groups of the lab hosts (a list of names, or all)\n  ${name}_hosts: all\n` +
      `vars:                   # variables of the converge play (and of verify)\n  ${v('greeting')}: "hello from the test of ${name} on {{inventory_hostname}}"\n` +
      `become: false\ngather_facts: false\npki: false               # true: a throwaway CA for certificate tasks\n# prepare: prepare.yaml  # a playbook run on every fresh lab before converge and check\nverify: verify.yaml\n`,
    'tests/verify.yaml': `# Run on the converged hosts after the idempotence and check phases; a failed task fails the test.\n` +
      `- name: read the configuration\n  slurp:\n    src: "{{${v('dir')}}}/${name}.conf"\n  register: conf\n\n` +
      `- name: the configuration greets as the scenario says\n  assert:\n    that:\n      - contains (b64decode conf.content) (concat "greeting = hello from the test of ${name} on " inventory_hostname)\n\n` +
      `- name: the handler ran\n  stat:\n    path: "{{${v('dir')}}}/reloaded"\n  register: reloaded\n\n` +
      `- name: the handler's file exists\n  assert:\n    that: reloaded.stat.exists\n`,
  };
}

/** Write the role into DIR/NAME (a temporary directory renamed into place: all or nothing). */
export async function initRole(name: string, parent: string): Promise<string> {
  if (!ROLE_NAME_RE.test(name)) {
    throw new InputError(`role init: invalid role name ${JSON.stringify(name)}: a lowercase letter, then lowercase letters, digits or '_' (at most 40)`, { code: 'USAGE' });
  }
  const dest = resolve(parent, name);
  if (existsSync(dest)) throw new InputError(`role init: ${dest} exists: refusing to overwrite it`, { code: 'USAGE' });
  if (!existsSync(parent)) throw new InputError(`role init: ${resolve(parent)}: no such directory`, { code: 'USAGE' });
  const tmp = resolve(parent, `.${name}.hostforge-init-${process.pid}`);
  try {
    for (const [rel, text] of Object.entries(roleFiles(name))) {
      await mkdir(dirname(join(tmp, rel)), { recursive: true });
      await writeFile(join(tmp, rel), text, { mode: 0o644 });
    }
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return dest;
}

export function registerRoleCommands(program: Command): void {
  const role = program.command('role').description('roles: scaffold one (test it with `hostforge test ROLE`)');
  role
    .command('init')
    .argument('<name>', 'role name (letters, digits, _)')
    .option('-p, --init-path <dir>', 'directory to create the role in (default: the current directory)', '.')
    .description('scaffold a role: defaults, argument spec, tasks, handler, template, a test scenario with verify tasks')
    .action(async (name: string, o: { initPath: string }) => {
      const dest = await initRole(name, o.initPath);
      const files = Object.keys(roleFiles(name)).sort();
      process.stdout.write(`role ${name} created in ${dest}\n${files.map((f) => `  ${f}`).join('\n')}\n\ntest it on fresh lab hosts: hostforge test ${dest}\n`);
    });
}
