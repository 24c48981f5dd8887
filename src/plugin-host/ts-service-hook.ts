import { createRequire } from 'node:module';
import type { MessagePort } from 'node:worker_threads';

/**
 * Runs in Node's module hooks thread, beside tsx's hooks, which is where tsx calls esbuild. When a
 * file misses tsx's disk cache, esbuild starts its service, a Go process of about 12 MB that then
 * lives as long as its parent: one per plugin host. On the host's word (its plugin is loaded) this
 * stops it; esbuild starts it again by itself if the plugin later imports another TypeScript file.
 */
export function initialize(data: { port: MessagePort; tsx: string }): void {
  data.port.on('message', () => stopEsbuild(data.tsx));
  data.port.unref();
}

function stopEsbuild(tsxUrl: string): void {
  try {
    // The esbuild tsx itself resolves (it may have a copy of its own), and the same module instance:
    // Node loads a CommonJS package once per thread, whether it is imported or required.
    const esbuild = createRequire(tsxUrl)('esbuild') as { stop(): Promise<void> | void };
    void Promise.resolve(esbuild.stop()).catch(() => {});
  } catch {
    // No esbuild to stop: nothing was running.
  }
}
