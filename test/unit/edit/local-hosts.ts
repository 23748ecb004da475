/**
 * Real local hosts for module tests (no SSH, nothing mocked but the service manager):
 * - DirHost: this machine's /bin/sh and filesystem, for modules whose paths are arguments
 *   (tests point them into a temp dir). Commands run for real (sshd -t, git, ...), except
 *   `/etc/init.d/* restart` and `systemctl`, which are recorded and answered with `serviceExit`.
 * - NetnsHost: the same, but every command runs in a private network namespace (hf-ut-*),
 *   so iptables rules are real and touch nothing of the machine.
 * (Candidates for test/helpers/ — kept here because this work owns test/unit/edit/.)
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TaskError } from '../../../src/errors.js';
import type { ExecOptions, ExecResult, Facts, FileStat, Host, Vars, WriteOptions } from '../../../src/modules/types.js';
import { toShell, type Command } from '../../../src/util/quote.js';

export const LOCAL_FACTS: Facts = {
  hostname: 'local',
  fqdn: 'local',
  os: { id: 'debian', version: '12', family: 'debian', pretty: 'Debian' },
  kernel: '',
  arch: 'x86_64',
  init: 'sysvinit',
  addresses: [],
  user: 'root',
};

function run(argv: string[], stdin: string | Buffer | undefined): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0] as string, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    p.stdin.on('error', () => undefined);
    p.stdin.end(stdin ?? '');
  });
}

export class DirHost implements Host {
  readonly name: string = 'local';
  readonly vars: Vars = {};
  checkMode = false;
  facts_: Facts = { ...LOCAL_FACTS };
  /** Service-manager commands that were asked for. */
  readonly services: string[] = [];
  serviceExit = 0;
  readonly execs: string[] = [];

  protected wrap(script: string): string[] {
    return ['/bin/sh', '-c', script];
  }

  async exec(cmd: Command, opts: ExecOptions = {}): Promise<ExecResult> {
    const text = toShell(cmd);
    this.execs.push(text);
    if (Array.isArray(cmd) && (/^\/etc\/init\.d\//.test(String(cmd[0])) || cmd[0] === 'systemctl')) {
      this.services.push(text);
      return { code: this.serviceExit, stdout: '', stderr: this.serviceExit === 0 ? '' : 'service failed\n' };
    }
    return run(this.wrap(text), opts.stdin);
  }

  async read(path: string): Promise<Buffer | null> {
    try {
      return await readFile(path);
    } catch {
      return null;
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      const s = await lstat(path);
      const type = s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'directory' : s.isFile() ? 'file' : 'other';
      const names = spawnSync('stat', ['-c', '%U %G', path], { encoding: 'utf8' }).stdout.trim().split(' ');
      return {
        type,
        mode: (s.mode & 0o7777).toString(8).padStart(4, '0'),
        owner: names[0] ?? String(s.uid),
        group: names[1] ?? String(s.gid),
        size: s.size,
        ...(type === 'link' ? { linkTarget: await readlink(path) } : {}),
      };
    } catch {
      return null;
    }
  }

  async write(path: string, data: string | Buffer, opts: WriteOptions = {}): Promise<{ backup?: string }> {
    const tmp = join(dirname(path), `.${basename(path)}.hostforge-${randomBytes(4).toString('hex')}`);
    await writeFile(tmp, data, { mode: 0o600 });
    try {
      const old = await this.stat(path);
      const mode = opts.mode ?? old?.mode ?? '0644';
      await run(['chmod', mode, tmp], undefined);
      if (opts.owner || opts.group) await run(['chown', `${opts.owner ?? ''}${opts.group ? `:${opts.group}` : ''}`, tmp], undefined);
      if (opts.validate) {
        const v = await run(['/bin/sh', '-c', opts.validate.split('%s').join(`'${tmp}'`)], undefined);
        if (v.code !== 0) throw new TaskError(`validation failed for ${path} (${opts.validate}); the file was left unchanged`, { details: v.stderr + v.stdout });
      }
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
    return {};
  }

  async facts(): Promise<Facts> {
    return this.facts_;
  }

  invalidate(): void {}
}

/** Is `ip netns` usable here (root, iproute2)? */
export function canNetns(): boolean {
  return process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0 && spawnSync('iptables', ['-V']).status === 0;
}

export class NetnsHost extends DirHost {
  readonly ns: string;
  constructor(tag: string) {
    super();
    this.ns = `hf-ut-${tag}-${process.pid}`;
  }
  protected override wrap(script: string): string[] {
    return ['ip', 'netns', 'exec', this.ns, '/bin/sh', '-c', script];
  }
  async create(): Promise<void> {
    const r = await run(['ip', 'netns', 'add', this.ns], undefined);
    if (r.code !== 0) throw new Error(`ip netns add ${this.ns}: ${r.stderr}`);
  }
  /** Kill what runs in the namespace (rollback timers) and delete it. */
  async destroy(): Promise<void> {
    const pids = await run(['ip', 'netns', 'pids', this.ns], undefined);
    for (const pid of pids.stdout.split('\n').filter((p) => /^\d+$/.test(p))) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await run(['ip', 'netns', 'delete', this.ns], undefined);
  }
}
