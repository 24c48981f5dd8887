import type { Config, ThumbnailFormat } from './config.js';

export const FITS = ['cover', 'contain', 'fill', 'inside', 'outside'] as const;
export type Fit = (typeof FITS)[number];

/** A thumbnail request: `?w=200&h=200&fit=cover&format=webp&q=80`, every part optional. */
export interface ThumbParams {
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly fit: Fit;
  readonly format: ThumbnailFormat | undefined;
  readonly quality: number | undefined;
}

const KEYS = ['w', 'h', 'fit', 'format', 'q'] as const;
const POSITIVE = /^[1-9][0-9]{0,5}$/;
const ALIASES: Record<string, string> = { jpg: 'jpeg', tif: 'tiff' };

/**
 * Read the thumbnail parameters from a query string. null when it has none of them (then the
 * query, a cache-buster say, is ignored and the original is served); a string (the problem, for
 * a 400) when one is repeated or out of range. Other keys are ignored.
 */
export function parseThumbParams(query: string, limits: Config['thumbnails']): ThumbParams | string | null {
  const params = new URLSearchParams(query);
  if (!KEYS.some((k) => params.has(k))) return null;
  for (const k of KEYS) if (params.getAll(k).length > 1) return `${k} is given more than once`;

  const size = (key: 'w' | 'h', max: number): number | string | undefined => {
    const raw = params.get(key);
    if (raw === null) return undefined;
    const n = POSITIVE.test(raw) ? Number(raw) : NaN;
    return n >= 1 && n <= max ? n : `${key} must be an integer from 1 to ${max}`;
  };
  const width = size('w', limits.maxWidth);
  if (typeof width === 'string') return width;
  const height = size('h', limits.maxHeight);
  if (typeof height === 'string') return height;

  const fitRaw = params.get('fit') ?? 'cover';
  const fit = FITS.find((f) => f === fitRaw);
  if (fit === undefined) return `fit must be one of ${FITS.join(', ')}`;

  const formatRaw = params.get('format')?.toLowerCase();
  let format: ThumbnailFormat | undefined;
  if (formatRaw !== undefined) {
    const name = ALIASES[formatRaw] ?? formatRaw;
    format = limits.formats.find((f) => f === name);
    if (format === undefined) return `format must be one of ${limits.formats.join(', ')}`;
  }

  const qRaw = params.get('q');
  const quality = qRaw === null ? undefined : POSITIVE.test(qRaw) && Number(qRaw) <= 100 ? Number(qRaw) : NaN;
  if (Number.isNaN(quality)) return 'q must be an integer from 1 to 100';

  return { width, height, fit, format, quality };
}
