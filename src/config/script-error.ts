import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describeError } from '../errors/describe.js';
import { parseErrorAt } from './parse-error-at.js';

/**
 * Why a `.js`/`.mjs`/`.cjs`/`.ts` config failed to load, with the line to look at: Node 20 gives
 * no location in an ES module's SyntaxError (only its uncaught-exception printer shows one), so
 * esbuild parses the file to find it; a throw is located by the config file's frame in its stack.
 */
export async function describeScriptError(file: string, error: unknown): Promise<string> {
  if (!(error instanceof Error)) return describeError(error);
  // tsx's compile error: "Transform failed with 1 error:\nFILE:LINE:COLUMN: ERROR: text".
  const compile = new RegExp(`^${escape(file)}:(\\d+):(\\d+): ERROR: (.*)$`, 'm').exec(error.message);
  if (compile) return `line ${compile[1]}, column ${Number(compile[2]) + 1}: ${compile[3]}`;
  const reason = describeError(error).split('\n')[0] ?? 'import failed';
  if (error.name === 'SyntaxError') {
    const at = await syntaxErrorAt(file, error);
    return at ? `${at}: ${reason}` : reason;
  }
  const frame = frameIn(file, error.stack ?? '');
  return frame ? `${reason} (thrown at ${frame})` : reason;
}

async function syntaxErrorAt(file: string, error: Error): Promise<string | null> {
  // CommonJS puts "file:LINE" on the stack's first line.
  const cjs = new RegExp(`^${escape(file)}:(\\d+)\\n`).exec(error.stack ?? '');
  if (cjs) return `line ${cjs[1]}`;
  const at = await parseErrorAt(fs.readFileSync(file, 'utf8'), /\.[cm]?ts$/.test(file) ? 'ts' : 'js');
  return at ? `line ${at.line}, column ${at.column}` : null;
}

/** "line 3, column 7" of the first stack frame in `file` (by path or file URL, cache-busting query and all). */
function frameIn(file: string, stack: string): string | null {
  const m = new RegExp(`(?:${escape(file)}|${escape(pathToFileURL(file).href)})(?:\\?[^:\\s]*)?:(\\d+):(\\d+)`).exec(stack);
  return m ? `line ${m[1]}, column ${m[2]}` : null;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
