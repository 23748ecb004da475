import test from 'ava';
import { cpuFacts } from '../../../src/facts/cpuinfo.js';
import { decodeOctal, mountFacts } from '../../../src/facts/mounts.js';

// Two sockets, 2 cores each, hyper-threading (8 logical CPUs), as /proc/cpuinfo lists them.
const HT = [0, 1, 2, 3, 4, 5, 6, 7].flatMap((n) => [
  `processor\t: ${n}`,
  'vendor_id\t: GenuineIntel',
  'model name\t: Intel(R) Xeon(R)',
  `physical id\t: ${n < 4 ? 0 : 1}`,
  'siblings\t: 4',
  `core id\t\t: ${Math.floor(n / 2) % 2}`,
  'cpu cores\t: 2',
]);

test('cpuFacts: sockets, cores, threads and vcpus as Ansible computes them', (t) => {
  const c = cpuFacts(HT, 'x86_64', false)!;
  t.is(c.processor.length, 24);
  t.like(c, { processor_count: 2, processor_cores: 2, processor_threads_per_core: 2, processor_vcpus: 8 });
  // A VM without topology lines: one socket per processor line counted.
  const flat = ['processor\t: 0', 'vendor_id\t: AuthenticAMD', 'model name\t: AMD EPYC', 'processor\t: 1', 'vendor_id\t: AuthenticAMD', 'model name\t: AMD EPYC'];
  t.like(cpuFacts(flat, 'x86_64', false), { processor_count: 2, processor_cores: 1, processor_threads_per_core: 1, processor_vcpus: 2 });
  // arm64: only `processor` lines count.
  t.like(cpuFacts(['processor\t: 0', 'BogoMIPS\t: 50', 'processor\t: 1', 'processor\t: 2'], 'aarch64', false), { processor_count: 3, processor_vcpus: 3 });
  t.like(cpuFacts(HT, 'x86_64', true), { processor_count: 8, processor_cores: 8, processor_threads_per_core: 1, processor_vcpus: 8 });
  t.is(cpuFacts([], 'x86_64', false), undefined);
});

test('mountFacts: real devices only, octal escapes, bind mounts, sizes, uuids', (t) => {
  const m = mountFacts({
    mtab: [
      'overlay / overlay rw,relatime 0 0',
      '/dev/sda1 / ext4 rw,relatime 0 0',
      'proc /proc proc rw 0 0',
      '/dev/sda1 /srv/my\\040data ext4 rw 0 0',
      'nas:/export /mnt/nfs nfs4 rw,vers=4.2 0 0',
      '/dev/sdb1 /ignored none rw 0 0',
    ],
    findmnt: ['/srv/my\\x20data /dev/sda1[/data] ext4 rw', '/ /dev/sda1 ext4 rw,relatime', '/mnt/nfs nas:/export nfs4 rw'],
    lsblk: ['/dev/sda ', '/dev/sda1 0b1c-uuid', '/dev/sdb1'],
    statfs: ['/|4096 4096 1000 400 500 100 60'],
  });
  t.deepEqual(m.map((x) => x.mount), ['/', '/srv/my data', '/mnt/nfs']);
  t.like(m[0], { device: '/dev/sda1', uuid: '0b1c-uuid', size_total: 4096000, size_available: 1638400, block_used: 600, inode_used: 40 });
  t.is(m[1]!.options, 'rw', "findmnt's \\x20 target is not mtab's \\040: Ansible adds no ,bind there either");
  t.like(m[2], { device: 'nas:/export', uuid: 'N/A', options: 'rw,vers=4.2' });
  t.false('size_total' in m[2]!, 'no stat -f line, no sizes');
  t.is(decodeOctal('a\\011b\\134c'), 'a\tb\\c');
  const bind = mountFacts({ mtab: ['/dev/vda /root ext4 rw 0 0'], findmnt: ['/root /dev/vda[/home] ext4 rw'], lsblk: [], statfs: [] });
  t.is(bind[0]!.options, 'rw,bind');
});
