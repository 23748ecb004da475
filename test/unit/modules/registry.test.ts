import test from 'ava';
import Ajv from 'ajv';
import { getModule, moduleNames, registerModule, requireModule } from '../../../src/modules/registry.js';

const CORE = ['assert', 'blockinfile', 'command', 'copy', 'debug', 'fail', 'file', 'lineinfile', 'package', 'service', 'set_fact', 'setup', 'shell', 'stat', 'template'];

test('registry: the core modules are registered', (t) => {
  for (const n of CORE) t.true(moduleNames().includes(n), n);
  t.is(getModule('ansible.builtin.copy')?.name, 'copy');
  t.is(getModule('apt')?.name, 'package');
  t.is(getModule('systemd')?.name, 'service');
  t.is(getModule('nope'), undefined);
  t.throws(() => requireModule('cpy'), { message: /unknown module "cpy"/ });
  t.throws(() => registerModule(getModule('copy')!), { message: /already registered/ });
});

// Each schema must compile under the strictest Ajv settings the engine may choose.
const ajv = new Ajv.default({ strict: true, allErrors: true });
const validators = new Map(CORE.map((n) => [n, ajv.compile(getModule(n)!.args as object)]));

const valid: [string, unknown][] = [
  ['command', { cmd: 'ls -l' }],
  ['command', { argv: ['ls', '-l'], chdir: '/tmp', creates: '/x' }],
  ['shell', { cmd: 'echo hi | wc', executable: '/bin/bash' }],
  ['file', { path: '/srv', state: 'directory', mode: 755, owner: 'root', group: 0, recurse: true }],
  ['file', { dest: '/l', state: 'link', src: '/x', force: true }],
  ['copy', { content: 'x', dest: '/etc/x', mode: '0644', backup: true, validate: 'v %s' }],
  ['copy', { src: 'files/x', dest: '/etc/' }],
  ['template', { src: 'x.hbs', dest: '/etc/x', mode: 'u=rw,go=r' }],
  ['lineinfile', { path: '/etc/x', line: 'a', regexp: '^a', insertafter: 'EOF', create: true }],
  ['lineinfile', { path: '/etc/x', state: 'absent', regexp: '^a' }],
  ['lineinfile', { path: '/etc/x', line: '\\1', regexp: '(a)', backrefs: true }],
  ['blockinfile', { path: '/etc/x', block: 'a\n', marker: '# {mark} X', insertbefore: 'BOF' }],
  ['package', { name: ['curl', 'htop'], state: 'present', update_cache: true, cache_valid_time: 3600 }],
  ['package', { name: 'curl' }],
  ['package', { deb: '/tmp/x.deb' }],
  ['service', { name: 'ssh', state: 'restarted' }],
  ['service', { name: 'etcd@a', enabled: true }],
  ['setup', {}],
  ['debug', { msg: { any: ['thing'] } }],
  ['debug', { var: 'result' }],
  ['fail', { msg: 'x' }],
  ['assert', { that: ['a'], fail_msg: 'x' }],
  ['set_fact', { a: 1, b: 'x' }],
  ['stat', { path: '/x', get_checksum: true }],
];

const invalid: [string, unknown, RegExp][] = [
  ['command', {}, /must match exactly one/],
  ['command', { cmd: 'ls', argv: ['ls'] }, /must match exactly one/],
  ['command', { cmd: 'ls', bogus: 1 }, /additional properties/],
  ['file', { path: '/x', state: 'dir' }, /must be equal to one of the allowed values/],
  ['file', { path: '/x', mode: true }, /must be string|must be integer/],
  ['copy', { dest: '/x' }, /must match a schema in anyOf/],
  ['copy', { dest: '/x', src: 'a', content: 'b' }, /must NOT be valid/],
  ['template', { dest: '/x' }, /must have required property 'src'/],
  ['lineinfile', { path: '/x' }, /must have required property 'line'/],
  ['lineinfile', { path: '/x', line: 'a', insertafter: 'a', insertbefore: 'b' }, /must NOT be valid/],
  ['lineinfile', { path: '/x', line: 'a', backrefs: true }, /must have required property 'regexp'/],
  ['lineinfile', { path: '/x', state: 'absent' }, /must match a schema in anyOf/],
  ['blockinfile', { path: '/x', marker: '# no mark' }, /must match pattern/],
  ['package', { state: 'present' }, /must match a schema in anyOf/],
  ['package', { name: 'x', state: 'newest' }, /allowed values/],
  ['service', { name: 'ssh' }, /must match a schema in anyOf/],
  ['service', { name: 'a b', state: 'started' }, /must match pattern/],
  ['assert', {}, /must have required property 'that'/],
  ['set_fact', {}, /must NOT have fewer than 1 properties/],
  ['stat', {}, /must have required property 'path'/],
  ['debug', { msg: 'a', var: 'b' }, /must NOT be valid/],
];

for (const [name, args] of valid) {
  test(`schema ${name} accepts ${JSON.stringify(args)}`, (t) => {
    const v = validators.get(name)!;
    t.true(v(args), JSON.stringify(v.errors));
  });
}
for (const [name, args, msg] of invalid) {
  test(`schema ${name} rejects ${JSON.stringify(args)}`, (t) => {
    const v = validators.get(name)!;
    t.false(v(args));
    t.regex(ajv.errorsText(v.errors), msg);
  });
}
