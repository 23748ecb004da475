/**
 * The host side of a lockout guard, as /bin/sh text (pure: no I/O here).
 *
 * A guard is one private directory `STATE/guard.XXXXXXXX` (STATE = /var/lib/hostforge, 0700):
 *   task         what the guard protects (for the report)
 *   meta         armed_at=EPOCH, seconds=N, boot=BOOT_ID, pid=TIMER_PID
 *   f0 f1 ...    copies (`cp -a`) of the files as they were; a missing copy = the file did not exist
 *   s0 s1 ...    snapshots taken by commands (e.g. `iptables-save -t filter`)
 *   restore.sh   puts everything back (`restore.sh state`: files and snapshots only; no argument:
 *                also restarts the service) and writes restored_at
 *   armed        present while the guard waits; whoever renames it first decides:
 *                armed → cancelled (the run confirmed a new login), armed → fired (the detached
 *                timer, the @reboot hook or the next run's sweep restored), armed → restoring
 *                (the run restores now because the new login failed)
 *   started      written by the timer once it runs (the arm waits for it)
 *   restore_rc   restore.sh's exit status, written by whoever restored (timer, @reboot, sweep)
 * The detached timer is `setsid sh -c 'sleep N; mv armed fired && sh restore.sh'` (its own session
 * and process group; under systemd also its own scope, out of the SSH session's cgroup): it
 * survives the SSH session, a killed bastion and a cut link.
 */
import { shJoin, shQuote } from '../util/quote.js';

export const DEFAULT_STATE_DIR = '/var/lib/hostforge';
/** The marker the timer carries in its argv (the sweep recognises a live timer by it). */
export const TIMER_TAG = 'hostforge-guard';
const CRON_HOOK = '/etc/cron.d/hostforge-guard';

export interface GuardScriptSpec {
  /** What the guard protects, e.g. "pam: account required pam_deny.so (/etc/pam.d/sshd)". */
  label: string;
  files: readonly string[];
  /** Commands whose stdout is saved as "$D/s<i>" at arm time. */
  snapshots?: readonly (readonly string[])[];
  /** Shell lines that restore the snapshots (they may use "$D"), run after the files. */
  restoreState?: readonly string[];
  /** Commands run after the state is back (restart the service), by the timer and the @reboot hook. */
  reload?: readonly (readonly string[])[];
  seconds: number;
  stateDir: string;
}

/** The restore.sh of a guard (written into its directory at arm time). */
export function restoreScript(spec: GuardScriptSpec): string {
  const lines = [
    '#!/bin/sh',
    '# hostforge lockout guard: put back what was there before the change.',
    'D=${0%/*}',
    'date -u +%Y-%m-%dT%H:%M:%SZ > "$D/restored_at"',
    'rc=0',
    'r() { if [ -e "$D/$1" ] || [ -L "$D/$1" ]; then cp -a -- "$D/$1" "$2.hf-guard-restore" && mv -f -- "$2.hf-guard-restore" "$2" || rc=1; else rm -f -- "$2" || rc=1; fi; }',
    ...spec.files.map((f, i) => `r f${i} ${shQuote(f)}`),
    ...(spec.restoreState ?? []).map((l) => `${l} || rc=1`),
    '[ "$1" = state ] && exit $rc',
    ...(spec.reload ?? []).map((argv) => `${shJoin(argv)} || rc=1`),
    'exit $rc',
  ];
  return `${lines.join('\n')}\n`;
}

/** What the timer runs: claim `armed`, then restore. $1 = the guard directory, $2 = seconds. */
const TIMER = ': > "$1/started"; sleep "$2"; if mv -- "$1/armed" "$1/fired" 2>/dev/null; then echo timer > "$1/reason"; sh "$1/restore.sh" > "$1/restore.log" 2>&1; echo $? > "$1/restore_rc"; fi';

/** The @reboot line: a guard armed when the host went down is rolled back at boot (cron hosts). */
function cronHook(stateDir: string): string {
  const s = shQuote(stateDir);
  return `@reboot root for d in ${s}/guard.*; do if mv -- "$d/armed" "$d/fired" 2>/dev/null; then echo reboot > "$d/reason"; sh "$d/restore.sh" > "$d/restore.log" 2>&1; echo $? > "$d/restore_rc"; fi; done`;
}

/**
 * Start the detached timer and set P to its pid (its own session and process group, so
 * `kill -- -P` stops it and its sleep; no terminal, stdio on /dev/null). Under systemd it also
 * gets its own scope, out of the SSH session's cgroup (logind's KillUserProcesses kills that
 * cgroup when the session ends). The timer must be seen running, else the arm fails.
 */
