import fs from 'node:fs';

/**
 * The readiness handshake with the launcher (s6-style): one line on the fd it passed, `READY <pid>`
 * or `ERROR <text>`, then the fd is closed so the launcher sees the end. In the foreground there is
 * no such fd and errors go to stderr.
 */
/** A catalogue code, as it leads an ERROR line. */
export const ERROR_CODE = /^E_[A-Z0-9_]+$/;

/** Well within the launcher's line buffer (launcher.c STOPPING_MAX), however many plugins there are. */
const STARTING_MAX_CHARS = 900;

export class Readiness {
  private fd: number | null;

  constructor(fdText: string | undefined) {
    const fd = fdText === undefined ? NaN : Number(fdText);
    this.fd = Number.isInteger(fd) && fd > 2 ? fd : null;
  }

  ready(pid: number): void {
    this.send(`READY ${pid}`);
  }

  /**
   * Report a start-up failure, one line. With its catalogue code (`ERROR E_CONFIG_INVALID …`),
   * so that `ctl start --json` gives scripts the same code a reload would.
   */
  error(message: string, code?: string): void {
    const line = message.replace(/\s*\n\s*/g, ' ');
    if (this.fd === null) process.stderr.write(`agentd: ${line}\n`);
    this.send(`ERROR ${code && ERROR_CODE.test(code) ? `${code} ` : ''}${line}`);
  }

  /**
   * The start is being aborted (the launcher's deadline passed and it sent SIGTERM): how long
   * stopping the plugins may take, so that the launcher waits that long before its SIGKILL. Not
   * the last line: ERROR follows once the plugins are stopped. `starting`, the plugins the start
   * still waited for, ends the line, so that the launcher's timeout message can name them.
   */
  stopping(withinMs: number, starting: readonly string[] = []): void {
    const why = starting.length > 0 ? ` plugins still starting: ${starting.join(', ').slice(0, STARTING_MAX_CHARS)}` : '';
    this.send(`STOPPING ${Math.ceil(withinMs)}${why}`, false);
  }

  private send(line: string, last = true): void {
    if (this.fd === null) return;
    try {
      fs.writeSync(this.fd, `${line}\n`);
    } catch {
      // The launcher is gone (killed, or timed out and left): nobody waits for this line.
    }
    if (!last) return;
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
    this.fd = null;
  }
}
