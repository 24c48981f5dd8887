import fs from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { fixture, startTestDaemon, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

/** A config that can never load: systemd must not restart it (RestartPreventExitStatus=78). */
const BAD = { plugins: { forever: { module: fixture('forever'), restart: 'sometimes' } } };

function badHome(t: ExecutionContext): string {
  const h = makeTempHome();
  writeConfig(h, BAD);
  t.teardown(() => {
    const pid = lockHolder(homePaths(h).pidfile);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    removeTempHome(h);
  });
  return h;
}

test('ctl start with a bad config exits 78 (EX_CONFIG) and names the field; nothing is left running', async (t) => {
  const h = badHome(t);
  const r = await ctl(['start', '--home', h]);
  t.is(r.code, 78, r.stderr);
  t.regex(r.stderr, /^ctl: invalid config .*agentd\.config\.json: plugins\.forever\.restart: /);
  t.is(lockHolder(homePaths(h).pidfile), 0);
});

test('ctl start --foreground with a bad config exits 78 from the core itself and names the field', async (t) => {
  const h = badHome(t);
  const r = await ctl(['start', '--foreground', '--home', h], { timeoutMs: 20_000 });
  t.is(r.code, 78, r.stderr);
  t.regex(r.stderr, /agentd: invalid config .*agentd\.config\.json: plugins\.forever\.restart: /);
  t.is(lockHolder(homePaths(h).pidfile), 0);
});

test('ctl start with a config file that does not exist or is not JSON exits 78', async (t) => {
  const h = badHome(t);
  const missing = await ctl(['start', '--home', h, '--config', `${h}/nope.json`]);
  t.is(missing.code, 78, missing.stderr);
  t.regex(missing.stderr, /nope\.json does not exist/);
  fs.writeFileSync(`${h}/agentd.config.json`, '{ "plugins": ');
  const garbage = await ctl(['start', '--home', h]);
  t.is(garbage.code, 78, garbage.stderr);
  t.regex(garbage.stderr, /not valid JSON/);
});

test('ctl reload with a bad config exits 78, names the field, and the daemon keeps running', async (t) => {
  const d = await startTestDaemon(t, { config: { plugins: {} } });
  writeConfig(d.home, BAD);
  const r = await ctl(['reload', '--home', d.home]);
  t.is(r.code, 78, r.stderr);
  t.regex(r.stderr, /^ctl: invalid config .*agentd\.config\.json: plugins\.forever\.restart: /);
  t.is(lockHolder(d.paths.pidfile), d.pid, 'the same core still holds the lock');
  t.is((await ctl(['status', '--home', d.home])).code, 0);
});
