import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh, short AGENTD_HOME for one test (Unix socket paths max out at 107 bytes, so it lives
 * directly under the system temp dir, not under the project). Mode 0700, as the core requires.
 */
export function makeTempHome(prefix = 'ad'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o700);
  return dir;
}

/** Remove a temp home; call only after everything started in it has been stopped. */
export function removeTempHome(home: string): void {
  fs.rmSync(home, { recursive: true, force: true });
}

/** A temp home removed at the test's teardown (registered now, so it runs after what is started later is stopped). */
export function tempHome(t: { teardown(fn: () => void): void }, prefix?: string): string {
  const home = makeTempHome(prefix);
  t.teardown(() => removeTempHome(home));
  return home;
}
