/**
 * Limits checked before any YAML or XML file from a repository, a cluster or the user's home is parsed.
 * The parsers recurse per nesting level, so a small file nested tens of thousands of levels deep can
 * exhaust the stack or, worse, abort the whole process; a huge file takes the parser minutes and
 * gigabytes. The checks here are single linear passes over the text (no regular expressions), cheap
 * next to the parse they protect.
 */

/** Largest text we parse: 16 MiB. */
export const MAX_PARSE_BYTES = 16 * 1024 * 1024;
/**
 * Largest Chart.yaml or values.yaml the workspace scan reads: 2 MiB. The scan runs when the extension
 * starts, in every workspace (also in Restricted Mode), only to summarise the charts; the largest
 * values files of public charts are a tenth of this.
 */
export const MAX_SCAN_BYTES = 2 * 1024 * 1024;
/** Deepest nesting we parse; real charts, kubeconfigs and project files stay far below. */
export const MAX_PARSE_DEPTH = 256;
/**
 * A second, coarser depth bound for YAML that counts every bracket and sequence dash, even those the
 * first count takes to be inside a string. Below it the parser fails with an ordinary error at worst.
 */
export const MAX_RAW_DEPTH = 1000;
/**
 * Aliases a YAML document may expand, as the yaml package counts them (uses times nested expansion):
 * enough for values files that share blocks generously, far too few for an alias bomb.
 */
export const MAX_ALIAS_COUNT = 1000;

/** A file refused before parsing: too large or too deeply nested. */
export class ParseLimitError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly limit: 'size' | 'depth' | 'aliases',
  ) {
    super(message);
    this.name = 'ParseLimitError';
  }
}

const fmt = (n: number) => n.toLocaleString('en-US');

function sizeText(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/** The name a message uses for a file: its path as given, or "the file" when none. */
const named = (file: string) => file || 'the file';

/** Throws when the text is larger than the limit; `size` is its length in bytes when known. */
export function guardSize(text: string | number, file: string, max = MAX_PARSE_BYTES): void {
  const size = typeof text === 'number' ? text : text.length;
  if (size > max) {
    throw new ParseLimitError(`${named(file)} is ${sizeText(size)} (limit ${sizeText(max)}); it was not read. A file this large is not a chart, kubeconfig or project file we can work with.`, file, 'size');
  }
}

const SPACE = 32;
const TAB = 9;
const LF = 10;
const CR = 13;
const isBlank = (c: number) => c === SPACE || c === TAB;
const isBreakOrBlank = (c: number) => c === SPACE || c === TAB || c === LF || c === CR || Number.isNaN(c);

/**
 * How deeply YAML text nests, as two counts. `depth` follows YAML's rules closely enough to name the
 * nesting a reader sees: block indentation, compact sequences (`- - x`), flow collections, skipping
 * quoted scalars, block scalars and comments. `raw` ignores quoting and comments, so text the first
 * count mistakes for a string cannot hide nesting from it.
 */
export function yamlNesting(text: string): { depth: number; raw: number; line: number } {
  const n = text.length;
  let depth = 0;
  let depthLine = 0;
  // the quote-blind count
  let rawFlow = 0;
  let raw = 0;
  // quote-aware state
  let flow = 0;
  let quote = 0; // 0, '"' or "'"
  const indents: number[] = [];
  let blockScalarIndent = -1;
  let lineNo = 0;
  let i = 0;
  while (i < n) {
    lineNo++;
    let end = text.indexOf('\n', i);
    if (end < 0) end = n;
    // The quote-blind count: every bracket, and the dashes that open the line.
    let lead = 0;
    let k = i;
    for (;;) {
      while (k < end && isBlank(text.charCodeAt(k))) k++;
      const c = text.charCodeAt(k);
      if ((c === 45 /* - */ || c === 63) /* ? */ && isBreakOrBlank(text.charCodeAt(k + 1))) {
        lead++;
        k++;
      } else break;
    }
    for (let j = i; j < end; j++) {
      const c = text.charCodeAt(j);
      if (c === 91 || c === 123) rawFlow++;
      else if ((c === 93 || c === 125) && rawFlow > 0) rawFlow--;
      if (rawFlow + lead > raw) raw = rawFlow + lead;
    }
    if (lead > raw) raw = lead;

    // The quote-aware count.
    let j = i;
    let indent = 0;
    while (j < end && text.charCodeAt(j) === SPACE) j++;
    indent = j - i;
    let nodeStart = true;
    let blockDepth = indents.length;
    if (quote === 0) {
      while (j < end && isBlank(text.charCodeAt(j))) j++;
      const first = text.charCodeAt(j);
      const blank = j >= end || first === 35 /* # */ || first === CR;
      if (blank) {
        i = end + 1;
        continue;
      }
      if (blockScalarIndent >= 0) {
        if (indent > blockScalarIndent) {
          i = end + 1;
          continue;
        }
        blockScalarIndent = -1;
      }
      if (flow === 0) {
        while (indents.length > 0 && indents[indents.length - 1] >= indent) indents.pop();
        indents.push(indent);
        blockDepth = indents.length;
      }
    } else {
      j = i;
      nodeStart = false;
    }
    let extra = 0;
    let afterQuoted = false;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (quote !== 0) {
        if (quote === 34 && c === 92 /* \ */) {
          j += 2;
          continue;
        }
        if (c === quote) {
          if (quote === 39 && text.charCodeAt(j + 1) === 39) {
            j += 2;
            continue;
          }
          quote = 0;
          nodeStart = false;
          afterQuoted = true;
        }
        j++;
        continue;
      }
      if (isBlank(c) || c === CR) {
        j++;
        continue;
      }
      const next = text.charCodeAt(j + 1);
      const prevBlank = j === i || isBlank(text.charCodeAt(j - 1));
      if (c === 35 /* # */ && prevBlank) break;
      if (nodeStart) {
        if ((c === 45 || c === 63 || c === 58) && isBreakOrBlank(next)) {
          // a compact entry (`- - x`, `? x`, `: x`) nests one more level in block context
          if (flow === 0) extra++;
          j++;
          continue;
        }
        if (c === 34 || c === 39) {
          quote = c;
          j++;
          continue;
        }
        if ((c === 38 /* & */ || c === 33) /* ! */) {
          // an anchor or a tag: the node follows it
          while (j < end && !isBlank(text.charCodeAt(j))) j++;
          continue;
        }
        if ((c === 124 /* | */ || c === 62) /* > */ && flow === 0) {
          blockScalarIndent = indent;
          break;
        }
      }
      if (c === 91 || c === 123) {
        if (nodeStart || flow > 0) {
          flow++;
          nodeStart = true;
          const d = blockDepth + extra + flow;
          if (d > depth) {
            depth = d;
            depthLine = lineNo;
          }
          j++;
          continue;
        }
      } else if ((c === 93 || c === 125) && flow > 0) {
        flow--;
        nodeStart = false;
        j++;
        continue;
      } else if (c === 44 /* , */ && flow > 0) {
        nodeStart = true;
        j++;
        continue;
      } else if (c === 58 /* : */ && (isBreakOrBlank(next) || afterQuoted || (flow > 0 && (next === 44 || next === 91 || next === 93 || next === 123 || next === 125)))) {
        nodeStart = true;
        afterQuoted = false;
        j++;
        continue;
      }
      nodeStart = false;
      afterQuoted = false;
      j++;
    }
    const d = blockDepth + extra + flow;
    if (d > depth) {
      depth = d;
      depthLine = lineNo;
    }
    i = end + 1;
  }
  return { depth, raw, line: depthLine };
}

