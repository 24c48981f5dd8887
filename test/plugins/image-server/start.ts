import fs from 'node:fs';
import path from 'node:path';
import { connect, type AgentdClient } from '../../../src/client/index.js';
import { startDaemon, stopDaemon } from '../../../src/cli/daemon-control.js';
import { homePaths } from '../../../src/home/index.js';
import { BUNDLED_IMAGE_SERVER } from '../../../src/package-info.js';
import { writeConfig } from '../../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../../helpers/home.js';

/**
 * THE seam between the image-server tests and what runs the plugin: a real agentd daemon, started
 * through the native launcher in its own temp home, running the bundled plugin in a supervised
 * plugin host, with the listening socket held by the core. Config errors surface as the daemon's
 * start error (`plugins.image-server.config.<field>: …`).
 */
export interface ImageServerHandle {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  /** The result of the `image-server.stats` method, over the control socket. */
  stats(): Promise<unknown>;
  /** Stop the daemon gracefully (the plugin's stop function runs), then clean up; idempotent. */
  stop(): Promise<void>;
  /** The plugin's log so far (logs/image-server.log), one JSON line per entry. */
  logLines(): string[];
}

export async function startImageServer(config: Record<string, unknown> = {}): Promise<ImageServerHandle> {
  const home = makeTempHome('isv');
  const log = path.join(homePaths(home).logsDir, 'image-server.log');
  writeConfig(home, { plugins: { 'image-server': { module: BUNDLED_IMAGE_SERVER, config: { port: 0, ...config } } } });
  let client: AgentdClient;
  try {
    await startDaemon({ home, timeoutMs: 60_000 });
    client = await connect({ home, timeoutMs: 60_000 });
  } catch (e) {
    await stopDaemon(home, 10_000).catch(() => {});
    removeTempHome(home);
    throw e;
  }
  const { lines } = await client.call('logs.tail', { plugin: 'image-server', lines: 100 });
  const serving = lines.map((l) => String(l.message)).find((m) => /^serving .* on http:\/\//.test(m));
  const port = Number(/:(\d+)$/.exec(serving ?? '')?.[1]);
  if (!port) throw new Error(`image-server did not say where it serves: ${JSON.stringify(lines)}`);

  const readLog = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  let snapshot: string[] | null = null;
  let stopped: Promise<void> | null = null;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => client.call('image-server.stats'),
    stop() {
      stopped ??= (async () => {
        client.close();
        await stopDaemon(home, 30_000);
        snapshot = readLog();
        removeTempHome(home);
      })();
      return stopped;
    },
    logLines: () => snapshot ?? readLog(),
  };
}
