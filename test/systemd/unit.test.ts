import test, { type ExecutionContext } from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/package-info.js';
import { quoteArg, readyTimeoutSec, renderUnit, rollTimeoutMs, startTimeoutSec, stopTimeoutSec, unitPath, type UnitOptions } from '../../src/systemd/unit.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon, fixture, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { isGone, waitUntil } from '../helpers/proc.js';

const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

function tempDir(t: ExecutionContext): string {
  const dir = makeTempHome('unit');
  t.teardown(() => removeTempHome(dir));
  return dir;
}

const base = (over: Partial<UnitOptions> = {}): UnitOptions => ({
  mode: 'notify',
  user: false,
  node: process.execPath,
  bin: path.join(PACKAGE_ROOT, 'bin', 'run.js'),
  home: '/var/lib/agentd',
  pluginStopTimeoutMs: 5000,
  pluginStartTimeoutMs: 10_000,
  version: '0.1.0',
  ...over,
});

/**
 * `systemd-analyze verify` on the unit, as agentd.service. It exits 0 even for settings it
 * ignores ("Failed to parse …, ignoring"), so any line it prints about our file is a failure too.
 */
function verify(t: ExecutionContext, unit: string, user: boolean): void {
  if (!fs.existsSync(SYSTEMD_ANALYZE)) {
    t.log(`NOT VERIFIED: ${SYSTEMD_ANALYZE} is not installed here`);
    return;
  }
  const dir = tempDir(t);
  const file = path.join(dir, 'agentd.service');
  fs.writeFileSync(file, unit);
  // The user manager wants a runtime directory; a private one will do.
  const env = user ? { ...process.env, XDG_RUNTIME_DIR: dir } : process.env;
  const run = spawnSync(SYSTEMD_ANALYZE, [...(user ? ['--user'] : []), 'verify', file], { encoding: 'utf8', env });
  if (run.error) throw new Error(`${SYSTEMD_ANALYZE} cannot run here: ${run.error.message}`);
  const ours = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.includes(file) || l.includes('agentd.service'));
  t.is(run.status, 0, `systemd-analyze verify: ${run.stderr}`);
  t.deepEqual(ours, [], 'no warnings about the unit');
}

test('notify unit: Type=notify, ctl start --foreground, NotifyAccess=all, KillMode=mixed; systemd-analyze verify accepts it', (t) => {
  const unit = renderUnit(base({ config: '/etc/agentd/agentd.config.json', watchdogSec: 30 }));
  const lines = unit.split('\n');
  for (const l of ['Type=notify', 'NotifyAccess=all', 'KillMode=mixed', 'Restart=on-failure', 'RestartPreventExitStatus=78', 'TimeoutStopSec=30', 'WatchdogSec=30', 'WantedBy=multi-user.target']) {
    t.true(lines.includes(l), l);
  }
  t.true(lines.includes(`ExecStart=${process.execPath} ${path.join(PACKAGE_ROOT, 'bin', 'run.js')} start --foreground --home /var/lib/agentd --config /etc/agentd/agentd.config.json`));
  t.true(lines.includes(`ExecReload=${process.execPath} ${path.join(PACKAGE_ROOT, 'bin', 'run.js')} reload --home /var/lib/agentd`));
  t.false(unit.includes('PIDFile='));
  verify(t, unit, false);
});

test('forking unit: Type=forking with the pidfile, ctl start (daemon mode); verified', (t) => {
  const unit = renderUnit(base({ mode: 'forking' }));
  const lines = unit.split('\n');
  t.true(lines.includes('Type=forking'));
  t.true(lines.includes('PIDFile=/var/lib/agentd/agentd.pid'));
  t.true(lines.includes('RestartPreventExitStatus=78'), 'a config that cannot load is not restarted every second');
  t.true(lines.some((l) => l.startsWith('ExecStart=') && l.endsWith(' start --timeout 30s --home /var/lib/agentd')));
  t.false(unit.includes('WatchdogSec='));
  verify(t, unit, false);
});

test('user unit with a home that needs quoting and escaping; verified by the user manager', (t) => {
  const unit = renderUnit(base({ user: true, home: '/tmp/agentd home/100%', watchdogSec: 5 }));
  t.true(unit.split('\n').includes('WantedBy=default.target'));
  t.false(unit.includes('network.target'), 'no ordering after a target the user manager does not have');
  t.true(unit.includes('--home "/tmp/agentd home/100%%"'));
  verify(t, unit, true);
  verify(t, renderUnit(base({ user: true, mode: 'forking', home: '/tmp/agentd home/100%' })), true);
});

test('quoteArg: systemd\'s command-line quoting and specifier escaping', (t) => {
  t.is(quoteArg('/usr/bin/node'), '/usr/bin/node');
  t.is(quoteArg('a b'), '"a b"');
  t.is(quoteArg('50%'), '50%%');
  t.is(quoteArg('$HOME'), '$$HOME');
  t.is(quoteArg('say "hi"\\'), '"say \\"hi\\"\\\\"');
  t.is(quoteArg(''), '""');
  t.throws(() => quoteArg('a\nb'));
});

