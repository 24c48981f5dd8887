/** An inclusive byte range, as Content-Range writes it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Parse a Range header against a file of `size` bytes (RFC 9110 §14.2).
 *
 * - one satisfiable range → that range, clipped to the file;
 * - one range that starts at or past the end (or a zero suffix, or any range of an empty file) → 'unsatisfiable' (416);
 * - anything else (another unit, bad syntax, several ranges) → null: the Range is ignored and the
 *   whole file is sent with 200, which the RFC allows and which keeps multipart out of a static server.
 *
 * At most 15 digits per number, so every value stays an exact JavaScript integer.
 */
const SINGLE = /^bytes=[ \t]*(\d{0,15})[ \t]*-[ \t]*(\d{0,15})[ \t]*$/i;

export function parseRange(header: string, size: number): ByteRange | 'unsatisfiable' | null {
  const m = SINGLE.exec(header);
  if (m === null) return null;
  const [, first = '', last = ''] = m;
  if (first === '') {
    if (last === '') return null; // "bytes=-"
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (end < start && last !== '') return null; // invalid: last-pos before first-pos
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}
