/**
 * A result its handler has already serialized. The dispatcher writes the text into the reply as
 * it is, so a handler that answers the same large structure again and again (`daemon.status`,
 * which monitors poll) can keep the JSON of what did not change instead of serializing it all on
 * every call. `T` is the value the text encodes, for the handler's type check.
 */
export class JsonText<T = unknown> {
  /** Only for the type: never set. */
  declare readonly encodes?: T;

  constructor(readonly text: string) {}

  /** Whatever else serializes it (a log line, a test) gets the value it encodes. */
  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/**
 * A result its handler serialized into UTF-8 pieces that together make its JSON: a large reply
 * (a long `logs.tail`) is written to the socket as it was built, with no copy of the whole as one
 * string, one object tree or one buffer.
 */
export class JsonPieces<T = unknown> {
  /** Only for the type: never set. */
  declare readonly encodes?: T;
  readonly bytes: number;

  constructor(readonly pieces: readonly Buffer[]) {
    this.bytes = pieces.reduce((sum, p) => sum + p.length, 0);
  }

  /** The whole JSON as one string, for where a copy is fine (within a batch's small budget). */
  get text(): string {
    return Buffer.concat(this.pieces).toString('utf8');
  }

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}
