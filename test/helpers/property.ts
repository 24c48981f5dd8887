import type { ExecutionContext } from 'ava';
import fc from 'fast-check';

/** What a property run reports: how many inputs it tried, and the failure in a few lines. */
export interface PropertyRun {
  tried: number;
  failure: string | null;
}

/**
 * Run a fast-check property and report a failure in a few readable lines (the seed to replay it,
 * the error, and the start of the counterexample) instead of megabytes of shrunk input.
 */
export async function checkProperty<T>(t: ExecutionContext, property: fc.IAsyncPropertyWithHooks<[T]>, params: fc.Parameters<[T]>): Promise<PropertyRun> {
  const out = await fc.check(property, params);
  const tried = out.numRuns + out.numShrinks;
  if (!out.failed) return { tried: out.numRuns, failure: null };
  const input = out.counterexample ? clip(describe(out.counterexample[0]), 300) : '(none)';
  const error = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
  const failure = `after ${out.numRuns} runs (seed ${out.seed}, path ${out.counterexamplePath}): ${clip(error, 600)}; input: ${input}`;
  t.fail(failure);
  return { tried, failure };
}

function describe(value: unknown): string {
  if (Buffer.isBuffer(value)) return `${value.length} bytes: ${JSON.stringify(value.toString('latin1'))}`;
  if (typeof value === 'string') return `${value.length} chars: ${JSON.stringify(value)}`;
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}
