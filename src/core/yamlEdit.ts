import { Document, isMap, isScalar, parseDocument, stringify, type Node, type Pair, type Scalar } from 'yaml';
import { guardYaml } from './parseLimits';

/** A YAML file that cannot be edited safely: names the file, line and column. Nothing was changed. */
export class YamlEditError extends Error {
  constructor(readonly file: string, message: string, readonly line?: number, readonly column?: number) {
    super(`${file}${line ? `:${line}:${column ?? 1}` : ''}: ${message}`);
    this.name = 'YamlEditError';
  }
}

/**
 * Parses YAML with the Document API, to find what to edit. Invalid YAML (or a document that is not
 * a mapping) throws YamlEditError with line:column.
 */
export function parseForEdit(text: string, file: string): Document {
  guardYaml(text, file);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new YamlEditError(file, err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), pos?.line, pos?.col);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw new YamlEditError(file, 'the top level is not a mapping of keys to values');
  return doc;
}

/**
 * Surgical edits: the Document API finds each node, and only that node's characters in the original
 * text change. Comments, blank lines, indentation, quoting elsewhere and CRLF endings stay as written.
 */
export class YamlTextEditor {
  private text: string;
  readonly eol: string;

  constructor(text: string, readonly file: string) {
    this.text = text;
    this.eol = text.includes('\r\n') ? '\r\n' : '\n';
    parseForEdit(text, file);
  }

  toString(): string {
    return this.text;
  }

  private doc(): Document {
    return parseForEdit(this.text, this.file);
  }

  /** The scalar at `path`, or undefined. */
  get(path: string[]): unknown {
    const node = this.doc().getIn(path, true) as Node | undefined;
    return isScalar(node) ? node.value : node === undefined ? undefined : node.toJSON();
  }

  /**
   * Sets a scalar at `path`, keeping its quoting style unless `quote` says otherwise. The path's
   * parent must exist; a missing last key is added at the end of its mapping.
   */
  setScalar(path: string[], value: string | number | boolean, quote?: 'double' | 'plain'): this {
    const doc = this.doc();
    const node = doc.getIn(path, true) as Node | undefined;
    if (node && !isScalar(node)) throw new YamlEditError(this.file, `${path.join('.')} is not a single value`, ...this.pos(node.range?.[0]));
    if (node && isScalar(node) && node.range) {
      const style = quote ?? (node.type === 'QUOTE_DOUBLE' ? 'double' : node.type === 'QUOTE_SINGLE' ? 'single' : 'plain');
      this.splice(node.range[0], node.range[1], render(value, style));
      return this;
    }
    // Add the key at the end of its parent mapping, indented like its siblings.
    const parentPath = path.slice(0, -1);
    const parent = (parentPath.length ? doc.getIn(parentPath, true) : doc.contents) as Node | undefined;
    if (!isMap(parent)) throw new YamlEditError(this.file, `${parentPath.join('.') || 'the top level'} is not a mapping`);
    const key = path[path.length - 1];
    const line = `${key}: ${render(value, quote ?? (typeof value === 'string' ? 'double' : 'plain'))}`;
    const last = parent.items[parent.items.length - 1] as Pair<Node, Node> | undefined;
    if (!last || !last.key?.range) {
      throw new YamlEditError(this.file, `${parentPath.join('.') || 'the document'} is empty; cannot add ${key} without rewriting it`);
    }
    const indent = this.indentAt(last.key.range[0]);
    const end = this.lineEnd((last.value?.range ?? last.key.range)[1]);
    this.splice(end, end, `${this.eol}${indent}${line}`);
    return this;
  }

  /** The pair at `path`, or undefined. */
  private pairAt(doc: Document, path: string[]): Pair<Node, Node> | undefined {
    const parent = (path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents) as Node | undefined;
    if (!isMap(parent)) return undefined;
    return parent.items.find((p) => isScalar(p.key) && String((p.key as Scalar).value) === path[path.length - 1]) as Pair<Node, Node> | undefined;
  }

