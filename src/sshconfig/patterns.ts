/** OpenSSH's match_pattern / match_pattern_list (match.c): `*` and `?` globs, `!` negation. */

function globRe(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

export function matchPattern(text: string, pattern: string, ignoreCase = false): boolean {
  return globRe(pattern, ignoreCase ? 'si' : 's').test(text);
}

/**
 * A comma-separated pattern list: false as soon as a negated pattern matches,
 * true when some positive one does (match_pattern_list).
 */
export function matchPatternList(text: string, list: string[], ignoreCase = false): boolean {
  let hit = false;
  for (const raw of list) {
    const negated = raw.startsWith('!');
    const p = negated ? raw.slice(1) : raw;
    if (p === '') continue;
    if (matchPattern(text, p, ignoreCase)) {
      if (negated) return false;
      hit = true;
    }
  }
  return hit;
}
