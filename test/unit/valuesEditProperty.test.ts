import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { setValue } from '../../src/core/valuesEdit';

/**
 * Property: for generated values files (nested block and flow maps, comments, quoting styles, blank
 * lines, LF or CRLF) and generated edits (change a scalar, add a missing key), the edited key reads
 * back as the new value, every other value reads back as before, and the text outside the edited
 * lines is byte for byte what it was.
 */

/** A small deterministic PRNG (mulberry32), so a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Tree = { [k: string]: Tree | string | number | boolean };

const KEYS = ['livenessProbe', 'readinessProbe', 'httpGet', 'path', 'port', 'periodSeconds', 'timeoutSeconds', 'image', 'tag', 'repository', 'enabled', 'resources', 'limits', 'cpu', 'name', 'x-y', 'a1'];

function genTree(r: () => number, depth: number): Tree {
  const t: Tree = {};
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const k = `${KEYS[Math.floor(r() * KEYS.length)]}${Math.floor(r() * 3) || ''}`;
    if (k in t) continue;
    const kind = r();
    if (depth < 3 && kind < 0.35) t[k] = genTree(r, depth + 1);
    else if (kind < 0.6) t[k] = Math.floor(r() * 1000);
    else if (kind < 0.7) t[k] = r() < 0.5;
    else t[k] = ['/healthz', 'http', 'v1.2.3', 'a b', 'x#y', '1.10', ''][Math.floor(r() * 7)];
  }
  return t;
}

function scalar(r: () => number, v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const style = r();
  if (style < 0.4 || v === '' || /[#:]|^\d|^\s|\s$/.test(v) || v.includes(' ')) return JSON.stringify(v);
  if (style < 0.6) return `'${v}'`;
  return v;
}

/** Writes a tree as YAML text with comments, blank lines and some flow maps. */
function write(r: () => number, t: Tree, indent = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(t)) {
    if (r() < 0.2) out.push(`${indent}# about ${k}`);
    if (r() < 0.1) out.push('');
    const comment = r() < 0.2 ? ' # note' : '';
    if (v && typeof v === 'object') {
      const leaves = Object.values(v).every((x) => typeof x !== 'object');
      if (leaves && Object.keys(v).length && r() < 0.3) {
        out.push(`${indent}${k}: {${Object.entries(v).map(([kk, vv]) => `${kk}: ${scalar(r, vv as string | number | boolean)}`).join(', ')}}${comment}`);
      } else {
        out.push(`${indent}${k}:${comment}`, ...write(r, v, `${indent}  `));
      }
    } else out.push(`${indent}${k}: ${scalar(r, v)}${comment}`);
  }
  return out;
}

function leaves(o: unknown, prefix: string[] = []): Array<[string[], unknown]> {
  if (o && typeof o === 'object' && !Array.isArray(o)) return Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...prefix, k]));
  return [[prefix, o]];
}

/** The lines that differ between two texts, as [old lines, new lines] after the common head and tail. */
function changedLines(a: string, b: string): [string[], string[]] {
  const x = a.split('\n');
  const y = b.split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  return [x.slice(head, x.length - tail), y.slice(head, y.length - tail)];
}

describe('the values editor, on generated documents and edits', () => {
  it('changes the one value asked for and nothing else (400 cases)', () => {
    let edits = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      const tree = genTree(r, 0);
      const crlf = r() < 0.3;
      const text = write(r, tree).join(crlf ? '\r\n' : '\n') + (crlf ? '\r\n' : '\n');
      const before = parse(text) as Record<string, unknown>;
      const all = leaves(before).filter(([p]) => p.length > 0);
      if (!all.length) continue;
      const add = r() < 0.35;
      const [target] = all[Math.floor(r() * all.length)];
      const path = add ? [...target.slice(0, -1), `added${seed}`] : target;
      const value = r() < 0.5 ? Math.floor(r() * 100000) : `v${seed}-x`;
      const label = `seed ${seed}: set ${path.join('.')} = ${JSON.stringify(value)}\n${text}`;
      const out = setValue(text, 'values.yaml', path, value).text;
      edits++;
      const after = parse(out) as Record<string, unknown>;
      // the edited key reads back as the new value
      assert.deepEqual(path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], after), value, label);
      // every other value is unchanged, and none appeared
      const other = (l: Array<[string[], unknown]>) => l.filter(([p]) => p.join('.') !== path.join('.')).map(([p, v]) => `${p.join('.')}=${JSON.stringify(v)}`);
      assert.deepEqual(other(leaves(after)), other(leaves(before)), label);
      // only the edited line changes (one added line, or one changed line for a flow map / a scalar)
      const [gone, came] = changedLines(text, out);
      assert.ok(gone.length <= 1 && came.length <= 1 + (add ? 1 : 0), `${label}\n--- changed lines ---\n-${gone.join('\n-')}\n+${came.join('\n+')}`);
      // line endings are kept
      if (crlf) assert.doesNotMatch(out, /[^\r]\n/, label);
    }
    assert.ok(edits > 350, `${edits} edits made`);
  });
});
