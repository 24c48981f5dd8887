import test from 'ava';
import { homePaths } from '../../src/home/index.js';
import { lockHolder } from '../../src/native/addon.js';
import { ctl } from '../helpers/cli.js';
import { writeConfig } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

// Each is refused while its arguments are parsed, before any connection: no daemon is needed.
const CASES: Array<[args: string[], stderr: string]> = [
  [['plugins', 'scale', 'image-server', '0'], 'ctl: INSTANCES: expected an integer greater than or equal to 1 but received: 0; see `ctl plugins scale --help`'],
  [['plugins', 'scale', 'image-server', 'abc'], 'ctl: INSTANCES: expected an integer but received: abc; see `ctl plugins scale --help`'],
  [['plugins', 'scale', 'image-server', '100000'], 'ctl: INSTANCES: expected an integer less than or equal to 64 but received: 100000; see `ctl plugins scale --help`'],
  [['logs', '-n', 'abc'], 'ctl: --lines: expected an integer but received: abc; see `ctl logs --help`'],
  [['logs', '-n', '-5'], 'ctl: --lines: expected an integer greater than or equal to 0 but received: -5; see `ctl logs --help`'],
  [['logs', '-n'], 'ctl: flag --lines expects a value; see `ctl logs --help`'],
  [['plugins', 'start'], 'ctl: missing NAME (plugin name); see `ctl plugins start --help`'],
  [['plugins', 'start', 'a', 'b'], 'ctl: unexpected argument: b; see `ctl plugins start --help`'],
  [['status', '--bogus'], 'ctl: nonexistent flag: --bogus; see `ctl status --help`'],
  [['nosuch'], 'ctl: unknown command "nosuch"; see `ctl help` for the commands'],
  [['plugins', 'lst'], 'ctl: unknown command "plugins lst"; did you mean `ctl plugins list`? (`ctl help plugins` lists the commands)'],
  [['plugins', 'frobnicate'], 'ctl: unknown command "plugins frobnicate"; see `ctl help plugins` for the commands'],
  [['stauts'], 'ctl: unknown command "stauts"; did you mean `ctl status`? (`ctl help` lists the commands)'],
  [['plugin'], 'ctl: unknown command "plugin"; did you mean `ctl plugins`? (`ctl help` lists the commands)'],
  [['status', '--jsn'], 'ctl: nonexistent flag: --jsn (did you mean --json?); see `ctl status --help`'],
  [['stop', '--timout', '5s'], 'ctl: nonexistent flag: --timout (did you mean --timeout?); see `ctl stop --help`'],
  [['logs', '--folow'], 'ctl: nonexistent flag: --folow (did you mean --follow?); see `ctl logs --help`'],
  [['stop', '--timeout', 'soon'], 'ctl: --timeout soon: give a duration of at least 1ms, such as "10s" (a bare number is ms)'],
  [['stop', '--timeout', '0s'], 'ctl: --timeout 0s: give a duration of at least 1ms, such as "10s" (a bare number is ms)'],
  [['start', '--timeout', '0'], 'ctl: --timeout 0: give a duration of at least 1ms, such as "10s" (a bare number is ms)'],
  // oclif lists a broken flag relationship under a heading, with "=true" after a boolean flag.
  [['service', 'install', '--user', '--run-as', 'agentd', '--print'], 'ctl: --run-as and --user cannot be given together: use one; see `ctl service install --help`'],
];

test('a duration flag takes a bare number as ms, as the config does', async (t) => {
  const home = tempHome(t);
  const r = await ctl(['stop', '--timeout', '5000', '--home', home]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /not running/);
});

for (const [args, stderr] of CASES) {
  test(`ctl ${args.join(' ')}: a usage error, exit 2, one line`, async (t) => {
    const home = tempHome(t);
    const r = await ctl([...args, '--home', home]);
    t.is(r.code, 2, r.stderr);
    t.is(r.stderr, `${stderr}\n`);
    t.is(r.stdout, '');
  });
}

// The autocomplete plugin's command is not ours: its refusals once came as oclif's two-line
// " ›   Error:" block, with no JSON under --json. It takes no --home, so none is given.
test('ctl autocomplete fish: a usage error, exit 2, one line, and a JSON error under --json', async (t) => {
  const r = await ctl(['autocomplete', 'fish']);
  t.is(r.code, 2, r.stderr);
  t.is(r.stderr, 'ctl: expected fish to be one of: zsh, bash, powershell; see `ctl autocomplete --help`\n');
  t.is(r.stdout, '');
  const json = await ctl(['autocomplete', 'fish', '--json']);
  t.is(json.code, 2, json.stderr);
  t.is(JSON.parse(json.stdout).error.code, 'E_USAGE');
});

test('ctl start --foreground --timeout is refused (it was once silently ignored): exit 2, nothing started', async (t) => {
  const home = tempHome(t);
  // Registered after tempHome's, so it runs first: a core this started is gone before its home.
  t.teardown(() => {
    const pid = lockHolder(homePaths(home).pidfile);
    if (pid > 0) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  });
  // No plugins: should --timeout be ignored again, the core it starts binds no port.
  writeConfig(home, { plugins: {} });
  const r = await ctl(['start', '--foreground', '--timeout', '5s', '--home', home], { timeoutMs: 15_000 });
  t.is(r.code, 2, r.stderr);
  t.is(r.stderr, 'ctl: --timeout applies to the daemon mode only: with --foreground the service manager bounds the start (systemd: TimeoutStartSec=), and each plugin its startTimeout; drop --timeout\n');
  t.is(lockHolder(homePaths(home).pidfile), 0);
});

test('under --json a parse error is an E_USAGE object on stdout, exit 2', async (t) => {
  const home = tempHome(t);
  const r = await ctl(['plugins', 'scale', 'image-server', 'two', '--json', '--home', home]);
  t.is(r.code, 2, r.stderr);
  t.like(JSON.parse(r.stdout), { error: { code: 'E_USAGE', message: 'INSTANCES: expected an integer but received: two; see `ctl plugins scale --help`' } });
});
