import type { AgentdClient } from '../client/index.js';
import { errors } from '../errors/index.js';
import { readerGone } from '../native/addon.js';

/** How often a stream with nothing to write checks that its reader is still there (GNU tail: 1 s). */
const READER_CHECK_MS = 250;

/**
 * Wait while the daemon streams notifications to `client` (`ctl logs -f`, `ctl rpc
 * events.subscribe`). Ctrl-C or the reader of our output going away (`| head -1`) ends the
 * stream cleanly; the daemon closing the connection (it stopped, or was killed) is said as an
 * error, rather than exiting as if asked to, with `what` saying what ends with it.
 */
export async function streamUntilEnd(client: AgentdClient, what: string): Promise<void> {
  let asked = false;
  const end = () => { asked = true; client.close(); };
  process.once('SIGINT', end);
  void stdoutClosed().then(end);
  await client.closed;
  if (!asked) throw errors.connectionClosed(`by the daemon: ${what}`);
}

/**
 * Resolves once the reader of stdout is gone. oclif swallows EPIPE so that a finished command
 * exits quietly, but a command that streams must also learn of it, or it would go on writing to
 * nobody until the daemon stops. EPIPE comes only with a write, though: a follow with nothing new
 * to print would wait for the next line, maybe for ever, so the kernel is also asked now and then.
 */
function stdoutClosed(): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') resolve(); });
    const fd = (process.stdout as { fd?: number }).fd ?? 1;
    const check = setInterval(() => {
      if (!readerGone(fd)) return;
      clearInterval(check);
      resolve();
    }, READER_CHECK_MS);
    check.unref();
  });
}
