import net from 'node:net';

export interface Exchange {
  /** Every line the daemon wrote back, in order. */
  lines: string[];
  /** Bytes received after the last newline (must be none). */
  trailing: string;
}

/**
 * One fuzz input on its own connection: write `payload`, shut our write side, and read until the
 * daemon closes its side — which it does once it has answered everything (it keeps a connection
 * open only for a subscription). Rejects if the daemon does not close within `timeoutMs`.
 */
export function exchange(socketPath: string, payload: string | Buffer, timeoutMs = 30_000): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(socketPath, () => socket.end(payload));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the daemon did not close the connection within ${timeoutMs} ms (got ${Buffer.concat(chunks).length} bytes)`));
    }, timeoutMs);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const nl = text.lastIndexOf('\n');
      resolve({ lines: text.slice(0, nl + 1).split('\n').filter((l) => l !== ''), trailing: text.slice(nl + 1) });
    });
  });
}

/** JSON-RPC error codes the daemon may answer a bad input with; -32603 (internal) is a bug. */
export function allowedCode(code: unknown): boolean {
  return typeof code === 'number' && (code === -32700 || code === -32600 || code === -32601 || code === -32602 || (code <= -32000 && code >= -32099));
}

/** What is wrong with the daemon's reply lines (each a response or a batch of responses); empty when fine. */
export function replyProblems(lines: readonly string[]): string[] {
  const problems: string[] = [];
  for (const line of lines) {
    let parsed: unknown;
    try { parsed = JSON.parse(line); } catch { problems.push(`not JSON: ${line.slice(0, 200)}`); continue; }
    const responses = Array.isArray(parsed) ? parsed : [parsed];
    if (Array.isArray(parsed) && parsed.length === 0) problems.push('an empty batch reply');
    for (const r of responses as Array<Record<string, unknown>>) {
      if (typeof r !== 'object' || r === null) { problems.push(`not an object: ${line.slice(0, 200)}`); continue; }
      if (r['jsonrpc'] !== '2.0') problems.push(`jsonrpc is ${JSON.stringify(r['jsonrpc'])}`);
      const id = r['id'];
      if (!('id' in r) || !(typeof id === 'string' || typeof id === 'number' || id === null)) problems.push(`bad id ${JSON.stringify(id)?.slice(0, 100)}`);
      if (('result' in r) === ('error' in r)) problems.push('not exactly one of result and error');
      const error = r['error'] as { code?: unknown; message?: unknown } | undefined;
      if (error && !allowedCode(error.code)) problems.push(`error ${String(error.code)}: ${String(error.message).slice(0, 300)}`);
      if (error && typeof error.message !== 'string') problems.push('error without a message');
    }
  }
  return problems;
}
