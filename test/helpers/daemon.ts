import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { connect, type AgentdClient } from '../../src/client/index.js';
import { startDaemon, stopDaemon } from '../../src/cli/daemon-control.js';
import { homePaths, type HomePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
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
    const pid = lockHolder(paths.pidfile);
    const groups = pid > 0 ? pluginGroups(pid) : [];
    if (pid > 0) await stopDaemon(home, 10_000).catch(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
    for (const g of groups) { try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ } }
    if (!options.home) removeTempHome(home);
  });
  const { pid } = await startDaemon({ home, watch: options.watch ?? false, timeoutMs: 60_000 });
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

export function writeConfig(home: string, config: unknown): void {
  const text = typeof config === 'string' ? config : JSON.stringify(config, null, 2);
  fs.writeFileSync(path.join(home, 'agentd.config.json'), text);
}

/** Process groups led by the core's children (plugin hosts and spares). */
export function pluginGroups(corePid: number): number[] {
  return processGroupMembers().filter((p) => p.ppid === corePid && p.pgid === p.pid).map((p) => p.pid);
}

/** Wait until every pid in `pids` is gone (or a zombie about to be reaped). */
export function waitGone(pids: number[], timeoutMs = 15_000): Promise<void> {
  return waitUntil(() => pids.every(isGone), timeoutMs, `processes ${pids.join(', ')} to exit`);
}
