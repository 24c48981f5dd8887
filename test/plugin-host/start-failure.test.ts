import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { startDaemon } from '../../src/cli/daemon-control.js';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { fixture, writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

test('a start that throws leaves its stack in the plugin log, even when it ends the daemon\'s start', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'crash-on-start': { module: fixture('crash-on-start') } } });
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.regex(err!.message, /^plugin crash-on-start: start failed: crash-on-start: deliberate failure \(at \/.*\/crash-on-start\.ts:8:\d+\)$/);
  t.is(lockHolder(homePaths(home).pidfile), 0, 'the daemon is gone');
  const messages = fs.readFileSync(path.join(homePaths(home).logsDir, 'crash-on-start.log'), 'utf8')
    .split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
  t.is(messages[0], 'start failed: Error: crash-on-start: deliberate failure');
  t.regex(messages[1] ?? '', /^ {4}at .*crash-on-start\.ts:8:/, 'the line that threw');
  t.deepEqual(messages.filter((m) => /plugin-host|node:/.test(m)), [], 'no frames of agentd or Node');
});

test('a process.exit() in start says where it was called, in the plugin log', async (t) => {
  const home = tempHome(t);
  writeConfig(home, { plugins: { 'exit-in-start': { module: fixture('exit-in-start') } } });
  const err = await t.throwsAsync(startDaemon({ home, timeoutMs: 60_000 }));
  t.is(err!.message, 'plugin exit-in-start exited during start-up (with code 0); see `ctl logs exit-in-start`');
  const messages = fs.readFileSync(path.join(homePaths(home).logsDir, 'exit-in-start.log'), 'utf8')
    .split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { message: string }).message);
  t.is(messages.length, 1, messages.join('\n'));
  t.regex(messages[0]!, /^process\.exit\(0\) called by the plugin \(at .*exit-in-start\.ts:8:\d+\)$/);
});
