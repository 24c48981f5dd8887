import { parseErrorAt } from './parse-error-at.js';

/**
 * Where and why a JSON text that JSON.parse refused is wrong, as one line: "line 4, column 3: JSON
 * does not support trailing commas". V8's messages give a character offset at best, and sometimes
 * quote the text instead, newlines and all.
 */
export async function describeJsonSyntax(text: string, parseError: Error): Promise<string> {
  if (text.trim() === '') return 'the file is empty; write the config object ({ "plugins": { … } }) or remove the file';
  const at = await parseErrorAt(text, 'json');
  if (at === null) return parseError.message.split('\n')[0] ?? 'not valid JSON';
  const hint = /comments/.test(at.text) ? ' (a config with comments can be agentd.config.js or .ts)' : '';
  return `line ${at.line}, column ${at.column}: ${at.text}${hint}`;
}
