export interface JsonStreamOptions {
  /**
   * The longest value kept, in UTF-16 code units. A longer one is not buffered: it is read to its end
   * and dropped, and `onOversize` is called once, as soon as it passes the limit (a value that never
   * ends is still reported).
   */
  maxValueChars?: number;
  /** Called once per dropped value with the length read when it passed `maxValueChars`. */
  onOversize?: (chars: number) => void;
}

const enum State {
  /** Outside any value. */
  Between,
  /** An object began with its last character in a chunk: the next chunk says which reader takes it. */
  Decide,
  /** A pretty-printed object, read by looking for its closing brace at column 0. */
  Fast,
  /** Any other value, read character by character. */
  Scan,
  /** A value over the limit, read to its end without being kept. */
  Skip,
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const LF = 10;
const CR = 13;

/**
 * Splits a stream of concatenated JSON values (what `kubectl get -w -o json` prints: pretty-printed
 * objects back to back, not one per line) into parsed values as each one completes. Chunks may end
 * anywhere, inside strings and escapes included.
 *
 * kubectl indents what it prints, so an object that opens with `{` and a line break ends at the first
 * `}` at the start of a line: a JSON string cannot hold a raw line break, so no such `}` can be inside
 * a string. That boundary is found with `indexOf`, and the text between is checked by `JSON.parse`
 * itself (a shorter prefix cannot parse: its braces would not balance). Input of any other shape
 * (compact JSON, arrays, another producer's layout) goes through a character scanner, which also
 * takes over for the rest of the stream when the quick reading ever turns out wrong.
 */
export class JsonStream {
  private state = State.Between;
  /** The text of the current value read so far, from its opening character. */
  private parts: string[] = [];
  private partsLength = 0;
  /** Scanner state (inside values, and between them, where a quoted string hides brackets). */
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The layout allows the quick reading: cleared when a quick candidate did not parse. */
  private quick = true;
  /** The length of the last quick candidate that did not parse, to tell a broken value from another layout. */
  private quickCandidate = -1;
  /** The last piece kept for a quick value ended with a line break (a `}` may open the next chunk). */
  private endsWithLineBreak = false;
  private readonly maxValueChars: number;

  constructor(
    private readonly emit: (value: unknown) => void,
    private readonly onError?: (text: string, err: Error) => void,
    private readonly options: JsonStreamOptions = {},
  ) {
    this.maxValueChars = options.maxValueChars ?? Infinity;
  }

  push(chunk: string): void {
    let data: string | undefined = chunk;
    while (data !== undefined) data = this.read(data);
  }

  /** True when the stream stopped inside a value (a truncated stream). */
  get pending(): boolean {
    return this.state !== State.Between;
  }

  /** Reads one chunk; returns text to read again when a quick reading was wrong. */
  private read(chunk: string): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case State.Between:
          i = this.between(chunk, i);
          break;
        case State.Decide: {
          const c = chunk.charCodeAt(i);
          this.state = this.quick && (c === LF || c === CR) ? State.Fast : State.Scan;
          this.endsWithLineBreak = false;
          // The kept `{` is scanned now, for either reader.
          for (const part of this.parts) this.scanTo(part, 0);
          break;
        }
        case State.Fast: {
          const r = this.fast(chunk, i);
          if (typeof r === 'string') return r;
          i = r;
          break;
        }
        case State.Scan:
          i = this.scan(chunk, i);
          break;
        case State.Skip: {
          const end = this.scanTo(chunk, i);
          if (end < 0) return undefined;
          this.state = State.Between;
          i = end + 1;
          break;
        }
      }
    }
    return undefined;
  }

  /** Outside values: finds where the next one opens. */
  private between(chunk: string, from: number): number {
    for (let i = from; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (c === QUOTE) {
        this.inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        this.endValue();
        if (c === OPEN_BRACE && this.quick) {
          if (i + 1 >= chunk.length) {
            this.keep(chunk.slice(i));
            this.state = State.Decide;
            return chunk.length;
          }
          const next = chunk.charCodeAt(i + 1);
          if (next === LF || next === CR) {
            this.state = State.Fast;
            this.endsWithLineBreak = false;
            return i;
          }
        }
        this.state = State.Scan;
        return i;
      }
      // A stray closer or anything else outside a value is skipped.
    }
    return chunk.length;
  }

  /**
   * Quick reading: the value ends at the next `}` that starts a line. The text kept across chunks is
   * also scanned, so a value whose layout differs still ends where it ends (and the scanner takes over).
   */
  private fast(chunk: string, from: number): number | string {
    let close: number;
    if (this.endsWithLineBreak && chunk.charCodeAt(from) === CLOSE_BRACE) close = from;
    else {
      const at = chunk.indexOf('\n}', from);
      close = at < 0 ? -1 : at + 1;
    }
    if (close < 0) {
      const end = this.scanTo(chunk, from);
      if (end >= 0) {
        // It closed elsewhere than at the start of a line: not kubectl's layout.
        this.quick = false;
        return this.finish(chunk.slice(from, end + 1), end);
      }
      this.endsWithLineBreak = chunk.charCodeAt(chunk.length - 1) === LF;
      this.keep(chunk.slice(from));
      if (this.partsLength > this.maxValueChars) this.drop();
      return chunk.length;
    }
    if (this.partsLength + close + 1 - from > this.maxValueChars) return this.tooLong(this.partsLength + close + 1 - from, close);
    const piece = chunk.slice(from, close + 1);
    const text = this.partsLength ? this.parts.join('') + piece : piece;
    this.endValue();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // Another layout (a nested `}` at column 0), or a broken value: the scanner decides which.
      this.quick = false;
      this.quickCandidate = text.length;
      return text + chunk.slice(close + 1);
    }
    this.emit(value);
    return close + 1;
  }

  /** Character scanner inside a value. */
  private scan(chunk: string, from: number): number {
    const end = this.scanTo(chunk, from);
    if (end < 0) {
      this.keep(chunk.slice(from));
      if (this.partsLength > this.maxValueChars) this.drop();
      return chunk.length;
    }
    return this.finish(chunk.slice(from, end + 1), end);
  }

  /** The value ended with `piece` (its last character at `end` in the chunk): parse and emit it. */
  private finish(piece: string, end: number): number {
    if (this.partsLength + piece.length > this.maxValueChars) return this.tooLong(this.partsLength + piece.length, end);
    const text = this.partsLength ? this.parts.join('') + piece : piece;
    this.endValue();
    if (this.quickCandidate >= 0) {
      // The quick candidate was this whole value: the layout was right and the value is broken.
      if (text.length === this.quickCandidate) this.quick = true;
      this.quickCandidate = -1;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.onError?.(text, err as Error);
      return end + 1;
    }
    this.emit(value);
    return end + 1;
  }

  /** A value that ended within a chunk but is over the limit: reported and dropped like one kept across chunks. */
  private tooLong(chars: number, end: number): number {
    this.endValue();
    this.quickCandidate = -1;
    this.options.onOversize?.(chars);
    return end + 1;
  }

  private endValue(): void {
    this.state = State.Between;
    this.parts = [];
    this.partsLength = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  /** Advances the scanner through `text`; the index of the character that closes the value, or -1. */
  private scanTo(text: string, from: number): number {
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    for (let i = from; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (c === BACKSLASH) escaped = true;
        else if (c === QUOTE) inString = false;
      } else if (c === QUOTE) {
        inString = true;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        depth++;
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) {
          this.depth = 0;
          this.inString = false;
          this.escaped = false;
          return i;
        }
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return -1;
  }

  private keep(piece: string): void {
    this.parts.push(piece);
    this.partsLength += piece.length;
  }

  /** The value passed the limit: report it, forget its text and read on to its end. */
  private drop(): void {
    const chars = this.partsLength;
    this.parts = [];
    this.partsLength = 0;
    this.state = State.Skip;
    this.options.onOversize?.(chars);
  }
}
