/**
 * The files of a new plugin (`ctl plugins new NAME`): a TypeScript plugin that loads with no build
 * step, its test against a real agentd (node:test, no test framework to install), a package.json
 * and a README. Each template is a function of the plugin's name, the agentd to link and the
 * versions to depend on.
 */
export interface TemplateInput {
  name: string;
  /**
   * The root of the agentd installation that scaffolds the plugin, depended on as `file:<root>`.
   * The registry's `agentd` is somebody else's package: a range would install it, or fail.
   */
  agentdRoot: string;
  /** The ranges agentd itself uses for valibot, typescript and @types/node. */
  ranges: { valibot: string; typescript: string; typesNode: string };
}

export function pluginFiles(input: TemplateInput): Record<string, string> {
  return {
    'index.ts': indexTs(input),
    'index.test.js': testJs(input),
    'package.json': packageJson(input),
    'tsconfig.json': tsconfigJson(),
    'README.md': readme(input),
  };
}

function indexTs({ name }: TemplateInput): string {
  return `import http from 'node:http';
import { definePlugin } from 'agentd';
import * as v from 'valibot';

/**
 * The settings: the config file's \`plugins.${name}.config\` is deep-merged over \`defaults\` below,
 * then checked by this schema. A bad value refuses the start (or the reload) with its path, e.g.
 * \`plugins.${name}.config.port: Invalid value\`.
 */
const Config = v.strictObject({
  host: v.pipe(v.string(), v.minLength(1)),
  port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535)),
  greeting: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
});
type Config = v.InferOutput<typeof Config>;

export default definePlugin<Config>({
  name: '${name}',
  defaults: { host: '127.0.0.1', port: 8080, greeting: 'hello' },
  schema: Config,

  // Runs in a process of its own, within the plugin's startTimeout; the plugin is "running" once
  // this resolves. Whatever it starts, the function it returns must stop.
  async start(ctx) {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(\`\${ctx.config.greeting}\\n\`);
    });
    // The core opens the listening socket and keeps it: a restart never refuses a connection.
    const address = await ctx.listen(server, { host: ctx.config.host, port: ctx.config.port });
    ctx.log.info(\`listening on http://\${ctx.config.host}:\${address.port}\`); // -> logs/${name}.log

    // On the control socket as ${name}.greet: \`ctl rpc ${name}.greet '{"name":"you"}'\`. The params
    // schema is enforced before the handler runs: \`'{"name":5}'\` is refused with -32602.
    ctx.rpc('greet', (params: { name?: string }) => ({ message: \`\${ctx.config.greeting}, \${params.name ?? 'world'}!\` }), {
      summary: 'Greet someone by name.',
      params: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false },
      // What it returns, for callers: listed by \`ctl rpc rpc.methods\` and \`ctl rpc --schema\` (not checked).
      result: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    });
    ctx.rpc('stats', () => ({ requests, port: address.port }), {
      summary: 'Requests served, and the port.',
      result: {
        type: 'object',
        properties: { requests: { type: 'integer', minimum: 0 }, port: { type: 'integer', minimum: 0, maximum: 65_535 } },
        required: ['requests', 'port'],
      },
    });
    ctx.health(() => server.listening || 'not listening');

    // The graceful stop, within the plugin's stopTimeout (then SIGKILL): finish what is in flight.
    return () => new Promise<void>((resolve) => {
      ctx.log.info('stopping', { requests });
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  },
});
`;
}

function testJs({ name }: TemplateInput): string {
  return `// Starts a real agentd with this plugin in a throwaway home, calls it, stops it: \`npm test\`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect } from 'agentd/client';

const pluginDir = path.dirname(fileURLToPath(import.meta.url));
// The installed agentd's \`ctl\` (what node_modules/.bin/ctl runs).
const ctlPath = path.join(path.dirname(createRequire(import.meta.url).resolve('agentd/package.json')), 'bin', 'run.js');

function ctl(...args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [ctlPath, ...args], (error, stdout, stderr) => {
      if (error) reject(new Error(\`ctl \${args.join(' ')}: \${stderr.trim() || error.message}\`));
      else resolve(stdout);
    });
  });
}

test('${name} runs under agentd and answers ${name}.greet', async (t) => {
  // A short private home: the control socket's path must stay under ~100 bytes.
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-'));
  const config = path.join(home, 'agentd.config.json');
  fs.writeFileSync(config, JSON.stringify({ plugins: { '${name}': { module: pluginDir, config: { port: 0 } } } }));
  let client;
  t.after(async () => {
    client?.close();
    await ctl('stop', '--home', home);
    fs.rmSync(home, { recursive: true, force: true });
  });

  await ctl('start', '--home', home, '--config', config); // returns once the plugin is running
  client = await connect({ home });
  const { message } = await client.call('${name}.greet', { name: 'test' });
  assert.equal(message, 'hello, test!');

  // The declared params schema is enforced: the handler never sees these.
  await assert.rejects(client.call('${name}.greet', { name: 5 }), /params\.name: must be a string/);

  const { port } = await client.call('${name}.stats');
  const response = await fetch(\`http://127.0.0.1:\${port}/\`);
  assert.equal(await response.text(), 'hello\\n');
  assert.equal((await client.call('${name}.stats')).requests, 1);
});
`;
}

function packageJson({ name, agentdRoot, ranges }: TemplateInput): string {
  const pkg = {
    name: `agentd-plugin-${name}`,
    version: '0.1.0',
    private: true,
    description: `${name}: an agentd plugin`,
    type: 'module',
    main: 'index.ts',
    // agentd strips types without checking them (esbuild): the test is where a type error shows.
    scripts: { pretest: 'tsc', test: 'node --test', typecheck: 'tsc' },
    dependencies: { valibot: ranges.valibot },
    // npm links a directory dependency (node_modules/agentd -> agentdRoot). No peerDependency: npm
    // would resolve it from the registry wherever this package is installed as a dependency.
    devDependencies: { agentd: `file:${agentdRoot}`, '@types/node': ranges.typesNode, typescript: ranges.typescript },
    // agentd is built already where it lives: its install scripts (node-gyp, tsc) must not run
    // there again. npm keys a linked directory by its spec, and then installs without a warning.
    allowScripts: { [`file:${agentdRoot}`]: false },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** For editors, `npm test` and `npm run typecheck`; agentd itself loads index.ts as is. */
function tsconfigJson(): string {
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['*.ts'],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

function readme({ name, agentdRoot }: TemplateInput): string {
  return `# ${name}

An agentd plugin: a small HTTP server with a
\`${name}.greet\` method on agentd's control socket.

## Run it

Add it to your \`agentd.config.json\` (a relative \`module\` is relative to that file):

\`\`\`json
{ "plugins": { "${name}": { "module": "./${name}", "config": { "port": 8080 } } } }
\`\`\`

\`\`\`sh
ctl start --watch                  # restarts the plugin whenever you save a file
ctl rpc ${name}.greet '{"name":"you"}'
ctl logs ${name} -f
\`\`\`

## Settings

| setting | default | |
| --- | --- | --- |
| \`host\` | \`"127.0.0.1"\` | address to listen on |
| \`port\` | \`8080\` | TCP port; 0 picks a free one |
| \`greeting\` | \`"hello"\` | what it answers |

## Test

\`\`\`sh
npm install         # links agentd (${agentdRoot}), installs valibot and typescript
npm test            # type-checks, then starts a real agentd with this plugin, calls it, stops it
npm run typecheck   # the type check alone: agentd runs index.ts without checking its types
\`\`\`
`;
}
