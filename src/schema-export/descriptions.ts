/**
 * Words for the schemas: what each module does, how it behaves in check mode, an example, and
 * what each argument means. A side table keyed by module name (the modules' own schema objects
 * stay as their owners wrote them); a `description` already in a module schema wins.
 */
import type { JsonSchema } from './editor.js';

export interface ModuleDoc {
  summary: string;
  check: string;
  example: string;
  args?: Record<string, string>;
}

/** Arguments that mean the same in every module that takes them. */
const COMMON: Record<string, string> = {
  path: 'the file on the host',
  dest: 'the file on the host (alias of path)',
  mode: 'file mode, octal ("0644") or symbolic ("u=rw,g=r")',
  owner: 'owning user (name or uid)',
  group: 'owning group (name or gid)',
  backup: 'keep a timestamped copy of the old file beside it',
  validate: 'command run on the temporary file before it replaces the target; %s is its path (e.g. "sshd -t -f %s")',
  create: 'create the file when it does not exist',
  state: 'whether the thing should be there (present) or not (absent)',
  force: 'replace even when the target exists / differs in kind',
  endpoints: 'etcd client URLs to talk to',
  cacert: 'CA certificate file on the host for the etcd client',
  cert: 'client certificate file on the host',
  key: 'client key file on the host',
  user: 'user name',
  password: 'password (a secret: never printed)',
  lockout_guard: 'after the change, prove a new SSH login works; if it does not, roll the change back',
};

const FILE_CHECK = 'honest: plans against the predicted host, so later tasks see what this one would write; --diff shows the unified diff';

