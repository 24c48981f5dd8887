import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

/** The machine a run measured, as RESULTS.md records it next to every figure. */
export function describeMachine(peers = {}) {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch { /* keep os.cpus() */ }
  const [l1, l5, l15] = os.loadavg();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu,
    cores: os.cpus().length,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    load: `${l1.toFixed(2)} ${l5.toFixed(2)} ${l15.toFixed(2)}`,
    peers,
  };
}

export function machineLine(m) {
  const peers = Object.entries(m.peers ?? {}).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${m.date} · ${m.cpu}, ${m.cores} cores, ${m.memory} · ${m.kernel} · Node ${m.node} · load avg ${m.load} at start${m.loadEnd ? `, ${m.loadEnd} at end` : ''}${m.busyBefore ? ` · CPUs ${m.busyBefore} busy with other work just before` : ''}${peers ? ` · peers: ${peers}` : ''}`;
}

/** First line of a command's --version output, or null when it is not installed. */
export function versionOf(cmd, args = ['--version'], env = process.env) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 20_000 });
  if (r.status !== 0 || r.error) return null;
  return (r.stdout || r.stderr).trim().split('\n').pop();
}
