import { guardXml } from './parseLimits';

/**
 * A small, strict XML reader for MSBuild files: elements, attributes, text, comments, CDATA, the
 * XML declaration and processing instructions, the five named entities and character references.
 * Like MSBuild's own reader (System.Xml) it refuses what is not well-formed, saying where. No DTDs.
 */

export interface XmlElement {
  tagName: string;
  attributes: Map<string, string>;
  children: XmlElement[];
  /** The element's text content: its own text and that of its descendants, entities decoded. */
  text: string;
  /** 1-based position of the "<" that opens the element. */
  line: number;
  column: number;
  getAttribute(name: string): string | null;
}

export class XmlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
    this.name = 'XmlError';
  }
}

const NAME_START = /[A-Za-z_:\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-\u00B7\u00C0-\uFFFF]/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class Element implements XmlElement {
  attributes = new Map<string, string>();
  children: Element[] = [];
  parts: Array<string | Element> = [];
  constructor(
    readonly tagName: string,
    readonly line: number,
    readonly column: number,
  ) {}
  get text(): string {
    return this.parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
  }
  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }
}

/**
 * Parses a document and returns its root element; throws XmlError with line and column, or a
 * ParseLimitError naming `file` when the text is too large or nested too deeply to parse.
 */
export function parseXml(text: string, file = ''): XmlElement {
  guardXml(text, file);
  let i = 0;
  // Line starts, for turning offsets into line:column.
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const pos = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const fail = (message: string, at = i): never => {
    const p = pos(Math.min(at, text.length));
    throw new XmlError(message, p.line, p.column);
  };
  const startsWith = (s: string) => text.startsWith(s, i);
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const name = (): string => {
    const start = i;
    if (i >= text.length || !NAME_START.test(text[i])) fail(`a name was expected, found ${i < text.length ? `"${text[i]}"` : 'the end of the file'}`);
    i++;
    while (i < text.length && NAME_CHAR.test(text[i])) i++;
    return text.slice(start, i);
  };
  const decode = (raw: string, at: number): string =>
    raw.replace(/&([^;\s&<]*);?/g, (m, ref: string, off: number) => {
      if (!m.endsWith(';')) fail(`"&" must start an entity such as &amp;`, at + off);
      // A character reference must name a character XML allows (not NUL, not a surrogate, at most U+10FFFF).
      const char = (n: number) => {
        const ok = n === 0x9 || n === 0xa || n === 0xd || (n >= 0x20 && n <= 0xd7ff) || (n >= 0xe000 && n <= 0xfffd) || (n >= 0x10000 && n <= 0x10ffff);
        if (!ok) fail(`&${ref}; is not a character XML allows`, at + off);
        return String.fromCodePoint(n);
      };
      if (ref.startsWith('#x')) {
        const n = parseInt(ref.slice(2), 16);
        if (!Number.isFinite(n) || !/^[0-9a-fA-F]+$/.test(ref.slice(2))) fail(`bad character reference &${ref};`, at + off);
        return char(n);
      }
      if (ref.startsWith('#')) {
        if (!/^\d+$/.test(ref.slice(1))) fail(`bad character reference &${ref};`, at + off);
        return char(Number(ref.slice(1)));
      }
      if (!(ref in ENTITIES)) fail(`reference to an undeclared entity "&${ref};"`, at + off);
      return ENTITIES[ref];
    });
  /** Comments, processing instructions, the XML declaration and whitespace outside the root. */
  const misc = (allowDeclaration: boolean) => {
    for (;;) {
      skipSpace();
      if (startsWith('<!--')) comment();
      else if (startsWith('<?')) {
        const end = text.indexOf('?>', i);
        if (end < 0) fail('a processing instruction is not closed with "?>"');
        if (/^<\?xml[\s?]/i.test(text.slice(i, i + 6)) && (!allowDeclaration || i !== 0)) fail('the XML declaration must come first in the file, with nothing before it');
        i = end + 2;
      } else if (startsWith('<!DOCTYPE')) fail('document type declarations are not allowed in MSBuild files');
      else return;
      allowDeclaration = false;
    }
  };
  const comment = () => {
    const end = text.indexOf('-->', i + 4);
    if (end < 0) fail('a comment is not closed with "-->"');
    if (text.slice(i + 4, end).includes('--')) fail('"--" is not allowed inside a comment', text.indexOf('--', i + 4));
    i = end + 3;
  };
  const element = (): Element => {
    const open = i;
    i++; // <
    const tag = name();
    const { line, column } = pos(open);
    const el = new Element(tag, line, column);
    for (;;) {
      const before = i;
      skipSpace();
      if (startsWith('/>')) {
        i += 2;
        return el;
      }
      if (text[i] === '>') {
        i++;
        break;
      }
      if (i === before) fail(`whitespace or ">" was expected after <${tag}${el.attributes.size ? ' …' : ''}`);
      const attrAt = i;
      const attr = name();
      skipSpace();
      if (text[i] !== '=') fail(`the attribute ${attr} needs a value: ${attr}="…"`);
      i++;
      skipSpace();
      const q = text[i];
      if (q !== '"' && q !== "'") fail(`the value of ${attr} must be in quotes`);
      const end = text.indexOf(q, i + 1);
      if (end < 0) fail(`the value of ${attr} is not closed`);
      const raw = text.slice(i + 1, end);
      if (raw.includes('<')) fail(`"<" is not allowed in the value of ${attr}`, i + 1 + raw.indexOf('<'));
      if (el.attributes.has(attr)) fail(`the attribute ${attr} appears twice`, attrAt);
      el.attributes.set(attr, decode(raw, i + 1).replace(/[\t\n\r]/g, ' '));
      i = end + 1;
    }
    // Content, up to the matching end tag.
    for (;;) {
      if (i >= text.length) fail(`<${tag}> (line ${line}) is not closed`);
      if (startsWith('</')) {
        const at = i;
        i += 2;
        const closing = name();
        skipSpace();
        if (text[i] !== '>') fail(`">" was expected to end </${closing}`);
        i++;
        if (closing !== tag) fail(`the end tag </${closing}> does not match <${tag}> on line ${line}`, at);
        return el;
      }
      if (startsWith('<!--')) comment();
      else if (startsWith('<![CDATA[')) {
        const end = text.indexOf(']]>', i);
        if (end < 0) fail('a CDATA section is not closed with "]]>"');
        el.parts.push(text.slice(i + 9, end));
        i = end + 3;
      } else if (startsWith('<?')) {
        const end = text.indexOf('?>', i);
        if (end < 0) fail('a processing instruction is not closed with "?>"');
        i = end + 2;
      } else if (text[i] === '<') {
        const child = element();
        el.children.push(child);
        el.parts.push(child);
      } else {
        const start = i;
        const next = text.indexOf('<', i);
        i = next < 0 ? text.length : next;
        el.parts.push(decode(text.slice(start, i), start));
      }
    }
  };

  misc(true);
  if (text[i] !== '<') fail(i >= text.length ? 'the file has no root element' : `"<" was expected, found "${text[i]}"`);
  const root = element();
  misc(false);
  if (i < text.length) fail('only one root element is allowed; found more after it');
  return root;
}
