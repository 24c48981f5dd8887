import path from 'node:path';
import test from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { startInHome } from '../helpers/cli.js';

const config = (module: string) => JSON.stringify({ plugins: { web: { module } } });

// A `module` that names nothing is the config's fault: exit 78 (systemd does not restart on it),
// one line naming the plugin, the path tried and what to change, and nothing left running.
for (const [what, files, expected] of [
  ['a relative path to nothing', { 'agentd.config.json': config('./web.ts') },
    (home: string) => `ctl: plugin web: ${home}/web.ts does not exist (nor with .ts, .mts, .tsx, .js, .mjs added); fix plugins.web.module in the config (a relative path starts from the config file's directory)`],
  ['a directory with no entry', { 'agentd.config.json': config('./web'), 'web/README.md': 'soon\n' },
    (home: string) => `ctl: plugin web: directory ${home}/web has no package.json main nor index.ts, index.mts, index.tsx, index.js, index.mjs; add one, or point plugins.web.module at the plugin's entry file`],
  ['a package not installed', { 'agentd.config.json': config('web-plugin') },
    (home: string) => `ctl: plugin web: package web-plugin is not installed in a node_modules in or above ${home}; install it there (npm install), or make plugins.web.module a path starting with ./ or /`],
] as const) {
  test(`a module that is ${what}: one line saying what to fix, exit 78`, async (t) => {
    const { home, started } = await startInHome(t, files);
    t.is(started.stderr.trim(), expected(path.resolve(home)));
    t.is(started.code, 78);
    t.is(lockHolder(homePaths(home).pidfile), 0);
  });
}
