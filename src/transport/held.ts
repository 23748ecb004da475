/**
 * A command that stays running for as long as the run wants it (the host's run lock): its
 * stdin stays open, its stdout is read line by line as it comes, and `release()` ends stdin
 * so the command finishes by itself. If the bastion dies, the link closes, sshd (or the
 * kernel, for the bastion's own shell) closes the command's stdin, and it finishes the same way.
 * While held, an empty line goes to its stdin every `beatMs` (a heartbeat: the host side can
 * tell a live run from a cut link that sshd never noticed).
 */

/** The two ends a held command runs on: an SSH exec channel or a local child process. */
export interface HeldEnds {
  write(data: Buffer): void;
  /** End stdin: the command sees EOF. */
  end(): void;
  /** Tear down without waiting for the command. */
  destroy(): void;
  onData(fn: (d: Buffer) => void): void;
  onClose(fn: (code: number) => void): void;
}

export class HeldCommand {
  readonly #ends: HeldEnds;
  #buf = '';
  readonly #lines: string[] = [];
  #waiter?: () => void;
  #code?: number;
  #beat?: NodeJS.Timeout;
  #released = false;
  readonly closed: Promise<number>;

  constructor(ends: HeldEnds, stdin?: Buffer, beatMs = 5000) {
    this.#ends = ends;
    ends.onData((d) => {
      this.#buf += d.toString('utf8');
      let nl: number;
      while ((nl = this.#buf.indexOf('\n')) >= 0) {
        this.#lines.push(this.#buf.slice(0, nl));
        this.#buf = this.#buf.slice(nl + 1);
      }
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      ends.onClose((code) => {
        this.#code = code;
        this.#stopBeat();
        if (this.#buf !== '') this.#lines.push(this.#buf);
        this.#buf = '';
        this.#wake();
        resolve(code);
      }),
    );
    if (stdin && stdin.length > 0) ends.write(stdin);
    if (beatMs > 0) {
      this.#beat = setInterval(() => {
        try {
          ends.write(Buffer.from('\n'));
        } catch {
          /* the channel is going: its close says so */
        }
      }, beatMs);
      this.#beat.unref();
    }
  }

  #stopBeat(): void {
    if (this.#beat) clearInterval(this.#beat);
    this.#beat = undefined;
  }

  /** release() was called: an end after it is the expected one. */
  get released(): boolean {
    return this.#released;
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }

  /** The next line of stdout, or undefined once the command has finished and all lines are read. */
  async nextLine(): Promise<string | undefined> {
    for (;;) {
      const l = this.#lines.shift();
      if (l !== undefined) return l;
      if (this.#code !== undefined) return undefined;
      await new Promise<void>((r) => (this.#waiter = r));
    }
  }

  /** Exit code once finished, else undefined. */
  get code(): number | undefined {
    return this.#code;
  }

  /** End stdin and wait (at most `graceMs`) for the command to finish; then tear it down. */
  async release(graceMs = 3000): Promise<void> {
    this.#released = true;
    this.#stopBeat();
    if (this.#code !== undefined) return;
    try {
      this.#ends.end();
    } catch {
      /* already gone */
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    await Promise.race([this.closed.then(() => undefined), late]);
    if (timer) clearTimeout(timer);
    if (this.#code === undefined) this.#ends.destroy();
  }
}
