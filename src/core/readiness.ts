import fs from 'node:fs';

/**
 * The readiness handshake with the launcher (s6-style): one line on the fd it passed, `READY <pid>`
 * or `ERROR <text>`, then the fd is closed so the launcher sees the end. In the foreground there is
 * no such fd and errors go to stderr.
 */
export class Readiness {
  private fd: number | null;

  constructor(fdText: string | undefined) {
    const fd = fdText === undefined ? NaN : Number(fdText);
    this.fd = Number.isInteger(fd) && fd > 2 ? fd : null;
  }

  ready(pid: number): void {
    this.send(`READY ${pid}`);
  }

  /** Report a start-up failure; the message must be one line. */
  error(message: string): void {
    const line = message.replace(/\s*\n\s*/g, ' ');
    if (this.fd === null) process.stderr.write(`agentd: ${line}\n`);
    this.send(`ERROR ${line}`);
  }

  private send(line: string): void {
    if (this.fd === null) return;
    try {
      fs.writeSync(this.fd, `${line}\n`);
    } catch {
      // The launcher is gone (killed, or timed out and left): nobody waits for this line.
    }
    try { fs.closeSync(this.fd); } catch { /* already closed */ }
    this.fd = null;
  }
}
