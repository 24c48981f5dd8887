/** The result of `image-server.stats`, as DESIGN.md fixes it. */
export interface StatsSnapshot {
  /** Requests answered (or being answered), including those refused by the HTTP parser. */
  requests: number;
  /** Body bytes handed to clients. */
  bytes: number;
  /** Responses by status code, e.g. `{ "200": 10, "304": 2 }`. */
  status: Record<string, number>;
  /** The in-memory file cache: lookups of cacheable files that found or missed their bytes. */
  cache: { hits: number; misses: number };
  /** Thumbnails made (not those served from the disk cache). */
  thumbnails: number;
  /** Requests whose response has not finished. */
  inFlight: number;
}

const count = (description: string) => ({ type: 'integer', minimum: 0, description });

/** {@link StatsSnapshot} as JSON Schema: the declared result of `image-server.stats`, for `rpc.methods`. */
export const STATS_SCHEMA = {
  type: 'object',
  properties: {
    requests: count('Requests answered (or being answered), including those refused by the HTTP parser.'),
    bytes: count('Body bytes handed to clients.'),
    status: {
      type: 'object',
      description: 'Responses by status code, e.g. { "200": 10, "304": 2 }.',
      propertyNames: { pattern: '^[1-5][0-9][0-9]$' },
      additionalProperties: { type: 'integer', minimum: 1 },
    },
    cache: {
      type: 'object',
      description: 'The in-memory file cache: lookups of cacheable files that found or missed their bytes.',
      properties: { hits: count('Lookups that found the bytes in memory.'), misses: count('Lookups that had to read the file.') },
      required: ['hits', 'misses'],
      additionalProperties: false,
    },
    thumbnails: count('Thumbnails made (not those served from the disk cache).'),
    inFlight: count('Requests whose response has not finished.'),
  },
  required: ['requests', 'bytes', 'status', 'cache', 'thumbnails', 'inFlight'],
  additionalProperties: false,
};

/**
 * Counters for the stats method. Status codes are counted in a typed array and turned into an
 * object only when someone asks, so counting costs the hot path one increment.
 */
export class Stats {
  requests = 0;
  bytes = 0;
  thumbnails = 0;
  inFlight = 0;
  private readonly byStatus = new Float64Array(600);

  constructor(private readonly cache: { readonly hits: number; readonly misses: number }) {}

  countStatus(status: number): void {
    if (status >= 100 && status < 600) this.byStatus[status]!++;
  }

  snapshot(): StatsSnapshot {
    const status: Record<string, number> = {};
    this.byStatus.forEach((n, code) => {
      if (n > 0) status[String(code)] = n;
    });
    return {
      requests: this.requests,
      bytes: this.bytes,
      status,
      cache: { hits: this.cache.hits, misses: this.cache.misses },
      thumbnails: this.thumbnails,
      inFlight: this.inFlight,
    };
  }
}
