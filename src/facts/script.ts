/**
 * The facts script: ONE exec of plain POSIX sh printing key=value lines. It contains no
 * input from anyone (a constant), so no quoting is involved. Every probe tolerates a
 * missing tool; the parser copes with missing keys.
 *
 * Keys: os_<KEY> (each /etc/os-release line), hostname, fqdn, kernel, kernel_version,
 * arch, pid1, debian_version, systemd_dir, user, uid, nproc, memtotal_kb, addr (one per `ip -o addr`
 * line), cpuinfo (kept /proc/cpuinfo lines), xen + cpuflags, mtab, statfs (stat -f of
 * each real device's mount), findmnt, lsblk, route4 (`ip -4 route show default`), hostaddr (`hostname -I`, only without ip).
 */
export const FACTS_SCRIPT = [
  'LC_ALL=C; export LC_ALL',
  'if [ -r /etc/os-release ]; then f=/etc/os-release; else f=/usr/lib/os-release; fi',
  "sed -n 's/^\\([A-Za-z_][A-Za-z0-9_]*\\)=/os_\\1=/p' \"$f\" 2>/dev/null",
  'h=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null); printf \'hostname=%s\\n\' "$h"',
  'printf \'fqdn=%s\\n\' "$(timeout 3 hostname -f 2>/dev/null || printf %s "$h")"',
  'printf \'kernel=%s\\n\' "$(uname -r)"',
  'printf \'kernel_version=%s\\n\' "$(uname -v)"',
  'printf \'arch=%s\\n\' "$(uname -m)"',
  'printf \'pid1=%s\\n\' "$(cat /proc/1/comm 2>/dev/null)"',
  'if [ -r /etc/debian_version ]; then printf \'debian_version=%s\\n\' "$(cat /etc/debian_version)"; fi',
  'if [ -d /run/systemd/system ]; then echo systemd_dir=yes; else echo systemd_dir=no; fi',
  'printf \'user=%s\\n\' "$(id -un 2>/dev/null)"',
  'printf \'uid=%s\\n\' "$(id -u)"',
  'printf \'nproc=%s\\n\' "$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null)"',
  "sed -n 's/^MemTotal: *\\([0-9]*\\) kB.*/memtotal_kb=\\1/p' /proc/meminfo 2>/dev/null",
  ...String.raw`sed -n 's/^\(model name\|Processor\|vendor_id\|cpu\|Vendor\|processor\|physical id\|core id\|cpu cores\|siblings\|ncpus active\)\([[:space:]]*:\)/cpuinfo=\1\2/p' /proc/cpuinfo 2>/dev/null
if [ -e /proc/xen ] || [ "$(head -n 1 /sys/hypervisor/type 2>/dev/null)" = xen ]; then echo xen=yes; sed -n 's/^flags[[:space:]]*:/cpuflags=/p' /proc/cpuinfo 2>/dev/null; fi
if [ -e /etc/mtab ]; then m=/etc/mtab; else m=/proc/mounts; fi
sed 's/^/mtab=/' "$m" 2>/dev/null
while read -r d p t o r; do
  case "$d" in /*|\\*|*:/*) ;; *) continue ;; esac
  [ "$t" = none ] && continue
  q=$(printf '%s' "$p" | sed 's/\\\([0-7][0-7][0-7]\)/\\0\1/g')
  printf 'statfs=%s|%s\n' "$p" "$(timeout 3 stat -f -c '%S %s %b %a %f %c %d' "$(printf '%b' "$q")" 2>/dev/null)"
done < "$m" 2>/dev/null
if command -v findmnt >/dev/null 2>&1; then findmnt --list --noheadings --notruncate 2>/dev/null | sed 's/^/findmnt=/'; fi
if command -v lsblk >/dev/null 2>&1; then lsblk --list --noheadings --paths --output NAME,UUID --exclude 2 2>/dev/null | sed 's/^/lsblk=/'; fi`.split('\n'),
  'if command -v ip >/dev/null 2>&1; then',
  "  ip -o addr show 2>/dev/null | sed 's/^/addr=/'",
  "  ip -4 route show default 2>/dev/null | sed 's/^/route4=/'",
  "  ip -o link show 2>/dev/null | sed 's/^/link=/'",
  '  for d in /sys/class/net/*; do k=-; [ -e "$d/bonding" ] && k=bonding; [ -e "$d/bridge" ] && k=bridge; printf \'iftype=%s %s %s\\n\' "${d##*/}" "$(cat "$d/type" 2>/dev/null)" "$k"; done',
  'else',
  "  printf 'hostaddr=%s\\n' \"$(hostname -I 2>/dev/null)\"",
  'fi',
  'true',
].join('\n');
