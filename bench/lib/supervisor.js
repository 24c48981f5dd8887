import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { isGone, kill, waitFor, waitGone } from './proc.js';

export function supervisorAvailable() {
  return ['supervisord', 'supervisorctl'].every((b) => spawnSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' }).status === 0);
}

export function supervisorVersion() {
  const r = spawnSync('supervisord', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/**
 * supervisord.conf in `dir`: control over a Unix socket in the dir (loopback only, no inet port),
 * and one [program:NAME] per entry of `programs` ({ name, command, env? }) with autorestart=true,
 * startsecs=0 — the fastest restart supervisord offers.
 */
export function writeSupervisorConf(dir, programs = []) {
  const conf = path.join(dir, 'supervisord.conf');
  const lines = [
    '[unix_http_server]', `file=${dir}/s.sock`, 'chmod=0700', '',
    '[supervisord]', `logfile=${dir}/supervisord.log`, `pidfile=${dir}/supervisord.pid`, `childlogdir=${dir}`, 'loglevel=warn', 'user=root', '',
    '[rpcinterface:supervisor]', 'supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface', '',
    '[supervisorctl]', `serverurl=unix://${dir}/s.sock`, '',
  ];
  for (const p of programs) {
    lines.push(`[program:${p.name}]`, `command=${p.command}`, 'autostart=true', 'autorestart=true', 'startsecs=0', 'stopwaitsecs=10',
      `stdout_logfile=${dir}/${p.name}.out.log`, `stderr_logfile=${dir}/${p.name}.err.log`);
    if (p.env) lines.push(`environment=${Object.entries(p.env).map(([k, v]) => `${k}="${v}"`).join(',')}`);
    lines.push('');
  }
  fs.writeFileSync(conf, lines.join('\n'));
  return conf;
}

export function supervisordPid(dir) {
  try { return Number(fs.readFileSync(path.join(dir, 'supervisord.pid'), 'utf8').trim()) || 0; } catch { return 0; }
}

/** A minimal XML-RPC client on supervisord's Unix socket, one keep-alive connection. */
export class XmlRpc {
  constructor(socketPath) {
    this.socketPath = socketPath;
    this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /** Resolves with the response body; rejects on a transport error or an XML-RPC fault. */
  call(method, timeoutMs = 10_000) {
    const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params></params></methodCall>`;
    return new Promise((resolve, reject) => {
      const req = http.request({
        socketPath: this.socketPath, path: '/RPC2', method: 'POST', agent: this.agent, timeout: timeoutMs,
        headers: { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (s) => { text += s; });
        res.on('end', () => (res.statusCode === 200 && !text.includes('<fault>') ? resolve(text) : reject(new Error(`xml-rpc ${method}: ${res.statusCode} ${text.slice(0, 200)}`))));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close() {
    this.agent.destroy();
  }
}

/** PIDs of supervisord's programs, from its own process table. */
export async function programPids(rpc) {
  const xml = await rpc.call('supervisor.getAllProcessInfo');
  return [...xml.matchAll(/<name>pid<\/name>\s*<value><int>(\d+)<\/int>/g)].map((m) => Number(m[1])).filter((p) => p > 0);
}

/**
 * supervisord in a fresh dir of the run with `programs`, started (it daemonizes itself) and
 * waited on until every program has a pid; shut down at cleanup, then SIGKILL by pid.
 */
export async function startSupervisord(ctx, programs = []) {
  const dir = ctx.dir('s');
  const conf = writeSupervisorConf(dir, programs);
  const r = spawnSync('supervisord', ['-c', conf], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`supervisord failed to start: ${r.stderr || r.stdout}`);
  const rpc = new XmlRpc(path.join(dir, 's.sock'));
  const s = { dir, conf, rpc, pid: 0, programPids: () => programPids(rpc), stop: null };
  const pids = [];
  s.stop = ctx.defer(() => stopSupervisord(s, pids));
  // The pidfile is written by the daemonized child, after the parent has already exited.
  s.pid = await waitFor(() => supervisordPid(dir), 30_000, 'supervisord.pid', 5);
  pids.push(s.pid);
  await waitFor(async () => {
    try { return (await programPids(rpc)).length === programs.length; } catch { return false; }
  }, 30_000, 'supervisord and its programs', 10);
  pids.push(...(await s.programPids()));
  return s;
}

export async function stopSupervisord(s, knownPids = []) {
  s.pid ||= supervisordPid(s.dir);
  const pids = [...new Set([...knownPids, s.pid].filter(Boolean))];
  if (s.pid && !isGone(s.pid)) {
    try { pids.push(...(await programPids(s.rpc))); } catch { /* not answering */ }
    kill(s.pid, 'SIGTERM');
  }
  s.rpc.close();
  await waitGone(pids, 15_000, 10);
  for (const p of pids) if (!isGone(p)) kill(p);
}
