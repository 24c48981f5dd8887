/**
 * Where `root` nests deeper than `max` levels of objects and arrays: the dotted path of the first
 * such value (`''` for the root itself), or null. Iterative, so that it cannot overflow the stack
 * on the very input it is there to refuse: JSON.parse accepts any depth, but validation, freezing,
 * JSON.stringify and IPC to a plugin host all recurse.
 */
export function tooDeep(root: unknown, max: number): string | null {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) return path;
    for (const [key, child] of Object.entries(value)) stack.push({ value: child, depth: depth + 1, path: path ? `${path}.${key}` : key });
  }
  return null;
}

/** A path for messages: long ones (a deep nesting) keep their start and end. */
export function shortPath(path: string, max = 80): string {
  return path.length > max ? `${path.slice(0, max / 2)}…${path.slice(-max / 2)}` : path;
}
