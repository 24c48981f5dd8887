import fs from 'node:fs';
import path from 'node:path';
import { PLUGIN_NAME, RESERVED_PLUGIN_NAMES } from '../config/schema.js';
import { errors } from '../errors/index.js';
import { describeError } from '../errors/describe.js';
import { PACKAGE_ROOT } from '../package-info.js';
import { pluginFiles } from './templates.js';

export interface CreatedPlugin {
  name: string;
  dir: string;
  files: string[];
}

/**
 * Write a new plugin's files into `dir` (created if missing). The name must be one the config
 * accepts as a plugin key; an existing non-empty directory is never written into.
 */
export function createPlugin(name: string, dir: string): CreatedPlugin {
  if (RESERVED_PLUGIN_NAMES.includes(name)) throw errors.pluginNameReserved(name);
  if (!PLUGIN_NAME.test(name)) throw errors.pluginNameInvalid(name);
  const target = path.resolve(dir);
  const occupied = occupiedBecause(target);
  if (occupied) throw errors.fileExists(target, `${occupied}: choose another --dir, or remove it first`);
  const files = pluginFiles({ name, agentdRoot: PACKAGE_ROOT, ranges: ourRanges() });
  try {
    fs.mkdirSync(target, { recursive: true });
    // 'wx': a file that appeared meanwhile is an error, not overwritten.
    for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(target, file), text, { flag: 'wx' });
  } catch (e) {
    throw errors.fileWrite(target, describeError(e), 'check the directory\'s permissions, or choose another --dir', { cause: e });
  }
  return { name, dir: target, files: Object.keys(files) };
}

/** Why `dir` cannot take the new files, or null when it is missing or an empty directory. */
function occupiedBecause(dir: string): string | null {
  try {
    return fs.readdirSync(dir).length > 0 ? 'it is not empty' : null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return 'it is a file';
    throw errors.fileWrite(dir, describeError(e), 'choose another --dir', { cause: e });
  }
}

/** The ranges agentd itself depends on, so that a new plugin starts with what agentd is tested with. */
function ourRanges(): { valibot: string; typescript: string; typesNode: string } {
  type Pkg = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as Pkg;
  const all = { ...pkg.devDependencies, ...pkg.dependencies };
  return { valibot: all['valibot'] ?? '^1.0.0', typescript: all['typescript'] ?? '^5.0.0', typesNode: all['@types/node'] ?? '^20.0.0' };
}
