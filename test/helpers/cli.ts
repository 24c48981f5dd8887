import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './daemon.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `ctl` (bin/run.js) as a user would: a separate process, its exit code and both streams. */
export function ctl(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args], {
      env: { ...process.env, DEBUG: '', ...options.env },
      timeout: options.timeoutMs ?? 60_000,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
