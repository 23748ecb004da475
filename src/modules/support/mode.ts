/**
 * File modes as users write them.
 *
 * The rule for YAML numbers is Ansible's: hostforge reads YAML 1.1 like Ansible does, so
 * `mode: 0755` is the octal number 0o755 (493) and is the mode itself. `mode: 755` (no
 * leading zero) is the decimal 755 = 0o1363, as in Ansible; a number above 0o7777 is
 * refused. Quoting modes avoids the trap. Strings: "0755", "755", "01777", "0o755"
 * (octal), or a symbolic mode such as "u=rw,g=r,o=" or "u+x,go-w" (applied to the
 * current mode).
 */
import { InputError } from '../../errors.js';

export type ModeSpec = { octal: string } | { symbolic: string };

export function parseMode(input: string | number): ModeSpec {
  if (typeof input === 'number') {
    if (!Number.isInteger(input) || input < 0 || input > 0o7777) {
      throw new InputError(`mode ${input}: not a file mode (write it quoted, e.g. "0644", or as YAML octal 0644)`);
    }
    return { octal: input.toString(8).padStart(4, '0') };
  }
  const s = input.trim();
  const oct = /^(?:0o)?([0-7]{1,5})$/i.exec(s);
  if (oct) {
    const v = parseInt(oct[1]!, 8);
    if (v > 0o7777) throw new InputError(`mode ${JSON.stringify(input)}: too large`);
    return { octal: v.toString(8).padStart(4, '0') };
  }
  if (/^[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*(?:,[ugoa]*[-+=][rwxXst]*(?:[-+=][rwxXst]*)*)*$/.test(s)) {
    return { symbolic: s };
  }
  throw new InputError(`mode ${JSON.stringify(input)}: expected an octal mode such as "0644" or a symbolic one such as "u=rw,go=r"`);
}

/** Normalise an octal string ("644", "0644", "00644") to four digits. */
export function normOctal(mode: string): string {
  return (parseInt(mode, 8) & 0o7777).toString(8).padStart(4, '0');
}

const WHO_BITS: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o0007 };

/** chmod(1) semantics of a symbolic mode applied to `current` (a number). */
export function applySymbolic(spec: string, current: number, isDir: boolean): number {
  let mode = current & 0o7777;
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)(.*)$/.exec(clause)!;
    let who = m[1]!;
    if (who === '' || who.includes('a')) who = 'ugo';
    let mask = 0;
    for (const w of who) mask |= WHO_BITS[w]!;
    const ops = m[2]!.match(/[-+=][rwxXst]*/g) ?? [];
    for (const op of ops) {
      const perms = op.slice(1);
      let bits = 0;
      for (const p of perms) {
        if (p === 'r') bits |= 0o444;
        else if (p === 'w') bits |= 0o222;
        else if (p === 'x') bits |= 0o111;
        else if (p === 'X') {
          if (isDir || (mode & 0o111) !== 0) bits |= 0o111;
        } else if (p === 's') bits |= 0o6000;
        else if (p === 't') bits |= 0o1000;
      }
      bits &= mask | (who.includes('o') && perms.includes('t') ? 0o1000 : 0);
      if (op[0] === '+') mode |= bits;
      else if (op[0] === '-') mode &= ~bits;
      else mode = (mode & ~(mask | (who.includes('o') ? 0o1000 : 0))) | bits;
    }
  }
  return mode & 0o7777;
}

/**
 * The octal mode wanted, given the current one (symbolic modes are relative to it;
 * a file being created starts from 0644, a directory from 0755, like umask 022).
 */
export function resolveMode(spec: ModeSpec, current: string | undefined, isDir: boolean): string {
  if ('octal' in spec) return spec.octal;
  const base = current !== undefined ? parseInt(current, 8) : isDir ? 0o755 : 0o644;
  return applySymbolic(spec.symbolic, base, isDir).toString(8).padStart(4, '0');
}
