import { dynamicImport } from '../dynamic-import.js';

/**
 * Where and why a JSON text that JSON.parse refused is wrong, as one line: "line 4, column 3: JSON
 * does not support trailing commas". V8's messages give a character offset at best, and sometimes
 * quote the text instead, newlines and all; esbuild's JSON parser (already a dependency, loaded
 * only on this error path) names the line and column.
 */
export async function describeJsonSyntax(text: string, parseError: Error): Promise<string> {
  if (text.trim() === '') return 'the file is empty; write the config object ({ "plugins": { … } }) or remove the file';
  try {
    const { transform } = await dynamicImport<typeof import('esbuild')>('esbuild');
    await transform(text, { loader: 'json', logLevel: 'silent' });
  } catch (e) {
    const [first] = (e as { errors?: { text: string; location: { line: number; column: number } | null }[] }).errors ?? [];
    if (first?.location) {
      const hint = /comments/.test(first.text) ? ' (a config with comments can be agentd.config.js or .ts)' : '';
      return `line ${first.location.line}, column ${first.location.column + 1}: ${first.text}${hint}`;
    }
  }
  return parseError.message.split('\n')[0] ?? 'not valid JSON';
}
