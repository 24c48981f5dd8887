import { dynamicImport } from '../dynamic-import.js';

/** Where esbuild's parser (a dependency already, loaded only on error paths) finds the first syntax error in `text`; null when it finds none. */
export async function parseErrorAt(text: string, loader: 'json' | 'js' | 'ts'): Promise<{ line: number; column: number; text: string } | null> {
  try {
    const { transform } = await dynamicImport<typeof import('esbuild')>('esbuild');
    await transform(text, { loader, logLevel: 'silent' });
  } catch (e) {
    const [first] = (e as { errors?: { text: string; location: { line: number; column: number } | null }[] }).errors ?? [];
    // esbuild's columns count from 0, an editor's from 1.
    if (first?.location) return { line: first.location.line, column: first.location.column + 1, text: first.text };
  }
  return null;
}
