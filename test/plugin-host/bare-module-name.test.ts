import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startTestDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

// The README: a `module` is a package name only when it names no file beside the config, and the
// host tries the same extensions for a path (.ts, .mts, .tsx, .js, .mjs), so both agree on which.
test('a bare module name that is a .mjs or .mts file beside the config loads that file, not a package', async (t) => {
  const home = tempHome(t);
  for (const [file, name] of [['hello.mjs', 'hello'], ['tool.mts', 'tool']] as const) {
    fs.writeFileSync(path.join(home, file), `import { definePlugin } from 'agentd';\nexport default definePlugin({ name: '${name}', async start(ctx) { ctx.rpc('file', () => '${file}'); } });\n`);
  }
  const daemon = await startTestDaemon(t, { home, config: { plugins: { hello: { module: 'hello' }, tool: { module: 'tool' } } } });
  const client = await daemon.client();
  t.deepEqual([await client.call('hello.file'), await client.call('tool.file')], ['hello.mjs', 'tool.mts']);
});