  /**
   * Replaces the whole value at `path` with `value` written as block YAML under the key (or `{}` when
   * empty). The key, the comments above it and everything around it stay. A missing key is added
   * to its parent mapping.
   */
  setBlock(path: string[], value: unknown): this {
    const doc = this.doc();
    const pair = this.pairAt(doc, path);
    const isEmpty = value === null || value === undefined || (typeof value === 'object' && Object.keys(value as object).length === 0);
    if (!pair?.key.range) {
      const parentPath = path.slice(0, -1);
      const parent = (parentPath.length ? doc.getIn(parentPath, true) : doc.contents) as Node | undefined;
      const key = path[path.length - 1];
      if (parentPath.length === 0) {
        // a new top-level key goes at the end of the file
        const sep = this.text.length === 0 || this.text.endsWith('\n') ? '' : this.eol;
        this.splice(this.text.length, this.text.length, `${sep}${key}:${isEmpty ? ' {}' : this.eol + this.block(value, '  ')}${this.eol}`);
        return this;
      }
      if (!isMap(parent)) throw new YamlEditError(this.file, `${parentPath.join('.')} is not a mapping`);
      const last = parent.items[parent.items.length - 1] as Pair<Node, Node> | undefined;
      if (!last?.key.range) throw new YamlEditError(this.file, `${parentPath.join('.')} is empty; cannot add ${key} without rewriting it`);
      const indent = this.indentAt(last.key.range[0]);
      const at = this.lineEnd((last.value?.range ?? last.key.range)[1]);
      this.splice(at, at, `${this.eol}${indent}${key}:${isEmpty ? ' {}' : this.eol + this.block(value, `${indent}  `)}`);
      return this;
    }
    const keyEnd = pair.key.range[1];
    const colon = this.text.indexOf(':', keyEnd);
    const valueEnd = pair.value?.range ? this.lineEnd(pair.value.range[1]) : this.lineEnd(colon + 1);
    // keep a trailing comment on the key line when the value was on the next lines
    const keyLineEnd = this.lineEnd(colon + 1);
    const keyLineRest = this.text.slice(colon + 1, keyLineEnd);
    const comment = /^\s*#/.test(keyLineRest) ? keyLineRest : '';
    const indent = this.indentAt(pair.key.range[0]);
    const body = isEmpty ? ' {}' : `${comment}${this.eol}${this.block(value, `${indent}  `)}`;
    this.splice(colon + 1, valueEnd, body);
    return this;
  }

  /** Removes the key at `path` (its line and any value lines under it); nothing if it is absent. */
  deleteKey(path: string[]): this {
    const pair = this.pairAt(this.doc(), path);
    if (!pair?.key.range) return this;
    const start = this.lineStart(pair.key.range[0]);
    const end = this.lineEnd((pair.value?.range ?? pair.key.range)[1]);
    this.splice(start, this.nextLine(end) ?? this.text.length, '');
    return this;
  }

  private block(value: unknown, indent: string): string {
    const text = stringify(value, { lineWidth: 0, indentSeq: true }).replace(/\n$/, '');
    return text.split('\n').map((l) => (l ? indent + l : l)).join(this.eol);
  }

