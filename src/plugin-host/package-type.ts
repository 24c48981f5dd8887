import fs from 'node:fs';
import path from 'node:path';

const typeCache = new Map<string, string | null>();

/**
 * The explicit "type" of the nearest package.json above `dir`, or null when it declares none.
 * A `.ts` file is ES module code unless this says "commonjs": what plugin authors write, where
 * tsx would otherwise compile it as CommonJS for lack of a package.json.
 */
export function packageType(dir: string): string | null {
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
