import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { ConfigSchema as ImageServerConfig, defaults as imageServerDefaults } from '../../plugins/image-server/config.js';
import { configJsonSchema, configSchemaFile, DURATION_PATTERN, SIZE_PATTERN } from '../../src/config/json-schema.js';
import { validateConfig } from '../../src/config/load.js';
import { parseDuration, parseSize } from '../../src/config/units.js';
import { BUNDLED_IMAGE_SERVER } from '../../src/package-info.js';
import { deepMerge } from '../../src/plugin-host/plugin-config.js';
import { ROOT } from '../helpers/daemon.js';
import { validate } from './mini-json-schema.js';

const schema = configJsonSchema({ 'image-server': ImageServerConfig }) as Record<string, unknown>;
const IMAGES = path.join(ROOT, 'plugins', 'image-server', 'images');

/**
 * What agentd itself says of a config: the core's validation (start, reload), then, for the
 * bundled image server, its own schema over its defaults, as its plugin host checks it.
 */
function agentdAccepts(raw: unknown): boolean {
  let plugins: ReturnType<typeof validateConfig>['plugins'];
  try {
    plugins = validateConfig(raw, '/x/agentd.config.json', '/x').plugins;
  } catch {
    return false;
  }
  return plugins.every((p) => p.name !== 'image-server'
    || v.safeParse(ImageServerConfig, deepMerge(imageServerDefaults as unknown as Record<string, unknown>, p.entry.config as Record<string, unknown>)).success);
}

const image = (config: unknown) => ({ plugins: { 'image-server': { module: BUNDLED_IMAGE_SERVER, config } } });
const plugin = (entry: Record<string, unknown>, name = 'my-plugin') => ({ plugins: { [name]: { module: './my-plugin.ts', ...entry } } });

const GOOD: unknown[] = [
  {},
  { $schema: './node_modules/agentd/schema/agentd.config.schema.json' },
  { logs: { maxSize: '10MB', keep: 0, compress: true, level: 'debug' } },
  { logs: { maxSize: null } }, { logs: { maxSize: 4096 } }, { logs: { maxSize: ' 1.5 GiB ' } }, { logs: { maxSize: '64k' } },
  { logs: { maxSize: '4096' } }, { logs: { maxSize: '10mb' } }, { logs: { maxSize: '4KiB' } }, { logs: { keep: 1000 } },
  { rpc: { idleTimeout: '10m', maxLineBytes: '1MiB', maxConnections: 1, maxBufferedBytes: 65_536 } },
  { rpc: { idleTimeout: 1000 } }, { rpc: { idleTimeout: 1000.5 } }, { rpc: { idleTimeout: '1000ms' } }, { rpc: { idleTimeout: '1.5s' } },
  { rpc: { idleTimeout: '2H' } }, { rpc: { idleTimeout: '1d' } }, { rpc: { idleTimeout: ' 3 s ' } }, { rpc: { maxConnections: 100_000 } },
  plugin({}),
  plugin({}, 'a'), plugin({}, `a${'b'.repeat(62)}`), plugin({}, 'x-1-y'),
  plugin({
    config: { anything: [1, { deep: true }] }, enabled: false, restart: 'always', instances: 64, watch: true, watchDebounce: 0,
    backoff: { initial: '1s', factor: 1, max: '5m', jitter: 0, resetAfter: 10_000 }, crashLoop: { restarts: 1, window: '1h' },
    startTimeout: '30s', stopTimeout: 5000, memoryLimit: '512MiB', healthCheck: { interval: '5s', timeout: '1s', failures: 100 },
    env: { NODE_ENV: 'production' },
  }),
  plugin({ memoryLimit: null }), plugin({ restart: 'never', module: 'some-package' }), plugin({ umask: '022' }), plugin({ umask: '0002' }),
  { plugins: { one: { module: './a.ts' }, two: { module: './b.ts' } } },
  image({}), image({ port: 8080, host: '0.0.0.0' }), image({ root: IMAGES, index: true, accessLog: true, cacheControl: '' }),
  image({ thumbnails: { formats: ['webp'], maxWidth: 16_384 } }), image({ limits: { drainTimeout: 1 } }),
  image({ cache: { maxBytes: 64 * 1024 * 1024, statTtl: 0 } }),
];

