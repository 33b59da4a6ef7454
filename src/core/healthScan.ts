/**
 * Does a worker already serve an HTTP health endpoint? A scan of its C# sources for the usual ways
 * to serve one: MapHealthChecks / UseHealthChecks, a MapGet on a health-like path, an HttpListener
 * prefix, or the file Add Health Endpoint writes. Matches inside comments and string literals do not
 * count. Pure: the files are read in src/tools.
 */

export interface HealthEvidence {
  /** The file as given to the scan (absolute in practice). */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
  /** The source line, trimmed. */
  text: string;
  kind: 'map-health-checks' | 'use-health-checks' | 'map-get' | 'http-listener' | 'generated';
  /** The path it serves, when the code names it with a literal. */
  path?: string;
  /** The port, when the code names it (an HttpListener prefix). */
  port?: number;
}

export interface SourceFile {
  file: string;
  text: string;
}

/** The first line of the file Add Health Endpoint writes: how a later scan recognises it. */
export const GENERATED_MARKER = '// Added by AKS Worker Deploy (Add Health Endpoint)';

/**
 * The text with comments and the contents of string and character literals replaced by spaces
 * (newlines kept), so offsets and line numbers stay those of the original. Knows //, /* *\/,
 * "…" with escapes, @"…" and $@"…" verbatim strings, raw """…""" strings and '…' characters.
 */
export function maskCSharp(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      let j = i;
      while (j < n && text[j] !== '\n') j++;
      blank(i, j);
      i = j;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const j = end < 0 ? n : end + 2;
      blank(i, j);
      i = j;
    } else if (c === '"' || ((c === '@' || c === '$') && /^[@$]{0,2}"/.test(text.slice(i, i + 3)))) {
      // Prefixes: @ (verbatim), $ (interpolated), in either order; raw strings start with three quotes.
      let j = i;
      let verbatim = false;
      while (text[j] === '@' || text[j] === '$') {
        if (text[j] === '@') verbatim = true;
        j++;
      }
      let quotes = 0;
      while (text[j + quotes] === '"') quotes++;
      if (quotes >= 3) {
        const fence = '"'.repeat(quotes);
        const end = text.indexOf(fence, j + quotes);
        const stop = end < 0 ? n : end + quotes;
        blank(j + quotes, stop - quotes);
        i = stop;
        continue;
      }
      let k = j + 1;
      while (k < n) {
        if (verbatim) {
          if (text[k] === '"' && text[k + 1] === '"') {
            k += 2;
            continue;
          }
          if (text[k] === '"') break;
        } else {
          if (text[k] === '\\') {
            k += 2;
            continue;
          }
          if (text[k] === '"' || text[k] === '\n') break;
        }
        k++;
      }
      blank(j + 1, k);
      i = k + 1;
    } else if (c === "'") {
      let k = i + 1;
      while (k < n && text[k] !== "'" && text[k] !== '\n') k += text[k] === '\\' ? 2 : 1;
      blank(i + 1, k);
      i = k + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

/** The value of the string literal that starts at `at` in the original text (regular or verbatim), if there is one. */
export function literalAt(text: string, at: number): string | undefined {
  const m = /^\s*(@?)"((?:[^"\\\n]|\\.|"")*)"/.exec(text.slice(at, at + 500));
  if (!m) return undefined;
  return m[1] ? m[2].replace(/""/g, '"') : m[2].replace(/\\(.)/g, '$1');
}

/** 1-based line and column of an offset. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) {
    line++;
    start = k + 1;
  }
  return { line, column: offset - start + 1 };
}

const lineAt = (text: string, offset: number) => {
  const s = text.lastIndexOf('\n', offset - 1) + 1;
  const e = text.indexOf('\n', offset);
  return text.slice(s, e < 0 ? text.length : e).replace(/\r$/, '').trim();
};

/** Paths a MapGet serves that say "health" (liveness, readiness, ping included). */
const HEALTHY_PATH = /(health|live|ready|alive|ping|status)/i;

/** Every place in the sources that serves a health endpoint; an empty list when none does. */
export function scanHealthSources(files: SourceFile[]): HealthEvidence[] {
  const found: HealthEvidence[] = [];
  for (const { file, text: raw } of files) {
    const text = raw.replace(/^\uFEFF/, '');
    const code = maskCSharp(text);
    const add = (offset: number, kind: HealthEvidence['kind'], extra: Partial<HealthEvidence> = {}) => {
      found.push({ file, ...positionOf(text, offset), text: lineAt(text, offset), kind, ...extra });
    };
    if (text.startsWith(GENERATED_MARKER)) {
      add(0, 'generated');
      continue;
    }
    for (const m of code.matchAll(/\b(MapHealthChecks|UseHealthChecks)\s*(<[^>]*>)?\s*\(/g)) {
      const path = literalAt(text, m.index + m[0].length);
      add(m.index, m[1] === 'MapHealthChecks' ? 'map-health-checks' : 'use-health-checks', path !== undefined ? { path } : {});
    }
    for (const m of code.matchAll(/\bMap(Get|Methods)\s*\(/g)) {
      const path = literalAt(text, m.index + m[0].length);
      if (path !== undefined && HEALTHY_PATH.test(path)) add(m.index, 'map-get', { path });
    }
    for (const m of code.matchAll(/\bPrefixes\s*\.\s*Add\s*\(/g)) {
      const prefix = literalAt(text, m.index + m[0].length);
      const parsed = prefix ? /^https?:\/\/[^/:]+(?::(\d+))?(\/.*)?$/i.exec(prefix) : null;
      add(m.index, 'http-listener', parsed ? { ...(parsed[1] ? { port: Number(parsed[1]) } : {}), path: parsed[2] ?? '/' } : {});
    }
  }
  return found;
}

/** One line for each piece of evidence: "Program.cs:12:1: app.MapHealthChecks("/healthz");". */
export function describeEvidence(e: HealthEvidence, relativeTo: (file: string) => string = (f) => f): string {
  return `${relativeTo(e.file)}:${e.line}:${e.column}: ${e.text}`;
}
