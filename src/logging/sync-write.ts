import fs from 'node:fs';

/** Thrown inside write() when a write stops part-way: `written` bytes of `data` are in the file. */
export class PartialWrite extends Error {
  constructor(readonly reason: unknown, readonly data: Buffer, readonly written: number) {
    super('partial write');
  }
}

/**
 * Write all of `data` to `fd` synchronously. A short write (a disk filling up) is continued; if
 * the rest fails, PartialWrite tells how much of it is in the file.
 */
export function writeFully(fd: number, data: string): number {
  const length = Buffer.byteLength(data);
  let n = fs.writeSync(fd, data);
  if (n === length) return n;
  const buf = Buffer.from(data);
  while (n < buf.length) {
    try {
      n += fs.writeSync(fd, buf, n);
    } catch (error) {
      throw new PartialWrite(error, buf, n);
    }
  }
  return n;
}

export function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function countBytes(buf: Buffer, byte: number): number {
  let n = 0;
  for (let i = buf.indexOf(byte); i !== -1; i = buf.indexOf(byte, i + 1)) n++;
  return n;
}

export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch { /* already closed underneath us */ }
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
