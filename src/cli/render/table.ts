/**
 * Columns padded to their widest cell; the last column is not padded. Given `maxWidth` (the
 * terminal's columns), a table wider than that has its widest columns cut, each cut cell ending
 * in `…`, so that a row stays one line instead of wrapping into the next; no column gets narrower
 * than its header.
 */
export function table(header: string[], rows: string[][], maxWidth?: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  if (maxWidth !== undefined) fit(widths, header, maxWidth);
  const cell = (c: string, i: number) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c);
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? cell(c, i) : cell(c, i).padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/**
 * Narrow the last column (free text, such as a last exit) down to its header, then the widest of
 * the middle ones, then the first (a plugin's name, to type in the next command), one character
 * at a time, until the row fits or none can give more.
 */
function fit(widths: number[], header: string[], maxWidth: number): void {
  let total = widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  const last = widths.length - 1;
  while (total > maxWidth) {
    const gives = (i: number) => widths[i]! > header[i]!.length;
    let widest = gives(last) ? last : -1;
    for (let i = 1; i < last && widest !== last; i++) if (gives(i) && (widest === -1 || widths[i]! >= widths[widest]!)) widest = i;
    if (widest === -1 && gives(0)) widest = 0;
    if (widest === -1) return;
    widths[widest]!--;
    total--;
  }
}

/** The width to fit a table to: the terminal's, when stdout is one; none when piped or redirected. */
export function terminalColumns(): number | undefined {
  return process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined;
}