test('TimeoutStopSec outlasts the longest plugin stopTimeout', (t) => {
  t.is(stopTimeoutSec(5000), 30);
  t.is(stopTimeoutSec(60_000), 75);
  t.is(stopTimeoutSec(60_001), 76);
});

test('TimeoutStartSec outlasts the slowest plugin start, and a reload\'s stop and start of it; ctl start --timeout outlasts the start', (t) => {
  t.is(readyTimeoutSec(10_000), 30);
  t.is(readyTimeoutSec(120_000), 135);
  t.is(startTimeoutSec(10_000, 5000), 90);
  t.is(startTimeoutSec(120_000, 60_000), 195);
  const forking = renderUnit(base({ mode: 'forking', pluginStartTimeoutMs: 120_000, pluginStopTimeoutMs: 60_000 }));
  t.true(forking.split('\n').some((l) => l.startsWith('ExecStart=') && l.endsWith(' start --timeout 135s --home /var/lib/agentd')));
  t.true(forking.includes('\nTimeoutStartSec=195\n'));
  verify(t, forking, false);
});

test('TimeoutStartSec outlasts a reload rolling new settings through every instance of a plugin, and undoing it', (t) => {
  // 4 instances of 10 s start and 5 s stop: 4 × 15 s to roll, 3 × 15 s to put back the first three.
  t.is(rollTimeoutMs(4, 10_000, 5000), 105_000);
  t.is(startTimeoutSec(10_000, 5000, rollTimeoutMs(4, 10_000, 5000)), 120);
  t.is(startTimeoutSec(10_000, 5000, rollTimeoutMs(1, 10_000, 5000)), 90, 'one instance fits in the default');
  t.true(renderUnit(base({ pluginRollTimeoutMs: 105_000 })).includes('\nTimeoutStartSec=120\n'));
});

test('unitPath: /etc/systemd/system, or the user\'s config dir', (t) => {
  t.is(unitPath(false), '/etc/systemd/system/agentd.service');
  t.is(unitPath(true, { HOME: '/home/u' }), '/home/u/.config/systemd/user/agentd.service');
  t.is(unitPath(true, { HOME: '/home/u', XDG_CONFIG_HOME: '/cfg' }), '/cfg/systemd/user/agentd.service');
});

test('ctl service install --user: writes the unit, says how to enable it, keeps a different one without --force', async (t) => {
  const xdg = tempDir(t);
  const home = tempDir(t);
  writeConfig(home, { plugins: { slow: { module: 'some-package', stopTimeout: '60s', startTimeout: '2m' }, wide: { module: 'other-package', instances: 3 } } });
  const env = { XDG_CONFIG_HOME: xdg };
  const file = path.join(xdg, 'systemd', 'user', 'agentd.service');

  const first = await ctl(['service', 'install', '--user', '--home', home], { env });
  t.is(first.code, 0, first.stderr);
  t.is(first.stdout, `wrote ${file}\nthen run:\n  systemctl --user daemon-reload && systemctl --user enable --now agentd\n  loginctl enable-linger "$USER"   # to keep it running while you are logged out\n`);
  const unit = fs.readFileSync(file, 'utf8');
  t.true(unit.includes(`--foreground --home ${home}\n`));
  t.true(unit.includes('TimeoutStopSec=75\n'), 'from the config\'s longest stopTimeout');
  t.true(unit.includes('TimeoutStartSec=195\n'), 'from its longest startTimeout and stopTimeout (wide rolls within 5 × 15 s)');
  t.is((fs.statSync(file).mode & 0o777), 0o644);

  const printed = await ctl(['service', 'install', '--user', '--home', home, '--print'], { env });
  t.is(printed.stdout, unit, '--print shows what install writes');

  const again = await ctl(['service', 'install', '--user', '--home', home], { env });
  t.is(again.code, 0);
  t.regex(again.stdout, /is up to date/);

  const different = await ctl(['service', 'install', '--user', '--home', home, '--watchdog', '20s'], { env });
  t.is(different.code, 1);
  t.is(different.stderr, `ctl: ${file} already exists; it differs from this unit: compare with \`ctl service install --print\`, then add --force to replace it\n`);
  t.is(fs.readFileSync(file, 'utf8'), unit, 'left alone');

  const forced = await ctl(['service', 'install', '--user', '--home', home, '--watchdog', '20s', '--force', '--json'], { env });
  t.is(forced.code, 0, forced.stderr);
  const result = JSON.parse(forced.stdout) as { path: string; written: boolean; unit: string; next: string[] };
  t.like(result, { path: file, written: true });
  t.is(result.next[0], 'systemctl --user daemon-reload && systemctl --user enable agentd && systemctl --user restart agentd', 'a running service is restarted onto the new unit');
  t.true(fs.readFileSync(file, 'utf8').includes('WatchdogSec=20\n'));
  verify(t, result.unit, true);
});

