import { Document, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, stringify, visit, type Node, type Pair, type YAMLMap } from 'yaml';
import { YamlEditError } from './yamlEdit';
import { guardYaml, yamlToJS } from './parseLimits';

/**
 * Edits one value of a Helm values file where Helm reads it, changing only the characters that must
 * change: the last of duplicated keys (Helm takes the last), flow maps edited as flow, a key added
 * beside its siblings. A value shared through a YAML anchor is never changed elsewhere silently:
 * aliases of it get their own copy first, and maps that merge it (`<<: *x`) keep their old value
 * written out. Each such step is reported in `notes`.
 */

export interface ValuesEdit {
  text: string;
  notes: string[];
}

type Path = string[];
type Range = [number, number, number];

function parse(text: string, file: string): Document {
  guardYaml(text, file);
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, keepSourceTokens: false, merge: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    throw new YamlEditError(file, err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), pos?.line, pos?.col);
  }
  return doc;
}

/** A merge key (`<<`): with merge on, the parser gives it a symbol for a value. */
export const isMergeKey = (k: unknown) => isScalar(k) && (k.value === '<<' || (typeof k.value === 'symbol' && String(k.value) === 'Symbol(<<)'));

/** The pair Helm uses for `key` in a map: the last one (later duplicates win). */
function lastPair(map: YAMLMap, key: string): Pair<Node, Node> | undefined {
  let found: Pair<Node, Node> | undefined;
  for (const it of map.items) if (isScalar(it.key) && String(it.key.value) === key) found = it as Pair<Node, Node>;
  return found;
}

const lineStart = (text: string, at: number) => text.lastIndexOf('\n', at - 1) + 1;
const indentOf = (text: string, at: number) => /^[ \t]*/.exec(text.slice(lineStart(text, at), at))?.[0] ?? '';
function lineEnd(text: string, at: number): number {
  const nl = text.indexOf('\n', Math.max(0, at - 1));
  if (nl < 0) return text.length;
  return text[nl - 1] === '\r' ? nl - 1 : nl;
}

