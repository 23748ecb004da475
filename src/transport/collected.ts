/**
 * One output stream of a command, scanned for its end marker as chunks arrive: each byte is
 * scanned once (a large `cat` is linear, not a concatenation per chunk).
 */
export class Collected {
  readonly #chunks: Buffer[] = [];
  #length = 0;
  /** The last needle.length-1 bytes scanned: a needle may straddle two chunks. */
  #tail = Buffer.alloc(0);
  /** Where the needle starts, once seen. */
  #found = -1;

  constructor(readonly needle: Buffer) {}

  push(d: Buffer): void {
    if (this.#found < 0) {
      const window = this.#tail.length > 0 ? Buffer.concat([this.#tail, d]) : d;
      const i = window.indexOf(this.needle);
      if (i >= 0) this.#found = this.#length - this.#tail.length + i;
      else this.#tail = Buffer.from(window.subarray(Math.max(0, window.length - (this.needle.length - 1))));
    }
    this.#chunks.push(d);
    this.#length += d.length;
  }

  /** Everything before the needle and after it, once the needle has been seen. */
  split(): { before: Buffer; after: Buffer } | undefined {
    if (this.#found < 0) return undefined;
    const all = Buffer.concat(this.#chunks, this.#length);
    return { before: all.subarray(0, this.#found), after: all.subarray(this.#found + this.needle.length) };
  }
}
