const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = MONTHS.join('|');
const DAY = 'Mon|Tue|Wed|Thu|Fri|Sat|Sun';
const DAY_LONG = 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday';
const TIME = '(\\d\\d):(\\d\\d):(\\d\\d)';

// The three forms RFC 9110 §5.6.7 requires a recipient to accept; each yields day, month, year, time.
const IMF_FIXDATE = new RegExp(`^(?:${DAY}), (\\d\\d) (${MONTH}) (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:${DAY_LONG}), (\\d\\d)-(${MONTH})-(\\d\\d) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:${DAY}) (${MONTH}) ([ \\d]\\d) ${TIME} (\\d{4})$`);

/**
 * Seconds since the epoch of an HTTP-date (RFC 9110 §5.6.7), or NaN for anything else, which the
 * caller must then ignore. `Date.parse` is no substitute: it takes `2099` or `Tuesday 2099` as
 * dates, and an If-Modified-Since of `2099` would then answer 304 for ever.
 */
export function parseHttpDate(value: string): number {
  let day: string | undefined;
  let month: string | undefined;
  let year: number;
  let time: string[];
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) {
    [, day, month] = m;
    year = Number(m[3]);
    time = m.slice(4);
  } else if ((m = RFC850.exec(value)) !== null) {
    [, day, month] = m;
    year = rfc850Year(Number(m[3]));
    time = m.slice(4);
  } else if ((m = ASCTIME.exec(value)) !== null) {
    [, month, day] = m;
    year = Number(m[6]);
    time = m.slice(3, 6);
  } else {
    return NaN;
  }
  const [h, min, s] = time.map(Number) as [number, number, number];
  const d = Number(day);
  const mon = MONTHS.indexOf(month ?? '');
  if (h > 23 || min > 59 || s > 60) return NaN;
  const ms = Date.UTC(year, mon, d, h, min, s);
  // Date.UTC rolls 31 Feb over into March; a date that does not exist is not a date.
  if (new Date(ms).getUTCDate() !== d) return NaN;
  return ms / 1000;
}

/** A two-digit year more than 50 years in the future means the past century (RFC 9110 §5.6.7). */
function rfc850Year(yy: number): number {
  const now = new Date().getUTCFullYear();
  const year = Math.floor(now / 100) * 100 + yy;
  return year > now + 50 ? year - 100 : year;
}
