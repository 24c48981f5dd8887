import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fixture, ROOT, writeConfig } from '../helpers/daemon.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';
import { procStat, waitFor } from '../fixtures/fake-core/harness.js';

/**
 * `ctl start --foreground` as PID 1 of a new PID namespace, as in a container: the kernel delivers
 * PID 1 only the signals it handles, and every orphan in the namespace is handed to it.
 */

const UNSHARE = ['--pid', '--fork', '--mount-proc'];

/** Why PID namespaces cannot be made here, or null when they can. */
function unshareUnavailable(): string | null {
  const probe = spawnSync('unshare', [...UNSHARE, 'true'], { encoding: 'utf8' });
  if (probe.error) return `unshare(1) cannot run: ${probe.error.message}`;
  if (probe.status !== 0) return `unshare ${UNSHARE.join(' ')} fails here (${probe.stderr.trim() || `exit ${probe.status}`}); it needs root or CAP_SYS_ADMIN`;
  return null;
}

/** The pids of `pid` in each PID namespace it belongs to, outermost first (NSpid in /proc/PID/status). */
function nsPids(pid: number): number[] {
  const line = /^NSpid:\s+(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
  return line.split(/\s+/).map(Number);
}

function childOf(ppid: number): number | undefined {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).find((p) => procStat(p)?.ppid === ppid);
}

function pidsMentioning(text: string): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
    try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text); } catch { return false; }
  });
}

test('as PID 1: SIGHUP reloads, an orphan in the namespace is reaped, SIGTERM stops gracefully with exit 0', async (t) => {
  const why = unshareUnavailable();
  if (why) {
    t.log(`NOT TESTED: ${why}`);
    t.pass();
    return;
  }
  const home = makeTempHome();
  writeConfig(home, { plugins: { 'orphan-maker': { module: fixture('orphan-maker') } } });
  const marker = `orphan-of-${path.basename(home)}`;
  const unshare = spawn('unshare', [...UNSHARE, process.execPath, path.join(ROOT, 'bin', 'run.js'), 'start', '--foreground', '--home', home],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: unshare.stdout }).on('line', (l) => lines.push(l));
  let stderr = '';
  unshare.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
  const exited = new Promise<number | null>((resolve) => unshare.once('exit', resolve));
  let ctlPid = 0;
  t.teardown(async () => {
    // SIGKILL to a namespace's PID 1 ends every process in it.
    if (ctlPid && procStat(ctlPid)) process.kill(ctlPid, 'SIGKILL');
    if (procStat(unshare.pid!)) unshare.kill('SIGKILL');
    for (const p of pidsMentioning(marker)) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    await exited;
    removeTempHome(home);
  });
  const logged = (message: string) => waitFor(`"${message}" on stdout (stderr: ${stderr})`, () => lines.some((l) => (JSON.parse(l) as { message?: string }).message === message), 30_000);

  await logged('agentd ready');
  ctlPid = childOf(unshare.pid!)!;
  t.deepEqual(nsPids(ctlPid).slice(1), [1], 'ctl is PID 1 of the new namespace');
  const launcher = childOf(ctlPid)!;
  t.regex(fs.readFileSync(`/proc/${launcher}/cmdline`, 'utf8'), /agentd-launcher\0--foreground\0--init\0/, 'as PID 1, ctl runs the launcher as an init');

  process.kill(ctlPid, 'SIGHUP');
  await logged('config reloaded');

  // The plugin's shell exits at once: its child is orphaned to the nearest subreaper, the plugin
  // host, and not to PID 1, which is Node and would leave it a zombie for ever once it exits.
  const { connect } = await import('../../src/client/index.js');
  const client = await connect({ home });
  await client.call('orphan-maker.orphan', { marker });
  const host = (await client.call('plugins.list'))[0]!.pid!; // as the namespace sees it
  client.close();
  const [orphan] = await waitFor('the orphan', () => (pidsMentioning(marker).length ? pidsMentioning(marker) : undefined));
  await waitFor('the orphan to be adopted by the plugin host', () => {
    const parent = procStat(orphan!)?.ppid;
    return parent !== undefined && nsPids(parent).at(-1) === host;
  });
  process.kill(orphan!, 'SIGKILL');
  await waitFor('the orphan to be reaped', () => procStat(orphan!) === null);

  process.kill(ctlPid, 'SIGTERM');
  t.is(await exited, 0, stderr);
  t.true(lines.some((l) => (JSON.parse(l) as { message?: string }).message === 'agentd stopped'));
});
