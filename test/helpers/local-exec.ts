/** Run a Command with the local /bin/sh (read-only probes only: dpkg-query, the facts script). */
import { spawn } from 'node:child_process';
import type { ExecResult } from '../../src/modules/types.js';
import { toShell, type Command } from '../../src/util/quote.js';

export function localExec(cmd: Command, stdin?: string | Buffer): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', toShell(cmd)], { stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin !== undefined) p.stdin?.end(stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout?.on('data', (d: Buffer) => out.push(d));
    p.stderr?.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
}
