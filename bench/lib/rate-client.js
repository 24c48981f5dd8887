#!/usr/bin/env node
// One status-query client process for rpc-throughput, so every peer is driven the same way:
//   node rate-client.js <kind> <target> <clients> <ms>
// kind: agentd (the typed client, `daemon.status`), supervisord (XML-RPC
// `supervisor.getAllProcessInfo` on its Unix socket, keep-alive), pm2 (PM2's own API, `list`, i.e.
// getMonitorData over its RPC socket; target is the PM2_HOME, already in the environment), echo (a
// status request's line sent to fixtures/echo-server.cjs, answered when its line comes back).
// Each of `clients` connections makes sequential calls; 300 ms of warm-up, then `ms` of counting.
// Prints one JSON line { calls, ms, rate, errors, allCalls, clientCpuUsPerCall } (allCalls includes
// the warm-up; the client's CPU time per call is over the counted window).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [kind, target, clientsArg, msArg] = process.argv.slice(2);
const clients = Number(clientsArg);
const durationMs = Number(msArg);
const WARMUP_MS = 300;
const MAX_CALLS = 5_000_000;
const here = path.dirname(fileURLToPath(import.meta.url));

async function makeCallers() {
  if (kind === 'agentd') {
    const { connect } = await import(path.join(here, '..', '..', 'dist', 'src', 'client', 'index.js'));
    const cs = await Promise.all(Array.from({ length: clients }, () => connect({ home: target })));
    return { call: cs.map((c) => () => c.call('daemon.status')), close: () => cs.forEach((c) => c.close()) };
  }
  if (kind === 'supervisord') {
    const { XmlRpc } = await import(path.join(here, 'supervisor.js'));
    const cs = Array.from({ length: clients }, () => new XmlRpc(target));
    return { call: cs.map((c) => () => c.call('supervisor.getAllProcessInfo')), close: () => cs.forEach((c) => c.close()) };
  }
  if (kind === 'pm2') {
    const pm2 = createRequire(import.meta.url)(path.join(here, '..', 'node_modules', 'pm2'));
    await new Promise((resolve, reject) => pm2.connect((e) => (e ? reject(e) : resolve())));
    const list = () => new Promise((resolve, reject) => pm2.list((e, l) => (e ? reject(e) : resolve(l))));
    return { call: Array.from({ length: clients }, () => list), close: () => pm2.disconnect() };
  }
  if (kind === 'echo') {
    const net = await import('node:net');
    const line = `${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.status' })}\n`;
    const cs = await Promise.all(Array.from({ length: clients }, () => new Promise((resolve, reject) => {
      const s = net.connect(target, () => resolve(s)).once('error', reject);
    })));
    const callOn = (s) => {
      let waiter = null;
      let buffered = '';
      s.setEncoding('utf8').on('data', (d) => {
        buffered += d;
        if (!buffered.endsWith('\n')) return;
        buffered = '';
        const w = waiter; waiter = null; w?.();
      });
      return () => new Promise((resolve) => { waiter = resolve; s.write(line); });
    };
    return { call: cs.map(callOn), close: () => cs.forEach((s) => s.destroy()) };
  }
  throw new Error(`unknown kind ${kind}`);
}

const { call, close } = await makeCallers();
let counting = false;
let calls = 0;
let allCalls = 0;
let errors = 0;
let stop = false;
const loops = call.map(async (fn) => {
  while (!stop && calls < MAX_CALLS) {
    try { await fn(); allCalls++; if (counting) calls++; } catch { errors++; if (errors > 1000) stop = true; }
  }
});
await new Promise((r) => setTimeout(r, WARMUP_MS));
counting = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, durationMs));
const elapsed = performance.now() - t0;
const counted = calls;
const cpu = process.cpuUsage(cpu0);
stop = true;
await Promise.all(loops);
close();
process.stdout.write(`${JSON.stringify({ calls: counted, ms: elapsed, rate: counted / (elapsed / 1000), errors, allCalls, clientCpuUsPerCall: (cpu.user + cpu.system) / counted })}\n`);
process.exit(0);
