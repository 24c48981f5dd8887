import fs from 'node:fs';
import path from 'node:path';

/** The nearest `dir/relative`, in `dir` or a directory above it, as Node looks for a package.json or node_modules. */
export function findUp(dir: string, relative: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    const candidate = path.join(d, relative);
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(d) === d) return null;
  }
}
