import { spawnSync } from 'node:child_process';
import test from 'ava';
import yaml from 'js-yaml';
import { HostforgeError, InputError } from '../../../src/errors.js';
import { inventoryYaml } from '../../../src/lab/inventory.js';
import { knownHostsText, parsePublicKey } from '../../../src/lab/keys.js';
import {
  bridgeAlias,
  MAX_HOSTS,
  bridgeIp,
  checkLabName,
  checkStateRoot,
  hostsFileText,
  labHosts,
  parseBridgeAlias,
  slotCidr,
} from '../../../src/lab/layout.js';
import { extraMountpoints, hostArgv, hostPaths, setupScript } from '../../../src/lab/rootfs.js';
import type { LabInfo } from '../../../src/lab/types.js';

test('slot S owns the /22 at 1024·S in 198.18.0.0/15: bridge .1, host i .1+i, names hfx<S>n<i>', (t) => {
  t.is(bridgeIp(1), '198.18.4.1');
  t.is(slotCidr(1), '198.18.4.0/22');
  t.deepEqual(labHosts(1, 2), [
    { name: 'node1', ip: '198.18.4.2', fqdn: 'node1.lab.test', netns: 'hfx1n1' },
    { name: 'node2', ip: '198.18.4.3', fqdn: 'node2.lab.test', netns: 'hfx1n2' },
  ]);
  t.is(labHosts(2, 300)[299]?.ip, '198.18.9.45');
  const last = labHosts(127, MAX_HOSTS);
  t.is(bridgeIp(127), '198.19.252.1');
  t.deepEqual(last.at(-1), { name: 'node1000', ip: '198.19.255.233', fqdn: 'node1000.lab.test', netns: 'hfx127n1000' });
  for (const h of last) t.true(h.netns.length <= 15 && `hfx127v${h.name.slice(4)}`.length <= 15, 'interface names fit IFNAMSIZ');
});

test('no address or name of the new layout meets the earlier one (198.18.0.0/24, hfbr<S>, hf<S>n<i>)', (t) => {
  for (const slot of [1, 2, 127]) {
    for (const h of labHosts(slot, MAX_HOSTS)) {
      t.false(h.ip.startsWith('198.18.0.'), h.ip);
      t.false(/^hf\d/.test(h.netns) || /^hfbr/.test(h.netns), h.netns);
    }
  }
});

test('counts outside 1..1000 and slots outside 1..127 are refused with a LAB error', (t) => {
  for (const [slot, count] of [[1, 0], [1, MAX_HOSTS + 1], [1, 1.5], [128, 1], [0, 1], [-1, 1]] as const) {
    const err = t.throws(() => labHosts(slot, count), { instanceOf: HostforgeError });
    t.is(err?.code, 'LAB');
  }
});

test('lab names and state roots must be safe in paths and mount options', (t) => {
  t.notThrows(() => checkLabName('e2e-lab_2'));
  for (const bad of ['', '../x', 'a/b', '-x', 'a b', 'x'.repeat(41)]) t.throws(() => checkLabName(bad), { instanceOf: InputError });
  t.is(checkStateRoot('/var/lib/hostforge/lab/'), '/var/lib/hostforge/lab');
  for (const bad of ['relative/dir', '/tmp', '/', '/a,b/c', '/a:b/c', '/a b/c']) {
    t.throws(() => checkStateRoot(bad), { instanceOf: InputError }, bad);
  }
});

test('the bridge alias names the lab and its directory, and reads back', (t) => {
  const alias = bridgeAlias('ci', '/var/lib/hostforge/lab/ci');
  t.deepEqual(parseBridgeAlias(alias), { name: 'ci', stateDir: '/var/lib/hostforge/lab/ci' });
  t.is(parseBridgeAlias('some other bridge'), undefined);
  t.is(parseBridgeAlias(''), undefined);
});

test('/etc/hosts lists localhost and every lab host', (t) => {
  const text = hostsFileText(labHosts(1, 2));
  t.true(text.startsWith('127.0.0.1\tlocalhost\n'));
  t.true(text.endsWith('198.18.4.2\tnode1.lab.test\tnode1\n198.18.4.3\tnode2.lab.test\tnode2\n'));
});

