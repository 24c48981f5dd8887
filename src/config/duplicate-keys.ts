/**
 * Keys given twice in one object of a JSON text. JSON.parse keeps the last silently, so a config
 * with two `"image-server"` entries would run one and drop the other without a word; the loader
 * refuses it instead, naming the key's path and both lines. Runs on text JSON.parse accepted, so
 * it only has to find strings, not to check the grammar.
 */
export interface DuplicateKey {
  /** Dotted, as schema issues are: `plugins.image-server`. */
  path: string;
  /** 1-based lines of the first and the repeated key. */
  lines: [number, number];
}

interface Frame {
  /** Keys seen so far and their lines; null for an array. */
  keys: Map<string, number> | null;
  path: string;
  /** The key (or array index) the next value belongs to. */
  next: string;
  index: number;
}

export function findDuplicateKeys(text: string): DuplicateKey[] {
  const found: DuplicateKey[] = [];
  const stack: Frame[] = [];
  let line = 1;
  let expectKey = false;
  const child = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    const name = top.keys === null ? String(top.index) : top.next;
    return top.path ? `${top.path}.${name}` : name;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') line++;
    else if (c === '{') { stack.push({ keys: new Map(), path: child(), next: '', index: 0 }); expectKey = true; }
    else if (c === '[') { stack.push({ keys: null, path: child(), next: '', index: 0 }); expectKey = false; }
    else if (c === '}' || c === ']') { stack.pop(); expectKey = false; }
    else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys === null) top.index++;
      expectKey = top?.keys != null;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const first = top.keys.get(key);
        top.next = key;
        if (first === undefined) top.keys.set(key, line);
        else found.push({ path: child(), lines: [first, line] });
        expectKey = false;
      }
      i = end;
    }
  }
  return found;
}
