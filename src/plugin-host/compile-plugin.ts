import fs from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuildFailure, Loader, Plugin as EsbuildPlugin } from 'esbuild';
import { packageVersion } from '../package-info.js';
import { cachePaths, freshRecord, stampOf, writeCache, type CompileRecord, type FileStamp } from './compile-cache.js';
import { isCommonJsTypeScript } from './package-type.js';
import { isTypeScript } from './resolve-entry.js';
import { isInstalled, ownSources } from './source-files.js';

/**
 * TypeScript plugins compiled ahead, so that their host runs with no module loader. A loader
 * (tsx) costs every host a module hooks thread, a second V8 isolate, plus OpenSSL for its cache
 * keys: about 25 MiB of RSS per process. Here the host compiles the plugin's own modules once into
 * one ES module under `$AGENTD_HOME/cache/.compiled` (esbuild, whose service stops after), and
 * imports that; later starts reuse it until a file it was built from changes.
 *
 * What a bundle changes is put back: each module's `import.meta.url`, `.filename` and `.dirname`
 * are its source's; packages, this package's own modules and `.cjs` files stay outside the bundle
 * and are imported by their resolved file URL, as Node would load them (one instance, their own
 * `import.meta` or `__dirname`); an inline source map keeps stack traces on the .ts lines.
 * What a bundle cannot keep sends the plugin to tsx instead (the result says why): CommonJS
 * TypeScript or CommonJS in a `.js` file of its own, `import.meta.resolve`, and `import()` of a
 * computed specifier.
 */

/** `files`: the plugin's own files the compile read (see ownSources), for a watcher. */
export type CompileResult = ({ loader: 'compiled'; url: string } | { loader: 'tsx'; reason: string }) & { files: string[] };

const require = createRequire(import.meta.url);
const META = '__agentdImportMeta';
/** Files whose change can change a module's compile or resolution, looked up beside every source. */
const CONFIG_FILES = ['tsconfig.json', 'jsconfig.json', 'package.json'];

/**
 * The compiled module for `entry`, compiling it if the cache has none that is fresh. `targets`
 * maps specifiers (`agentd`, `agentd/client`) to where they go when a plugin's own directory
 * cannot resolve them. A compile error (a syntax error, an import that does not resolve) throws,
 * with the file, line and column.
 */
