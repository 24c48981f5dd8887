/**
 * The Location of the `/dir` → `/dir/` redirect: the canonical path (built from decoded segments,
 * so always `/name/…`, never `//host`) followed by the request's query, kept as nginx keeps it.
 * The query is echoed, so every byte outside visible ASCII is percent-encoded: the header then
 * carries nothing but URL characters (no CR, LF, space or NUL, whatever the parser let through).
 */
export function redirectLocation(path: string, query: string): string {
  if (query === '') return path;
  return path + query.replace(/[^\x21-\x7e]/g, (c) => `%${(c.charCodeAt(0) & 0xff).toString(16).toUpperCase().padStart(2, '0')}`);
}
