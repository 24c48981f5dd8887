import type { LogEntry } from '../../rpc/index.js';
import { JsonPieces } from '../../rpc/json-text.js';
import { toEntry } from '../../logging/log-entry.js';
import type { LineBatches } from '../../logging/tail.js';

/** About what one piece of a tail's reply holds before it is encoded. */
const PIECE_CHARS = 64 * 1024;

/**
 * The `logs.tail` result `{ lines: [LogEntry] }`, serialized as the lines are read: each line is
 * parsed and serialized on its own (the same text JSON.stringify gives the whole), and the text
 * is encoded to UTF-8 a piece at a time. What the core holds for a long tail is then about the
 * reply's bytes once, instead of the log as strings, an object per line, the reply as one string
 * and its bytes all at the same time (some eight times the log read).
 */
export async function tailReply(
  read: (each: LineBatches) => Promise<void>,
  source: string,
): Promise<JsonPieces<{ lines: LogEntry[] }>> {
  const pieces: Buffer[] = [];
  let text = '{"lines":[';
  let first = true;
  await read((batch) => {
    for (const line of batch) {
      text += `${first ? '' : ','}${JSON.stringify(toEntry(source, line))}`;
      first = false;
      if (text.length >= PIECE_CHARS) {
        pieces.push(Buffer.from(text, 'utf8'));
        text = '';
      }
    }
  });
  pieces.push(Buffer.from(`${text}]}`, 'utf8'));
  return new JsonPieces(pieces);
}