const BAD: unknown[] = [
  [], 'config', null, 42,
  { unknown: 1 }, { $schema: 1 },
  { logs: { maxSize: '10 parsecs' } }, { logs: { maxSize: -1 } }, { logs: { maxSize: 1.5 } }, { logs: { maxSize: '10 MB B' } },
  { logs: { maxSize: '' } }, { logs: { maxSize: 'MB' } }, { logs: { maxSize: '-1MB' } }, { logs: { maxSize: '1e3' } },
  { logs: { keep: 1001 } }, { logs: { keep: 1.5 } }, { logs: { level: 'trace' } }, { logs: { compress: 'yes' } }, { logs: { extra: true } },
  { rpc: { idleTimeout: '10 minutes' } }, { rpc: { idleTimeout: -5 } }, { rpc: { idleTimeout: '5w' } }, { rpc: { idleTimeout: '.5s' } },
  { rpc: { idleTimeout: true } }, { rpc: { idleTimeout: 0 } }, { rpc: { idleTimeout: 999 } }, { rpc: { maxLineBytes: 0 } },
  { rpc: { maxBufferedBytes: 0 } }, { logs: { maxSize: 0 } }, { logs: { maxSize: 1024 } }, plugin({ memoryLimit: 0 }),
  plugin({ healthCheck: { interval: 0 } }), { rpc: { maxConnections: 0 } }, { rpc: { maxConnections: 100_001 } }, { rpc: { other: 1 } },
  plugin({}, 'Bad'), plugin({}, 'rpc'), plugin({}, 'agentd'), plugin({}, 'daemon'), plugin({}, '-x'), plugin({}, 'a_b'), plugin({}, '1a'),
  plugin({}, `a${'b'.repeat(63)}`), plugin({}, ''),
  { plugins: { p: {} } }, plugin({ module: '' }), plugin({ module: 7 }), plugin({ restart: 'sometimes' }), plugin({ instances: 0 }),
  plugin({ instances: 65 }), plugin({ instances: 1.5 }), plugin({ backoff: { factor: 0.5 } }), plugin({ backoff: { unknown: 1 } }),
  plugin({ backoff: { jitter: 1.5 } }), plugin({ env: { A: 1 } }), plugin({ env: { A: 'a\0b' } }), plugin({ env: { 'A=B': 'x' } }),
  plugin({ env: { '': 'x' } }), plugin({ env: { 'A\0': 'x' } }), plugin({ config: 'text' }), plugin({ memoryLimit: 'lots' }),
  plugin({ enabled: 'no' }), plugin({ crashLoop: { restarts: 0 } }), plugin({ healthCheck: { failures: 0 } }), plugin({ startTimeout: '1 sec' }),
  plugin({ extra: 1 }), plugin({ umask: '999' }), plugin({ umask: 22 }), plugin({ umask: '22' }),
  image({ port: 70_000 }), image({ port: '80' }), image({ host: '' }), image({ nope: 1 }), image({ thumbnails: { formats: [] } }),
  image({ thumbnails: { formats: ['bmp'] } }), image({ cache: { extra: 1 } }), image({ limits: { drainTimeout: 0 } }), image(['x']),
  image({ index: 'yes' }), image({ thumbnails: { enabled: 1 } }),
];

/**
 * An array where an object goes: valibot's object and record schemas take `[]` as `{}`, so agentd
 * accepts these today (`"plugins": []` runs no plugins, silently). The JSON Schema says what is
 * meant, an object, and an editor flags them.
 */
// An array where an object belongs: both refuse it (agentd checks it before valibot, which would not).
BAD.push({ logs: [] }, { rpc: [] }, { plugins: [] }, plugin({ config: [] }), plugin({ backoff: [] }), plugin({ env: [] }));

/** Rules JSON Schema cannot state: the schema accepts these, and agentd's own checks refuse them. */
const BEYOND_JSON_SCHEMA: Array<[string, unknown]> = [
  ['image-server root must be an existing directory', image({ root: '/nonexistent/agentd-images' })],
  ['image-server cache.maxFileBytes <= cache.maxBytes', image({ cache: { maxBytes: 1000 } })],
  ['image-server limits.maxUrlBytes < limits.maxHeaderBytes', image({ limits: { maxUrlBytes: 20_000 } })],
  // A minimum holds for numbers in the schema; a string's value is known only once its unit is read.
  ['logs.maxSize at least 4 KiB, as a string', { logs: { maxSize: '1KB' } }],
  ['rpc.idleTimeout at least 1s, as a string', { rpc: { idleTimeout: '250ms' } }],
  ['rpc.maxLineBytes at least 4 KiB, as a string', { rpc: { maxLineBytes: '0' } }],
];

test('the JSON Schema accepts what agentd accepts, and rejects what it rejects', (t) => {
  for (const config of GOOD) {
    t.true(agentdAccepts(config), `agentd accepts ${JSON.stringify(config)}`);
    t.deepEqual(validate(schema, config), [], `the schema accepts ${JSON.stringify(config)}`);
  }
  for (const config of BAD) {
    t.false(agentdAccepts(config), `agentd rejects ${JSON.stringify(config)}`);
    t.not(validate(schema, config).length, 0, `the schema rejects ${JSON.stringify(config)}`);
  }
});

test('what the JSON Schema cannot say is still refused by agentd', (t) => {
  for (const [rule, config] of BEYOND_JSON_SCHEMA) {
    t.deepEqual(validate(schema, config), [], rule);
    t.false(agentdAccepts(config), rule);
  }
});

test('the duration and size patterns agree with the parsers, for any such string', (t) => {
  const units = ['', 'ms', 's', 'm', 'h', 'd', 'w', 'b', 'k', 'kb', 'kib', 'mb', 'mib', 'g', 'gb', 'gib', 'tb', 'x', 'sec', 'min'];
  const anyCase = (s: string) => fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((up) => [...s].map((c, i) => (up[i] ? c.toUpperCase() : c)).join(''));
  const space = fc.constantFrom('', ' ', '  ', '\t', '\n');
  const quantity = fc.tuple(fc.stringMatching(/^\d{0,4}$/), fc.option(fc.stringMatching(/^\.\d{0,3}$/), { nil: '' })).map(([a, b]) => a + b);
  const text = fc.tuple(space, quantity, space, fc.constantFrom(...units).chain(anyCase), space).map((parts) => parts.join(''));
  const duration = new RegExp(DURATION_PATTERN, 'u');
  const size = new RegExp(SIZE_PATTERN, 'u');
  fc.assert(fc.property(fc.oneof(text, fc.string()), (s) => {
    t.is(duration.test(s), parseDuration(s) !== null, `duration ${JSON.stringify(s)}`);
    t.is(size.test(s), parseSize(s) !== null, `size ${JSON.stringify(s)}`);
  }), { numRuns: 2000 });
});

test('schema/agentd.config.schema.json is the generated schema (run `npm run docs` after changing the config schema)', (t) => {
  t.is(fs.readFileSync(path.join(ROOT, 'schema', 'agentd.config.schema.json'), 'utf8'), configSchemaFile({ 'image-server': ImageServerConfig }));
});
