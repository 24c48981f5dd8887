/**
 * What the launcher execs: loads the core bundle (core.cjs, beside this file) through a V8 code
 * cache, the way Node 22's module.enableCompileCache() does for every module. Compiling the bundle
 * is about a third of the core's start-up beyond Node's own; with the cache V8 deserializes the
 * bytecode of every function the last start ran instead of parsing them again.
 *
 * The cache lives in $XDG_CACHE_HOME/agentd (~/.cache/agentd), one file per bundle build, Node
 * version and Node options. V8 rejects a cache made by another V8 or with other flags; the file
 * name tells builds apart. A missing, rejected or unwritable cache only costs the compile: the core
 * never fails because of it. Set AGENTD_NO_CODE_CACHE=1 to bypass it.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { lendImport } from '../dynamic-import.js';
import { fnv1a } from '../name-hash.js';
import { writeFileAtomically } from '../write-atomically.js';
import { CORE_READY_EVENT, setCodeCacheState } from './entry-link.js';

/** Cache files kept: one per build, so a few installs of different versions do not evict each other. */
const KEEP_FILES = 4;
const bundle = path.join(path.dirname(fileURLToPath(import.meta.url)), 'core.cjs');

function cacheFile(): string | null {
  if (process.env['AGENTD_NO_CODE_CACHE']) return null;
  const base = process.env['XDG_CACHE_HOME'] || (process.env['HOME'] ? path.join(process.env['HOME'], '.cache') : null);
  if (!base || !path.isAbsolute(base)) return null;
  try {
    const st = fs.statSync(bundle);
    const key = fnv1a([st.size, st.mtimeMs, st.ino, process.version, process.arch, ...process.execArgv].join('\0'));
    return path.join(base, 'agentd', `core-${key}.v8cache`);
  } catch {
    return null;
  }
}

function readCache(file: string | null): Buffer | undefined {
  if (file === null) return undefined;
  try { return fs.readFileSync(file); } catch { return undefined; }
}

/**
 * Written atomically (temp file, then rename): cores starting at once never read half a cache.
 * Each build has its own file, so only the newest few are kept.
 */
function writeCache(file: string, data: Buffer): void {
  try {
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomically(file, data, 0o600);
    const old = fs.readdirSync(dir).filter((f) => /^core-[0-9a-f]{8}\.v8cache$/.test(f))
      .map((f) => ({ f, t: fs.statSync(path.join(dir, f)).mtimeMs })).sort((a, b) => b.t - a.t).slice(KEEP_FILES);
    for (const { f } of old) fs.rmSync(path.join(dir, f), { force: true });
  } catch {
    // A read-only or full disk: the next start compiles again, as it would without a cache.
  }
}

const file = cacheFile();
const cachedData = readCache(file);
const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), {
  filename: bundle,
  ...(cachedData ? { cachedData } : {}),
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
});
setCodeCacheState(file === null ? 'off' : cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'used');
lendImport((specifier) => import(specifier));
const module = { exports: {} };
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
// Made once the core has reported ready, so the cache holds every function start-up ran.
if (file !== null && (cachedData === undefined || script.cachedDataRejected === true)) {
  process.once(CORE_READY_EVENT, () => setImmediate(() => writeCache(file, script.createCachedData())));
}
