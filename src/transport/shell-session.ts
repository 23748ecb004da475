/**
 * A persistent /bin/sh on one SSH channel. Opening an exec channel costs a session on
 * the host (PAM, the login shell and its dotfiles: ~40 ms on Debian); this pays it
 * once and then runs each command as `/bin/sh -c <quoted script>` inside it, framed by
 * a random marker on stdout and stderr. The script is always passed as ONE quoted
 * argument, so a syntax error or an `exit` in it ends only that inner shell; stdin is
 * /dev/null unless given (sent base64-encoded), so nothing can read the framing.
 */
import { randomBytes } from 'node:crypto';
import type { Client, ClientChannel } from 'ssh2';
import { shQuote } from '../util/quote.js';
import { Collected } from './collected.js';

export interface ShellResult {
  code: number;
  stdout: Buffer;
  stderr: Buffer;
}

interface Pending {
  out: Collected;
  err: Collected;
  outDone?: { data: Buffer; code: number };
  errDone?: Buffer;
  resolve: (r: ShellResult) => void;
  reject: (e: Error) => void;
}

export class ShellSession {
  /** Handed out by the connection's pool (not yet running, or between commands). */
  reserved = false;
  readonly #channel: ClientChannel;
  #pending?: Pending;
  #dead?: Error;

  private constructor(channel: ClientChannel) {
    this.#channel = channel;
    channel.on('data', (d: Buffer) => this.#onOut(d));
    channel.stderr.on('data', (d: Buffer) => this.#onErr(d));
    channel.on('close', () => this.#fail(new Error('shell session closed')));
  }

  static open(client: Client): Promise<ShellSession> {
    return new Promise((resolve, reject) => {
      client.exec('exec /bin/sh', (err: Error | undefined, channel: ClientChannel) => {
        if (err) reject(err);
        else resolve(new ShellSession(channel));
      });
    });
  }

  get alive(): boolean {
    return this.#dead === undefined;
  }

  get busy(): boolean {
    return this.#pending !== undefined;
  }

  #fail(e: Error): void {
    this.#dead ??= e;
    const p = this.#pending;
    this.#pending = undefined;
    p?.reject(e);
  }

  #onOut(d: Buffer): void {
    const p = this.#pending;
    if (!p) return;
    p.out.push(d);
    // stdout ends with "\n<marker> <code>\n"
    const hit = p.out.split();
    if (!hit) return;
    const nl = hit.after.indexOf(0x0a);
    if (nl < 0) return;
    p.outDone = { data: hit.before, code: Number(hit.after.subarray(0, nl).toString()) };
    this.#maybeDone();
  }

  #onErr(d: Buffer): void {
    const p = this.#pending;
    if (!p) return;
    p.err.push(d);
    const hit = p.err.split();
    if (!hit) return;
    p.errDone = hit.before;
    this.#maybeDone();
  }

  #maybeDone(): void {
    const p = this.#pending;
    if (!p || !p.outDone || p.errDone === undefined) return;
    this.#pending = undefined;
    p.resolve({ code: p.outDone.code, stdout: p.outDone.data, stderr: p.errDone });
  }

  /** Run one script; resolves with its exit code and output. One at a time per session. */
  run(script: string, stdin?: string | Buffer, timeoutMs?: number): Promise<ShellResult> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#pending) return Promise.reject(new Error('shell session busy'));
    const id = randomBytes(12).toString('hex');
    const marker = Buffer.from(`__hostforge_${id}__`);
    const input =
      stdin === undefined
        ? '</dev/null'
        : '';
    const feed = stdin === undefined ? '' : `printf '%s' ${shQuote(Buffer.from(stdin).toString('base64'))} | base64 -d | `;
    const line = `${feed}/bin/sh -c ${shQuote(script)} ${input}; printf '\\n%s %s\\n' ${marker} "$?"; printf '\\n%s\\n' ${marker} >&2\n`;
    return new Promise<ShellResult>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (f: () => void): void => {
        if (timer) clearTimeout(timer);
        f();
      };
      const out = new Collected(Buffer.concat([Buffer.from('\n'), marker, Buffer.from(' ')]));
      const err = new Collected(Buffer.concat([Buffer.from('\n'), marker, Buffer.from('\n')]));
      this.#pending = { out, err, resolve: (r) => done(() => resolve(r)), reject: (e) => done(() => reject(e)) };
      if (timeoutMs) {
        timer = setTimeout(() => {
          this.#fail(new Error(`command timed out after ${timeoutMs} ms`));
          this.#channel.close();
        }, timeoutMs);
      }
      this.#channel.write(line);
    });
  }

  close(): void {
    if (!this.#dead) this.#fail(new Error('shell session closed'));
    try {
      this.#channel.end('exit\n');
    } catch {
      /* gone */
    }
  }
}
