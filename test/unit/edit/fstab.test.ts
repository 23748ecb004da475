import test from 'ava';
import { editFstab, entryArgsFromLine, type FstabEntryArgs, fstabDecode, fstabEncode, parseFstab, splitOptions } from '../../../src/edit/fstab.js';
import { InputError } from '../../../src/errors.js';

interface Row {
  name: string;
  input: string;
  args: FstabEntryArgs;
  text: string;
  changes: string[];
  optionsChanged?: boolean;
}

const RUNBOOK = `# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
proc /proc proc nodev,noexec,nosuid 0 0
/dev/md/2 / ext4 defaults 0 0
/dev/md/1 none swap sw 0 0
`;
const QUOTA = { path: '/', options_present: 'usrjquota=aquota.user,jqfmt=vfsv1' };
const CGROUP = 'none /sys/fs/cgroup cgroup blkio,cpuacct,cpu,memory,devices 0 0';

const rows: Row[] = [
  {
    name: 'runbook: quota options on /',
    input: RUNBOOK,
    args: QUOTA,
    text: RUNBOOK.replace('/dev/md/2 / ext4 defaults 0 0', '/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1 0 0'),
    changes: ['/: add option usrjquota=aquota.user', '/: add option jqfmt=vfsv1'],
    optionsChanged: true,
  },
  {
    name: 'runbook: the cgroup line is appended',
    input: RUNBOOK,
    args: entryArgsFromLine(CGROUP),
    text: `${RUNBOOK}${CGROUP}\n`,
    changes: [`/sys/fs/cgroup: add entry "${CGROUP}"`],
  },
  {
    name: 'cgroup line already there with other spacing: no change',
    input: `${RUNBOOK}none\t/sys/fs/cgroup\tcgroup\tblkio,cpuacct,cpu,memory,devices\t0\t0\n`,
    args: entryArgsFromLine(CGROUP),
    text: `${RUNBOOK}none\t/sys/fs/cgroup\tcgroup\tblkio,cpuacct,cpu,memory,devices\t0\t0\n`,
    changes: [],
  },
  {
    name: 'cgroup line with other options is corrected in place, tabs kept',
    input: 'none\t/sys/fs/cgroup\tcgroup\tdefaults\t0\t0\n',
    args: entryArgsFromLine(CGROUP),
    text: 'none\t/sys/fs/cgroup\tcgroup\tblkio,cpuacct,cpu,memory,devices\t0\t0\n',
    changes: ['/sys/fs/cgroup: options defaults -> blkio,cpuacct,cpu,memory,devices'],
    optionsChanged: true,
  },
  {
    name: 'options already there: no duplicate',
    input: '/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n',
    args: QUOTA,
    text: '/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n',
    changes: [],
  },
  {
    name: 'options in another order: no change',
    input: '/dev/md/2 / ext4 jqfmt=vfsv1,defaults,usrjquota=aquota.user 0 0\n',
    args: QUOTA,
    text: '/dev/md/2 / ext4 jqfmt=vfsv1,defaults,usrjquota=aquota.user 0 0\n',
    changes: [],
  },
  {
    name: 'duplicated options from a bad line edit are collapsed',
    input: '/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n',
    args: QUOTA,
    text: '/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n',
    changes: ['/: remove duplicate option usrjquota=aquota.user', '/: remove duplicate option jqfmt=vfsv1'],
    optionsChanged: true,
  },
  {
    name: 'key=value replaces the same key',
    input: '/dev/md/2 / ext4 defaults,jqfmt=vfsold 0 1\n',
    args: QUOTA,
    text: '/dev/md/2 / ext4 defaults,jqfmt=vfsv1,usrjquota=aquota.user 0 1\n',
    changes: ['/: add option usrjquota=aquota.user', '/: replace option jqfmt=vfsold with jqfmt=vfsv1'],
    optionsChanged: true,
  },
  {
    name: 'adding noatime replaces atime; ro replaces rw',
    input: '/dev/sdb1 /data xfs rw,atime 0 2\n',
    args: { path: '/data', options_present: ['noatime', 'ro'] },
    text: '/dev/sdb1 /data xfs ro,noatime 0 2\n',
    changes: ['/data: replace option atime with noatime', '/data: replace option rw with ro'],
    optionsChanged: true,
  },
  {
    name: 'options_absent: bare key and exact value',
    input: '/dev/sdb1 /data xfs defaults,noatime,usrquota,grpjquota=aquota.group 0 2\n',
    args: { path: '/data', options_absent: ['grpjquota', 'noatime'] },
    text: '/dev/sdb1 /data xfs defaults,usrquota 0 2\n',
    changes: ['/data: remove option grpjquota=aquota.group', '/data: remove option noatime'],
    optionsChanged: true,
  },
  {
    name: 'removing the only option leaves defaults',
    input: '/dev/sdb1 /data xfs noatime 0 2\n',
    args: { path: '/data', options_absent: ['noatime'] },
    text: '/dev/sdb1 /data xfs defaults 0 2\n',
    changes: ['/data: remove option noatime'],
    optionsChanged: true,
  },
  {
    name: 'commented entry for the mount point is not an entry',
    input: '#/dev/md/2 / ext4 defaults 0 0\n/dev/md/2 / ext4 defaults 0 0\n',
    args: QUOTA,
    text: '#/dev/md/2 / ext4 defaults 0 0\n/dev/md/2 / ext4 defaults,usrjquota=aquota.user,jqfmt=vfsv1 0 0\n',
    changes: ['/: add option usrjquota=aquota.user', '/: add option jqfmt=vfsv1'],
    optionsChanged: true,
  },
  {
    name: 'aligned columns are kept',
    input: 'UUID=abcd    /    ext4    errors=remount-ro    0    1\n',
    args: QUOTA,
    text: 'UUID=abcd    /    ext4    errors=remount-ro,usrjquota=aquota.user,jqfmt=vfsv1    0    1\n',
    changes: ['/: add option usrjquota=aquota.user', '/: add option jqfmt=vfsv1'],
    optionsChanged: true,
  },
  {
    name: 'a second entry for the same mount point is removed',
    input: '/dev/md/2 / ext4 defaults 0 0\n/dev/sda1 / ext4 defaults 0 0\n',
    args: { path: '/', opts: 'defaults' },
    text: '/dev/md/2 / ext4 defaults 0 0\n',
    changes: ['/: remove 1 duplicate entry (line 2)'],
  },
  {
    name: 'device and dump/pass are updated',
    input: '/dev/sda1 /boot ext2 defaults 0 2\n',
    args: { path: '/boot', src: 'UUID=1234', passno: 1 },
    text: 'UUID=1234 /boot ext2 defaults 0 1\n',
    changes: ['/boot: device /dev/sda1 -> UUID=1234', '/boot: passno 2 -> 1'],
  },
  {
    name: 'missing dump/pass fields are added only when asked',
    input: '/dev/sda1 /boot ext2 defaults\n',
    args: { path: '/boot', passno: 2 },
    text: '/dev/sda1 /boot ext2 defaults 0 2\n',
    changes: ['/boot: passno 0 -> 2'],
  },
  {
    name: 'state absent removes the entry',
    input: RUNBOOK,
    args: { path: 'none', state: 'absent' },
    text: RUNBOOK.replace('/dev/md/1 none swap sw 0 0\n', ''),
    changes: ['none: remove entry'],
  },
  {
    name: 'state absent without entry: nothing',
    input: RUNBOOK,
    args: { path: '/srv', state: 'absent' },
    text: RUNBOOK,
    changes: [],
  },
  {
    name: 'mount point with a space is encoded as \\040',
    input: '',
    args: { path: '/mnt/my disk', src: '/dev/sdc1', fstype: 'vfat', options_present: ['noauto'] },
    text: '/dev/sdc1 /mnt/my\\040disk vfat defaults,noauto 0 0\n',
    changes: ['/mnt/my disk: add entry "/dev/sdc1 /mnt/my\\040disk vfat defaults,noauto 0 0"'],
  },
  {
    name: 'encoded mount point in the file matches the plain path',
    input: '/dev/sdc1 /mnt/my\\040disk vfat defaults 0 0\n',
    args: { path: '/mnt/my disk', options_present: ['noauto'] },
    text: '/dev/sdc1 /mnt/my\\040disk vfat defaults,noauto 0 0\n',
    changes: ['/mnt/my disk: add option noauto'],
    optionsChanged: true,
  },
  {
    name: 'quoted SELinux context with commas stays one option',
    input: '/dev/sdd1 /web ext4 context="system_u:object_r:httpd_sys_content_t:s0:c1,c2" 0 0\n',
    args: { path: '/web', options_present: ['noexec'] },
    text: '/dev/sdd1 /web ext4 context="system_u:object_r:httpd_sys_content_t:s0:c1,c2",noexec 0 0\n',
    changes: ['/web: add option noexec'],
    optionsChanged: true,
  },
  {
    name: 'file without final newline gets one when a line is appended',
    input: '/dev/md/2 / ext4 defaults 0 0',
    args: entryArgsFromLine(CGROUP),
    text: `/dev/md/2 / ext4 defaults 0 0\n${CGROUP}\n`,
    changes: [`/sys/fs/cgroup: add entry "${CGROUP}"`],
  },
];