export const MODULE_DOCS: Record<string, ModuleDoc> = {
  assert: { summary: 'fail unless every condition holds', check: 'runs in check mode too (reads only)', example: 'assert:\n  that: ["etcd_version is defined"]\n  fail_msg: set etcd_version', args: { that: 'a condition or a list of conditions (the when: language)', fail_msg: 'message when a condition is false', msg: 'alias of fail_msg', success_msg: 'message when all hold', quiet: 'print nothing on success' } },
  authorized_key: { summary: 'an SSH public key in a user\'s authorized_keys', check: FILE_CHECK, example: 'authorized_key:\n  user: deploy\n  key: "{{ lookup_key }}"\n  exclusive: false', args: { user: 'the account whose authorized_keys is edited', key: 'one key line, or several (a list or newline-separated)', path: 'authorized_keys file (default ~user/.ssh/authorized_keys)', exclusive: 'remove every other key', key_options: 'options prepended to the key (from="...",no-pty)', manage_dir: 'create ~/.ssh (0700) when missing' } },
  blockinfile: { summary: 'a block of lines between marker lines (Ansible semantics)', check: FILE_CHECK, example: 'blockinfile:\n  path: /etc/hosts\n  block: |\n    198.18.0.2 node1', args: { block: 'the lines of the block (empty with state=present removes its content)', marker: 'marker line template; {mark} becomes marker_begin / marker_end', marker_begin: 'word for {mark} on the first marker', marker_end: 'word for {mark} on the last marker', insertafter: 'regexp of the line after which a new block goes, or EOF', insertbefore: 'regexp of the line before which a new block goes, or BOF', prepend_newline: 'an empty line before a new block', append_newline: 'an empty line after a new block' } },
  certificate: { summary: 'a host key made on the host and a certificate signed by the bastion CA', check: 'says whether it would (re-)issue and why (new key, SANs changed, expiry, revoked); keys are never generated in check mode', example: 'certificate:\n  path: /etc/etcd/pki/server.crt\n  key_path: /etc/etcd/pki/server.key\n  usage: both', args: { path: 'certificate file on the host', key_path: 'private key file on the host (made there, 0600, never leaves it)', ca_path: 'where to write the CA certificate', bundle_path: 'where to write key + certificate concatenated', common_name: 'subject CN (default the inventory name)', organization: 'subject O', organizational_unit: 'subject OU', dns: 'extra DNS SANs', ips: 'extra IP SANs', include_host_names: 'add FQDN, inventory name, short name and ansible_host as SANs', usage: 'extended key usage: server, client or both', days: 'validity in days', renew_before_days: 're-issue when fewer days are left (default a third of the validity)', key_type: 'rsa or ec', key_size: 'RSA bits or EC curve size', force: 're-issue now' } },
  command: { summary: 'run a program (argv, no shell)', check: 'skipped in check mode unless creates/removes decides; listed as a run change', example: 'command:\n  cmd: etcdctl member list\n  creates: /var/lib/etcd/member', args: { cmd: 'the command line (split like a shell would, without running one)', argv: 'the command as a list of words', chdir: 'run in this directory', creates: 'skip when this path exists', removes: 'skip unless this path exists', stdin: 'data fed to the command\'s stdin', stdin_add_newline: 'end stdin with a newline' } },
  copy: { summary: 'a file from the bastion or inline content', check: FILE_CHECK, example: 'copy:\n  content: "managed\\n"\n  dest: /etc/motd\n  mode: "0644"', args: { src: 'file on the bastion (looked up in files/ of the role or playbook)', content: 'the file\'s content, inline', force: 'replace a file that differs (false: only create)' } },
  crl: { summary: 'publish the CA\'s certificate revocation list on the host', check: FILE_CHECK, example: 'crl:\n  path: /etc/etcd/pki/ca.crl' },
  debug: { summary: 'print a message or a variable', check: 'runs in check mode too', example: 'debug:\n  var: etcd_members', args: { msg: 'the message (a template)', var: 'a variable (or expression) to print', verbosity: 'print only with at least this many -v' } },
  etcd_auth: { summary: 'the etcd root user and `auth enable`', check: 'reads the cluster; lists the user and auth changes it would make', example: 'etcd_auth:\n  endpoints: ["https://198.18.0.2:2379"]\n  cacert: /etc/etcd/pki/ca.crt\n  cert: /etc/etcd/pki/client.crt\n  key: /etc/etcd/pki/client.key\n  password: "{{ etcd_root_password }}"', args: { user: 'the root user name (default root)' } },
  etcd_member: { summary: 'how an etcd member joins its cluster: new cluster, or `member add` to a running one', check: 'reads the cluster; says whether it would bootstrap or add the member', example: 'etcd_member:\n  name: "{{ inventory_hostname }}"\n  peer_url: "https://{{ ansible_host }}:2380"\n  initial_cluster: "{{ etcd_initial_cluster }}"\n  token: etcd-1\n  data_dir: /var/lib/etcd\n  endpoints: ["https://198.18.0.2:2379"]\n  cacert: /etc/etcd/pki/ca.crt\n  cert: /etc/etcd/pki/client.crt\n  key: /etc/etcd/pki/client.key', args: { name: 'member name', peer_url: 'this member\'s peer URL', initial_cluster: 'name=peer_url,... of every member', token: 'initial cluster token', data_dir: 'etcd data directory', bootstrap_file: 'file the module writes with the ETCD_INITIAL_* settings for the service' } },
  fail: { summary: 'fail the host with a message', check: 'runs in check mode too', example: 'fail:\n  msg: unsupported OS', args: { msg: 'the message' } },
  file: { summary: 'a file, directory, link, or its absence; mode and owner', check: FILE_CHECK, example: 'file:\n  path: /opt/app/conf.d\n  state: directory\n  mode: "0750"', args: { state: 'file, directory, link, hard, absent or touch', src: 'link target (state=link)', recurse: 'apply mode/owner to everything below a directory', follow: 'follow a symlink at path', force: 'replace what is in the way of a link' } },
  fstab: { summary: 'one /etc/fstab entry by mount point, options added or removed one by one', check: FILE_CHECK, example: 'fstab:\n  path: /home\n  options_present: [usrjquota=aquota.user, jqfmt=vfsv1]\n  remount: true', args: { path: 'the mount point', src: 'the device (alias device)', device: 'the device (UUID=..., /dev/...)', fstype: 'file system type', opts: 'the whole options field', options_present: 'options that must be there (a list or comma-separated)', options_absent: 'options that must not be there', dump: 'dump field', passno: 'fsck pass field', line: 'a whole line to have (e.g. the cgroup mount)', remount: 'mount -o remount after a change', fstab: 'the fstab file (default /etc/fstab)' } },
  git: { summary: 'a clone of a repository at a version', check: 'reads the remote and HEAD; changed only when HEAD would move', example: 'git:\n  repo: https://github.com/unbit/uwsgi.git\n  dest: /opt/uwsgi\n  version: "2.0.23"', args: { repo: 'repository URL', dest: 'clone directory on the host', version: 'branch, tag or commit (default HEAD)', update: 'fetch and move to version when the clone exists', force: 'discard local changes', depth: 'shallow clone depth' } },
  iptables: { summary: 'iptables rules and chain policies, checked with iptables -C, persisted', check: 'honest: lists the rules it would add or remove and the policy change', example: 'iptables:\n  chain: INPUT\n  rules:\n    - -p tcp --dport 22 -j ACCEPT\n  policy: DROP', args: { table: 'filter, nat, mangle, raw or security', chain: 'the chain (created when missing)', rules: 'rule specs (without -A CHAIN), one string each', policy: 'chain policy (built-in chains)', exclusive: 'remove every other rule of the chain', position: 'append new rules, or insert them at the top', persist: 'save to persist_path after a change', persist_path: 'rules file (default /etc/iptables/rules.v4)', rollback_seconds: 'host-side timer: restore the old rules unless the run logs in again within this time' } },
  kernel_cmdline: { summary: 'arguments of GRUB_CMDLINE_LINUX(_DEFAULT) in /etc/default/grub', check: FILE_CHECK, example: 'kernel_cmdline:\n  args_present: [elevator=cfq]\nnotify: update grub', args: { args_present: 'arguments to have (key=value replaces the key\'s value)', args_absent: 'arguments (or keys) to remove', variable: 'which variable', path: 'the grub defaults file (default /etc/default/grub)' } },
  keypair: { summary: 'a key pair made on the host (ed25519, RSA, EC)', check: 'says whether it would generate; never generates in check mode', example: 'keypair:\n  path: /etc/app/node.key\n  type: ed25519', args: { path: 'private key file (0600)', public_path: 'public key file', type: 'ed25519, rsa or ec', size: 'RSA bits or EC curve size', record: 'record the public key on the bastion for keyring tasks' } },
  keyring: { summary: 'a file with the public keys of a group\'s hosts', check: FILE_CHECK, example: 'keyring:\n  path: /etc/app/keyring.json\n  from_group: nodes\n  format: json', args: { from_group: 'the inventory group whose recorded keys go in', hosts: 'explicit host list', include_self: 'include this host\'s own key', format: 'pem, base58 or json' } },
  lineinfile: { summary: 'one line in a file (Ansible semantics)', check: FILE_CHECK, example: 'lineinfile:\n  path: /etc/sysctl.conf\n  regexp: "^vm.swappiness="\n  line: vm.swappiness=10', args: { line: 'the line to have', regexp: 'regexp (Python syntax) of the line to replace or remove', search_string: 'literal string of the line to replace or remove', insertafter: 'regexp after whose last match a new line goes, or EOF', insertbefore: 'regexp before whose last match a new line goes, or BOF', backrefs: 'line uses \\1 of regexp; no change when regexp does not match', firstmatch: 'insertafter/insertbefore use the first match' } },
  nsswitch: { summary: 'the sources of one database in /etc/nsswitch.conf', check: FILE_CHECK, example: 'nsswitch:\n  database: passwd\n  sources: [compat, unbit]', args: { database: 'passwd, group, shadow, hosts, ...', sources: 'the whole source list, in order', sources_present: 'sources to have (appended when missing)', sources_absent: 'sources to remove', path: 'the file (default /etc/nsswitch.conf)' } },
  package: { summary: 'apt packages: present, absent, latest; local .deb files', check: 'honest: reads dpkg and apt-cache; lists installs, upgrades and removals with versions', example: 'package:\n  name: [etcd-server, etcd-client]\n  state: present', args: { name: 'package name(s), optionally name=version', state: 'present, absent or latest', update_cache: 'apt-get update first', cache_valid_time: 'skip the update when the cache is younger (seconds)', deb: 'a .deb file on the host to install', purge: 'remove configuration too (state=absent)', install_recommends: 'install recommended packages' } },
  pam: { summary: 'a rule line in /etc/pam.d/SERVICE, placed after or before another', check: FILE_CHECK, example: 'pam:\n  service: sshd\n  type: account\n  control: required\n  module: pam_unbit.so\n  after: pam_nologin.so', args: { service: 'the PAM service (file in /etc/pam.d)', path: 'the file (default /etc/pam.d/SERVICE)', type: 'auth, account, password or session', control: 'required, requisite, sufficient, optional or [...]', module: 'the module (pam_x.so)', args: 'module arguments', after: 'module of the rule this one goes after', before: 'module of the rule this one goes before', match: 'a rule matches by whole line or by module' } },
  service: { summary: 'a service started/stopped/restarted/reloaded, enabled at boot (systemd or /etc/init.d)', check: 'honest: reads the service state; restarts are listed', example: 'service:\n  name: etcd\n  state: started\n  enabled: true', args: { name: 'service name', state: 'started, stopped, restarted or reloaded', enabled: 'start at boot' } },
  set_fact: { summary: 'set host variables for the rest of the run', check: 'runs in check mode too', example: 'set_fact:\n  etcd_initial_cluster: "{{ join (map groups.etcd \"x\") \",\" }}"', args: { cacheable: 'accepted for Ansible compatibility' } },
  setup: { summary: 'gather facts', check: 'runs in check mode too', example: 'setup:', args: { gather_subset: 'accepted for Ansible compatibility (facts are one batch)' } },
  shell: { summary: 'run a /bin/sh script', check: 'skipped in check mode unless creates/removes decides; listed as a run change', example: 'shell:\n  cmd: update-grub 2>&1\n  creates: /boot/grub/grub.cfg', args: { cmd: 'the script', executable: 'the shell (default /bin/sh)', chdir: 'run in this directory', creates: 'skip when this path exists', removes: 'skip unless this path exists', stdin: 'data fed to stdin', stdin_add_newline: 'end stdin with a newline' } },
  sshd_config: { summary: 'sshd settings with its first-value-wins rule across Include drop-ins; validated; login proven after restart', check: FILE_CHECK, example: 'sshd_config:\n  settings:\n    PasswordAuthentication: "no"\n    X11Forwarding: "no"', args: { settings: 'keyword: value (a list for repeated keywords)', match_blocks: 'Match condition: settings of that block', path: 'the main file (default /etc/ssh/sshd_config)', restart: 'restart sshd after a change', validate: 'sshd -t before the file replaces the old one', service: 'the service to restart (default ssh)' } },
  stat: { summary: 'facts about a path', check: 'runs in check mode too (against the predicted host)', example: 'stat:\n  path: /etc/etcd/pki/ca.crt\nregister: ca', args: { follow: 'follow a final symlink', get_checksum: 'compute a checksum of a file', checksum_algorithm: 'sha1, sha256 or md5' } },
  template: { summary: 'a Handlebars template rendered on the bastion and written atomically', check: FILE_CHECK, example: 'template:\n  src: app.conf.hbs\n  dest: /etc/app.conf\n  mode: "0640"', args: { src: 'template on the bastion (looked up in templates/ of the role or playbook)', force: 'replace a file that differs (false: only create)' } },
  user: { summary: 'a local account', check: 'honest: reads getent; lists the useradd/usermod it would run', example: 'user:\n  name: deploy\n  groups: [sudo]\n  append: true\n  shell: /bin/bash', args: { name: 'login name', uid: 'user id', group: 'primary group', groups: 'supplementary groups', append: 'add to groups instead of setting them', shell: 'login shell', home: 'home directory', comment: 'GECOS field', system: 'a system account', create_home: 'create the home directory', remove: 'remove the home directory too (state=absent)', update_password: 'always, or on_create only' } },
};

