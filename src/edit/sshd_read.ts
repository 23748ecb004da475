/**
 * Reading sshd_config and everything it includes in ONE round trip: a fixed /bin/sh script
 * (the paths are its positional arguments, never spliced into the text) that prints each file
 * (base64) and each Include glob's expansion, recursively, in the order sshd reads them.
 *
 * Output lines:  F<TAB>path<TAB>base64   a file that exists
 *                M<TAB>path              a file that does not
 *                G<TAB>pattern[<TAB>file]...   an Include pattern and what it matched
 */
import { shJoin } from '../util/quote.js';
import type { SshdSource } from './sshd.js';

const SCRIPT = String.raw`LC_ALL=C; export LC_ALL
hf_emit() {
  printf 'F\t%s\t' "$1"
  base64 -w0 < "$1" || exit 1
  printf '\n'
}
hf_includes() {
  awk '{
    line = $0; sub(/^[ \t]+/, "", line)
    kw = line; sub(/[ \t=].*$/, "", kw)
    if (tolower(kw) != "include") next
    rest = substr(line, length(kw) + 1); sub(/^[ \t]*=?[ \t]*/, "", rest)
    tok = ""; q = 0; have = 0
    for (i = 1; i <= length(rest); i++) {
      c = substr(rest, i, 1)
      if (c == "\"") { q = !q; have = 1; continue }
      if (!q && (c == " " || c == "\t")) { if (have) print tok; tok = ""; have = 0; continue }
      if (!q && !have && c == "#") break
      tok = tok c; have = 1
    }
    if (have) print tok
  }' "$1"
}
hf_glob() (
  pat=$1; depth=$2
  case $pat in /*) ;; *) pat=/etc/ssh/$pat ;; esac
  printf 'G\t%s' "$pat"
  IFS=''
  for m in $pat; do if [ -e "$m" ]; then printf '\t%s' "$m"; fi; done
  printf '\n'
  for m in $pat; do if [ -f "$m" ]; then hf_visit "$m" "$depth"; fi; done
)
hf_visit() (
  if [ "$2" -gt 16 ]; then exit 0; fi
  if [ ! -f "$1" ]; then printf 'M\t%s\n' "$1"; exit 0; fi
  hf_emit "$1"
  hf_includes "$1" | while IFS= read -r p; do hf_glob "$p" $(($2 + 1)); done
)
if [ "$1" = --globs ]; then
  shift
  for p in "$@"; do hf_glob "$p" 1; done
else
  hf_visit "$1" 0
fi`;

/** The command that reads the main file and its includes. */
export function sshdReadCommand(mainPath: string): { script: string } {
  return { script: shJoin(['sh', '-c', SCRIPT, 'hostforge-sshd-read', mainPath]) };
}

/** The command that expands Include patterns (and reads what they match). */
export function sshdGlobCommand(patterns: readonly string[]): { script: string } {
  return { script: shJoin(['sh', '-c', SCRIPT, 'hostforge-sshd-read', '--globs', ...patterns]) };
}

export interface SshdRead {
  files: Map<string, string>;
  missing: Set<string>;
  globs: Map<string, string[]>;
}

/** Parse the script's output (several outputs may be merged into one SshdRead). */
export function parseSshdRead(stdout: string, into: SshdRead = { files: new Map(), missing: new Set(), globs: new Map() }): SshdRead {
  for (const line of stdout.split('\n')) {
    const parts = line.split('\t');
    const [tag, path] = parts;
    if (path === undefined) continue;
    if (tag === 'F') into.files.set(path, Buffer.from(parts[2] ?? '', 'base64').toString('utf8'));
    else if (tag === 'M') into.missing.add(path);
    else if (tag === 'G') into.globs.set(path, parts.slice(2));
  }
  return into;
}

export function toSource(mainPath: string, r: SshdRead): SshdSource {
  return { mainPath, files: r.files, globs: r.globs };
}
