import { fileURLToPath } from 'node:url';
import { isCommonJsTypeScript } from './package-type.js';

/**
 * Module resolve hooks for plugin hosts running a plugin from outside this package:
 * - `import { definePlugin } from 'agentd'` works with no node_modules/agentd beside the plugin;
 * - a `.ts` file with no `"type": "commonjs"` above it is ES module code (what plugin authors
 *   write), where tsx would otherwise compile it as CommonJS for lack of a package.json.
 * Registered after tsx's own hooks, so it runs first; the default resolution wins where it can.
 */
interface Context { parentURL?: string | undefined }
type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type Next = (specifier: string, context: Context) => Promise<Resolved>;

let targets: Record<string, string> = {};

export function initialize(data: { targets: Record<string, string> }): void {
  targets = data.targets;
}

export async function resolve(specifier: string, context: Context, next: Next): Promise<Resolved> {
  const target = targets[specifier];
  let resolved: Resolved;
  try {
    resolved = await next(specifier, context);
  } catch (e) {
    if (!target) throw e;
    return { url: target, shortCircuit: true };
  }
  if (resolved.url.startsWith('file:') && /\.m?ts$/.test(resolved.url) && !isCommonJsTypeScript(fileURLToPath(resolved.url))) {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}
