/** Small statistics over samples (numbers), and the number formats RESULTS.md uses. */

export function sorted(xs) {
  return [...xs].sort((a, b) => a - b);
}

/** Linear-interpolated percentile, p in [0, 100]. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = sorted(xs);
  const i = (s.length - 1) * (p / 100);
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo] + (s[hi] - s[lo]) * (i - lo);
}

export const median = (xs) => percentile(xs, 50);

export function mean(xs) {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** { n, median, p10, p90, min, max } of a sample. */
export function summarize(xs) {
  return {
    n: xs.length,
    median: median(xs),
    p10: percentile(xs, 10),
    p90: percentile(xs, 90),
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

/** Milliseconds, with the precision the size deserves. */
export function ms(x) {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  if (x >= 100) return `${x.toFixed(0)} ms`;
  if (x >= 10) return `${x.toFixed(1)} ms`;
  return `${x.toFixed(2)} ms`;
}

/** A sample summary as "median (p10–p90)". */
export function msSpread(s) {
  return `${ms(s.median)} (${ms(s.p10)}–${ms(s.p90)})`;
}

export function mib(bytes) {
  if (!Number.isFinite(bytes)) return 'n/a';
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** An integer with thin thousands separators: 21,400. */
export function count(x) {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.round(x).toLocaleString('en-US');
}

export function ratio(ours, ref) {
  if (!Number.isFinite(ours) || !Number.isFinite(ref) || ref === 0) return NaN;
  return ours / ref;
}

export function ratioText(r) {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export function shuffle(xs) {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();
