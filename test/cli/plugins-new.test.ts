import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ctl } from '../helpers/cli.js';
import { endDaemon, ROOT } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

function tempDir(t: ExecutionContext, prefix: string): string {
  const dir = makeTempHome(prefix);
  t.teardown(() => removeTempHome(dir));
  return dir;
}

/**
 * What `npm install` gives the new plugin: its dependencies under node_modules, here linked to
 * this checkout's (agentd itself, as its `file:` spec says, and the very packages agentd is built
 * and tested with), so that the test needs no registry.
 */
function npmInstall(dir: string): void {
  const link = (name: string, target: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, 'node_modules', name)), { recursive: true });
    fs.symlinkSync(target, path.join(dir, 'node_modules', name), 'dir');
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
  for (const [name, spec] of Object.entries({ ...pkg['dependencies'], ...pkg['devDependencies'] })) {
    link(name, spec.startsWith('file:') ? spec.slice('file:'.length) : path.join(ROOT, 'node_modules', name));
  }
}

function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

test('ctl plugins new: the scaffold\'s own test starts a real agentd with the plugin and passes; it type-checks', async (t) => {
  const work = tempDir(t, 'pn');
  // The scaffold's test makes its agentd home under os.tmpdir(): here, so that teardown finds it.
  const tmp = tempDir(t, 'pt');
  t.teardown(async () => {
    for (const entry of fs.readdirSync(tmp)) await endDaemon(path.join(tmp, entry));
  });
  const dir = path.join(work, 'hello-world');

  const created = await ctl(['plugins', 'new', 'hello-world', '--dir', dir]);
  t.is(created.code, 0, created.stderr);
  t.true(created.stdout.startsWith(`created ${dir}: index.ts, index.test.js, package.json, tsconfig.json, README.md\n`));
  t.true(created.stdout.includes(`"plugins": { "hello-world": { "module": ${JSON.stringify(dir)} } }`));
  t.regex(created.stdout, /ctl start --watch/);
  t.regex(created.stdout, /ctl rpc hello-world\.greet/);
  t.deepEqual(fs.readdirSync(dir).sort(), ['README.md', 'index.test.js', 'index.ts', 'package.json', 'tsconfig.json']);
  type Pkg = { type: string; scripts: Record<string, string> } & Partial<Record<'dependencies' | 'devDependencies' | 'peerDependencies', Record<string, string>>>;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as Pkg;
  t.is(pkg.type, 'module');
  t.is(pkg.scripts['test'], 'node --test');
  // agentd does not check types when it loads the plugin: the plugin's own test does, first.
  t.is(pkg.scripts['pretest'], 'tsc');
  // The registry's `agentd` is an unrelated package: the plugin links the agentd that made it.
  t.is(pkg.devDependencies?.['agentd'], `file:${ROOT}`);
  t.is(pkg.dependencies?.['agentd'], undefined);
  t.is(pkg.peerDependencies?.['agentd'], undefined);

  npmInstall(dir);
  const tested = await run(process.execPath, ['--test'], { cwd: dir, env: { TMPDIR: tmp } });
  t.is(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
  t.regex(tested.stdout, /^# pass 1$/m);
  t.regex(tested.stdout, /^# fail 0$/m);
  t.deepEqual(fs.readdirSync(tmp).filter((e) => e.startsWith('agentd-')), [], 'the test stopped its agentd and removed its home'); // (tsx keeps a cache there)

  const typecheck = await run(process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { cwd: dir });
  t.is(typecheck.code, 0, typecheck.stdout);
});

test('ctl plugins new refuses bad and reserved names, and a directory that is not empty', async (t) => {
  const work = tempDir(t, 'pn');
  const invalid = await ctl(['plugins', 'new', 'Hello_World', '--dir', path.join(work, 'a')]);
  t.is(invalid.code, 1);
  t.is(invalid.stderr, 'ctl: plugin name "Hello_World" is invalid: use lowercase letters, digits and dashes, starting with a letter\n');
  const reserved = await ctl(['plugins', 'new', 'daemon', '--dir', path.join(work, 'b')]);
  t.is(reserved.code, 1);
  t.regex(reserved.stderr, /plugin name "daemon" is reserved/);
  t.false(fs.existsSync(path.join(work, 'a')) || fs.existsSync(path.join(work, 'b')));

  fs.mkdirSync(path.join(work, 'taken'));
  fs.writeFileSync(path.join(work, 'taken', 'keep.txt'), 'mine');
  const taken = await ctl(['plugins', 'new', 'ok', '--dir', path.join(work, 'taken')]);
  t.is(taken.code, 1);
  t.is(taken.stderr, `ctl: ${path.join(work, 'taken')} already exists; it is not empty: choose another --dir, or remove it first\n`);
  t.deepEqual(fs.readdirSync(path.join(work, 'taken')), ['keep.txt']);

  fs.mkdirSync(path.join(work, 'empty'));
  const json = await ctl(['plugins', 'new', 'ok', '--dir', path.join(work, 'empty'), '--json']);
  t.is(json.code, 0, json.stderr);
  t.like(JSON.parse(json.stdout), { name: 'ok', dir: path.join(work, 'empty') });
});
