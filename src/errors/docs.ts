import { errors } from './catalogue.js';

const EXIT_NAMES: Record<number, string> = { 0: 'ok', 1: 'failure', 2: 'usage', 3: 'not running', 78: 'config' };

/** The README's error table, generated from the catalogue. */
export function errorTable(): string {
  const rows = ['| code | JSON-RPC | exit | message |', '| --- | --- | --- | --- |'];
  for (const e of Object.values(errors)) {
    rows.push(`| \`${e.code}\` | ${e.rpcCode} | ${e.exitCode} (${EXIT_NAMES[e.exitCode]}) | ${template(e.template).replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

/** A message with its arguments shown as `…`. */
function template(message: (...args: never[]) => string): string {
  const args = Array.from({ length: message.length }, () => '…') as never[];
  try {
    return message(...args);
  } catch {
    // An argument that must be a list: show it as an empty one.
    return message(...(args.map(() => Object.assign([], { toString: () => '…' })) as never[]));
  }
}
