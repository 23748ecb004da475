/**
 * The host-side script of an atomic write. The content arrives on the script's stdin (never
 * staged elsewhere), lands in a `mktemp` file beside the target (O_EXCL: a planted name or
 * symlink is never followed; 0600 from its first byte under umask 077; owned by whoever
 * writes, root on the become path), gets its final owner and then mode, is fsynced, is
 * validated with the validator's output in a private mktemp file, and is renamed over the
 * target. Any exit — failure, a signal, a cut link — removes the temp files; a temp file
 * whose size is not the content's (stdin ended early: a torn channel) is never renamed.
 *
 * Leftovers of a killed run beside the target are removed first:
 * - our naming, `.NAME.hostforge-XXXXXXXXXX` (10 characters from mktemp): all of them when
 *   this run holds the host's exclusive run lock (no other run can be writing them, and the
 *   transport never runs two writes of one target at once), else only those older than 5 min;
 * - the naming of hostforge before the run lock, `.NAME.hostforge-` + 12 hex: only when older
 *   than 5 minutes (a run of that version takes no lock and may be writing it right now).
 */
import { basename, dirname } from 'node:path';
import type { WriteOptions } from '../modules/types.js';
import { shQuote } from '../util/quote.js';

/** Exit code of the script when validate refused the temp file. */
export const VALIDATE_FAILED = 97;

export interface WriteScriptOptions {
  /** Path of the timestamped copy of the old file (write's `backup`). */
  backup?: string;
  /** This run holds the host's exclusive run lock. */
  exclusive?: boolean;
  /** The content's length: a temp file of any other size (stdin ended early) is never installed. */
  bytes?: number;
}

/** Directory and name prefix of our temp files for a target. */
export function tempPrefix(path: string): { dir: string; prefix: string } {
  return { dir: dirname(path), prefix: `.${basename(path)}.hostforge-` };
}

const NEW = '??????????';
const OLD = '????????????';

/** Shell lines that remove stale temp files of ours beside "$P" (uses $D and $N). */
function staleCleanup(exclusive: boolean): string[] {
  const old = (f: string): string => `[ -n "$(find "${f}" -prune -type f -mmin +5 2>/dev/null)" ]`;
  const mine = exclusive ? '[ -f "$f" ] || [ -L "$f" ]' : old('$f');
  return [
    `for f in "$D/$N"${NEW}; do if ${mine}; then rm -f -- "$f"; fi; done`,
    `for f in "$D/$N"${OLD}; do case "\${f##*-}" in *[!0-9a-f]*) continue ;; esac; if ${old('$f')}; then rm -f -- "$f"; fi; done`,
  ];
}

function ownerSpec(opts: WriteOptions): string | undefined {
  if (!opts.owner && !opts.group) return undefined;
  return `${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`;
}

export function writeScript(path: string, opts: WriteOptions, so: WriteScriptOptions = {}): string {
  const { dir, prefix } = tempPrefix(path);
  const lines: string[] = [
    'set -e',
    'umask 077',
    `P=${shQuote(path)}`,
    `D=${shQuote(dir)}`,
    `N=${shQuote(prefix)}`,
    'T=; V=',
    `trap '[ -z "$T" ] || rm -f -- "$T"; [ -z "$V" ] || rm -f -- "$V"' EXIT`,
    "trap 'exit 129' HUP INT TERM PIPE",
    ...staleCleanup(so.exclusive === true),
    `T=$(mktemp -- "$D/\${N}XXXXXXXXXX")`,
    'cat > "$T"',
  ];
  if (so.bytes !== undefined) {
    lines.push(`S=$(wc -c < "$T"); if [ "$((S))" -ne ${Math.trunc(so.bytes)} ]; then echo "the content arrived cut short ($((S)) of ${Math.trunc(so.bytes)} bytes)" >&2; exit 1; fi`);
  }
  // Attributes: the asked ones, else the existing file's; owner first (chown clears set-id bits).
  const owner = ownerSpec(opts);
  if (owner) lines.push(`chown -- ${shQuote(owner)} "$T"`);
  else lines.push('if [ -e "$P" ]; then chown --reference="$P" -- "$T"; fi');
  if (opts.mode) lines.push(`chmod -- ${shQuote(opts.mode)} "$T"`);
  else lines.push('if [ -e "$P" ]; then chmod --reference="$P" -- "$T"; else chmod 0644 "$T"; fi');
  lines.push('sync -- "$T" 2>/dev/null || true');
  if (opts.validate) {
    const v = opts.validate.includes('%s') ? opts.validate.split('%s').join('"$T"') : `${opts.validate} "$T"`;
    lines.push('V=$(mktemp)', `if ! ( ${v} ) >"$V" 2>&1 </dev/null; then cat -- "$V" >&2; exit ${VALIDATE_FAILED}; fi`);
  }
  if (so.backup !== undefined) lines.push(`if [ -e "$P" ]; then cp -p -- "$P" ${shQuote(so.backup)}; echo BACKUP; fi`);
  lines.push('mv -f -- "$T" "$P"', 'T=');
  return lines.join('\n');
}
