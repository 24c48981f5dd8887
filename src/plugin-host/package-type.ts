import fs from 'node:fs';
import path from 'node:path';
import { findUp } from './find-up.js';

const typeCache = new Map<string, string | null>();

/**
 * Whether a TypeScript file is CommonJS: a `.cts`, or a `.ts` or `.tsx` under a package.json that says
 * `"type": "commonjs"`. Otherwise (`.mts`, or no type declared) it is ES module code, which is what
 * plugin authors write, where tsx would compile a `.ts` as CommonJS for lack of a package.json.
 */
export function isCommonJsTypeScript(file: string): boolean {
  if (file.endsWith('.cts')) return true;
  return /\.tsx?$/.test(file) && packageType(path.dirname(file)) === 'commonjs';
}

/** Whether Node loads a JavaScript file as CommonJS: a `.cjs`, or a `.js` with no `"type": "module"` above it. */
export function isCommonJsJavaScript(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  return file.endsWith('.js') && packageType(path.dirname(file)) !== 'module';
}

/** The explicit "type" of the nearest package.json above `dir`, or null when it declares none. */
function packageType(dir: string): string | null {
  if (typeCache.has(dir)) return typeCache.get(dir)!;
  const pkg = findUp(dir, 'package.json');
  let type: string | null = null;
  if (pkg) try { type = (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { type?: string }).type ?? null; } catch { /* unreadable: none */ }
  typeCache.set(dir, type);
  return type;
}