export const KEYWORD_DOCS: Record<string, string> = {
  name: 'the task\'s name, shown in the output',
  when: 'run only when this holds (the template language, written bare: `eq facts.init "systemd"`)',
  loop: 'run once per item (`item`)',
  loop_control: 'loop_var, index_var, label, extended, pause',
  register: 'save the result in this variable',
  notify: 'handlers to run (once, at the end of the play) when the task changed something',
  listen: '(handlers) topics this handler also answers to',
  tags: 'tags for --tags / --skip-tags',
  become: 'run through sudo',
  become_user: 'user to become (default root)',
  environment: 'environment variables for every command of the task',
  ignore_errors: 'a failure does not stop the host',
  changed_when: 'override "changed" with this condition',
  failed_when: 'override "failed" with this condition',
  until: 'retry until this condition holds',
  retries: 'how many retries with until (default 3)',
  delay: 'seconds between retries (default 5)',
  vars: 'task variables',
  no_log: 'hide the task\'s details from every output',
  args: 'module arguments (merged under the module key\'s)',
  check_mode: 'false: run for real even in check mode',
  block: 'tasks run together, with rescue and always',
  rescue: 'tasks run when a task of the block failed',
  always: 'tasks run after the block, whatever happened',
  import_tasks: 'a task file, loaded at load time',
  include_tasks: 'a task file (loaded statically; its when applies to every task)',
  meta: 'flush_handlers, noop, end_host, end_play, end_batch, clear_host_errors, refresh_inventory',
  run_once: 'run on the first host of the batch; the result counts for all',
  delegate_to: 'run the commands on this host (or localhost: the bastion)',
  any_errors_fatal: 'a failure ends the play for every host',
  throttle: 'at most this many hosts at once for this task',
  import_role: 'run a role\'s tasks here',
  include_role: 'run a role\'s tasks here (loaded statically)',
  local_action: 'run a module on the bastion',
  'play.name': 'the play\'s name',
  'play.hosts': 'host pattern (`etcd:&prod:!node3`)',
  'play.gather_facts': 'gather facts first (default true)',
  'play.serial': 'hosts per batch (a number, a percentage, or a list)',
  'play.vars': 'play variables',
  'play.vars_files': 'files of play variables',
  'play.roles': 'roles to run before the tasks',
  'play.pre_tasks': 'tasks before the roles',
  'play.tasks': 'the play\'s tasks',
  'play.post_tasks': 'tasks after the tasks',
  'play.handlers': 'tasks run once per host when notified',
  'play.become': 'run every task through sudo',
  'play.order': 'host order',
};

/** The module's argument schema with a description on every argument (its own first). */
export function describedArgs(name: string, args: JsonSchema): JsonSchema {
  const props = (args.properties ?? {}) as Record<string, JsonSchema>;
  const doc = MODULE_DOCS[name];
  const out: Record<string, JsonSchema> = {};
  for (const [k, v] of Object.entries(props)) {
    const d = v.description ?? doc?.args?.[k] ?? COMMON[k];
    out[k] = d === undefined ? v : { ...v, description: d };
  }
  return { ...args, properties: out, description: doc?.summary };
}

/** Arguments without a description anywhere (a test keeps this empty). */
export function undescribed(name: string, args: JsonSchema): string[] {
  const props = (describedArgs(name, args).properties ?? {}) as Record<string, JsonSchema>;
  return Object.keys(props).filter((k) => props[k]!.description === undefined);
}
