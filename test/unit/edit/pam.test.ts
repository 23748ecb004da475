import test from 'ava';
import { editPam, type PamArgs, parsePamRule, pamWords } from '../../../src/edit/pam.js';
import { InputError, TaskError } from '../../../src/errors.js';
import { DEBIAN12_PAM_SSHD } from './fixtures.js';

interface Row {
  name: string;
  input: string;
  args: PamArgs;
  text: string;
  changes: string[];
}

const P = DEBIAN12_PAM_SSHD;
const ENV_LOCALE = 'session    required     pam_env.so user_readenv=1 envfile=/etc/default/locale';
const UNBIT = 'session    required     pam_unbit.so';
const UNBIT_ARGS: PamArgs = { type: 'session', control: 'required', module: 'pam_unbit.so', after: ENV_LOCALE };

const rows: Row[] = [
  {
    name: 'runbook: pam_unbit after the pam_env locale line',
    input: P,
    args: UNBIT_ARGS,
    text: P.replace(`${ENV_LOCALE}\n`, `${ENV_LOCALE}\n${UNBIT}\n`),
    changes: ['pam file: add "session required pam_unbit.so" after line 47'],
  },
  {
    name: 'the anchor may be written with other spacing',
    input: P,
    args: { ...UNBIT_ARGS, after: 'session required pam_env.so user_readenv=1 envfile=/etc/default/locale' },
    text: P.replace(`${ENV_LOCALE}\n`, `${ENV_LOCALE}\n${UNBIT}\n`),
    changes: ['pam file: add "session required pam_unbit.so" after line 47'],
  },
  {
    name: 'the anchor may be a regex',
    input: P,
    args: { ...UNBIT_ARGS, after: 'pam_env\\.so .*envfile=' },
    text: P.replace(`${ENV_LOCALE}\n`, `${ENV_LOCALE}\n${UNBIT}\n`),
    changes: ['pam file: add "session required pam_unbit.so" after line 47'],
  },
  {
    name: 'the plain pam_env line (same module, other args) is not the anchor',
    input: 'session required pam_env.so # [1]\nsession required pam_env.so user_readenv=1 envfile=/etc/default/locale\nsession optional pam_x.so\n',
    args: UNBIT_ARGS,
    text: `session required pam_env.so # [1]\nsession required pam_env.so user_readenv=1 envfile=/etc/default/locale\n${UNBIT}\nsession optional pam_x.so\n`,
    changes: ['pam file: add "session required pam_unbit.so" after line 2'],
  },
  {
    name: 'already after the anchor (not right after): no change',
    input: `${ENV_LOCALE}\nsession optional pam_x.so\nsession\trequired\tpam_unbit.so\n`,
    args: UNBIT_ARGS,
    text: `${ENV_LOCALE}\nsession optional pam_x.so\nsession\trequired\tpam_unbit.so\n`,
    changes: [],
  },
  {
    name: 'present before the anchor: moved after it',
    input: `${UNBIT}\nsession optional pam_x.so\n${ENV_LOCALE}\n`,
    args: UNBIT_ARGS,
    text: `session optional pam_x.so\n${ENV_LOCALE}\n${UNBIT}\n`,
    changes: ['pam file: move "session required pam_unbit.so" after line 3'],
  },
  {
    name: 'duplicates from earlier runs are removed',
    input: `${ENV_LOCALE}\n${UNBIT}\n${UNBIT}\n`,
    args: UNBIT_ARGS,
    text: `${ENV_LOCALE}\n${UNBIT}\n`,
    changes: ['pam file: remove duplicate line 3'],
  },
  {
    name: 'a commented rule does not count',
    input: `${ENV_LOCALE}\n# ${UNBIT}\n`,
    args: UNBIT_ARGS,
    text: `${ENV_LOCALE}\n${UNBIT}\n# ${UNBIT}\n`,
    changes: ['pam file: add "session required pam_unbit.so" after line 1'],
  },
  {
    name: 'full module path equals the bare name',
    input: `${ENV_LOCALE}\nsession required /lib/x86_64-linux-gnu/security/pam_unbit.so\n`,
    args: UNBIT_ARGS,
    text: `${ENV_LOCALE}\nsession required /lib/x86_64-linux-gnu/security/pam_unbit.so\n`,
    changes: [],
  },
  {
    name: 'before an anchor',
    input: 'auth required pam_unix.so\n',
    args: { type: 'auth', control: 'requisite', module: 'pam_nologin.so', before: 'auth required pam_unix.so' },
    text: 'auth       requisite    pam_nologin.so\nauth required pam_unix.so\n',
    changes: ['pam file: add "auth requisite pam_nologin.so" before line 1'],
  },
  {
    name: 'no anchor: appended at the end',
    input: 'auth required pam_unix.so',
    args: { type: 'session', control: 'optional', module: 'pam_motd.so', args: 'motd=/run/motd.dynamic' },
    text: 'auth required pam_unix.so\nsession    optional     pam_motd.so motd=/run/motd.dynamic\n',
    changes: ['pam file: add "session optional pam_motd.so motd=/run/motd.dynamic"'],
  },
  {
    name: 'match module: control and args are updated in place',
    input: `${ENV_LOCALE}\nsession optional pam_unbit.so debug\n`,
    args: { ...UNBIT_ARGS, match: 'module' },
    text: `${ENV_LOCALE}\n${UNBIT}\n`,
    changes: ['pam file: update line 2 to "session required pam_unbit.so"'],
  },
  {
    name: 'match line: another control is another rule',
    input: `${ENV_LOCALE}\nsession optional pam_unbit.so\n`,
    args: UNBIT_ARGS,
    text: `${ENV_LOCALE}\n${UNBIT}\nsession optional pam_unbit.so\n`,
    changes: ['pam file: add "session required pam_unbit.so" after line 1'],
  },
  {
    name: 'bracketed control compares without extra spaces',
    input: 'session [success=ok  default=bad] pam_selinux.so open\n',
    args: { type: 'session', control: '[success=ok default=bad]', module: 'pam_selinux.so', args: ['open'] },
    text: 'session [success=ok  default=bad] pam_selinux.so open\n',
    changes: [],
  },
  {
    name: 'state absent removes every copy',
    input: `${ENV_LOCALE}\n${UNBIT}\nsession required pam_unbit.so\n`,
    args: { type: 'session', control: 'required', module: 'pam_unbit.so', state: 'absent' },
    text: `${ENV_LOCALE}\n`,
    changes: ['pam file: remove "session required pam_unbit.so" (2 lines)'],
  },
  {
    name: 'state absent, nothing there',
    input: P,
    args: { type: 'session', control: 'required', module: 'pam_unbit.so', state: 'absent' },
    text: P,
    changes: [],
  },
];

