import test from 'ava';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../../src/errors.js';
import { connectionFor } from '../../../src/inventory/index.js';
import { isSecret } from '../../../src/util/secret.js';

test('defaults: inventory name, port 22, current user, 10 s, no become', (t) => {
  const c = connectionFor('web1', {});
  t.deepEqual(c, { host: 'web1', port: 22, user: os.userInfo().username, connectTimeoutMs: 10_000, become: false });
});

test('ansible_* variables', (t) => {
  const c = connectionFor('web1', {
    ansible_host: '198.18.0.11',
    ansible_port: '2222',
    ansible_user: 'deploy',
    ansible_ssh_private_key_file: '~/.ssh/lab',
    ansible_ssh_pass: 'hunter22',
    ansible_become: 'yes',
    ansible_ssh_common_args: '-o ProxyJump=x',
    ansible_connection: 'ssh',
    hostforge_known_hosts: '/etc/hostforge/known_hosts',
    hostforge_connect_timeout: 2.5,
  });
  t.is(c.host, '198.18.0.11');
  t.is(c.port, 2222);
  t.is(c.user, 'deploy');
  t.is(c.privateKeyFile, path.join(os.homedir(), '.ssh/lab'));
  t.is(c.knownHostsFile, '/etc/hostforge/known_hosts');
  t.is(c.connectTimeoutMs, 2500);
  t.true(c.become);
  t.is(c.becomeUser, 'root');
  t.true(isSecret(c.password));
  t.is(c.password?.reveal(), 'hunter22');
  t.false(JSON.stringify(c).includes('hunter22'), 'the password never prints');
});

test('ansible_password wins over ansible_ssh_pass; become user and password', (t) => {
  const c = connectionFor('h', { ansible_password: 'a-pass', ansible_ssh_pass: 'b-pass', ansible_become_user: 'postgres', ansible_become_pass: 'sudo-pw' });
  t.is(c.password?.reveal(), 'a-pass');
  t.false(c.become);
  t.is(c.becomeUser, 'postgres');
  t.is(c.becomePassword?.reveal(), 'sudo-pw');
});

const bad: [string, Record<string, unknown>, RegExp][] = [
  ['a non-numeric port', { ansible_port: 'ssh' }, /ansible_port must be a port number/],
  ['port 0', { ansible_port: 0 }, /port number/],
  ['port 70000', { ansible_port: 70000 }, /port number/],
  ['a docker connection', { ansible_connection: 'docker' }, /ansible_connection must be "ssh" or "local"/],
  ['a zero timeout', { hostforge_connect_timeout: 0 }, /greater than 0/],
  ['a bad boolean', { ansible_become: 'maybe' }, /ansible_become must be a boolean/],
  ['a list as user', { ansible_user: ['a'] }, /ansible_user must be a string/],
];
for (const [title, vars, message] of bad) {
  test(`refuses ${title}`, (t) => {
    const err = t.throws(() => connectionFor('h9', vars), { instanceOf: InputError });
    t.regex(err?.message ?? '', message);
    t.regex(err?.message ?? '', /host "h9"/);
  });
}

test('a bad password value is not echoed', (t) => {
  const err = t.throws(() => connectionFor('h', { ansible_password: { nested: 'hunter22' } }), { instanceOf: InputError });
  t.false(err?.message.includes('hunter22'));
});
