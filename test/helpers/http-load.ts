import http from 'node:http';

export interface LoadResult {
  ok: number;
  failed: number;
  errors: string[];
  /** Which process answered, by the pid in the body. */
  byPid: Map<string, number>;
}

/**
 * A bounded HTTP load: `concurrency` loops of GET requests, each on a fresh connection, until
 * `stop()` is called (or `maxMs` passes). Every request that does not end in a 200 is a failure.
 */
export function httpLoad(port: number, concurrency: number, maxMs = 60_000): { stop(): Promise<LoadResult>; peek(): LoadResult } {
  const result: LoadResult = { ok: 0, failed: 0, errors: [], byPid: new Map() };
  let running = true;
  const deadline = Date.now() + maxMs;
  const one = () => new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        if (res.statusCode === 200) {
          result.ok++;
          result.byPid.set(body.trim(), (result.byPid.get(body.trim()) ?? 0) + 1);
        } else {
          result.failed++;
          result.errors.push(`status ${res.statusCode}`);
        }
        resolve();
      });
      res.on('error', (e) => { result.failed++; result.errors.push(e.message); resolve(); });
    });
    req.on('error', (e) => { result.failed++; result.errors.push((e as NodeJS.ErrnoException).code ?? e.message); resolve(); });
  });
  const loops = Array.from({ length: concurrency }, async () => {
    while (running && Date.now() < deadline) await one();
  });
  return {
    peek: () => result,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}

/** Wait until the load has seen at least `n` successes (it is really running). */
export async function untilServed(load: { peek(): LoadResult } | LoadResult, n: number, timeoutMs = 30_000): Promise<void> {
  const r = 'peek' in load ? load.peek() : load;
  const deadline = Date.now() + timeoutMs;
  while (r.ok < n) {
    if (Date.now() > deadline) throw new Error(`load reached only ${r.ok} successes`);
    await new Promise((res) => setTimeout(res, 10));
  }
}