for (const row of rows) {
  test(`pam: ${row.name}`, (t) => {
    const r = editPam(row.input, row.args);
    t.is(r.text, row.text);
    t.deepEqual(r.changes, row.changes);
    const again = editPam(r.text, row.args);
    t.deepEqual(again.changes, [], 'idempotent');
    t.is(again.text, r.text);
  });
}

test('pam: a missing anchor fails the task instead of guessing', (t) => {
  t.throws(() => editPam('auth required pam_unix.so\n', UNBIT_ARGS, '/etc/pam.d/sshd'), {
    instanceOf: TaskError,
    message: /\/etc\/pam.d\/sshd has no rule matching/,
  });
});

test('pam: input errors', (t) => {
  t.throws(() => editPam('', { type: 'sess', control: 'required', module: 'x.so' }), { instanceOf: InputError });
  t.throws(() => editPam('', { type: 'session', control: 'required', module: 'a b' }), { instanceOf: InputError });
  t.throws(() => editPam('', { ...UNBIT_ARGS, before: 'x' }), { instanceOf: InputError });
  t.throws(() => editPam('session required pam_x.so\n', { ...UNBIT_ARGS, after: '(' }), { instanceOf: InputError });
});

test('pam: parsing', (t) => {
  t.deepEqual(pamWords('session [success=ok default=bad] pam_selinux.so open # c'), ['session', '[success=ok default=bad]', 'pam_selinux.so', 'open']);
  t.deepEqual(parsePamRule('-session optional pam_systemd.so'), { type: '-session', control: 'optional', module: 'pam_systemd.so', args: [] });
  t.is(parsePamRule('@include common-auth'), null);
  t.is(parsePamRule('# session required pam_x.so'), null);
});