/** A scalar written as the old one was: same quotes; plain only when it reads back the same. */
export function renderScalar(value: string | number | boolean, style: 'double' | 'single' | 'plain'): string {
  if (typeof value !== 'string') return String(value);
  if (style === 'double') return JSON.stringify(value);
  if (style === 'single') return `'${value.replace(/'/g, "''")}'`;
  const reread = parseDocument(`k: ${value}`).get('k');
  return reread === value && !/[#:,{}[\]]\s|[,{}[\]]$|\s$|^\s/.test(value) ? value : JSON.stringify(value);
}

function block(value: unknown, indent: string, eol: string): string {
  const text = stringify(value, { lineWidth: 0, indentSeq: true }).replace(/\n$/, '');
  return text
    .split('\n')
    .map((l) => (l ? indent + l : l))
    .join(eol);
}

function flow(value: unknown): string {
  return stringify(value, { collectionStyle: 'flow', lineWidth: 0 }).replace(/\n$/, '');
}

interface Walk {
  /** The map that holds the last key, or undefined when a key on the way is missing. */
  parent?: YAMLMap;
  pair?: Pair<Node, Node>;
  /** How far the path exists (index of the first missing key). */
  depth: number;
  /** The deepest existing node. */
  node?: Node;
  /** An alias met on the way: its node and the path up to it. */
  alias?: { node: Node; path: Path };
  /** Anchored maps/sequences on the way (the edit would change what their aliases see). */
  anchored: Array<{ node: Node; path: Path }>;
}

function walk(doc: Document, path: Path): Walk {
  let node = doc.contents as Node | null;
  const anchored: Walk['anchored'] = [];
  let parent: YAMLMap | undefined;
  let pair: Pair<Node, Node> | undefined;
  for (let i = 0; i < path.length; i++) {
    if (node && isAlias(node)) return { parent, pair, depth: i, node, alias: { node, path: path.slice(0, i) }, anchored };
    if (!node || !isMap(node)) return { parent, pair, depth: i, node: node ?? undefined, anchored };
    if ((node as { anchor?: string }).anchor) anchored.push({ node, path: path.slice(0, i) });
    parent = node;
    pair = lastPair(node, path[i]);
    if (!pair) return { parent, depth: i, node, anchored };
    node = pair.value as Node | null;
    if (i === path.length - 1) {
      if (node && isAlias(node)) return { parent, pair, depth: path.length, node, alias: { node, path }, anchored };
      if (node && (node as { anchor?: string }).anchor) anchored.push({ node, path });
      return { parent, pair, depth: path.length, node: node ?? undefined, anchored };
    }
  }
  return { depth: path.length, node: node ?? undefined, anchored };
}

/** Replaces an alias (`*probe`) with a copy of what it points to, written like its surroundings. */
function materialize(text: string, doc: Document, aliasNode: Node, eol: string, file: string): string {
  const target = (aliasNode as unknown as { resolve(d: Document): Node | undefined }).resolve(doc) as unknown as { toJS(d: Document, o: object): unknown } | undefined;
  // toJS with the document, so merges (<<: *x) inside the copied map are resolved
  const value = target ? yamlToJS({ toJS: (o) => target.toJS(doc, o) }, file) : undefined;
  const r = aliasNode.range as Range;
  const keyLineIndent = indentOf(text, r[0]);
  const before = text.slice(lineStart(text, r[0]), r[0]);
  const inFlow = /[{[,]\s*[^:]*:?\s*$/.test(before) && /[{[]/.test(before);
  if (value === null || typeof value !== 'object' || inFlow || Object.keys(value).length === 0) return text.slice(0, r[0]) + flow(value) + text.slice(r[1]);
  // "key: *x" on one line: the copy goes below the key, indented one step more
  return `${text.slice(0, r[0]).replace(/[ \t]+$/, '')}${eol}${block(value, `${keyLineIndent}  `, eol)}${text.slice(r[1])}`;
}

/** Every alias of `anchor` outside `within`, and every map that merges it (`<<: *anchor`). */
function usersOf(doc: Document, anchor: string, within: Node): Array<{ alias: Node; merge?: YAMLMap }> {
  const out: Array<{ alias: Node; merge?: YAMLMap }> = [];
  const [from, to] = within.range as Range;
  visit(doc, {
    Alias(_key, node, path) {
      if (node.source !== anchor) return;
      const [s] = node.range as Range;
      if (s >= from && s < to) return;
      const pairNode = path[path.length - 1];
      const map = path[path.length - 2];
      if (isPair(pairNode) && isMergeKey(pairNode.key) && isMap(map)) out.push({ alias: node, merge: map as YAMLMap });
      else out.push({ alias: node });
    },
  });
  return out;
}

const valueAt = (o: unknown, path: Path): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

/**
 * Sets the scalar at `path` (creating missing maps on the way), keeping everything else byte for byte.
 * Refuses what it cannot do without guessing: a path through a list, or a value that is not a scalar.
 */
export function setValue(text: string, file: string, path: Path, value: string | number | boolean): ValuesEdit {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const notes: string[] = [];
  const where = path.join('.');
  for (let guard = 0; guard < 20; guard++) {
    const doc = parse(text, file);
    const w = walk(doc, path);
    // 1. An alias on the way: the edit gets its own copy of the shared map.
    if (w.alias) {
      const source = (w.alias.node as unknown as { source: string }).source;
      text = materialize(text, doc, w.alias.node, eol, file);
      notes.push(`${w.alias.path.join('.')} was an alias of &${source}: it now has its own copy, so the edit changes nothing else`);
      continue;
    }
    // 2. The edit would change an anchored map that others use: give them their own copy first.
    // (also when the key is missing: adding it to an anchored map changes what its aliases see)
    const shared = w.depth >= path.length - 1 ? w.anchored.find((a) => usersOf(doc, (a.node as unknown as { anchor: string }).anchor, a.node).length) : undefined;
    if (shared) {
      const anchor = (shared.node as unknown as { anchor: string }).anchor;
      const users = usersOf(doc, anchor, shared.node);
      const rest = path.slice(shared.path.length);
      const plain = yamlToJS(parseDocument(text, { merge: true, uniqueKeys: false }), file);
      // Merge users keep the old value, written out; plain aliases get a copy. Last first, so ranges stay valid.
      const edits = users
        .map((u) => ({ u, at: (u.alias.range as Range)[0] }))
        .sort((a, b) => b.at - a.at);
      for (const { u } of edits) {
        if (u.merge) {
          if (rest.length !== 1 || lastPair(u.merge, rest[0])) continue; // overrides it already, or deeper: left to the render check
          const mergeUserPath = pathOf(doc, u.merge);
          const old = mergeUserPath ? valueAt(plain, [...mergeUserPath, rest[0]]) : undefined;
          if (old === undefined || typeof old === 'object') continue;
          const mergePair = u.merge.items.find((it) => isMergeKey(it.key)) as Pair<Node, Node>;
          const end = lineEnd(text, (mergePair.value?.range as Range)[1]);
          const indent = indentOf(text, (mergePair.key as Node).range![0]);
          text = u.merge.flow
            ? `${text.slice(0, (mergePair.value?.range as Range)[1])}, ${rest[0]}: ${renderScalar(old as string | number | boolean, 'plain')}${text.slice((mergePair.value?.range as Range)[1])}`
            : `${text.slice(0, end)}${eol}${indent}${rest[0]}: ${renderScalar(old as string | number | boolean, 'plain')}${text.slice(end)}`;
          notes.push(`${mergeUserPath?.join('.') ?? 'a map'} merges &${anchor}: it keeps ${rest[0]}: ${String(old)}, now written out`);
        } else {
          const p = pathOf(doc, u.alias);
          text = materialize(text, doc, u.alias, eol, file);
          notes.push(`${p?.join('.') ?? 'an alias'} was an alias of &${anchor}: it now has its own copy and keeps its values`);
        }
      }
      // strip the anchor's users only once: re-parse and go on with the edit (the anchor is now unused or pinned)
      const again = parse(text, file);
      if (walk(again, path).anchored.some((a) => usersOf(again, (a.node as unknown as { anchor: string }).anchor, a.node).some((x) => !x.merge))) {
        throw new YamlEditError(file, `${where} is shared through an anchor in a way that cannot be separated safely; edit it by hand`);
      }
      // merges that go deeper than one key are judged by the render check
      if (text === doc.toString() && guard > 0) break;
      const afterPin = walk(again, path);
      if (!afterPin.alias) return finish(again, text, file, path, value, eol, notes);
      continue;
    }
    return finish(doc, text, file, path, value, eol, notes);
  }
  throw new YamlEditError(file, `${where}: could not be edited without rewriting the file`);
}

function finish(doc: Document, text: string, file: string, path: Path, value: string | number | boolean, eol: string, notes: string[]): ValuesEdit {
  const w = walk(doc, path);
  const where = path.join('.');
  if (w.depth === path.length && w.pair) {
    const node = w.pair.value as Node | null;
    if (node && !isScalar(node)) throw new YamlEditError(file, `${where} is not a single value`, ...pos(text, (node.range as Range)[0]));
    if (node && isScalar(node) && node.range) {
      const style = node.type === 'QUOTE_DOUBLE' ? 'double' : node.type === 'QUOTE_SINGLE' ? 'single' : 'plain';
      const r = node.range as Range;
      return { text: text.slice(0, r[0]) + renderScalar(value, style) + text.slice(r[1]), notes };
    }
    // "key:" with nothing (null): the value goes after the colon
    const keyEnd = (w.pair.key as Node).range![1];
    const colon = text.indexOf(':', keyEnd);
    return { text: `${text.slice(0, colon + 1)} ${renderScalar(value, typeof value === 'string' ? 'double' : 'plain')}${text.slice(lineEnd(text, colon + 1)).replace(/^[ \t]*(?=#|$)/, (m) => m)}`, notes };
  }
  // A key is missing at w.depth: add it (and the maps below it) to the deepest existing map.
  const container = w.depth === 0 ? (doc.contents as Node | null) : (w.pair?.value as Node | null) ?? (w.parent as Node | undefined);
  const missing = path.slice(w.depth);
  const nested = missing.slice(1).reduceRight<unknown>((v, k) => ({ [k]: v }), value);
  const key = missing[0];
  const holder = w.depth === 0 ? container : w.depth < path.length && w.pair ? (w.pair.value as Node | null) : w.parent;
  const target = w.depth === 0 ? (doc.contents as Node | null) : holder;
  if (target && isSeq(target)) throw new YamlEditError(file, `${path.slice(0, w.depth).join('.')} is a list; cannot add ${missing.join('.')}`);
  if (target === null || target === undefined || (isScalar(target) && (target.value === null || target.value === ''))) {
    // "key:" with no value, or "key: null": write a block under it
    const parentPair = w.pair;
    if (!parentPair) {
      const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
      return { text: `${text}${sep}${block({ [key]: nested }, '', eol)}${eol}`, notes };
    }
    const keyStart = (parentPair.key as Node).range![0];
    const colon = text.indexOf(':', (parentPair.key as Node).range![1]);
    const endOfValue = lineEnd(text, colon + 1);
    const rest = text.slice(colon + 1, endOfValue).replace(/^\s*(null|~)?\s*/, ' ').trimEnd();
    const comment = rest.trim().startsWith('#') ? ` ${rest.trim()}` : '';
    return { text: `${text.slice(0, colon + 1)}${comment}${eol}${block({ [key]: nested }, `${indentOf(text, keyStart)}  `, eol)}${text.slice(endOfValue)}`, notes };
  }
  if (!isMap(target)) throw new YamlEditError(file, `${path.slice(0, w.depth).join('.')} is not a map; cannot add ${missing.join('.')}`);
  const map = target as YAMLMap;
  if (map.flow) {
    const r = map.range as Range;
    const close = text.lastIndexOf('}', r[1] - 1);
    const inner = text.slice(text.indexOf('{', r[0]) + 1, close);
    const entry = `${key}: ${typeof nested === 'object' ? flow(nested) : renderScalar(nested as string | number | boolean, typeof nested === 'string' ? 'double' : 'plain')}`;
    const sep = inner.trim() === '' ? '' : inner.trimEnd().endsWith(',') ? ' ' : ', ';
    const trimmedEnd = close - (inner.length - inner.trimEnd().length);
    return { text: `${text.slice(0, trimmedEnd)}${sep}${entry}${text.slice(trimmedEnd)}`, notes };
  }
  const last = map.items[map.items.length - 1] as Pair<Node, Node> | undefined;
  if (!last?.key?.range) {
    // an empty block map "{}": replace it
    const r = map.range as Range;
    const keyIndent = w.pair ? indentOf(text, (w.pair.key as Node).range![0]) : '';
    return { text: `${text.slice(0, r[0]).replace(/[ \t]+$/, '')}${eol}${block({ [key]: nested }, `${keyIndent}  `, eol)}${text.slice(r[1])}`, notes };
  }
  const indent = indentOf(text, last.key.range[0]);
  const end = lineEnd(text, ((last.value as Node | null)?.range ?? last.key.range)[1]);
  const line = typeof nested === 'object' ? `${key}:${eol}${block(nested, `${indent}  `, eol)}` : `${key}: ${renderScalar(nested as string | number | boolean, typeof nested === 'string' ? 'double' : 'plain')}`;
  return { text: `${text.slice(0, end)}${eol}${indent}${line}${text.slice(end)}`, notes };
}

function pos(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  return [before.split('\n').length, offset - before.lastIndexOf('\n')];
}

/** The key path of a node (a map, or an alias) in the document. */
function pathOf(doc: Document, target: Node): Path | undefined {
  let found: Path | undefined;
  const hit = (_k: unknown, node: unknown, path: readonly unknown[]) => {
    if (node !== target) return undefined;
    found = path.filter(isPair).map((p) => String((p.key as { value?: unknown }).value));
    return visit.BREAK;
  };
  visit(doc, { Map: hit, Alias: hit });
  return found;
}