function startTimer(n: string): string[] {
  const timer = `setsid sh -c ${shQuote(TIMER)} ${TIMER_TAG} "$D" ${n} </dev/null >/dev/null 2>&1`;
  // The timer itself says it runs (the pid's cmdline would match the arming shell's too).
  const running = '[ -e "$D/started" ]';
  return [
    'P=',
    'if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1; then',
    `  systemd-run --scope --quiet --collect --unit="${TIMER_TAG}-\${D##*.}" -- ${timer} &`,
    '  P=$!',
    // systemd-run execs the timer once its scope exists; if it cannot (no bus), fall back.
    `  i=0; while [ $i -lt 50 ] && ! ${running} && kill -0 "$P" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done`,
    `  ${running} || { kill -s TERM "$P" 2>/dev/null || true; P=; }`,
    'fi',
    `if [ -z "$P" ]; then ${timer} & P=$!; fi`,
    `i=0; while [ $i -lt 50 ] && ! ${running}; do sleep 0.1; i=$((i + 1)); done`,
    `${running} || { echo "the rollback timer did not start" >&2; exit 1; }`,
  ];
}

/**
 * Arm: make the directory, take the copies and snapshots, start the timer. stdin = restore.sh.
 * Prints "DIR PID". On any failure the directory is removed and nothing is armed.
 */
export function armScript(spec: GuardScriptSpec): string {
  const s = shQuote(spec.stateDir);
  const n = String(Math.round(spec.seconds));
  const lines = [
    'set -e',
    'umask 077',
    `mkdir -p -- ${s}`,
    `chmod 0700 -- ${s}`,
    `D=$(mktemp -d ${s}/guard.XXXXXXXX)`,
    `trap 'rc=$?; if [ $rc -ne 0 ]; then rm -rf -- "$D"; fi' EXIT`,
    'cat > "$D/restore.sh"',
    `printf '%s\\n' ${shQuote(spec.label.replace(/[\n\t]/g, ' '))} > "$D/task"`,
    ...spec.files.map((f, i) => `if [ -e ${shQuote(f)} ] || [ -L ${shQuote(f)} ]; then cp -a -- ${shQuote(f)} "$D/f${i}"; fi`),
    ...(spec.snapshots ?? []).map((argv, i) => `${shJoin(argv)} > "$D/s${i}"`),
    'B=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true)',
    `printf 'armed_at=%s\\nseconds=%s\\nboot=%s\\n' "$(date +%s)" ${n} "$B" > "$D/meta"`,
    ': > "$D/armed"',
    ...startTimer(n),
    `printf 'pid=%s\\n' "$P" >> "$D/meta"`,
  ];
  if (spec.stateDir === DEFAULT_STATE_DIR) {
    // Only for the real state directory: a test's private one never reaches the host's cron.
    const hook = shQuote(CRON_HOOK);
    lines.push(
      `if [ -d /etc/cron.d ] && command -v cron >/dev/null 2>&1 && [ ! -e ${hook} ]; then`,
      `  printf '%s\\n' ${shQuote(cronHook(spec.stateDir))} > ${hook}.tmp && chmod 0644 ${hook}.tmp && mv -f ${hook}.tmp ${hook} || rm -f ${hook}.tmp`,
      'fi',
    );
  }
  lines.push('printf \'%s %s\\n\' "$D" "$P"');
  return lines.join('\n');
}

const killTimer = 'P=$(sed -n "s/^pid=//p" "$D/meta" 2>/dev/null); if [ -n "$P" ]; then kill -s TERM -- "-$P" 2>/dev/null || kill -s TERM "$P" 2>/dev/null || true; fi';

/** Disarm: prints "cancelled" (the directory is gone) or "fired RESTORED_AT" (the host already restored). */
export function disarmScript(dir: string): string {
  return [
    `D=${shQuote(dir)}`,
    'if mv -- "$D/armed" "$D/cancelled" 2>/dev/null; then',
    `  ${killTimer}`,
    '  rm -rf -- "$D"',
    '  echo cancelled',
    'else',
    '  echo "fired $(cat "$D/restored_at" 2>/dev/null)"',
    'fi',
  ].join('\n');
}

/**
 * Roll back now (the new login failed): claim, restore the state, stop the timer.
 * Prints "restored" (directory removed), "failed" (the claim is given back to the timer;
 * restore.log on stderr) or "fired RESTORED_AT" (the timer was first).
 */
export function rollbackScript(dir: string): string {
  return [
    `D=${shQuote(dir)}`,
    'if mv -- "$D/armed" "$D/restoring" 2>/dev/null; then',
    '  echo now > "$D/reason"',
    '  if sh "$D/restore.sh" state > "$D/restore.log" 2>&1; then',
    `    ${killTimer}`,
    '    rm -rf -- "$D"',
    '    echo restored',
    '  else',
    '    cat "$D/restore.log" >&2',
    '    mv -- "$D/restoring" "$D/armed"',
    '    echo failed',
    '  fi',
    'else',
    '  echo "fired $(cat "$D/restored_at" 2>/dev/null)"',
    'fi',
  ].join('\n');
}

