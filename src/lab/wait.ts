/** Wait until a host's sshd accepts a TCP connection and sends its "SSH-" banner. */
import { connect } from 'node:net';

/** One attempt: the banner line, or undefined (refused, reset, no banner within `timeoutMs`). */
export function readBanner(ip: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sock = connect({ host: ip, port });
    let buf = '';
    let settled = false;
    const done = (v: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0 || buf.length > 1024) {
        const line = (nl >= 0 ? buf.slice(0, nl) : buf).replace(/\r$/, '');
        done(line.startsWith('SSH-') ? line : undefined);
      }
    });
    sock.on('error', () => done(undefined));
    sock.on('close', () => done(undefined));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Poll until the banner arrives or `deadline` (epoch ms) passes. `failed()` is checked between
 * attempts: a host that died will never answer, so its reason ends the wait at once.
 */
export async function waitForBanner(
  ip: string,
  port: number,
  deadline: number,
  failed: () => string | undefined,
): Promise<{ ok: true; banner: string } | { ok: false; reason: string }> {
  for (;;) {
    const why = failed();
    if (why !== undefined) return { ok: false, reason: why };
    const left = deadline - Date.now();
    if (left <= 0) return { ok: false, reason: `no SSH banner from ${ip}:${port}` };
    const banner = await readBanner(ip, port, Math.min(1000, left));
    if (banner !== undefined) return { ok: true, banner };
    await sleep(25);
  }
}