for (const row of rows) {
  test(`fstab: ${row.name}`, (t) => {
    const r = editFstab(row.input, row.args);
    t.is(r.text, row.text);
    t.deepEqual(r.changes, row.changes);
    t.is(r.optionsChanged, row.optionsChanged ?? false);
    const again = editFstab(r.text, row.args);
    t.deepEqual(again.changes, [], 'idempotent');
    t.is(again.text, r.text);
  });
}

test('fstab: input errors', (t) => {
  t.throws(() => editFstab('', { path: '/x', options_present: ['a'] }), { instanceOf: InputError, message: /src and fstype/ });
  t.throws(() => editFstab('', { path: '/x', opts: 'a', options_present: ['b'] }), { instanceOf: InputError });
  t.throws(() => editFstab('', { path: '/x', src: 'a', fstype: 'b', dump: 'x' }), { instanceOf: InputError });
  t.throws(() => entryArgsFromLine('a b c'), { instanceOf: InputError });
});

test('fstab: helpers', (t) => {
  t.is(fstabDecode('/a\\040b\\011c'), '/a b\tc');
  t.is(fstabEncode('/a b'), '/a\\040b');
  t.deepEqual(splitOptions('a,"b,c",d'), ['a', '"b,c"', 'd']);
  t.deepEqual(
    parseFstab(RUNBOOK).map((e) => e.path),
    ['/proc', '/', 'none'],
  );
});