export async function compilePlugin(entry: string, dir: string, targets: Record<string, string>): Promise<CompileResult> {
  const key = compilerKey();
  const cached = freshRecord(dir, entry, key);
  if (cached) return resultOf(cached, dir);
  const { record, code } = await compile(entry, key, targets, cachePaths(dir, entry).code);
  try {
    writeCache(dir, record, code);
  } catch (e) {
    return { loader: 'tsx', reason: `the compiled module could not be written to ${dir} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, files: ownSources(record.files) };
  }
  return resultOf(record, dir);
}

function resultOf(record: CompileRecord, dir: string): CompileResult {
  const files = ownSources(record.files);
  if (record.loader === 'tsx') return { loader: 'tsx', reason: record.reason ?? 'unknown', files };
  return { loader: 'compiled', url: pathToFileURL(cachePaths(dir, record.entry).code).href, files };
}

let key: string | undefined;
/** Everything besides the sources that shapes the output: a new agentd, esbuild or Node compiles again. */
function compilerKey(): string {
  if (key) return key;
  const esbuildVersion = (JSON.parse(fs.readFileSync(require.resolve('esbuild/package.json'), 'utf8')) as { version: string }).version;
  const self = stampOf(fileURLToPath(import.meta.url));
  key = `agentd ${packageVersion()} (${self.slice(1).join('/')}) esbuild ${esbuildVersion} node ${process.version}`;
  return key;
}

async function compile(entry: string, key: string, targets: Record<string, string>, outfile: string): Promise<{ record: CompileRecord; code: string | null }> {
  const esbuild = require('esbuild') as typeof import('esbuild');
  const external = new Set<string>();
  let tsxReason: string | null = null;
  const needTsx = (reason: string) => { tsxReason ??= reason; };
  const skip = {};

  const plugin: EsbuildPlugin = {
    name: 'agentd-plugin',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === skip || args.kind === 'entry-point') return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: skip, with: args.with });
        if (r.errors.length > 0) {
          const target = targets[args.path];
          return target ? { path: target, external: true } : { errors: r.errors };
        }
        if (r.external || r.namespace !== 'file' || !loadsAsIs(r.path)) return r;
        external.add(r.path);
        return { path: pathToFileURL(r.path).href + r.suffix, external: true };
      });
      build.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8');
        if (isCommonJsTypeScript(args.path)) needTsx(`${args.path} is CommonJS`);
        if (/\bimport\.meta\.resolve\b/.test(source)) needTsx(`${args.path} uses import.meta.resolve`);
        return { contents: withOwnImportMeta(source, args.path), loader: loaderOf(args.path) };
      });
    },
  };

  let code: string | null = null;
  let inputs: Record<string, { format?: string }> = {};
  try {
    const result = await esbuild.build({
      entryPoints: [entry],
      absWorkingDir: '/',
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node}`,
      // Node's own resolution: no "module" field or condition.
      mainFields: ['main'],
      conditions: [],
      // As tsx does: function and class names survive the bundle's renaming.
      keepNames: true,
      sourcemap: 'inline',
      sourcesContent: false,
      outfile,
      write: false,
      metafile: true,
      logLevel: 'silent',
      plugins: [plugin],
    });
    code = result.outputFiles.find((f) => f.path === outfile)?.text ?? null;
    inputs = result.metafile.inputs;
  } catch (e) {
    throw new Error(firstError(e));
  } finally {
    // The service is a Go process of its own (about 12 MB); the next compile starts it again.
    await esbuild.stop();
  }

  const sources = Object.keys(inputs).map((p) => path.resolve('/', p));
  for (const [p, info] of Object.entries(inputs)) if (info.format === 'cjs') needTsx(`${path.resolve('/', p)} is CommonJS`);
  // What is left as import(…) of something other than a string is resolved from the compiled file, not the source.
  if (code !== null && /\bimport\s*\(\s*[^\s"']/.test(code)) needTsx('it imports a computed specifier with import()');
  const files: FileStamp[] = [...new Set([...sources, ...external, ...configFiles(sources)])].map(stampOf);
  const record: CompileRecord = tsxReason === null
    ? { key, entry, loader: 'compiled', files }
    : { key, entry, loader: 'tsx', reason: tsxReason, files };
  return { record, code: tsxReason === null ? code : null };
}

/**
 * Code Node loads as it is: a package's (unless TypeScript, which it cannot load), agentd's own,
 * and CommonJS by its extension (with its own __dirname and require).
 */
function loadsAsIs(file: string): boolean {
  if (file.endsWith('.cjs')) return true;
  if (isTypeScript(file) || file.endsWith('.json')) return false;
  return isInstalled(file);
}

/**
 * A module's `import.meta` as its source file's, not the bundle's: each use becomes a call of a
 * function appended to the module (a hoisted declaration, so lines keep their numbers and it is
 * defined before any code runs; the bundle renames it apart per module).
 */
function withOwnImportMeta(source: string, file: string): string {
  if (!/\bimport\.meta\b/.test(source)) return source;
  const meta = { url: pathToFileURL(file).href, filename: file, dirname: path.dirname(file) };
  return `${source.replace(/\bimport\.meta\b/g, `${META}()`)}\nvar ${META}Value;\nfunction ${META}() { return ${META}Value ??= ${JSON.stringify(meta)}; }\n`;
}

function loaderOf(file: string): Loader {
  if (file.endsWith('.tsx')) return 'tsx';
  if (file.endsWith('.jsx')) return 'jsx';
  return /ts$/.test(file) ? 'ts' : 'js';
}

/** tsconfig.json, jsconfig.json and package.json in every directory above a source, present or not. */
function configFiles(sources: string[]): string[] {
  const dirs = new Set<string>();
  for (const s of sources) {
    for (let d = path.dirname(s); !dirs.has(d); d = path.dirname(d)) {
      dirs.add(d);
      if (path.dirname(d) === d) break;
    }
  }
  return [...dirs].flatMap((d) => CONFIG_FILES.map((f) => path.join(d, f)));
}

/** esbuild's first error as one line: file:line:column: text. */
function firstError(e: unknown): string {
  const first = (e as Partial<BuildFailure>).errors?.[0];
  if (!first) return e instanceof Error ? e.message : String(e);
  const at = first.location ? `${path.resolve('/', first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : '';
  return `${at}${first.text}`;
}
