/**
 * File attributes (mode, owner, group): what the user asked for, and the changes
 * needed to get there: one Change per thing differing (mode; ownership).
 */
import type { Change, FileAttrs, FileStat, Host } from '../types.js';
import { parseMode, resolveMode, type ModeSpec } from './mode.js';

/** The attribute arguments common to file-writing modules. */
export interface AttrArgs {
  mode?: string | number;
  owner?: string | number;
  group?: string | number;
}

export interface WantedAttrs {
  mode?: ModeSpec;
  owner?: string;
  group?: string;
}

/** Parse the attribute arguments (throws InputError on a bad mode). */
export function wantedAttrs(a: AttrArgs): WantedAttrs {
  const w: WantedAttrs = {};
  if (a.mode !== undefined) w.mode = parseMode(a.mode);
  if (a.owner !== undefined && a.owner !== '') w.owner = String(a.owner);
  if (a.group !== undefined && a.group !== '') w.group = String(a.group);
  return w;
}

/** Attributes to give a path being created (symbolic modes resolved from the default). */
export function createAttrs(w: WantedAttrs, isDir: boolean): FileAttrs {
  const out: FileAttrs = {};
  if (w.mode) out.mode = resolveMode(w.mode, undefined, isDir);
  if (w.owner !== undefined) out.owner = w.owner;
  if (w.group !== undefined) out.group = w.group;
  return out;
}

const NUMERIC = /^\d+$/;

/**
 * Is the wanted user/group the one the stat reports? Host.stat gives names; a wanted
 * numeric id is looked up with getent (one exec, only when the spellings differ in kind).
 */
export async function sameId(host: Host, db: 'passwd' | 'group', want: string, have: string): Promise<boolean> {
  if (want === have) return true;
  if (NUMERIC.test(want) === NUMERIC.test(have)) return false;
  const key = NUMERIC.test(want) ? want : have;
  const r = await host.exec(['getent', db, key]);
  if (r.code !== 0) return false;
  const [name = '', , id = ''] = r.stdout.trim().split(':');
  return NUMERIC.test(want) ? name === have && id === want : name === want && id === have;
}

function ownerSpec(owner: string | undefined, group: string | undefined): string {
  return `${owner ?? ''}${group !== undefined ? `:${group}` : ''}`;
}

export function describeOwnership(a: FileAttrs): string {
  return ownerSpec(a.owner, a.group);
}

/**
 * Changes for an existing path's attributes: a 'mode' change and an 'ownership' change
 * (kind 'attributes', action 'update'); attrs hold only what changes.
 */
export async function planAttrChanges(host: Host, path: string, st: FileStat, w: WantedAttrs): Promise<Change[]> {
  const changes: Change[] = [];
  const isLink = st.type === 'link';
  if (w.mode && !isLink) {
    const want = resolveMode(w.mode, st.mode, st.type === 'directory');
    if (parseInt(want, 8) !== parseInt(st.mode, 8)) {
      changes.push({
        action: 'update',
        kind: 'attributes',
        target: path,
        summary: `mode of ${path}: ${st.mode} → ${want}`,
        attrs: { mode: want },
        data: { op: 'chmod', from: st.mode },
      });
    }
  }
  const owner = w.owner !== undefined && !(await sameId(host, 'passwd', w.owner, st.owner)) ? w.owner : undefined;
  const group = w.group !== undefined && !(await sameId(host, 'group', w.group, st.group)) ? w.group : undefined;
  if (owner !== undefined || group !== undefined) {
    const from = ownerSpec(owner !== undefined ? st.owner : undefined, group !== undefined ? st.group : undefined);
    const to = ownerSpec(owner, group);
    const attrs: FileAttrs = {};
    if (owner !== undefined) attrs.owner = owner;
    if (group !== undefined) attrs.group = group;
    changes.push({
      action: 'update',
      kind: 'attributes',
      target: path,
      summary: `owner of ${path}: ${from} → ${to}`,
      attrs,
      data: { op: 'chown', from, link: isLink },
    });
  }
  return changes;
}
