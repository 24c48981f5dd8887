import fs from 'node:fs';
import TransportStream from 'winston-transport';
import { jsonLine } from './json-line.js';
import { createLogger, type Logger } from './winston-parts.js';

const MESSAGE = Symbol.for('message');
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export interface PluginLoggerMeta {
  /** Implied by the file the lines land in (`logs/<plugin>.log`), so not repeated on every line. */
  plugin: string;
  pid: number;
  instance: number;
}

export interface PluginLoggerOptions {
  /** Lowest level sent to the core; default 'info'. */
  level?: string;
}

/**
 * Writes each line to a pipe with fs.writeSync: the line has left the plugin when log() returns,
 * so a plugin that exits right after logging loses nothing. A busy core back-pressures the plugin
 * (a blocking fd simply blocks; a non-blocking one gets EAGAIN, retried after a short sleep).
 */
export class FdTransport extends TransportStream {
  /** Lines that could not be written (the pipe is gone), and EAGAIN retries. */
  readonly counts = { dropped: 0, retries: 0 };

  constructor(readonly fd: number, options: TransportStream.TransportStreamOptions = {}) {
    super(options);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.send(Buffer.from(`${String(info[MESSAGE])}\n`));
    this.emit('logged', info);
    next();
  }

  private send(buf: Buffer): void {
    let off = 0;
    let backoff = 1;
    while (off < buf.length) {
      try {
        off += fs.writeSync(this.fd, buf, off);
        backoff = 1;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') {
          // EPIPE/EBADF: the core is gone; the host exits when its IPC channel closes.
          this.counts.dropped++;
          return;
        }
        this.counts.retries++;
        Atomics.wait(sleeper, 0, 0, backoff);
        backoff = Math.min(backoff * 2, 20);
      }
    }
  }
}

/**
 * The plugin process's `ctx.log`: JSON lines `{"time","stream":"log","pid","instance","level",
 * "component"?,"message",...meta}` on `fd`, a pipe the core reads into `logs/<plugin>.log`.
 */
export function createPluginLogger(fd: number, meta: PluginLoggerMeta, options: PluginLoggerOptions = {}): Logger {
  return createLogger({
    level: options.level ?? 'info',
    format: jsonLine({ stream: 'log', pid: meta.pid, instance: meta.instance }),
    transports: [new FdTransport(fd)],
    exitOnError: false,
  });
}
