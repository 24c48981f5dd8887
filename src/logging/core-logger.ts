import { once } from 'node:events';
import type { BoundedStdout } from './bounded-stdout.js';
import type { FileSink } from './file-sink.js';
import { jsonLine } from './json-line.js';
import { SinkTransport } from './sink-transport.js';
import { createLogger, type Logger, type Transport } from './winston-parts.js';

export interface CoreLoggerOptions {
  /** Lowest level written: error, warn, info or debug. */
  level: string;
  /** Foreground mode: the same JSON lines also go to stdout (journald, containers). */
  stdout?: BoundedStdout | null;
}

/**
 * The core's logger: JSON lines `{"time","level","component"?,"message",...meta}` into `sink`
 * (agentd.log). Components log through `logger.child({ component: 'rpc' })`.
 */
export function createCoreLogger(sink: FileSink, options: CoreLoggerOptions): Logger {
  const transports: Transport[] = [new SinkTransport(sink)];
  // After the file: agentd.log has every line even when stdout drops some.
  if (options.stdout) transports.push(new SinkTransport(options.stdout));
  return createLogger({
    level: options.level,
    format: jsonLine(),
    transports,
    exitOnError: false,
  });
}

/**
 * End the logger and wait until each transport has finished, i.e. every line logged before
 * this call is in its file. (The logger's own 'finish' comes before its transports' finish.)
 */
export async function closeLogger(logger: Logger): Promise<void> {
  // Transports are readable-stream v3 Writables: no `writableFinished` getter, hence the state.
  const pending = logger.transports
    .filter((t) => !(t as unknown as { _writableState?: { finished?: boolean } })._writableState?.finished)
    .map((t) => Promise.race([once(t, 'finish'), once(t, 'close')]));
  if (!logger.writableEnded) logger.end();
  await Promise.all(pending);
}
