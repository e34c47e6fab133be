/**
 * How much of one nats-server log line is kept (docs/contract.md: Logs). nats-server's lines are short; one that
 * is not (a 64 MiB line has been seen to take the supervisor to 1.4 GiB) is cut here, before it is held whole.
 */
export const MAX_LINE_BYTES = 16 * 1024;

const NEWLINE = 0x0a;

/**
 * Splits a byte stream into lines (`\n` or `\r\n`), holding at most MAX_LINE_BYTES of any line: the rest of a
 * longer one is counted and dropped, and the line ends with `… [cut: N bytes]`.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private kept = 0;
  private dropped = 0;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: Buffer): void {
    let from = 0;
    for (let nl = chunk.indexOf(NEWLINE, from); nl >= 0; nl = chunk.indexOf(NEWLINE, from)) {
      this.keep(chunk.subarray(from, nl));
      this.flush();
      from = nl + 1;
    }
    if (from < chunk.length) this.keep(chunk.subarray(from));
  }

  /** The stream ended: a last line without a newline is a line too. */
  end(): void {
    if (this.kept > 0 || this.dropped > 0) this.flush();
  }

  private keep(part: Buffer): void {
    const room = MAX_LINE_BYTES - this.kept;
    if (part.length > room) {
      this.dropped += part.length - Math.max(room, 0);
      part = part.subarray(0, Math.max(room, 0));
    }
    if (part.length === 0) return;
    // Copied: the chunk's buffer is the stream's, and only this much of it is kept.
    this.parts.push(Buffer.from(part));
    this.kept += part.length;
  }

  private flush(): void {
    let line = Buffer.concat(this.parts, this.kept).toString('utf8');
    if (this.dropped === 0 && line.endsWith('\r')) line = line.slice(0, -1);
    this.emit(this.dropped > 0 ? `${line}… [cut: ${this.dropped} bytes]` : line);
    this.parts = [];
    this.kept = 0;
    this.dropped = 0;
  }
}
