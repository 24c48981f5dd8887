import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
const typeCache = new Map<string, string | null>();

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
  if (resolved.url.startsWith('file:') && /\.m?ts$/.test(resolved.url) && packageType(path.dirname(fileURLToPath(resolved.url))) !== 'commonjs') {
    return { ...resolved, format: 'module' };
  }
  return resolved;
}

/** The explicit "type" of the nearest package.json above `dir`, or null when it declares none. */
function packageType(dir: string): string | null {
  if (typeCache.has(dir)) return typeCache.get(dir)!;
  let type: string | null = null;
  const pkg = path.join(dir, 'package.json');
  if (fs.existsSync(pkg)) {
    try { type = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: string }).type ?? null; } catch { type = null; }
  } else if (path.dirname(dir) !== dir) {
    type = packageType(path.dirname(dir));
  }
  typeCache.set(dir, type);
  return type;
}
