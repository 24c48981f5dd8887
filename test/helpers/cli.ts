import { execFile, spawn, type ChildProcess } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ROOT } from './daemon.js';
import { makeTempHome, removeTempHome } from './home.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Root without the capabilities that let it past file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH). */
const WITHOUT_DAC_OVERRIDE = ['--inh-caps=-dac_override,-dac_read_search', '--bounding-set=-dac_override,-dac_read_search', '--'];

/**
 * Run `ctl` (bin/run.js) as a user would: a separate process, its exit code and both streams.
 * `obeyModes`: when the tests run as root, run ctl through setpriv without the capabilities that
 * ignore file modes, so that a mode-000 directory keeps it out as it keeps out any other user
 * (another uid would do too, but could not read a checkout under a private directory).
 */
export function ctl(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; obeyModes?: boolean } = {}): Promise<CliResult> {
  const argv = [process.execPath, path.join(ROOT, 'bin', 'run.js'), ...args];
  if (options.obeyModes && process.getuid?.() === 0) argv.unshift('setpriv', ...WITHOUT_DAC_OVERRIDE);
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), {
      env: { ...process.env, DEBUG: '', ...options.env },
      timeout: options.timeoutMs ?? 60_000,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `ctl start` in a fresh home holding `files` (name to text); what it started is killed by the lock holder's pid at teardown, whatever happens. */
export async function startInHome(t: ExecutionContext, files: Record<string, string>, args: string[] = []): Promise<{ home: string; started: CliResult }> {
  const home = makeTempHome();
  t.teardown(() => {
    const pid = lockHolder(homePaths(home).pidfile);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    removeTempHome(home);
  });
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(home, name)), { recursive: true });
    fs.writeFileSync(path.join(home, name), text);
  }
  return { home, started: await ctl(['start', '--home', home, ...args]) };
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything it wrote to stdout, then stderr, so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Its exit code (null after a signal). */
  exited: Promise<number | null>;
}

/** `ctl` left running (`logs -f`, a streaming `rpc`), SIGKILLed at teardown if it is still there. */
export function ctlRunning(t: ExecutionContext, args: string[]): RunningCli {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'run.js'), ...args], { env: { ...process.env, DEBUG: '' } });
  t.teardown(() => { child.kill('SIGKILL'); });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, get stdout() { return stdout; }, get stderr() { return stderr; }, exited };
}
