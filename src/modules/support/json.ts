/** Turn an arbitrary value into JSON data (for ApplyResult fields). */
import type { Json } from '../types.js';

export function toJson(v: unknown, depth = 0): Json {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (depth > 32) return '[too deep]';
  if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (typeof v === 'object') {
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return toJson((toJSON as () => unknown).call(v), depth + 1);
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = toJson(x, depth + 1);
    return out;
  }
  return String(v);
}
