/**
 * The become command line, run by a real /bin/sh against stand-in `sudo` and `su` programs
 * that print the argv they got and then run the script as the real ones would: the script
 * survives the quoting intact, flags replace the defaults, the password is never an argument.
 */
import test from 'ava';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { becomeCommand, becomeRefused, stripPrompt, type BecomeLine } from '../../../src/transport/become.js';

const bin = mkdtempSync(join(tmpdir(), 'hf-become-bin-'));
// sudo: print argv, then run what follows "--".
writeFileSync(join(bin, 'sudo'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done; echo\nwhile [ "$1" != "--" ]; do shift; done; shift; exec "$@"\n');
// su: print argv, then run the -c string with /bin/sh (the user's login shell).
writeFileSync(join(bin, 'su'), '#!/bin/sh\nfor a in "$@"; do printf "[%s]" "$a"; done; echo\nwhile [ "$1" != "-c" ]; do shift; done; exec /bin/sh -c "$2"\n');
chmodSync(join(bin, 'sudo'), 0o755);
chmodSync(join(bin, 'su'), 0o755);

const SCRIPT = `printf '%s\\n' "it's \\"quoted\\" \\$HOME" 'a  b'; cat`;
function run(b: BecomeLine, stdin = ''): string {
  return execFileSync('/bin/sh', ['-c', becomeCommand(b, SCRIPT)], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, input: stdin, encoding: 'utf8' });
}
const output = `it's "quoted" $HOME\na  b\n`;

const cases: [string, BecomeLine, string][] = [
  ['sudo without a password: -n, default -H', { method: 'sudo', user: 'root', withPassword: false }, '[-n][-H][-u][root][--][/bin/sh][-c]'],
  ['sudo with a password: -k -S -p ""', { method: 'sudo', user: 'postgres', withPassword: true }, '[-k][-S][-p][][-H][-u][postgres][--][/bin/sh][-c]'],
  ['sudo become_flags replace -H', { method: 'sudo', user: 'root', flags: '-E --preserve-env=PATH', withPassword: false }, '[-n][-E][--preserve-env=PATH][-u][root][--][/bin/sh][-c]'],
  ['su: user then -c', { method: 'su', user: 'root', withPassword: true }, '[root][-c]'],
  ['su become_flags', { method: 'su', user: 'svc', flags: "-s /bin/sh -l", withPassword: false }, '[-s][/bin/sh][-l][svc][-c]'],
];

for (const [name, line, argv] of cases) {
  test(name, (t) => {
    const out = run(line, 'stdin line\n');
    const [first, ...rest] = out.split('\n');
    t.true(first!.startsWith(argv), first);
    t.is(rest.join('\n'), `${output}stdin line\n`, 'the script ran intact and read its stdin');
  });
}

test('a refused password is recognised per method; su\'s prompt is not command output', (t) => {
  t.true(becomeRefused('sudo', 'sudo: 1 incorrect password attempt\n'));
  t.true(becomeRefused('su', stripPrompt('su', true, Buffer.from('Password: su: Authentication failure\n')).toString()));
  t.false(becomeRefused('su', 'cat: x: No such file\n'));
  t.is(stripPrompt('su', true, Buffer.from('Password: warning: x\n')).toString(), 'warning: x\n');
  t.is(stripPrompt('su', false, Buffer.from('Password: x')).toString(), 'Password: x');
  t.is(stripPrompt('sudo', true, Buffer.from('Password: x')).toString(), 'Password: x');
});
