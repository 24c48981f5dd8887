import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { now } from './stats.js';

/**
 * Run a command to completion and time it, whole process: from spawn() to its exit, as a shell's
 * `time` would. stdout is kept when `capture` is set (then the result waits for the pipes to close).
 * Bounded: a command past `timeoutMs` gets SIGKILL (by its pid) and counts as failed.
 */
export function timeRun(cmd, args, { env = process.env, cwd, capture = false, timeoutMs = 60_000 } = {}) {
  return new Promise((resolve) => {
    const t0 = now();
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', capture ? 'pipe' : 'ignore', capture ? 'pipe' : 'ignore'] });
    let stdout = '';
    let stderr = '';
    let exit = null;
    const timer = setTimeout(() => { try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutMs);
    if (capture) {
      child.stdout.setEncoding('utf8').on('data', (s) => { stdout += s; });
      child.stderr.setEncoding('utf8').on('data', (s) => { stderr += s; });
    }
    child.once('error', (e) => { clearTimeout(timer); resolve({ ms: now() - t0, code: null, signal: null, stdout, stderr: String(e), pid: child.pid }); });
    child.once('exit', (code, signal) => {
      exit = { ms: now() - t0, code, signal };
      clearTimeout(timer);
      if (!capture) resolve({ ...exit, stdout, stderr, pid: child.pid });
    });
    if (capture) child.once('close', () => resolve({ ...(exit ?? { ms: now() - t0, code: null, signal: null }), stdout, stderr, pid: child.pid }));
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * One GET on a fresh connection (no keep-alive). Resolves { status, body } or { error } with the
 * socket error code (ECONNREFUSED, ECONNRESET, …); never rejects.
 */
export function getOnce(port, timeoutMs = 10_000) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v) => { if (!done) { done = true; resolve(v); } };
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (s) => { body += s; });
      res.on('end', () => finish({ status: res.statusCode, body }));
      res.on('error', (e) => finish({ error: e.code ?? e.message }));
    });
    req.on('timeout', () => { req.destroy(); finish({ error: 'TIMEOUT' }); });
    req.on('error', (e) => finish({ error: e.code ?? e.message }));
  });
}
