import TransportStream from 'winston-transport';

/** Where lines go: a FileSink, or foreground stdout (BoundedStdout). Must not throw. */
export interface LineSink {
  write(text: string, lines?: number): unknown;
}

const MESSAGE = Symbol.for('message');

/**
 * A winston transport that hands each formatted line to a sink synchronously (a FileSink appends
 * it to its file at once). Because
 * log() has written the line before it calls back, the transport's 'finish' means every line is
 * in the file; winston's own File transport buffers asynchronously and loses lines across a
 * rotation. The sink belongs to its owner (the LogManager): ending the transport does not close it.
 */
export class SinkTransport extends TransportStream {
  constructor(readonly sink: LineSink, options: TransportStream.TransportStreamOptions = {}) {
    super(options);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.sink.write(`${String(info[MESSAGE])}\n`, 1);
    this.emit('logged', info);
    next();
  }

  /** Called by winston when the transport is removed; the sink outlives it, nothing to release. */
  override close(): void {}
}
