import test from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import {
  closeFd, isNativeSystemError, listenTcp, lockHolder, peerCredentials, recvFd, sdNotify, sendFd, socketAddress, socketPair,
} from '../../src/native/index.js';
import { loadAddon } from '../../src/native/addon.js';
import { tempHome } from '../helpers/home.js';
import { isGone, waitFor } from '../fixtures/fake-core/harness.js';

const O_CLOEXEC = 0o2000000;
const hasCloexec = (fd: number) => (parseInt(/flags:\s+(\d+)/.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8) & O_CLOEXEC) !== 0;

/** A python3 helper process with its stdout lines; killed by pid at teardown. */
function python(t: { teardown(fn: () => void): void }, script: string, args: string[]) {
  const child = spawn('python3', ['-c', script, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let failed: Error | undefined;
  child.once('error', (e) => { failed = e; }); // e.g. no python3 on this machine
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  t.teardown(() => { if (child.pid && !isGone(child.pid)) child.kill('SIGKILL'); });
  const line = (what: string) => waitFor(what, () => {
    if (failed) throw new Error(`python3 helper: ${failed.message}`);
    return lines.find((l) => l === what);
  });
  return { child, lines, line };
}

const HOLD_LOCK = `import fcntl, sys
f = open(sys.argv[1], 'a')
fcntl.flock(f, fcntl.LOCK_EX)
print('LOCKED', flush=True)
sys.stdin.read()`;

test('lockHolder: 0 when missing or unlocked, the pid while held, -1 when held but unreadable', async (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'agentd.pid');
  t.is(lockHolder(file), 0);
  fs.writeFileSync(file, '12345\n');
  t.is(lockHolder(file), 0);
  const holder = python(t, HOLD_LOCK, [file]);
  await holder.line('LOCKED');
  t.is(lockHolder(file), 12345);
  fs.writeFileSync(file, '');
  t.is(lockHolder(file), -1);
  fs.writeFileSync(file, 'garbage\n');
  t.is(lockHolder(file), -1);
  holder.child.stdin!.end();
  await waitFor('the lock to be released', () => lockHolder(file) === 0);
  t.pass();
});

test('system errors look like Node\'s: code, negative errno, syscall, message', (t) => {
  const error = t.throws(() => closeFd(1 << 30));
  t.true(isNativeSystemError(error));
  t.like(error, { code: 'EBADF', errno: -9, syscall: 'close', message: 'close EBADF: bad file descriptor' });
});

test('argument mistakes are TypeError/RangeError, not system errors', (t) => {
  t.throws(() => lockHolder(42 as unknown as string), { instanceOf: TypeError, code: 'ERR_INVALID_ARG_TYPE' } as never);
  t.throws(() => closeFd(-1), { instanceOf: RangeError, code: 'ERR_OUT_OF_RANGE' } as never);
  t.throws(() => closeFd(1.5), { instanceOf: RangeError });
  t.throws(() => listenTcp('127.0.0.1', 70000, 1), { instanceOf: RangeError });
  t.throws(() => loadAddon().reapChild(0), { instanceOf: RangeError });
});

test('reapChild: false for a process that is not our child (ECHILD is an answer, not an error)', (t) => {
  t.false(loadAddon().reapChild(1));
  t.false(loadAddon().reapChild(process.pid));
});

test('listenTcp on port 0, socketAddress resolves it; the port in use gives EADDRINUSE', (t) => {
  const fd = listenTcp('127.0.0.1', 0, 16);
  t.teardown(() => closeFd(fd));
  t.true(hasCloexec(fd));
  const addr = socketAddress(fd);
  t.like(addr, { address: '127.0.0.1', family: 'IPv4' });
  t.true(addr.port > 0);
  const error = t.throws(() => listenTcp('127.0.0.1', addr.port, 16));
  t.like(error, { code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1', port: addr.port });
  t.is(error!.message, `bind EADDRINUSE: address already in use 127.0.0.1:${addr.port}`);
});

test('listenTcp on IPv6 loopback reports family IPv6', (t) => {
  let fd: number;
  try {
    fd = listenTcp('::1', 0, 16);
  } catch (error) {
    // Some sandboxes have no IPv6 at all; that is not what this test is about.
    if (isNativeSystemError(error) && ['EADDRNOTAVAIL', 'EAFNOSUPPORT'].includes(error.code)) return t.pass('no IPv6 here');
    throw error;
  }
  t.teardown(() => closeFd(fd));
  t.like(socketAddress(fd), { address: '::1', family: 'IPv6' });
});

test('sendFd/recvFd pass an open file; the received fd is a new CLOEXEC fd on the same file', (t) => {
  const home = tempHome(t);
  const file = path.join(home, 'payload');
  fs.writeFileSync(file, 'hello through SCM_RIGHTS');
  const [a, b] = socketPair();
  t.true(hasCloexec(a) && hasCloexec(b));
  const fd = fs.openSync(file, 'r');
  sendFd(a, fd);
  sendFd(a, fd); // two in flight: each recvFd takes exactly one
  const got1 = recvFd(b);
  const got2 = recvFd(b);
  t.teardown(() => { for (const x of [a, b, fd, got1, got2]) closeFd(x); });
  t.not(got1, fd);
  t.not(got1, got2);
  t.true(hasCloexec(got1));
  t.is(fs.readlinkSync(`/proc/self/fd/${got1}`), file);
  const buf = Buffer.alloc(64);
  t.is(buf.toString('utf8', 0, fs.readSync(got2, buf, 0, 64, 0)), 'hello through SCM_RIGHTS');
});

test('recvFd on a socket whose peer closed throws EOF instead of blocking', (t) => {
  const [a, b] = socketPair();
  closeFd(a);
  t.teardown(() => closeFd(b));
  t.like(t.throws(() => recvFd(b)), { code: 'EOF', syscall: 'recvmsg' });
});

test('peerCredentials of a real Unix socket connection is this process', async (t) => {
  const home = tempHome(t);
  const sock = path.join(home, 'peer.sock');
  const server = net.createServer();
  t.teardown(() => server.close());
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const client = net.connect(sock);
  t.teardown(() => client.destroy());
  const conn = await accepted;
  t.teardown(() => conn.destroy());
  // Node does not expose a socket's fd; its handle does.
  const fd = (conn as unknown as { _handle: { fd: number } })._handle.fd;
  t.deepEqual(peerCredentials(fd), { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
});

const DGRAM_LISTENER = `import json, socket, sys
name = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + name[1:] if name.startswith('@') else name)
print('LISTENING', flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)`;

// Serial: they set NOTIFY_SOCKET in this process's environment, which sdNotify reads.
for (const kind of ['path', 'abstract'] as const) {
  test.serial(`sdNotify sends one datagram to a ${kind} NOTIFY_SOCKET`, async (t) => {
    const home = tempHome(t);
    const name = kind === 'path' ? path.join(home, 'notify.sock') : `@agentd-test-${process.pid}-${path.basename(home)}`;
    const listener = python(t, DGRAM_LISTENER, [name]);
    await listener.line('LISTENING');
    const saved = process.env['NOTIFY_SOCKET'];
    process.env['NOTIFY_SOCKET'] = name;
    t.teardown(() => { if (saved === undefined) delete process.env['NOTIFY_SOCKET']; else process.env['NOTIFY_SOCKET'] = saved; });
    t.true(sdNotify('READY=1\nSTATUS=agentd ready\nMAINPID=' + process.pid));
    t.true(sdNotify('STOPPING=1'));
    await listener.line(JSON.stringify('STOPPING=1'));
    t.deepEqual(listener.lines.slice(1), [JSON.stringify(`READY=1\nSTATUS=agentd ready\nMAINPID=${process.pid}`), JSON.stringify('STOPPING=1')]);
  });
}

test.serial('sdNotify is false without NOTIFY_SOCKET, and throws when nobody listens', (t) => {
  const saved = process.env['NOTIFY_SOCKET'];
  t.teardown(() => { if (saved === undefined) delete process.env['NOTIFY_SOCKET']; else process.env['NOTIFY_SOCKET'] = saved; });
  delete process.env['NOTIFY_SOCKET'];
  t.false(sdNotify('READY=1'));
  process.env['NOTIFY_SOCKET'] = '/nonexistent/notify.sock';
  t.like(t.throws(() => sdNotify('READY=1')), { code: 'ENOENT', syscall: 'sendto' });
});
