/**
 * Splits a byte stream into lines as they complete. A carriage return that is not part of CRLF also
 * ends a line, so progress redraws ("Pushing 12MB/60MB\r") arrive as separate updates.
 */
export class LineSplitter {
  private partial = '';
  private pendingCR = false;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    let from = 0;
    if (this.pendingCR && chunk.startsWith('\n')) from = 1; // CRLF split across chunks
    this.pendingCR = false;
    const breaks = /\r\n|\r|\n/g;
    breaks.lastIndex = from;
    for (let m = breaks.exec(chunk); m; m = breaks.exec(chunk)) {
      // A CR at the very end may be the first half of a CRLF: emit now, skip the LF if it comes.
      this.emit(this.partial + chunk.slice(from, m.index));
      this.partial = '';
      from = m.index + m[0].length;
      if (m[0] === '\r' && from === chunk.length) this.pendingCR = true;
    }
    this.partial += chunk.slice(from);
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    if (this.partial.length > 0) this.emit(this.partial);
    this.partial = '';
    this.pendingCR = false;
  }
}

/** The last `maxLines` non-empty lines of `text`, for error messages. */
export function tail(text: string, maxLines = 12): string {
  const lines = text.split(/\r?\n|\r/).map((l) => l.trimEnd()).filter((l) => l.length > 0);
  return lines.slice(-maxLines).join('\n');
}
