import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { connect, type AgentdClient } from '../../src/client/index.js';
import { stopDaemon } from '../../src/cli/daemon-control.js';
import { ensureHome, homePaths, type HomePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { launchDaemon } from '../../src/native/launch.js';
import { makeTempHome, removeTempHome } from './home.js';
import { isGone, processGroupMembers, waitUntil } from './proc.js';

/** The project root (this file runs as dist/test/helpers/daemon.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A fixture plugin's TypeScript source: plugins load without a build step. */
export function fixture(name: string): string {
  return path.join(ROOT, 'test', 'fixtures', 'plugins', `${name}.ts`);
}

export interface TestDaemon {
  home: string;
  paths: HomePaths;
  pid: number;
  /** A client connection, closed at teardown. */
  client(): Promise<AgentdClient>;
  /** Stop through the CLI's stop logic (graceful, then signals to the lock holder). */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Written as agentd.config.json; a string is written as is (for broken configs). */
  config?: unknown;
  watch?: boolean;
  home?: string;
  /** Added to the core's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A real daemon, started through the native launcher in its own temp home, and stopped (by the pid
 * holding its lock) when the test ends, pass or fail — with every plugin process group it ran.
 */
export async function startTestDaemon(t: ExecutionContext, options: StartOptions = {}): Promise<TestDaemon> {
  const home = options.home ?? makeTempHome();
  const paths = homePaths(home);
  if (options.config !== undefined) writeConfig(home, options.config);
  const clients: AgentdClient[] = [];
  t.teardown(async () => {
    for (const c of clients) c.close();
    await endDaemon(home, { graceful: true });
    // Anything that escaped its group (or outlived a killed core) carries the mark.
    killMarked(home);
    if (!options.home) removeTempHome(home);
  });
  const { pid } = await launchMarked(home, { watch: options.watch ?? false, env: options.env ?? {} });
  return {
    home,
    paths,
    pid,
    client: async () => {
      const c = await connect({ home, timeoutMs: 60_000 });
      clients.push(c);
      return c;
    },
    stop: async () => {
      await stopDaemon(home, 10_000);
    },
  };
}

/**
 * The variable every process of a test daemon carries in its environment (the core, its plugin
 * hosts and whatever they spawn inherit it; the core strips only AGENTD_*), so that a scan of
 * /proc finds each of them, orphans included, even after they renamed themselves.
 */
export const MARK_VAR = 'ADTEST_HOME';

/** Start a daemon in `home` as `ctl start` does, with {@link MARK_VAR} set to the home. */
export function launchMarked(home: string, options: { watch?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<{ pid: number }> {
  ensureHome(home);
  return launchDaemon({
    home,
    pidfile: homePaths(home).pidfile,
    args: ['--home', home, ...(options.watch ? ['--watch'] : [])],
    timeoutMs: 60_000,
    env: { ...process.env, ...options.env, [MARK_VAR]: home },
  });
}

/** Live processes that carry the test daemon's mark (see MARK_VAR): the core and everything below it. */
export function markedProcesses(home: string): number[] {
  const needle = Buffer.from(`\0${MARK_VAR}=${home}\0`);
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    let env: Buffer;
    try { env = fs.readFileSync(`/proc/${name}/environ`); } catch { continue; }
    if (Buffer.concat([Buffer.from([0]), env]).includes(needle) && !isGone(Number(name))) found.push(Number(name));
  }
  return found;
}

/** SIGKILL whatever still carries the mark of `home` (the last step of a test's teardown). */
export function killMarked(home: string): void {
  for (const pid of markedProcesses(home)) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
}

export function writeConfig(home: string, config: unknown): void {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  fs.writeFileSync(path.join(home, 'agentd.config.json'), text);
}

/**
 * Teardown: end the daemon holding `home`'s lock, whatever state a test left it in. With
 * `graceful`, stop it as `ctl stop` does first; SIGKILL by pid otherwise or if that fails. Its
 * plugin process groups are read before anything dies (a dead core frees the lock and orphans
 * them) and then get SIGKILL too.
 */
export async function endDaemon(home: string, { graceful = false } = {}): Promise<void> {
  const pid = lockHolder(homePaths(home).pidfile);
  if (pid <= 0) return;
  const groups = pluginGroups(pid);
  const killCore = () => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  if (graceful) await stopDaemon(home, 10_000).catch(killCore);
  else killCore();
  for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ } }
}

/** Process groups led by the core's children (plugin hosts and spares). */
export function pluginGroups(corePid: number): number[] {
  return processGroupMembers().filter((p) => p.ppid === corePid && p.pgid === p.pid).map((p) => p.pid);
}

/** Wait until every pid in `pids` is gone (or a zombie about to be reaped). */
export function waitGone(pids: number[], timeoutMs = 15_000): Promise<void> {
  return waitUntil(() => pids.every(isGone), timeoutMs, `processes ${pids.join(', ')} to exit`);
}
