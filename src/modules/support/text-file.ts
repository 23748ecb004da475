/**
 * Plan an edit of a text file on the host: follow symlinks to the real file (as
 * Ansible's lineinfile/blockinfile do), read it, run a pure transform, and turn the
 * result into changes (content and/or attributes). Reusable by any line-editing module
 * (fstab, sshd_config, pam, ...): give it a function from old text to new text.
 */
import { posix } from 'node:path';
import { TaskError } from '../../errors.js';
import type { Change, Host } from '../types.js';
import { planAttrChanges, wantedAttrs, type AttrArgs } from './attrs.js';
import { asText, planContent } from './content.js';
import { followLinks } from './paths.js';

export interface TextEditResult {
  text: string;
  changed: boolean;
  msg: string;
}

export interface TextFileOptions extends AttrArgs {
  /** Create the file (and a missing parent directory) when it does not exist. */
  create?: boolean;
  /** A missing file is fine and means "nothing to do" (e.g. state=absent). */
  missingOk?: boolean;
  validate?: string;
  backup?: boolean;
}

/** Decoded file text and how to encode the edit back (UTF-8, else byte-preserving latin1). */
export function decodeText(buf: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  const t = asText(buf);
  return t !== null ? { text: t, encoding: 'utf8' } : { text: buf.toString('latin1'), encoding: 'latin1' };
}

export async function planTextFile(
  host: Host,
  path: string,
  opts: TextFileOptions,
  edit: (text: string | null) => TextEditResult,
): Promise<Change[]> {
  const wanted = wantedAttrs(opts);
  const { path: real, st } = await followLinks(host, path);
  if (st !== null && st.type === 'directory') throw new TaskError(`Path ${path} is a directory !`);
  if (st !== null && st.type !== 'file') throw new TaskError(`Path ${path} is not a regular file`);
  const current = st !== null ? await host.read(real) : null;
  if (current === null) {
    if (opts.missingOk) return [];
    if (!opts.create) throw new TaskError(`Destination ${path} does not exist !`);
  }
  const decoded = current !== null ? decodeText(current) : { text: null, encoding: 'utf8' as const };
  const res = edit(decoded.text);
  if (!res.changed) return st !== null ? planAttrChanges(host, real, st, wanted) : [];
  const changes: Change[] = [];
  if (current === null) {
    const dir = posix.dirname(real);
    if ((await host.stat(dir)) === null) {
      changes.push({ action: 'create', kind: 'directory', target: dir, summary: `create directory ${dir}`, attrs: {} });
    }
  }
  const data = Buffer.from(res.text, decoded.encoding);
  changes.push(
    ...(await planContent(host, real, data, st, current, {
      wanted,
      ...(opts.validate !== undefined ? { validate: opts.validate } : {}),
      ...(opts.backup ? { backup: true } : {}),
      ...(res.msg ? { note: res.msg } : {}),
    })),
  );
  return changes;
}