/**
 * Throws a ParseLimitError when YAML text is too large or too deeply nested to parse safely; the
 * message names the file, the measure and the limit.
 */
export function guardYaml(text: string, file: string): void {
  guardSize(text, file);
  const { depth, raw, line } = yamlNesting(text);
  if (depth > MAX_PARSE_DEPTH) {
    throw new ParseLimitError(`${named(file)} is nested ${fmt(depth)} levels deep${line ? ` (at line ${fmt(line)})` : ''} (limit ${MAX_PARSE_DEPTH}); it was not read.`, file, 'depth');
  }
  if (raw > MAX_RAW_DEPTH) {
    throw new ParseLimitError(`${named(file)} opens ${fmt(raw)} brackets or sequence entries without closing them (limit ${fmt(MAX_RAW_DEPTH)}); it was not read.`, file, 'depth');
  }
}

/** How deeply XML elements nest, skipping comments, CDATA, processing instructions and DOCTYPEs. */
export function xmlNesting(text: string): { depth: number; line: number } {
  const n = text.length;
  let depth = 0;
  let max = 0;
  let maxLine = 0;
  let line = 1;
  let i = 0;
  const skipTo = (marker: string, from: number) => {
    const at = text.indexOf(marker, from);
    const stop = at < 0 ? n : at + marker.length;
    for (let k = i; k < stop; k++) if (text.charCodeAt(k) === LF) line++;
    return stop;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === LF) {
      line++;
      i++;
      continue;
    }
    if (c !== 60 /* < */) {
      i++;
      continue;
    }
    if (text.startsWith('<!--', i)) i = skipTo('-->', i + 4);
    else if (text.startsWith('<![CDATA[', i)) i = skipTo(']]>', i + 9);
    else if (text.startsWith('<?', i)) i = skipTo('?>', i + 2);
    else if (text.startsWith('<!', i)) i = skipTo('>', i + 2);
    else if (text.startsWith('</', i)) {
      i = skipTo('>', i + 2);
      if (depth > 0) depth--;
    } else {
      // a start tag: to its end, past quoted attribute values
      let k = i + 1;
      let q = 0;
      while (k < n) {
        const d = text.charCodeAt(k);
        if (d === LF) line++;
        if (q !== 0) {
          if (d === q) q = 0;
        } else if (d === 34 || d === 39) q = d;
        else if (d === 62 /* > */) break;
        k++;
      }
      const selfClosing = k < n && text.charCodeAt(k - 1) === 47; /* / */
      if (!selfClosing) {
        depth++;
        if (depth > max) {
          max = depth;
          maxLine = line;
        }
      }
      i = k + 1;
    }
  }
  return { depth: max, line: maxLine };
}

