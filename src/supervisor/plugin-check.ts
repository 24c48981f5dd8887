import path from 'node:path';
import type { ResolvedPlugin } from '../config/index.js';
import { errors, isAgentdError } from '../errors/index.js';
import { fromWire } from '../client/rpc-error.js';
import { hostEnv } from './host-env.js';
import { HostProcess } from './host-process.js';

/** Where a checked plugin's host runs: the daemon's home, and its cache for compiled TypeScript. */
export interface CheckDeps {
  home: string;
  cacheDir: string;
}

/**
 * Check plugins before anything running is touched (a reload applying them, a restart stopping
 * the old core): each is loaded in a throwaway host that imports the module and validates its
 * config, without starting it. All problems are thrown at once, as one config error.
 */
export async function checkPlugins(plugins: readonly ResolvedPlugin[], deps: CheckDeps, file: string | null): Promise<void> {
  const problems = await Promise.all(plugins.map((p) => checkPlugin(p, deps)));
  const found = problems.filter((p): p is string => p !== null);
  if (found.length > 0) throw errors.configInvalid(file ?? '(built-in default)', found.join('; '));
}

async function checkPlugin(spec: ResolvedPlugin, deps: CheckDeps): Promise<string | null> {
  const host = new HostProcess(hostEnv());
  host.stdout.resume();
  host.stderr.resume();
  host.logStream.resume();
  try {
    host.send({
      t: 'load', plugin: spec.name, instance: 0, module: spec.module, baseDir: spec.baseDir, config: spec.entry.config,
      env: spec.entry.env, home: deps.home, cacheDir: path.join(deps.cacheDir, spec.name),
    });
    const answer = await host.waitFor((m) => (m.t === 'loaded' || m.t === 'failed' ? m : undefined), Date.now() + spec.entry.startTimeout);
    if ('timeout' in answer) return `plugins.${spec.name}: its module did not load within ${spec.entry.startTimeout} ms`;
    if ('exit' in answer) return `plugins.${spec.name}: its host exited while loading the module`;
    if (answer.value.t !== 'failed') return null;
    const error = fromWire(answer.value.error);
    return issuesOf(error) ?? error.message;
  } finally {
    host.kill();
    await host.exited;
  }
}

/** The bare list of a plugin's own config check, which its message prefixes with `invalid config: `. */
export function issuesOf(error: unknown): string | null {
  return isAgentdError(error) && error.code === errors.pluginConfigInvalid.code && typeof error.data['issues'] === 'string' ? error.data['issues'] : null;
}
