/**
 * Resolves once stdout's reader has gone: a write failed with EPIPE (`ctl logs -f | head -1`).
 * oclif swallows EPIPE so that a finished command exits quietly, but a command that streams
 * until Ctrl-C must also learn of it, or it would follow on, writing to nobody.
 */
export function stdoutClosed(): Promise<void> {
  return new Promise((resolve) => {
    process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') resolve(); });
  });
}
