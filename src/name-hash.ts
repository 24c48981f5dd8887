/**
 * FNV-1a, 32 bits, as 8 hex digits: a short stable file name for a longer key (node:crypto would
 * cost the process OpenSSL's start-up). A name, not a security boundary. Another offset `basis`
 * gives an independent-enough second half where 32 bits are too few.
 */
export function fnv1a(text: string, basis = 0x811c9dc5): string {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}
