import { execFile } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import winston from 'winston';
import Transport from 'winston-transport';
import { MethodRegistry, ControlServer, daemonStatus } from '../../src/rpc/index.js';
import { ownUserOnly } from '../../src/rpc/peer-check.js';
import { makeTempHome, removeTempHome } from '../helpers/home.js';

/** Collects log entries in memory. */
class Memory extends Transport {
  readonly entries: Array<Record<string, unknown>> = [];
  override log(info: Record<string, unknown>, done: () => void): void { this.entries.push(info); done(); }
}

// The socket sits in a world-accessible directory with mode 0666 here, on purpose: the point is
// that the peer check refuses another user even when file modes would let it in.
test('a connection from another user is refused and logged; the own user is served', async (t) => {
  if (process.getuid?.() !== 0) return t.pass('needs root to run a client as another user');
  const dir = makeTempHome();
  fs.chmodSync(dir, 0o777);
  t.teardown(() => removeTempHome(dir));
  const socketPath = path.join(dir, 's.sock');
  const memory = new Memory();
  const log = winston.createLogger({ transports: [memory] });
  const registry = new MethodRegistry();
  registry.register(daemonStatus, () => ({ pid: process.pid }) as never);
  const server = new ControlServer({
    socketPath, registry, log,
    limits: { maxLineBytes: 1 << 20, maxBufferedBytes: 1 << 20, maxBufferedTotal: 1 << 24, idleTimeoutMs: 60_000, maxConnections: 100, busyPollMs: 0 },
    authorize: ownUserOnly(log, 0),
  });
  await server.listen();
  t.teardown(() => server.close());
  fs.chmodSync(socketPath, 0o666);

  const script = `const s=require('net').connect(${JSON.stringify(socketPath)});let got='';s.on('data',d=>got+=d);s.on('connect',()=>s.write('{"jsonrpc":"2.0","id":1,"method":"daemon.status"}\\n'));s.on('error',e=>{got+='error '+e.code});s.on('close',()=>{console.log(JSON.stringify(got));});`;
  const run = (uid: number) => new Promise<string>((resolve) => execFile(process.execPath, ['-e', script], { uid, gid: uid === 0 ? 0 : 65534, timeout: 20_000 }, (_e, out) => resolve(JSON.parse(out.trim() || '""') as string)));

  const stranger = await run(65534);
  t.false(stranger.includes('"result"'), `nobody got no answer (${stranger})`);
  const entry = memory.entries.find((e) => e['message'] === 'control connection refused: another user');
  t.is(entry?.['uid'], 65534);
  // The refusal closed only that connection: the server goes on serving its own user.
  const own = await new Promise<string>((resolve) => {
    const s = net.connect(socketPath);
    let got = '';
    s.on('data', (d: Buffer) => { got += d; if (got.includes('\n')) { s.destroy(); resolve(got); } });
    s.on('connect', () => s.write('{"jsonrpc":"2.0","id":2,"method":"daemon.status"}\n'));
  });
  t.regex(own, /"result"/);
});
