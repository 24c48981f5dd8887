import os from 'node:os';
import path from 'node:path';
import { errors } from '../errors/index.js';

/** The config file forms a home may hold (`agentd.config.<ext>`), the first found winning. */
export const CONFIG_EXTENSIONS = ['json', 'js', 'mjs', 'cjs', 'ts', 'mts', 'cts'];

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
 * the daemon runs from `/` and every path it is given must survive that. An empty one is refused:
 * path.resolve('') is the current directory, which nobody means (`--home "$UNSET_VAR"`).
 */
export function resolveHome(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag === '') throw errors.usage('--home is empty; give a directory, or leave it out for $AGENTD_HOME or ~/.agentd');
  const fromEnv = flag === undefined ? env['AGENTD_HOME'] : undefined;
  if (fromEnv === '') throw errors.usage('AGENTD_HOME is set but empty; unset it or give a directory');
  return path.resolve(flag ?? fromEnv ?? path.join(os.homedir(), '.agentd'));
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
    configCandidates: CONFIG_EXTENSIONS.map((ext) => path.join(home, `agentd.config.${ext}`)),
  };
}

/** sockaddr_un.sun_path is 108 bytes on Linux, one of them the terminating NUL. */
export const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103;

export function socketPathFits(socketPath: string): boolean {
  return Buffer.byteLength(socketPath) <= SOCKET_PATH_MAX;
}
