import test from 'ava';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  editSshdConfig,
  effectiveSettings,
  includePatterns,
  planSshd,
  type SshdArgs,
  type SshdSettings,
  type SshdSource,
} from '../../../src/edit/sshd.js';
import { parseDirective, splitArgs } from '../../../src/edit/sshd_parse.js';
import { InputError } from '../../../src/errors.js';
import { DEBIAN12_SSHD_CONFIG } from './fixtures.js';

const MAIN = '/etc/ssh/sshd_config';
const DROP = '/etc/ssh/sshd_config.d';

/** Expand globs over the in-memory files (only `*`), sorted like glob(3) in the C locale. */
function source(files: Record<string, string>, main = MAIN): SshdSource {
  const map = new Map(Object.entries(files));
  const globs = new Map<string, string[]>();
  for (const pat of includePatterns(map.values())) {
    const re = new RegExp(`^${pat.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
    globs.set(
      pat,
      [...map.keys()].filter((p) => re.test(p)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  }
  return { mainPath: main, files: map, globs };
}

const RUNBOOK: SshdArgs = {
  settings: {
    PasswordAuthentication: 'no',
    X11Forwarding: 'no',
    ClientAliveInterval: 30,
    AuthorizedKeysFile: '.ssh/authorized_keys .ssh/uwsgi_authorized_keys',
  },
};

interface Row {
  name: string;
  files: Record<string, string>;
  args: SshdArgs;
  /** Expected texts of the files that change. */
  after: Record<string, string>;
  /** Substrings expected in the summaries, per file. */
  says?: Record<string, string[]>;
  /** Effective values sshd must report afterwards (checked with the real sshd -T when present). */
  effective?: Record<string, string>;
}

const D = DEBIAN12_SSHD_CONFIG;

const rows: Row[] = [
  {
    name: 'runbook settings on the Debian 12 default file',
    files: { [MAIN]: D },
    args: RUNBOOK,
    after: {
      [MAIN]: D.replace('#PasswordAuthentication yes\n', '#PasswordAuthentication yes\nPasswordAuthentication no\n')
        .replace('\nX11Forwarding yes\n', '\nX11Forwarding no\n')
        .replace('#ClientAliveInterval 0\n', '#ClientAliveInterval 0\nClientAliveInterval 30\n')
        .replace(
          '#AuthorizedKeysFile\t.ssh/authorized_keys .ssh/authorized_keys2\n',
          '#AuthorizedKeysFile\t.ssh/authorized_keys .ssh/authorized_keys2\nAuthorizedKeysFile .ssh/authorized_keys .ssh/uwsgi_authorized_keys\n',
        ),
    },
    says: { [MAIN]: ['PasswordAuthentication: add', 'X11Forwarding: set to no (was yes)', 'ClientAliveInterval: add'] },
    effective: {
      passwordauthentication: 'no',
      x11forwarding: 'no',
      clientaliveinterval: '30',
      authorizedkeysfile: '.ssh/authorized_keys .ssh/uwsgi_authorized_keys',
    },
  },
  {
    name: 'a drop-in read before the main file wins: it is commented out and reported',
    files: { [MAIN]: D, [`${DROP}/50-cloud-init.conf`]: 'PasswordAuthentication yes\n' },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: {
      [MAIN]: D.replace('#PasswordAuthentication yes\n', '#PasswordAuthentication yes\nPasswordAuthentication no\n'),
      [`${DROP}/50-cloud-init.conf`]: '#PasswordAuthentication yes\n',
    },
    says: { [`${DROP}/50-cloud-init.conf`]: ['it was read first and won over /etc/ssh/sshd_config'] },
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'a drop-in that already sets the value: nothing to do',
    files: { [MAIN]: D, [`${DROP}/10-hardening.conf`]: 'PasswordAuthentication no\n' },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: {},
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'an earlier hand-added line in the main file is fixed, not silently overridden',
    files: { [MAIN]: 'PasswordAuthentication yes\nUsePAM yes\nPasswordAuthentication no\n' },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: { [MAIN]: 'PasswordAuthentication no\nUsePAM yes\nPasswordAuthentication no\n' },
    says: { [MAIN]: ['set to no (was yes) at /etc/ssh/sshd_config:1'] },
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'a later contradicting line has no effect but is commented out',
    files: { [MAIN]: 'X11Forwarding no\nX11Forwarding yes\n' },
    args: { settings: { X11Forwarding: 'no' } },
    after: { [MAIN]: 'X11Forwarding no\n#X11Forwarding yes\n' },
    says: { [MAIN]: ['it had no effect but contradicted the setting'] },
    effective: { x11forwarding: 'no' },
  },
  {
    name: 'keywords are case-insensitive, the spelling in the file is kept',
    files: { [MAIN]: 'passwordauthentication yes\n' },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: { [MAIN]: 'passwordauthentication no\n' },
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'Key=value form and a capitalised No are already in state',
    files: { [MAIN]: 'PasswordAuthentication=No\nX11Forwarding = no\n' },
    args: { settings: { PasswordAuthentication: 'no', X11Forwarding: false } },
    after: {},
    effective: { passwordauthentication: 'no', x11forwarding: 'no' },
  },
  {
    name: 'a Match block at the end: the global line goes before it, the block is left alone',
    files: {
      [MAIN]: 'UsePAM yes\n\n# per-user overrides\nMatch User bob\n    PasswordAuthentication yes\n',
    },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: {
      [MAIN]: 'UsePAM yes\n\nPasswordAuthentication no\n# per-user overrides\nMatch User bob\n    PasswordAuthentication yes\n',
    },
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'Include globs are read in lexical order; the first file wins',
    files: {
      [MAIN]: `Include ${DROP}/*.conf\nX11Forwarding yes\n`,
      [`${DROP}/20-b.conf`]: 'X11Forwarding no\n',
      [`${DROP}/10-a.conf`]: 'X11Forwarding yes\n',
    },
    args: { settings: { X11Forwarding: 'no' } },
    after: {
      [MAIN]: `Include ${DROP}/*.conf\nX11Forwarding no\n`,
      [`${DROP}/10-a.conf`]: '#X11Forwarding yes\n',
    },
    says: { [`${DROP}/10-a.conf`]: ['10-a.conf:1 (it was read first'] },
    effective: { x11forwarding: 'no' },
  },
  {
    name: 'relative Include paths are under /etc/ssh',
    files: { [MAIN]: 'Include sshd_config.d/*.conf\n', [`${DROP}/x.conf`]: 'ClientAliveInterval 0\n' },
    args: { settings: { ClientAliveInterval: 30 } },
    after: { [MAIN]: 'Include sshd_config.d/*.conf\nClientAliveInterval 30\n', [`${DROP}/x.conf`]: '#ClientAliveInterval 0\n' },
  },
  {
    name: 'a Match in an included file ends with that file',
    files: {
      [MAIN]: `Include ${DROP}/*.conf\nPasswordAuthentication no\n`,
      [`${DROP}/10-a.conf`]: 'Match User bob\n  PasswordAuthentication yes\n',
      [`${DROP}/20-b.conf`]: 'X11Forwarding yes\n',
    },
    args: { settings: { PasswordAuthentication: 'no', X11Forwarding: 'no' } },
    after: {
      [MAIN]: `Include ${DROP}/*.conf\nPasswordAuthentication no\nX11Forwarding no\n`,
      [`${DROP}/20-b.conf`]: '#X11Forwarding yes\n',
    },
    effective: { passwordauthentication: 'no', x11forwarding: 'no' },
  },
  {
    name: 'an Include inside a Match block is conditional: its lines are not global',
    files: {
      [MAIN]: `PasswordAuthentication no\nMatch User bob\n  Include ${DROP}/bob.conf\n`,
      [`${DROP}/bob.conf`]: 'PasswordAuthentication yes\n',
    },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: {},
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'AuthorizedKeysFile is multi-valued: compared word by word',
    files: { [MAIN]: 'AuthorizedKeysFile .ssh/authorized_keys\n' },
    args: { settings: { AuthorizedKeysFile: ['.ssh/authorized_keys', '.ssh/uwsgi_authorized_keys'] } },
    after: { [MAIN]: 'AuthorizedKeysFile .ssh/authorized_keys .ssh/uwsgi_authorized_keys\n' },
    effective: { authorizedkeysfile: '.ssh/authorized_keys .ssh/uwsgi_authorized_keys' },
  },
  {
    name: 'AuthorizedKeysFile in another order is a change (order is search order)',
    files: { [MAIN]: 'AuthorizedKeysFile\t.ssh/uwsgi_authorized_keys .ssh/authorized_keys\n' },
    args: RUNBOOK.settings ? { settings: { AuthorizedKeysFile: RUNBOOK.settings.AuthorizedKeysFile as string } } : {},
    after: { [MAIN]: 'AuthorizedKeysFile\t.ssh/authorized_keys .ssh/uwsgi_authorized_keys\n' },
  },
  {
    name: 'a trailing comment and the indentation are kept',
    files: { [MAIN]: '  PasswordAuthentication yes # legacy\n' },
    args: { settings: { PasswordAuthentication: 'no' } },
    after: { [MAIN]: '  PasswordAuthentication no # legacy\n' },
    effective: { passwordauthentication: 'no' },
  },
  {
    name: 'quoted values compare unquoted',
    files: { [MAIN]: 'AuthorizedKeysFile "/etc/ssh/keys/%u" .ssh/authorized_keys\n' },
    args: { settings: { AuthorizedKeysFile: '/etc/ssh/keys/%u .ssh/authorized_keys' } },
    after: {},
  },
  {
    name: 'values with spaces are quoted',
    files: { [MAIN]: '' },
    args: { settings: { Banner: ['/etc/issue net'] } },
    after: { [MAIN]: 'Banner "/etc/issue net"\n' },
  },
  {
    name: 'AllowUsers lines add up: compared as a set',
    files: { [MAIN]: 'AllowUsers root\nAllowUsers deploy\n' },
    args: { settings: { AllowUsers: 'deploy root' } },
    after: {},
  },
  {
    name: 'AllowUsers: a drop-in adding a user is commented out',
    files: {
      [MAIN]: `Include ${DROP}/*.conf\nAllowUsers root deploy\n`,
      [`${DROP}/99-x.conf`]: 'AllowUsers mallory\n',
    },
    args: { settings: { AllowUsers: ['root', 'deploy'] } },
    after: { [`${DROP}/99-x.conf`]: '#AllowUsers mallory\n' },
    says: { [`${DROP}/99-x.conf`]: ['AllowUsers lines add up'] },
    effective: { allowusers: 'root deploy' },
  },
  {
    name: 'Port takes one value per line',
    files: { [MAIN]: '#Port 22\nPort 22\nUsePAM yes\n' },
    args: { settings: { Port: [22, 2222] } },
    after: { [MAIN]: '#Port 22\nPort 22\nPort 2222\nUsePAM yes\n' },
    effective: { port: '22 2222' },
  },
  {
    name: 'null comments a setting out everywhere',
    files: { [MAIN]: `Include ${DROP}/*.conf\nX11Forwarding yes\n`, [`${DROP}/a.conf`]: 'x11forwarding yes\n' },
    args: { settings: { X11Forwarding: null } },
    after: { [MAIN]: `Include ${DROP}/*.conf\n#X11Forwarding yes\n`, [`${DROP}/a.conf`]: '#x11forwarding yes\n' },
  },
  {
    name: 'match_blocks: a setting inside an existing block',
    files: { [MAIN]: 'UsePAM yes\nMatch User anoncvs\n\tAllowTcpForwarding no\nMatch Group admins\n\tX11Forwarding yes\n' },
    args: { match_blocks: { 'user anoncvs': { X11Forwarding: 'no', AllowTcpForwarding: 'no' } } },
    after: { [MAIN]: 'UsePAM yes\nMatch User anoncvs\n\tAllowTcpForwarding no\n\tX11Forwarding no\nMatch Group admins\n\tX11Forwarding yes\n' },
  },
  {
    name: 'match_blocks: a missing block is appended',
    files: { [MAIN]: 'UsePAM yes' },
    args: { match_blocks: { 'User anoncvs': { X11Forwarding: 'no', PermitTTY: false } } },
    after: { [MAIN]: 'UsePAM yes\nMatch User anoncvs\n    X11Forwarding no\n    PermitTTY no\n' },
  },
  {
    name: 'a missing main file is created',
    files: {},
    args: { settings: { PasswordAuthentication: 'no' } },
    after: { [MAIN]: 'PasswordAuthentication no\n' },
  },
  {
    name: 'commented Match example at the end does not count as a block',
    files: { [MAIN]: 'UsePAM yes\n#Match User anoncvs\n#\tForceCommand cvs server\n' },
    args: { settings: { MaxAuthTries: 3 } },
    after: { [MAIN]: 'UsePAM yes\n#Match User anoncvs\n#\tForceCommand cvs server\nMaxAuthTries 3\n' },
  },
];

for (const row of rows) {
  test(`sshd: ${row.name}`, (t) => {
    const src = source(row.files);
    const plan = planSshd(src, row.args);
    t.deepEqual(plan.unresolved, []);
    const got = Object.fromEntries(plan.edits.map((e) => [e.path, e.after]));
    t.deepEqual(got, row.after);
    for (const [path, says] of Object.entries(row.says ?? {})) {
      const summary = plan.edits.find((e) => e.path === path)?.changes.join('\n') ?? '';
      for (const s of says) t.true(summary.includes(s), `${path} summary should mention ${JSON.stringify(s)}:\n${summary}`);
    }
    for (const e of plan.edits) t.true(e.changes.length > 0, `${e.path} changes without a summary`);
    // Idempotent: planning over the result gives nothing.
    const files = { ...row.files, ...got };
    t.deepEqual(planSshd(source(files), row.args).edits, [], 'second plan is empty');
    // Our reading of the result agrees with the expected effective values.
    const eff = effectiveSettings(source(files));
    for (const [k, v] of Object.entries(row.effective ?? {})) t.is((eff.get(k) ?? []).join(' ').toLowerCase(), v.toLowerCase(), k);
  });
}

/** Run the real sshd -T on the planned result (files relocated into a temp dir). */
const hasSshd = existsSync('/usr/sbin/sshd') && existsSync('/etc/ssh/ssh_host_ed25519_key');
for (const row of rows.filter((r) => r.effective)) {
  (hasSshd ? test : test.skip)(`sshd -T agrees: ${row.name}`, (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-sshd-'));
    try {
      const relocate = (s: string): string => s.split('/etc/ssh/').join(`${dir}/`).replace(/Include sshd_config\.d/g, `Include ${dir}/sshd_config.d`);
      const plan = planSshd(source(row.files), row.args);
      const files = { ...row.files, ...Object.fromEntries(plan.edits.map((e) => [e.path, e.after])) };
      mkdirSync(join(dir, 'sshd_config.d'));
      for (const [p, text] of Object.entries(files)) writeFileSync(relocate(p), relocate(text));
      const out = execFileSync('/usr/sbin/sshd', ['-T', '-f', join(dir, 'sshd_config')], { encoding: 'utf8' });
      const seen = new Map<string, string[]>();
      for (const line of out.split('\n')) {
        const i = line.indexOf(' ');
        if (i < 0) continue;
        const k = line.slice(0, i);
        seen.set(k, [...(seen.get(k) ?? []), line.slice(i + 1)]);
      }
      for (const [k, v] of Object.entries(row.effective ?? {})) t.is((seen.get(k) ?? []).join(' '), v, k);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('sshd: unresolved include patterns are reported for a second read', (t) => {
  const plan = planSshd({ mainPath: MAIN, files: new Map([[MAIN, 'Include /etc/ssh/x/*.conf\n']]), globs: new Map() }, RUNBOOK);
  t.deepEqual(plan.unresolved, ['/etc/ssh/x/*.conf']);
});

test('sshd: single-file editor', (t) => {
  const r = editSshdConfig('X11Forwarding yes\n', { settings: { X11Forwarding: 'no' } });
  t.is(r.text, 'X11Forwarding no\n');
  t.is(r.changes.length, 1);
  t.deepEqual(editSshdConfig(r.text, { settings: { X11Forwarding: 'no' } }).changes, []);
});

test('sshd: input errors', (t) => {
  const bad: SshdSettings[] = [{ Match: 'User x' }, { Include: '/x' }, { 'Bad Key': 'x' }, { Banner: '' }, { Banner: [] }, { Banner: 'a\nb' }];
  for (const settings of bad) {
    t.throws(() => editSshdConfig('', { settings }), { instanceOf: InputError }, JSON.stringify(settings));
  }
});

test('sshd: lexing like sshd', (t) => {
  t.deepEqual(parseDirective('  PasswordAuthentication=no')?.values, ['no']);
  t.deepEqual(parseDirective('Key = "a b" c # x')?.values, ['a b', 'c']);
  t.is(parseDirective('Key = "a b" c # x')?.comment, '# x');
  t.is(parseDirective('#PasswordAuthentication yes'), null);
  t.is(parseDirective('   '), null);
  t.deepEqual(splitArgs(`a\\ b 'c d' "e\\"f"`).tokens, ['a b', 'c d', 'e"f']);
});
