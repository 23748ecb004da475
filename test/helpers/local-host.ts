/**
 * A Host over THIS machine's filesystem and /bin/sh, for checking that the command
 * lines modules emit (mkdir, chmod, chown -R -h, ln -sfn, find, rm) do what the planner
 * expects with real coreutils. Tests point it at a private temporary directory.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { posix } from 'node:path';
import { TaskError } from '../../src/errors.js';
import type { ExecOptions, ExecResult, Facts, FileStat, Host, WriteOptions } from '../../src/modules/types.js';
import { shJoin, toShell, type Command } from '../../src/util/quote.js';
import { localExec } from './local-exec.js';
import { DEFAULT_FACTS } from './fake-host.js';

export class LocalHost implements Host {
  readonly name = 'local';
  readonly vars = {};
  readonly checkMode = false;
  readonly execLog: string[] = [];

  async exec(cmd: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    let script = toShell(cmd);
    if (opts.cwd) script = `cd ${shJoin([opts.cwd])} && ${script}`;
    this.execLog.push(script);
    return localExec({ script }, opts.stdin);
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      return await fs.readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    const r = await localExec({ script: `if [ -e ${shJoin([path])} ] || [ -L ${shJoin([path])} ]; then stat -c '%F|%a|%U|%G|%s' -- ${shJoin([path])}; readlink -- ${shJoin([path])}; else echo MISSING; fi` });
    const [first = '', second = ''] = r.stdout.split('\n');
    if (first === 'MISSING') return null;
    const [ftype = '', mode = '', owner = '', group = '', size = '0'] = first.split('|');
    const type: FileStat['type'] = ftype === 'symbolic link' ? 'link' : ftype === 'directory' ? 'directory' : ftype.startsWith('regular') ? 'file' : 'other';
    return { type, mode: mode.padStart(4, '0'), owner, group, size: Number(size), ...(type === 'link' ? { linkTarget: second } : {}) };
  }

  async write(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<{ backup?: string }> {
    const tmp = posix.join(posix.dirname(path), `.${posix.basename(path)}.${randomBytes(4).toString('hex')}`);
    await fs.writeFile(tmp, data);
    const old = await fs.stat(path).catch(() => null);
    await fs.chmod(tmp, opts.mode !== undefined ? parseInt(opts.mode, 8) : old ? old.mode & 0o7777 : 0o644);
    if (opts.owner !== undefined || opts.group !== undefined) {
      const r = await localExec(['chown', `${opts.owner ?? ''}${opts.group !== undefined ? `:${opts.group}` : ''}`, '--', tmp]);
      if (r.code !== 0) throw new TaskError(r.stderr);
    }
    await fs.rename(tmp, path);
    return {};
  }

  async facts(): Promise<Facts> {
    return DEFAULT_FACTS;
  }

  invalidate(): void {}
}
