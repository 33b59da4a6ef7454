/**
 * Splits a byte stream into lines as they complete. A carriage return that is not part of CRLF also
 * ends a line, so progress redraws ("Pushing 12MB/60MB\r") arrive as separate updates.
 */
export class LineSplitter {
  private partial = '';
  private pendingCR = false;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    for (const ch of chunk) {
      if (this.pendingCR) {
        this.pendingCR = false;
        if (ch === '\n') continue; // CRLF: the line was already emitted at the CR
      }
      if (ch === '\n' || ch === '\r') {
        this.emit(this.partial);
        this.partial = '';
        this.pendingCR = ch === '\r';
      } else {
        this.partial += ch;
      }
    }
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
