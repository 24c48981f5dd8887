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
