/** The longest line a LineSplitter keeps by default: 16 MiB of text. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

export interface LineSplitterOptions {
  /** A line longer than this is dropped (never held whole in memory). Default MAX_LINE_CHARS. */
  maxLineChars?: number;
  /** Called once for each dropped line, as soon as it passes the limit, with the limit it passed. */
  onOversize?: (limitChars: number) => void;
}

/**
 * Splits a byte stream into lines as they complete. A carriage return that is not part of CRLF also
 * ends a line, so progress redraws ("Pushing 12MB/60MB\r") arrive as separate updates. A line longer
 * than the limit is reported once and dropped, up to its end: an endless line costs no memory.
 */
export class LineSplitter {
  private partial = '';
  private pendingCR = false;
  /** Inside a line that passed the limit: everything up to the next break is dropped. */
  private skipping = false;
  private readonly max: number;

  constructor(private readonly emit: (line: string) => void, private readonly options: LineSplitterOptions = {}) {
    this.max = options.maxLineChars ?? MAX_LINE_CHARS;
  }

  push(chunk: string): void {
    let from = 0;
    if (this.pendingCR && chunk.startsWith('\n')) from = 1; // CRLF split across chunks
    this.pendingCR = false;
    const breaks = /\r\n|\r|\n/g;
    breaks.lastIndex = from;
    for (let m = breaks.exec(chunk); m; m = breaks.exec(chunk)) {
      // A CR at the very end may be the first half of a CRLF: emit now, skip the LF if it comes.
      if (this.skipping) {
        this.skipping = false;
      } else if (this.partial.length + (m.index - from) > this.max) {
        this.options.onOversize?.(this.max);
      } else {
        this.emit(this.partial + chunk.slice(from, m.index));
      }
      this.partial = '';
      from = m.index + m[0].length;
      if (m[0] === '\r' && from === chunk.length) this.pendingCR = true;
    }
    if (this.skipping) return;
    if (this.partial.length + (chunk.length - from) > this.max) {
      this.partial = '';
      this.skipping = true;
      this.options.onOversize?.(this.max);
      return;
    }
    this.partial += chunk.slice(from);
  }

  /** Emits the last unterminated line, if any. */
  end(): void {
    if (this.partial.length > 0) this.emit(this.partial);
    this.partial = '';
    this.pendingCR = false;
    this.skipping = false;
  }
}

/**
 * The last `maxChars` characters of a stream, kept as it arrives: what a long-running command printed
 * last, for its error message, without holding all it printed.
 */
export class TailBuffer {
  private chunks: string[] = [];
  private size = 0;
  /** Characters dropped from the front so far. */
  dropped = 0;

  constructor(private readonly maxChars: number) {}

  push(chunk: string): void {
    if (chunk.length >= this.maxChars) {
      this.dropped += this.size + chunk.length - this.maxChars;
      this.chunks = [chunk.slice(chunk.length - this.maxChars)];
      this.size = this.maxChars;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.maxChars) {
      const first = this.chunks.shift() ?? '';
      this.size -= first.length;
      this.dropped += first.length;
    }
    if (this.size > this.maxChars) {
      const cut = this.size - this.maxChars;
      this.chunks[0] = this.chunks[0].slice(cut);
      this.size -= cut;
      this.dropped += cut;
    }
  }

  get length(): number {
    return this.size;
  }

  toString(): string {
    if (this.chunks.length > 1) this.chunks = [this.chunks.join('')];
    return this.chunks[0] ?? '';
  }
}

/** The last `maxLines` non-empty lines of `text`, for error messages. */
export function tail(text: string, maxLines = 12): string {
  const lines = text.split(/\r?\n|\r/).map((l) => l.trimEnd()).filter((l) => l.length > 0);
  return lines.slice(-maxLines).join('\n');
}
