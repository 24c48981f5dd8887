const TIME = '{"time":"';

/**
 * Add `"plugin":"<name>"` to each JSON line of a plugin's log text, right after its time (every
 * line agentd writes starts with it), so that lines from several plugins on one stream can be told
 * apart. `name` is a validated plugin name: no escaping needed beyond JSON's quotes.
 */
export function tagPluginLines(text: string, name: string): string {
  const field = `"plugin":${JSON.stringify(name)}`;
  let out = '';
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    out += `${tagLine(text.slice(start, nl), field)}\n`;
    start = nl + 1;
  }
  return out;
}

function tagLine(line: string, field: string): string {
  if (line.startsWith(TIME)) {
    const end = line.indexOf('",', TIME.length);
    if (end !== -1) return `${line.slice(0, end + 2)}${field},${line.slice(end + 2)}`;
  }
  // A verbatim object from the plugin's log fd without agentd's time first.
  const body = line.slice(1).trimStart();
  return body === '}' ? `{${field}}` : `{${field},${body}`;
}
