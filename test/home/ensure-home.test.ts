import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import type { ExecutionContext } from 'ava';
import { ensureHome, homePaths, resolveHome } from '../../src/home/index.js';
import { ctl } from '../helpers/cli.js';
import { endDaemon } from '../helpers/daemon.js';
import { tempHome } from '../helpers/home.js';

/**
 * A config outside the home with no plugins (a start that wrongly goes ahead must not take the
 * demo's port), and a teardown that ends whatever such a start left holding `dirs`' locks.
 */
function guard(t: ExecutionContext, dirs: string[]): string {
  const config = path.join(tempHome(t), 'c.json');
  fs.writeFileSync(config, '{"plugins":{}}');
  t.teardown(async () => { for (const d of dirs) if (fs.existsSync(homePaths(d).pidfile)) await endDaemon(d); });
  return config;
}

test('a home agentd creates is made 0700, parents included', (t) => {
  const home = path.join(tempHome(t), 'a', 'b');
  ensureHome(home);
  t.is(fs.statSync(home).mode & 0o777, 0o700);
});

test('an existing 0700 home is accepted as it is', (t) => {
  const home = tempHome(t);
  ensureHome(home);
  t.is(fs.statSync(home).mode & 0o777, 0o700);
});

test('an existing home readable by group or others is refused, not chmodded, with the fix', (t) => {
  for (const mode of [0o755, 0o750, 0o705]) {
    const home = path.join(tempHome(t), 'h');
    fs.mkdirSync(home);
    fs.chmodSync(home, mode);
    const err = t.throws(() => ensureHome(home));
    t.is((err as { code?: string }).code, 'E_HOME_UNSAFE');
    t.true(err!.message.includes(`\`chmod 700 ${home}\``), err!.message);
    t.is(fs.statSync(home).mode & 0o777, mode, 'the mode is left alone');
  }
});

test('a home that is a file is refused', (t) => {
  const home = path.join(tempHome(t), 'f');
  fs.writeFileSync(home, '');
  const err = t.throws(() => ensureHome(home));
  t.is((err as { code?: string }).code, 'E_HOME_UNSAFE');
});

test('a home that cannot be created (under /proc) is refused at once, not retried for ever', async (t) => {
  // In a child process with a deadline: Node 20's recursive mkdir spins there without end.
  const home = `/proc/agentd-test-${process.pid}/h`;
  const r = await ctl(['start', '--home', home, '--config', guard(t, [])], { timeoutMs: 20_000 });
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /it cannot be created \(ENOENT\)/);
});

test('an empty --home or AGENTD_HOME is a usage error, not the current directory', (t) => {
  t.is((t.throws(() => resolveHome('', {})) as { code?: string }).code, 'E_USAGE');
  t.is((t.throws(() => resolveHome(undefined, { AGENTD_HOME: '' })) as { code?: string }).code, 'E_USAGE');
});

test('ctl start on an existing 0755 directory refuses it and writes nothing there', async (t) => {
  const home = path.join(tempHome(t), 'd');
  fs.mkdirSync(home);
  fs.chmodSync(home, 0o755);
  const config = guard(t, [home]);
  const r = await ctl(['start', '--home', home, '--config', config]);
  t.is(r.code, 1, r.stdout);
  t.is(r.stderr.trim(), `ctl: home ${home} is unsafe: it is accessible by its group or others (mode 755); run \`chmod 700 ${home}\` or choose another --home`);
  t.is(fs.statSync(home).mode & 0o777, 0o755);
  t.deepEqual(fs.readdirSync(home), []);
});

test('ctl start with an empty --home or AGENTD_HOME exits 2 and touches the current directory not at all', async (t) => {
  const cwd = tempHome(t);
  fs.chmodSync(cwd, 0o755);
  const config = guard(t, [cwd]);
  for (const [args, env] of [[['start', '--home', ''], {}], [['start'], { AGENTD_HOME: '' }], [['status', '--home='], {}]] as const) {
    const r = await ctl([...args, ...(args[0] === 'start' ? ['--config', config] : [])], { env, cwd });
    t.is(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    t.regex(r.stderr, /^ctl: .*(--home|AGENTD_HOME).* empty/);
  }
  t.is(fs.statSync(cwd).mode & 0o777, 0o755);
  t.deepEqual(fs.readdirSync(cwd), []);
});
