/**
 * Splits a stream of concatenated JSON values (what `kubectl get -w -o json` prints: pretty-printed
 * objects back to back, not one per line) into parsed values as each one completes. Chunks may end
 * anywhere, inside strings and escapes included.
 */
export class JsonStream {
  private buf = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private start = -1;
  /** Where scanning resumes in `buf`. */
  private pos = 0;

  constructor(private readonly emit: (value: unknown) => void, private readonly onError?: (text: string, err: Error) => void) {}

  push(chunk: string): void {
    this.buf += chunk;
    const b = this.buf;
    let i = this.pos;
    for (; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 92 /* \\ */) this.escaped = true;
        else if (c === 34 /* " */) this.inString = false;
        continue;
      }
      if (c === 34) {
        this.inString = true;
      } else if (c === 123 /* { */ || c === 91 /* [ */) {
        if (this.depth === 0) this.start = i;
        this.depth++;
      } else if (c === 125 /* } */ || c === 93 /* ] */) {
        this.depth--;
        if (this.depth === 0 && this.start >= 0) {
          const text = b.slice(this.start, i + 1);
          this.start = -1;
          try {
            this.emit(JSON.parse(text));
          } catch (err) {
            this.onError?.(text, err as Error);
          }
        } else if (this.depth < 0) {
          this.depth = 0; // a stray closer outside any value: skip it
        }
      }
    }
    // Keep only the unfinished value (or nothing) for the next chunk.
    if (this.depth === 0) {
      this.buf = '';
      this.pos = 0;
    } else {
      this.buf = b.slice(this.start);
      this.pos = this.buf.length;
      this.start = 0;
    }
  }

  /** True when the stream stopped inside a value (a truncated stream). */
  get pending(): boolean {
    return this.depth > 0;
  }
}