/** Throws a ParseLimitError when XML text is too large or too deeply nested to parse safely. */
export function guardXml(text: string, file: string): void {
  guardSize(text, file);
  const { depth, line } = xmlNesting(text);
  if (depth > MAX_PARSE_DEPTH) {
    throw new ParseLimitError(`${named(file)} nests elements ${fmt(depth)} levels deep${line ? ` (at line ${fmt(line)})` : ''} (limit ${MAX_PARSE_DEPTH}); it was not read.`, file, 'depth');
  }
}

/**
 * A parsed YAML document as plain data, with alias expansion capped: a document whose aliases expand
 * too far (an "alias bomb") is a ParseLimitError naming the file, not a ReferenceError from deep inside.
 */
export function yamlToJS(doc: { toJS(options: { maxAliasCount: number }): unknown }, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new ParseLimitError(`${named(file)} expands YAML aliases more than ${fmt(MAX_ALIAS_COUNT)} times; it was not read.`, file, 'aliases');
    }
    throw err;
  }
}

/** What each of the yaml package's error codes means, in words that quote nothing from the file. */
const YAML_CODES: Record<string, string> = {
  BAD_INDENT: 'the indentation is wrong',
  TAB_AS_INDENT: 'a tab is used for indentation',
  MISSING_CHAR: 'a character is missing (a quote, bracket, comma or colon)',
  UNEXPECTED_TOKEN: 'there is unexpected text',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape sequence',
  BAD_SCALAR_START: 'a value starts with a character that needs quotes',
  BLOCK_AS_IMPLICIT_KEY: 'a key spans more than one line',
  MULTILINE_IMPLICIT_KEY: 'a key spans more than one line',
  KEY_OVER_1024_CHARS: 'a key is longer than 1024 characters',
  DUPLICATE_KEY: 'a key is repeated',
  BAD_ALIAS: 'an alias names no anchor',
  ALIAS_PROPS: 'an alias has a tag or anchor',
  MULTIPLE_ANCHORS: 'a node has more than one anchor',
  MULTIPLE_TAGS: 'a node has more than one tag',
  BAD_PROP_ORDER: 'an anchor or tag is out of place',
  TAG_RESOLVE_FAILED: 'a tag is unknown',
  BAD_COLLECTION_TYPE: 'a tag does not fit its value',
  BAD_DIRECTIVE: 'a directive is invalid',
  MULTIPLE_DOCS: 'the file holds more than one document',
  NON_STRING_KEY: 'a key is not a string',
  IMPOSSIBLE: 'the parser failed',
};

/**
 * A YAML parse error as "file:line:col: not valid YAML: what is wrong", built from the error's code
 * and position only. The yaml package quotes the lines around a mistake (and some messages quote a
 * value); for files that hold credentials (kubeconfigs, registry and cloud logins) those lines are
 * often keys, tokens or passwords, so nothing of the text is repeated.
 */
export function yamlErrorWithoutSource(err: unknown, file: string): string {
  if (err instanceof ParseLimitError) return err.message;
  const e = err as (Error & { code?: unknown; linePos?: Array<{ line: number; col: number }> }) | undefined;
  const pos = e?.linePos?.[0];
  const at = `${file}${pos ? `:${pos.line}:${pos.col}` : ''}`;
  if (e?.name === 'YAMLParseError' || e?.name === 'YAMLWarning') {
    const code = typeof e.code === 'string' ? e.code : '';
    return `${at}: not valid YAML: ${YAML_CODES[code] ?? `error ${code || 'unknown'}`}`;
  }
  if (e instanceof ReferenceError && /alias/i.test(e.message)) return `${at}: its YAML aliases expand too far (limit ${MAX_ALIAS_COUNT})`;
  if (e instanceof RangeError) return `${at}: too complex to read`;
  return `${at}: cannot be read (${e?.name ?? 'error'})`;
}