  /** Removes top-level keys with their comment lines above and their indented lines below. */
  deleteTopLevel(keys: string[]): this {
    for (const key of keys) {
      const doc = this.doc();
      const pair = (doc.contents as { items: Array<Pair<Node, Node>> }).items.find((p) => isScalar(p.key) && p.key.value === key);
      if (!pair?.key.range) continue;
      let start = this.lineStart(pair.key.range[0]);
      // comment lines directly above (no blank line in between) belong to the key
      while (start > 0) {
        const prevStart = this.lineStart(start - 1);
        if (!/^#/.test(this.text.slice(prevStart, start))) break;
        start = prevStart;
      }
      // the value's own end; comments after it belong to whatever follows
      let end = this.lineEnd((pair.value?.range ?? pair.key.range)[1]);
      // indented lines (commented-out examples) that follow are part of the block too
      for (;;) {
        const next = this.nextLine(end);
        if (next === undefined || !/^[ \t]+(#|\S)/.test(this.text.slice(next, this.lineEnd(next + 1)))) break;
        end = this.lineEnd(next + 1);
      }
      this.splice(start, this.nextLine(end) ?? this.text.length, '');
      // a block between two blank lines leaves one blank line, not two
      while (start > 0 && start < this.text.length && this.isBlank(start) && (start === 0 || this.isBlank(this.lineStart(start - 1)))) {
        this.splice(start, this.nextLine(this.lineEnd(start + 1)) ?? this.text.length, '');
      }
    }
    return this;
  }

  /** Inserts lines (without line endings) before the top-level key `before` and its comments, or at the end. */
  insertTopLevel(lines: string[], before?: string): this {
    const block = lines.join(this.eol) + this.eol;
    const doc = this.doc();
    const pair = before ? (doc.contents as { items: Array<Pair<Node, Node>> }).items.find((p) => isScalar(p.key) && p.key.value === before) : undefined;
    if (pair?.key.range) {
      let at = this.lineStart(pair.key.range[0]);
      while (at > 0 && /^#/.test(this.text.slice(this.lineStart(at - 1), at))) at = this.lineStart(at - 1);
      this.splice(at, at, block + this.eol);
    } else {
      const sep = this.text.endsWith('\n') ? '' : this.eol;
      this.splice(this.text.length, this.text.length, `${sep}${this.eol}${block}`);
    }
    return this;
  }

  /** Adds comment lines right above the key at `path`, at its indentation. */
  commentAbove(path: string[], comment: string[]): this {
    const doc = this.doc();
    const parent = (path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents) as Node | undefined;
    if (!isMap(parent)) return this;
    const pair = parent.items.find((p) => isScalar(p.key) && (p.key as Scalar).value === path[path.length - 1]) as Pair<Node, Node> | undefined;
    if (!pair?.key.range) return this;
    const at = this.lineStart(pair.key.range[0]);
    const indent = this.indentAt(pair.key.range[0]);
    this.splice(at, at, comment.map((c) => `${indent}# ${c}${this.eol}`).join(''));
    return this;
  }

  private splice(from: number, to: number, insert: string): void {
    this.text = this.text.slice(0, from) + insert + this.text.slice(to);
  }

  private lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }

  private lineEnd(offset: number): number {
    // the end of the line holding `offset - 1` (a range end points just past its last character)
    const from = Math.max(0, offset - 1);
    const nl = this.text.indexOf('\n', from);
    if (nl < 0) return this.text.length;
    return this.text[nl - 1] === '\r' ? nl - 1 : nl;
  }

  private nextLine(lineEnd: number): number | undefined {
    const nl = this.text.indexOf('\n', lineEnd);
    return nl < 0 || nl + 1 >= this.text.length ? undefined : nl + 1;
  }

  private isBlank(lineStartOffset: number): boolean {
    return this.text.slice(lineStartOffset, this.lineEnd(lineStartOffset + 1)).trim() === '';
  }

  private indentAt(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start, offset))?.[0] ?? '';
  }

  private pos(offset?: number): [number?, number?] {
    if (offset === undefined) return [];
    const before = this.text.slice(0, offset);
    return [before.split('\n').length, offset - before.lastIndexOf('\n')];
  }
}

function render(value: string | number | boolean, style: 'double' | 'single' | 'plain'): string {
  if (typeof value !== 'string') return String(value);
  if (style === 'double') return JSON.stringify(value);
  if (style === 'single') return `'${value.replace(/'/g, "''")}'`;
  // plain only when it reads back as the same string
  const reread = parseDocument(`k: ${value}`).get('k');
  return reread === value && !/[#:]\s|\s$|^\s/.test(value) ? value : JSON.stringify(value);
}
