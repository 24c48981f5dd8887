import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

/** A compiled fixture of test/logging/fixtures. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}.js`, import.meta.url));
}

export function runFixture(name: string, args: string[], stdio: Array<'pipe' | 'ignore' | 'inherit'>): ChildProcess {
  return spawn(process.execPath, [fixture(name), ...args], { stdio });
}

/** Rotated files of `live` as found on disk (independent of the code under test), oldest first. */
export function rotatedFiles(live: string): Array<{ file: string; generation: number; gz: boolean }> {
  const dir = path.dirname(live);
  const base = path.basename(live);
  return fs.readdirSync(dir)
    .map((name) => ({ name, m: name.startsWith(`${base}.`) ? /^(\d+)(\.gz)?$/.exec(name.slice(base.length + 1)) : null }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ file: path.join(dir, e.name), generation: Number(e.m[1]), gz: e.m[2] !== undefined }))
    .sort((a, b) => b.generation - a.generation);
}

/** Every line of a log and its rotated files, oldest first (gzipped ones decompressed). */
export function readAllLines(live: string): string[] {
  const texts = rotatedFiles(live).map((f) => (f.gz ? zlib.gunzipSync(fs.readFileSync(f.file)) : fs.readFileSync(f.file)).toString('utf8'));
  if (fs.existsSync(live)) texts.push(fs.readFileSync(live, 'utf8'));
  return texts.join('').split('\n').filter((l) => l !== '');
}

/**
 * Check that `numbers` is exactly 0, 1, …, count-1 in order: nothing lost, doubled or reordered.
 * Returns a description of the first problem, or null.
 */
export function sequenceProblem(numbers: number[], count: number): string | null {
  if (numbers.length !== count) return `expected ${count} lines, got ${numbers.length}`;
  for (let i = 0; i < numbers.length; i++) if (numbers[i] !== i) return `line ${i} has number ${numbers[i]}`;
  return null;
}

export async function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** Read a child's stdout until it prints a line equal to `text`. */
export async function waitForLine(child: ChildProcess, text: string): Promise<void> {
  let seen = '';
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    seen += chunk.toString();
    if (seen.split('\n').includes(text)) return;
  }
  throw new Error(`child ended without printing ${JSON.stringify(text)}; printed ${JSON.stringify(seen)}`);
}
