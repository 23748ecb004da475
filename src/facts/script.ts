/**
 * The facts script: ONE exec of plain POSIX sh printing key=value lines. It contains no
 * input from anyone (a constant), so no quoting is involved. Every probe tolerates a
 * missing tool; the parser copes with missing keys.
 *
 * Keys: os_<KEY> (each /etc/os-release line), hostname, fqdn, kernel, kernel_version,
 * arch, pid1, debian_version, systemd_dir, user, uid, nproc, memtotal_kb, addr (one per `ip -o addr`
 * line), route4 (`ip -4 route show default`), hostaddr (`hostname -I`, only without ip).
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
  'if command -v ip >/dev/null 2>&1; then',
  "  ip -o addr show 2>/dev/null | sed 's/^/addr=/'",
  "  ip -4 route show default 2>/dev/null | sed 's/^/route4=/'",
  'else',
  "  printf 'hostaddr=%s\\n' \"$(hostname -I 2>/dev/null)\"",
  'fi',
  'true',
].join('\n');
