/**
 * Share `job` under `key` in `inFlight` until it settles, so that concurrent requests for the same
 * thing (a stat, a file read, a thumbnail) wait on one piece of work instead of each starting one.
 * Callers look in `inFlight` first; the entry is removed however the job ends.
 */
export function shareInFlight<K, T>(inFlight: Map<K, Promise<T>>, key: K, job: Promise<T>): Promise<T> {
  const shared = job.finally(() => inFlight.delete(key));
  inFlight.set(key, shared);
  return shared;
}