/** Move a fired guard into STATE/archive (done with it: reported). */
export function archiveScript(dir: string, stateDir: string): string {
  const a = shQuote(`${stateDir}/archive`);
  return `mkdir -p -- ${a} && mv -- ${shQuote(dir)} ${a}/ 2>/dev/null || rm -rf -- ${shQuote(dir)}`;
}

/**
 * The sweep at the start of a run, one exec. Fired guards are reported and (apply) archived.
 * An armed guard whose timer is gone (a reboot without the cron hook, a killed timer) and whose
 * window is over is rolled back now (apply) or reported (check). Live guards of a run in
 * progress are left alone. Prints one line per guard:
 *   guard TAB fired|stale TAB DIR TAB RESTORED_AT TAB REASON TAB RESTORE_EXIT TAB TASK
 */
export function sweepScript(stateDir: string, apply: boolean): string {
  const s = shQuote(stateDir);
  const a = shQuote(`${stateDir}/archive`);
  return [
    `S=${s}`,
    '[ -d "$S" ] || exit 0',
    'B=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || true)',
    'now=$(date +%s)',
    'field() { sed -n "s/^$1=//p" "$2/meta" 2>/dev/null | head -n 1; }',
    'for d in "$S"/guard.*; do',
    '  [ -d "$d" ] || continue',
    '  state=fired',
    '  if [ -e "$d/armed" ]; then',
    '    P=$(field pid "$d"); A=$(field armed_at "$d"); N=$(field seconds "$d"); MB=$(field boot "$d")',
    '    case "$A" in ""|*[!0-9]*) A=$now ;; esac',
    '    case "$N" in ""|*[!0-9]*) N=0 ;; esac',
    '    alive=no',
    `    if [ "$MB" = "$B" ] && [ -n "$P" ] && tr '\\000' ' ' < "/proc/$P/cmdline" 2>/dev/null | grep -q ${TIMER_TAG}; then alive=yes; fi`,
    '    if [ -z "$P" ] && [ "$MB" = "$B" ] && [ $((A + N)) -gt "$now" ]; then alive=yes; fi',
    '    [ $alive = yes ] && continue',
    '    [ "$MB" = "$B" ] && [ $((A + N)) -gt "$now" ] && continue',
    apply
      ? '    if mv -- "$d/armed" "$d/fired" 2>/dev/null; then echo "no timer left (reboot?); rolled back by the next run" > "$d/reason"; sh "$d/restore.sh" > "$d/restore.log" 2>&1; echo $? > "$d/restore_rc"; else continue; fi'
      : '    state=stale',
    '  fi',
    '  [ -e "$d/fired" ] || [ $state = stale ] || continue',
    `  printf 'guard\\t%s\\t%s\\t%s\\t%s\\t%s\\t%s\\n' "$state" "$d" "$(cat "$d/restored_at" 2>/dev/null)" "$(head -c 200 "$d/reason" 2>/dev/null | tr '\\t\\n' '  ')" "$(head -c 20 "$d/restore_rc" 2>/dev/null | tr -cd 0-9)" "$(head -c 500 "$d/task" 2>/dev/null | tr '\\t\\n' '  ')"`,
    ...(apply ? [`  if [ $state = fired ]; then mkdir -p -- ${a} && mv -- "$d" ${a}/ 2>/dev/null || true; fi`] : []),
    'done',
    ...(apply ? [`[ -d ${a} ] && find ${a} -mindepth 1 -maxdepth 1 -name 'guard.*' -mtime +30 -exec rm -rf -- {} + 2>/dev/null`] : []),
    'exit 0',
  ].join('\n');
}

export interface SweptGuard {
  state: 'fired' | 'stale';
  dir: string;
  restoredAt: string;
  reason: string;
  /** restore.sh's exit status ('' when it did not finish or was not recorded). */
  restoreExit: string;
  task: string;
}

export function parseSweep(stdout: string): SweptGuard[] {
  const out: SweptGuard[] = [];
  for (const line of stdout.split('\n')) {
    const f = line.split('\t');
    if (f[0] !== 'guard' || f.length < 7) continue;
    out.push({ state: f[1] === 'stale' ? 'stale' : 'fired', dir: f[2] ?? '', restoredAt: (f[3] ?? '').trim(), reason: (f[4] ?? '').trim(), restoreExit: (f[5] ?? '').trim(), task: f.slice(6).join(' ').trim() });
  }
  return out;
}