test('ctl service install: a bad --watchdog is a usage error; a broken config is reported', async (t) => {
  const xdg = tempDir(t);
  const home = tempDir(t);
  const bad = await ctl(['service', 'install', '--user', '--print', '--home', home, '--watchdog', 'soon'], { env: { XDG_CONFIG_HOME: xdg } });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--watchdog soon: give a duration/);
  writeConfig(home, '{ not json');
  const broken = await ctl(['service', 'install', '--user', '--print', '--home', home], { env: { XDG_CONFIG_HOME: xdg } });
  t.is(broken.code, 78);
  t.regex(broken.stderr, /^ctl: cannot load config .*agentd\.config\.json: not valid JSON/);
});

/** A unit's command line as systemd splits it: words, "quoted" words with \\ escapes, $$ and %% undone. */
function commandLine(unit: string, setting: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith(`${setting}=`))!.slice(setting.length + 1);
  const words = [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!);
  return words.map((w) => w.replace(/\$\$/g, '$').replace(/%%/g, '%'));
}

test('the unit\'s ExecStart and ExecReload run as systemd runs them: a home with a space; a refused config fails the reload', async (t) => {
  const home = makeTempHome('ad x');
  writeConfig(home, { plugins: { forever: { module: fixture('forever') } } });
  const unit = renderUnit(base({ home }));
  const [exe, ...args] = commandLine(unit, 'ExecStart');
  const main = spawn(exe!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  main.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
  const exited = new Promise<number | null>((resolve) => main.once('exit', resolve));
  t.teardown(async () => {
    await endDaemon(home);
    if (!isGone(main.pid!)) main.kill('SIGKILL');
    await exited;
    removeTempHome(home);
  });
  await waitUntil(() => stdout.includes('"message":"agentd ready"'), 30_000, 'agentd ready on stdout');

  const [reloadExe, ...reloadArgs] = commandLine(unit, 'ExecReload');
  const reload = () => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(reloadExe!, reloadArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.once('close', (code) => resolve({ code, stderr }));
  });
  writeConfig(home, { plugins: { forever: { module: fixture('forever'), restart: 'sometimes' } } });
  const refused = await reload();
  t.is(refused.code, 78, 'systemctl reload reports the refused config (EX_CONFIG)');
  t.regex(refused.stderr, /plugins\.forever\.restart/);
  writeConfig(home, { plugins: {} });
  const applied = await reload();
  t.is(applied.code, 0, applied.stderr);
  await waitUntil(() => stdout.includes('"message":"config reloaded"'), 10_000, 'config reloaded on stdout');

  main.kill('SIGTERM');
  t.is(await exited, 0);
});

test('--run-as: User= on a system unit, whose /var/lib home becomes its StateDirectory= (0700, owned by that user); verified', (t) => {
  const unit = renderUnit(base({ runAs: 'agentd' }));
  const lines = unit.split('\n');
  for (const l of ['User=agentd', 'StateDirectory=agentd', 'StateDirectoryMode=0700']) t.true(lines.includes(l), l);
  verify(t, unit, false);
  t.true(renderUnit(base({ home: '/var/lib/apps/agentd' })).split('\n').includes('StateDirectory=apps/agentd'), 'root\'s too: systemd makes it 0700');
  for (const home of ['/srv/agentd', '/var/lib', '/var/lib/a b', '/var/library']) {
    t.false(renderUnit(base({ home, runAs: 'nobody' })).includes('StateDirectory'), home);
  }
  t.false(renderUnit(base({ user: true, home: '/var/lib/agentd' })).includes('StateDirectory'), 'a user manager\'s StateDirectory is elsewhere');
});

test('ctl service install --run-as: a home outside /var/lib is to be made for that user first; a bad name or --user is a usage error', async (t) => {
  const outside = await ctl(['service', 'install', '--print', '--json', '--run-as', 'nobody', '--home', "/srv/a b'c"]);
  t.is(outside.code, 0, outside.stderr);
  t.deepEqual((JSON.parse(outside.stdout) as { next: string[] }).next, [
    "install -d -m 0700 -o nobody '/srv/a b'\\''c'   # the home must belong to nobody",
    'systemctl daemon-reload && systemctl enable --now agentd',
    "sudo -u nobody AGENTD_HOME='/srv/a b'\\''c' ctl status   # as the user it runs as",
  ]);
  const managed = await ctl(['service', 'install', '--print', '--json', '--run-as', 'nobody', '--home', '/var/lib/agentd']);
  t.is((JSON.parse(managed.stdout) as { next: string[] }).next[0], 'systemctl daemon-reload && systemctl enable --now agentd');
  const bad = await ctl(['service', 'install', '--print', '--run-as', 'x\nExecStartPre=/bin/sh']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^ctl: --run-as "x\\nExecStartPre=\/bin\/sh": give a user name/);
  const user = await ctl(['service', 'install', '--print', '--user', '--run-as', 'nobody']);
  t.is(user.code, 2, user.stderr);
});
