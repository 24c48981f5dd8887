import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = path.resolve(BENCH_DIR, '..');
/** Environment variable that tags every process a run starts (AGENTD_* would not reach plugins). */
export const TAG_VAR = 'BENCH_RUN_TAG';

/**
 * What one run of bench/run.js shares: a short temp root under /tmp (every AGENTD_HOME, PM2_HOME
 * and supervisord dir lives in it: Unix socket paths max out at 107 bytes), the run's tag, a
 * cleanup stack, and the log.
 */
export class RunContext {
  constructor({ verbose = true } = {}) {
    this.tag = `agentd-bench-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    process.env[TAG_VAR] = this.tag;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-'));
    fs.chmodSync(this.root, 0o700);
    this.verbose = verbose;
    this.cleanups = [];
    this.dirCount = 0;
  }

  /** A new directory (mode 0700) under the run's root: /tmp/ab-XXXXXX/<prefix><n>. */
  dir(prefix = 'd') {
    const d = path.join(this.root, `${prefix}${this.dirCount++}`);
    fs.mkdirSync(d, { mode: 0o700 });
    return d;
  }

  /** Register cleanup (run in reverse order by cleanup(), at the latest when the run ends). */
  defer(fn) {
    const entry = { fn };
    this.cleanups.push(entry);
    return async () => {
      const i = this.cleanups.indexOf(entry);
      if (i >= 0) this.cleanups.splice(i, 1);
      await fn();
    };
  }

  async cleanup() {
    while (this.cleanups.length) {
      const { fn } = this.cleanups.pop();
      try { await fn(); } catch (e) { this.log(`cleanup: ${e.message ?? e}`); }
    }
  }

  log(msg) {
    if (this.verbose) process.stderr.write(`${msg}\n`);
  }

  removeRoot() {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}