const info: LabInfo = {
  name: 'ci',
  slot: 1,
  stateDir: '/var/lib/hostforge/lab/ci',
  inventoryPath: '/var/lib/hostforge/lab/ci/inventory.yaml',
  knownHostsPath: '/var/lib/hostforge/lab/ci/known_hosts',
  keyPath: '/var/lib/hostforge/lab/ci/id_ed25519',
  hosts: labHosts(1, 2),
};

test('the inventory is Ansible YAML with one entry per host', (t) => {
  const doc = yaml.load(inventoryYaml(info));
  t.deepEqual(doc, {
    all: {
      children: {
        lab: {
          vars: {
            ansible_ssh_common_args:
              '-o UserKnownHostsFile=/var/lib/hostforge/lab/ci/known_hosts -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes',
          },
          hosts: Object.fromEntries(
            info.hosts.map((h) => [
              h.name,
              {
                ansible_host: h.ip,
                ansible_user: 'root',
                ansible_port: 22,
                ansible_ssh_private_key_file: info.keyPath,
                hostforge_known_hosts: info.knownHostsPath,
                fqdn: h.fqdn,
                ip: h.ip,
              },
            ]),
          ),
        },
      },
    },
  });
});

test('known_hosts has one OpenSSH line per host key, named by IP', (t) => {
  const k = parsePublicKey('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFCD5Ubc root@node1\n');
  t.deepEqual(k, { type: 'ssh-ed25519', blob: 'AAAAC3NzaC1lZDI1NTE5AAAAIFCD5Ubc' });
  t.is(parsePublicKey('not a key'), undefined);
  t.is(
    knownHostsText([{ ip: '198.18.0.2', keys: [k!, { type: 'ssh-rsa', blob: 'AAAAB3' }] }]),
    '198.18.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFCD5Ubc\n198.18.0.2 ssh-rsa AAAAB3\n',
  );
});

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw',
  '28 27 0:25 / /mnt/tools ro - tmpfs tools ro',
  '29 27 254:1 / /var rw - xfs /dev/vdb rw',
  '30 29 254:2 / /var/lib/data rw - ext4 /dev/vdc rw',
  '31 27 254:3 / /home/my\\040files rw - ext4 /dev/vdd rw',
  '32 27 254:0 /run/netns /run/netns rw shared:1 - ext4 /dev/vda rw',
  '33 27 254:4 / /tmp rw - ext4 /dev/vde rw',
  '34 29 254:5 / /var/lib/hostforge rw - ext4 /dev/vdf rw',
  '35 27 254:6 / /usr rw - btrfs /dev/vdg rw',
].join('\n');

test('data mounts other than / get their own overlay; fresh or private ones do not', (t) => {
  const all = ['/usr', '/var', '/var/lib/data', '/var/lib/hostforge'];
  t.deepEqual(extraMountpoints(MOUNTINFO, '/var/lib/hostforge/lab'), all);
  t.deepEqual(extraMountpoints(MOUNTINFO, '/var/lib/hostforge'), ['/usr', '/var', '/var/lib/data'], 'not the lab state itself');
  t.deepEqual(extraMountpoints(MOUNTINFO, '/var/lib/data/lab'), all);
});

test('the setup script is valid sh, quotes every path and ends by exec-ing the init', (t) => {
  const paths = hostPaths("/var/lib/hostforge/lab/it's", 'node1');
  const script = setupScript({
    paths,
    extras: [{ mountpoint: '/var', upper: `${paths.dir}/mounts/0/upper`, work: `${paths.dir}/mounts/0/work` }],
    hostname: 'node1',
    init: ['/usr/bin/tini', '-s', '--'],
  });
  t.is(spawnSync('sh', ['-n', '-c', script]).status, 0, 'sh -n accepts it');
  t.true(script.includes(`'lowerdir=/,upperdir=/var/lib/hostforge/lab/it'\\''s/hosts/node1/upper,workdir=`));
  t.regex(script, /^hostname node1$/m);
  t.regex(script, /ssh-keygen -q -t ecdsa .*\nexec chroot .* \/usr\/bin\/tini -s -- \/bin\/sh -c '\/usr\/sbin\/sshd && exec sleep infinity'\n$/);
  const argv = hostArgv('hf0n1', script);
  t.deepEqual(argv.slice(0, 5), ['ip', 'netns', 'exec', 'hf0n1', 'unshare']);
  t.true(argv.includes('--kill-child') && argv.includes('--pid') && argv.includes('--mount') && argv.includes('--uts'));
  t.is(argv.at(-1), script);
});
