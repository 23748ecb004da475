/**
 * The host side of the run lock: one /bin/sh script held running for the whole run.
 *
 * It opens `DIR/run.lock` on fd 9 and takes flock(2) on it (exclusive for apply, shared for
 * --check), optionally waiting, writes who holds it to `DIR/holders/PID` (PID = this shell on
 * the host), prints the handler journal, and then reads its stdin until EOF. The lock lives
 * exactly as long as this process: the bastion ends stdin at the end of the run; if the
 * bastion dies, sshd closes stdin and the lock frees itself. A holder file whose process is
 * gone is stale and removed by the next run that looks.
 *
 * A cut link is the case sshd may never notice (no ClientAliveInterval, a dropped FIN): the
 * bastion sends a heartbeat line every BEAT_SECONDS, and a watchdog beside the reader frees
 * the lock (ends this shell) when no line came for STALE seconds. A run on the bastion that
 * knows a holder is dead (its own finished run, a bastion process that is gone) names that
 * holder's PID in BREAK: the script ends it, if it still is a lock script, before locking.
 *
 * Protocol on stdout, one line each:
 *   HF-BUSY                    the lock is held; followed by HF-HOLDER lines and HF-END
 *   HF-HOLDER <pid> <json>     one live holder: its shell's PID on the host, what it wrote
 *   HF-BROKE <pid>             a holder named in BREAK was ended
 *   HF-LOCKED <dir>            the lock is ours
 *   HF-J <json>                one journal entry (a handler notified but not yet run)
 *   HF-READY                   end of the journal: the run may start
 *   HF-ERR <message>           cannot lock at all (exit LOCK_ERROR)
 * Exit LOCK_BUSY: still held after the wait.
 */
import { shJoin } from '../util/quote.js';

export const LOCK_BUSY = 75;
export const LOCK_ERROR = 70;
/** Where hostforge keeps its state on a host when it runs as root. */
export const ROOT_STATE_DIR = '/var/lib/hostforge';
export const JOURNAL_FILE = 'handlers.journal';
/** The bastion's heartbeat on the held channel, and the watchdog's tick. */
export const BEAT_SECONDS = 5;
/** No heartbeat for this long: the run is gone, its lock is freed on the host. */
export const STALE_SECONDS = 60;
/** After ending a dead holder: how long to wait for its lock to go. */
const BREAK_WAIT_SECONDS = 10;

const SCRIPT = `
set -u
umask 077
M=$1; W=$2; I=$3; D=$4; B=$5; S=$6
if [ -z "$D" ]; then D="\${HOME:-/nonexistent}/.hostforge"; fi
mkdir -p -- "$D" 2>/dev/null && chmod 700 -- "$D" || { echo "HF-ERR cannot create $D"; exit ${LOCK_ERROR}; }
command -v flock >/dev/null 2>&1 || { echo "HF-ERR flock(1) is not installed on the host (Debian: util-linux)"; exit ${LOCK_ERROR}; }
H="$D/holders"
mkdir -p -- "$H" || { echo "HF-ERR cannot create $H"; exit ${LOCK_ERROR}; }
exec 9>>"$D/run.lock" || { echo "HF-ERR cannot open $D/run.lock"; exit ${LOCK_ERROR}; }
holders() {
  for f in "$H"/*; do
    [ -f "$f" ] || continue
    p=\${f##*/}
    case "$p" in *[!0-9]*) continue ;; esac
    if kill -0 "$p" 2>/dev/null; then printf 'HF-HOLDER %s %s\\n' "$p" "$(head -n 1 -- "$f")"; else rm -f -- "$f"; fi
  done
}
for p in $B; do
  case "$p" in *[!0-9]*) continue ;; esac
  [ -f "$H/$p" ] || continue
  if [ -r "/proc/$p/cmdline" ] && tr '\\000' ' ' < "/proc/$p/cmdline" | grep -q hostforge-lock; then
    kill -TERM "$p" 2>/dev/null && echo "HF-BROKE $p"
  fi
  rm -f -- "$H/$p" "$H/$p.beat"
  [ "$W" -ge ${BREAK_WAIT_SECONDS} ] || W=${BREAK_WAIT_SECONDS}
done
if ! flock -n "-$M" 9; then
  echo HF-BUSY; holders; echo HF-END
  if [ "$W" = 0 ] || ! flock -w "$W" "-$M" 9; then exit ${LOCK_BUSY}; fi
fi
if [ "$M" = x ]; then rm -f -- "$H"/*; else holders >/dev/null; fi
printf '%s\\n' "$I" > "$H/$$.new" && mv -f -- "$H/$$.new" "$H/$$"
echo "HF-LOCKED $D"
if [ -f "$D/${JOURNAL_FILE}" ]; then sed 's/^/HF-J /' -- "$D/${JOURNAL_FILE}"; fi
echo HF-READY
if [ "$S" -gt 0 ]; then
  K="$H/$$.beat"
  : > "$K"
  (
    n=0
    while sleep ${BEAT_SECONDS}; do
      kill -0 $$ 2>/dev/null || exit 0
      if [ -e "$K" ]; then rm -f -- "$K"; n=0; else n=$((n + ${BEAT_SECONDS})); fi
      if [ "$n" -ge "$S" ]; then rm -f -- "$H/$$"; kill -TERM $$; exit 0; fi
    done
  ) </dev/null >/dev/null 2>&1 9>&- &
  G=$!
  while IFS= read -r l; do : > "$K"; done
  kill "$G" 2>/dev/null
  rm -f -- "$K"
else
  cat >/dev/null 9>&-
fi
rm -f -- "$H/$$"
`;

export interface LockScriptOptions {
  /** Shared (a --check run) or exclusive (apply). */
  shared: boolean;
  /** Seconds to wait for the lock; 0 refuses at once. */
  waitSeconds: number;
  /** One line of JSON: who holds the lock. */
  holder: string;
  /** The state directory; empty: ~/.hostforge of the login user (no root on the host). */
  dir: string;
  /** Host PIDs of holders known to be dead: ended before locking. */
  breakPids?: readonly number[];
  /** Free the lock after this long without a heartbeat; 0: only when stdin ends. Default STALE_SECONDS. */
  staleSeconds?: number;
}

/** The command line that runs the lock script with its arguments. */
export function lockCommand(o: LockScriptOptions): string {
  const w = Number.isFinite(o.waitSeconds) && o.waitSeconds > 0 ? String(Math.ceil(o.waitSeconds)) : '0';
  const stale = Math.max(0, Math.ceil(o.staleSeconds ?? STALE_SECONDS));
  const pids = (o.breakPids ?? []).filter((p) => Number.isInteger(p) && p > 1).join(' ');
  return shJoin(['/bin/sh', '-c', SCRIPT, 'hostforge-lock', o.shared ? 's' : 'x', w, o.holder.replace(/[\r\n]/g, ' '), o.dir, pids, String(stale)]);
}
