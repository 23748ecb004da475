/**
 * A tiny DER reader that returns exact byte slices. Signatures are computed over
 * the bytes as received, so we never re-encode what we verify or copy
 * (a CSR's certificationRequestInfo, its subject Name, its SubjectPublicKeyInfo).
 */
export interface Tlv {
  tag: number;
  /** The whole element: tag, length and contents. */
  raw: Buffer;
  /** The contents only. */
  body: Buffer;
}

/** Read one TLV at `offset`. Rejects indefinite and over-long lengths (BER, not DER). */
export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new Error('DER: truncated element');
  const tag = buf[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new Error('DER: multi-byte tags are not supported');
  let len = buf[offset + 1]!;
  let head = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('DER: unsupported length encoding');
    if (offset + 2 + n > buf.length) throw new Error('DER: truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    if (len < 0x80 || buf[offset + 2] === 0) throw new Error('DER: non-minimal length');
    head += n;
  }
  const end = offset + head + len;
  if (end > buf.length) throw new Error('DER: element runs past the end');
  return { tag, raw: buf.subarray(offset, end), body: buf.subarray(offset + head, end) };
}

/** The children of a constructed element (SEQUENCE, SET, [n] constructed). */
export function children(el: Tlv): Tlv[] {
  if (!(el.tag & 0x20)) throw new Error('DER: element is not constructed');
  const out: Tlv[] = [];
  let off = 0;
  while (off < el.body.length) {
    const c = readTlv(el.body, off);
    out.push(c);
    off += c.raw.length;
  }
  return out;
}

/** Parse a whole buffer that must hold exactly one element. */
export function parseDer(buf: Buffer): Tlv {
  const el = readTlv(buf, 0);
  if (el.raw.length !== buf.length) throw new Error('DER: trailing bytes after the element');
  return el;
}

/** PEM → DER for the first block with one of `labels`. */
export function pemToDer(pem: string, labels: readonly string[]): Buffer {
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) {
    if (labels.includes(m[1]!)) return Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
  }
  throw new Error(`no PEM block labelled ${labels.join(' or ')}`);
}

export function derToPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Wrap already-encoded elements in a SEQUENCE (no re-encoding of the parts). */
export function derSequence(parts: readonly Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([0x30]), len, body]);
}
