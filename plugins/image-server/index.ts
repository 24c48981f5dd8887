import path from 'node:path';
import { definePlugin } from 'agentd';
import { accessLog } from './access-log.js';
import { ConfigSchema, defaults, type Config } from './config.js';
import { FileCache } from './file-cache.js';
import { Jail } from './resolve-path.js';
import { createImageServer } from './server.js';
import { StatCache } from './stat-cache.js';
import { Stats, STATS_SCHEMA } from './stats.js';
import { Thumbnails } from './thumbnails.js';

/** Paths remembered by the stat cache (about 1 KiB each), whatever the request mix. */
const STAT_ENTRIES = 10_000;

/**
 * image-server: a static image server for one root directory, with thumbnails. See README.md
 * beside this file for the settings and the reasoning behind the design.
 */
export default definePlugin<Config>({
  name: 'image-server',
  defaults,
  schema: ConfigSchema,

  async start(ctx) {
    const { config, log } = ctx;
    const jail = await Jail.open(config.root);
    const files = new FileCache(config.cache.maxBytes, config.cache.maxFileBytes);
    const stats = new Stats(files);
    const paths = new StatCache(jail, {
      ttl: config.cache.statTtl,
      index: config.index,
      cacheControl: config.cacheControl,
      maxEntries: STAT_ENTRIES,
    });

    let thumbs: Thumbnails | null = null;
    if (config.thumbnails.enabled) {
      const pool = Number(process.env['UV_THREADPOOL_SIZE']) || 4;
      if (config.thumbnails.concurrency >= pool) {
        log.warn(`thumbnails.concurrency ${config.thumbnails.concurrency} can fill the libuv thread pool (${pool}); file reads will wait behind thumbnails`);
      }
      thumbs = new Thumbnails({
        config: config.thumbnails,
        dir: path.join(ctx.cacheDir, 'thumbnails'),
        cacheControl: config.cacheControl,
        files,
        log,
        counters: stats,
      });
      thumbs.init();
    }

    const { server, drainer } = createImageServer({
      config, jail, paths, files, thumbs, stats, log,
      access: config.accessLog ? accessLog(log) : null,
    });

    ctx.rpc('stats', () => stats.snapshot(), {
      summary: 'Requests, body bytes, responses by status, memory-cache hits and misses, thumbnails made, and requests in flight.',
      result: STATS_SCHEMA,
    });
    ctx.health(() => server.listening || 'the HTTP server is not listening');

    const address = await ctx.listen(server, { host: config.host, port: config.port });
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    log.info(`serving ${jail.root} on http://${host}:${address.port}`);

    return async () => {
      await drainer.drain(config.limits.drainTimeout);
      paths.clear();
      files.clear();
      log.info('stopped');
    };
  },
});
