/** A distinguished name as text, without the ASN.1 codec (the CLI prints names at start-up cost). */
import type { DnAttr } from './types.js';

/** "O=ORG, CN=HOST" in encoded order. */
export function formatName(attrs: readonly DnAttr[]): string {
  return attrs.map((a) => `${a.type}=${a.value.replace(/([,\\+])/g, '\\$1')}`).join(', ');
}
