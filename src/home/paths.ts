import os from 'node:os';
import path from 'node:path';

/** Every file agentd keeps under its home directory. */
export interface HomePaths {
  home: string;
  socket: string;
  pidfile: string;
  log: string;
  logsDir: string;
  cacheDir: string;
  /** TypeScript plugins compiled ahead (plugin names start with a letter, so no plugin's cache dir is this). */
  compiledDir: string;
  /** Candidate config files, in the order they are tried. */
  configCandidates: string[];
}

/**
 * The home directory: `--home`, else `$AGENTD_HOME`, else `~/.agentd`. Always absolute, because
 * the daemon runs from `/` and every path it is given must survive that.
 */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? env['AGENTD_HOME'] ?? path.join(os.homedir(), '.agentd');
  return path.resolve(chosen);
}

export function homePaths(home: string): HomePaths {
  return {
    home,
    socket: path.join(home, 'agentd.sock'),
    pidfile: path.join(home, 'agentd.pid'),
    log: path.join(home, 'agentd.log'),
    logsDir: path.join(home, 'logs'),
    cacheDir: path.join(home, 'cache'),
    compiledDir: path.join(home, 'cache', '.compiled'),
    configCandidates: ['agentd.config.json', 'agentd.config.js', 'agentd.config.ts'].map((f) => path.join(home, f)),
  };
}

/** sockaddr_un.sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;

export function socketPathFits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX;
}
