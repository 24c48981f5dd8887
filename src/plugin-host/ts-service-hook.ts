import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';

/**
 * Runs in Node's module hooks thread, beside tsx's hooks, which is where tsx calls esbuild. When a
 * file misses tsx's disk cache, esbuild starts its service, a Go process of about 12 MB that would
 * then live as long as its parent: one per plugin host. Once the host says its plugin is loaded,
 * this stops the service whenever no module load is in flight (a stop during one would fail the
 * compile under way). A plugin that imports more TypeScript later gets the service started again
 * by esbuild for that compile, and stopped again after it.
 */
type Next = (url: string, context: unknown) => Promise<unknown>;
type Esbuild = { stop(): Promise<void> | void };

let esbuild: Esbuild | null = null;
let released = false;
let inFlight = 0;

export function initialize(data: { port: MessagePort; tsx: string }): void {
  try {
    // The esbuild tsx itself resolves (it may have a copy of its own), and the same module instance:
    // Node loads a CommonJS package once per thread, whether it is imported or required.
    esbuild = createRequire(data.tsx)('esbuild') as Esbuild;
  } catch {
    esbuild = null;
  }
  data.port.on('message', () => { released = true; stopWhenIdle(); });
  data.port.unref();
}

/** Registered after tsx's hooks, so this runs first and around them: it sees every load tsx does. */
export async function load(url: string, context: unknown, next: Next): Promise<unknown> {
  inFlight++;
  try {
    return await next(url, context);
  } finally {
    inFlight--;
    stopWhenIdle();
  }
}

function stopWhenIdle(): void {
  // A no-op when the service is not running.
  if (released && inFlight === 0 && esbuild) void Promise.resolve(esbuild.stop()).catch(() => {});
}
