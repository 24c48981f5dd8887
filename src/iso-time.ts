/**
 * `new Date(ms).toISOString()`, written out from the UTC fields. Node 20's V8 has toISOString (and
 * toUTCString, and JSON.stringify of a Date) look up the local time zone and its display name on
 * the way to a string that shows neither: the first call pages in about 0.9 MB of ICU's time zone
 * tables from the node binary, resident from then on in a process that never shows local time. The
 * getUTC* methods read the time value alone. Every timestamp agentd writes goes through here.
 */
export function isoTime(ms: number = Date.now()): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  // An invalid date throws as toISOString does; a year outside 0-9999 takes its ±YYYYYY form.
  if (!(year >= 0 && year <= 9999)) return d.toISOString();
  return `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
