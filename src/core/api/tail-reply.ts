import type { LogEntry } from '../../rpc/index.js';
import { JsonPieces } from '../../rpc/json-text.js';
import { toEntry } from '../../logging/log-entry.js';
import type { LineBatches } from '../../logging/tail.js';

/** About what one piece of a reply holds before it is encoded. */
const PIECE_CHARS = 64 * 1024;

/**
 * A result that ends in a long array of log entries (`logs.tail`, `logs.follow`'s history),
 * serialized as the lines come: each line is parsed and serialized on its own (the same text
 * JSON.stringify gives the whole), and the text is encoded to UTF-8 a piece at a time. What the
 * core holds for a long tail is then about the reply's bytes once, instead of the log as strings,
 * an object per line, the reply as one string and its bytes all at the same time (some eight
 * times the log read).
 */
export class EntriesJson {
  private readonly pieces: Buffer[] = [];
  private text: string;
  private first = true;

  /** `head` is the result's JSON up to the array's `[`. */
  constructor(head: string) {
    this.text = head;
  }

  add(source: string, line: string): void {
    this.text += `${this.first ? '' : ','}${JSON.stringify(toEntry(source, line))}`;
    this.first = false;
    if (this.text.length >= PIECE_CHARS) {
      this.pieces.push(Buffer.from(this.text, 'utf8'));
      this.text = '';
    }
  }

  /** A tail's batch receiver that adds each line as an entry of `source`. */
  lines(source: string): LineBatches {
    return (batch) => { for (const line of batch) this.add(source, line); };
  }

  /** The pieces, with the array and the result closed. */
  finish<T>(): JsonPieces<T> {
    this.pieces.push(Buffer.from(`${this.text}]}`, 'utf8'));
    return new JsonPieces<T>(this.pieces);
  }
}

/** The `logs.tail` result `{ lines: [LogEntry] }` of what `read` hands over, serialized as it comes. */
export async function tailReply(read: (each: LineBatches) => Promise<void>, source: string): Promise<JsonPieces<{ lines: LogEntry[] }>> {
  const json = new EntriesJson('{"lines":[');
  await read(json.lines(source));
  return json.finish();
}
