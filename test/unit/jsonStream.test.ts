import * as assert from 'node:assert/strict';
import { JsonStream } from '../../src/core/jsonStream';

interface Run {
  out: unknown[];
  errors: string[];
  oversize: number[];
  pending: boolean;
}

const run = (chunks: string[], maxValueChars?: number): Run => {
  const r: Run = { out: [], errors: [], oversize: [], pending: false };
  const s = new JsonStream((v) => r.out.push(v), (t) => r.errors.push(t), { maxValueChars, onOversize: (n) => r.oversize.push(n) });
  for (const c of chunks) s.push(c);
  r.pending = s.pending;
  return r;
};

/** Every split into two chunks, and one character per chunk, give the same result as one chunk. */
const everySplit = (text: string, check: (r: Run, how: string) => void, step = 1) => {
  check(run([text]), 'one chunk');
  for (let i = 1; i < text.length; i += step) check(run([text.slice(0, i), text.slice(i)]), `split at ${i}`);
  check(run([...text]), 'one character per chunk');
};

describe('JSON stream parser: layouts', () => {
  const a = { type: 'ADDED', object: { metadata: { name: 'p1', annotations: { note: 'a } tricky " string {\n}' } }, list: [1, [2, { x: '\\' }]] } };
  const b = { type: 'MODIFIED', object: { metadata: { name: 'p2' }, empty: {}, arr: [] } };

  it("kubectl's layout (indented, closing brace at column 0), split anywhere", () => {
    const text = `${JSON.stringify(a, null, 4)}\n${JSON.stringify(b, null, 4)}\n`;
    everySplit(text, (r, how) => assert.deepEqual(r.out, [a, b], how));
  });

  it('CRLF line ends', () => {
    const text = `${JSON.stringify(a, null, 2)}\n${JSON.stringify(b, null, 2)}\n`.replace(/\n/g, '\r\n');
    everySplit(text, (r, how) => assert.deepEqual(r.out, [a, b], how), 3);
  });

  it('compact JSON, one per line or back to back', () => {
    everySplit(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`, (r, how) => assert.deepEqual(r.out, [a, b], how), 3);
    everySplit(JSON.stringify(a) + JSON.stringify(b), (r, how) => assert.deepEqual(r.out, [a, b], how), 3);
  });

  it('arrays and objects mixed', () => {
    const text = `[1, {"a": [2]}]\n${JSON.stringify(a, null, 1)}[]{}`;
    everySplit(text, (r, how) => assert.deepEqual(r.out, [[1, { a: [2] }], a, [], {}], how), 2);
  });

  it('no indentation: a nested closing brace at column 0 is not taken for the end', () => {
    const text = '{\n"a": {\n"b": 1\n}\n}\n{\n"c": [\n{\n"d": 2\n}\n]\n}\n';
    everySplit(text, (r, how) => {
      assert.deepEqual(r.out, [{ a: { b: 1 } }, { c: [{ d: 2 }] }], how);
      assert.deepEqual(r.errors, [], how);
    });
  });

  it('an object that opens with a line break but closes elsewhere than column 0 is emitted as soon as it ends', () => {
    const text = '{\n  "a": 1 }\n{\n  "b": 2}';
    everySplit(text, (r, how) => {
      assert.deepEqual(r.out, [{ a: 1 }, { b: 2 }], how);
      assert.equal(r.pending, false, how);
    });
  });

  it('a broken value is reported once and the values after it still arrive', () => {
    const broken = '{\n    "type": "MODIFIED",\n    "object": {\n        "x": tru\n    }\n}';
    const text = `${JSON.stringify(a, null, 4)}\n${broken}\n${JSON.stringify(b, null, 4)}\n${JSON.stringify(a, null, 4)}\n`;
    everySplit(text, (r, how) => {
      assert.deepEqual(r.out, [a, b, a], how);
      assert.deepEqual(r.errors, [broken], how);
    }, 5);
  });

  it('text outside values is skipped, a quoted string there hides its brackets', () => {
    everySplit('noise } ] "a { [" {"x":1} trailing', (r, how) => assert.deepEqual(r.out, [{ x: 1 }], how));
  });

  it('a truncated stream leaves a pending value and emits nothing broken', () => {
    const text = `${JSON.stringify(a, null, 4)}\n${JSON.stringify(b, null, 4)}`;
    const r = run([text.slice(0, text.length - 10)]);
    assert.deepEqual(r.out, [a]);
    assert.equal(r.pending, true);
  });

  it('strings with escaped quotes, backslashes and unicode across chunk ends', () => {
    const v = { s: 'q\\"}\n{"', u: '\u2028 ünï 😀', b: '\\\\' };
    everySplit(`${JSON.stringify(v, null, 4)}\n${JSON.stringify(v)}`, (r, how) => assert.deepEqual(r.out, [v, v], how));
  });
});

describe('JSON stream parser: generated streams', () => {
  // A small deterministic generator (mulberry32): values, layouts and chunkings vary, the result must not.
  let seed = 0x5eed;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const text = () => Array.from({ length: Math.floor(rand() * 8) }, () => pick(['a', '}', '{', ']', '[', '"', '\\', '\n', ' ', 'ü', '😀', ':', ','])).join('');
  const value = (depth: number): unknown => {
    const kind = depth > 3 ? Math.floor(rand() * 3) : Math.floor(rand() * 5);
    if (kind === 0) return text();
    if (kind === 1) return Math.floor(rand() * 1000) - 500;
    if (kind === 2) return pick([true, false, null]);
    if (kind === 3) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 4) }, () => [text(), value(depth + 1)]));
  };

  it('any layout, any chunking: the same values', () => {
    for (let round = 0; round < 300; round++) {
      const values = Array.from({ length: 1 + Math.floor(rand() * 5) }, () => (rand() < 0.8 ? { type: 'MODIFIED', object: value(0) } : value(1))).filter((v) => typeof v === 'object' && v !== null);
      const indent = pick([0, 1, 2, 4, '\t']);
      const separator = pick(['', '\n', '\r\n', ' \n\n']);
      let stream = values.map((v) => JSON.stringify(v, null, indent)).join(separator);
      if (rand() < 0.3) stream = stream.replace(/\n/g, '\r\n');
      const chunks: string[] = [];
      for (let i = 0; i < stream.length; ) {
        const n = 1 + Math.floor(rand() * pick([3, 40, 400]));
        chunks.push(stream.slice(i, i + n));
        i += n;
      }
      const r = run(chunks);
      assert.deepEqual(r.out, values, `round ${round}: ${JSON.stringify(stream)}`);
      assert.deepEqual(r.errors, []);
      assert.equal(r.pending, false);
    }
  });
});

describe('JSON stream parser: a limit on one value', () => {
  const small = { type: 'ADDED', object: { metadata: { name: 'small' } } };
  const big = { type: 'MODIFIED', object: { metadata: { name: 'big', annotations: { blob: 'x'.repeat(5000) } } } };

  for (const [layout, indent] of [['pretty', 4], ['compact', 0]] as const) {
    it(`drops a value over the limit, reports it once, and reads on (${layout})`, () => {
      const text = [small, big, small].map((v) => JSON.stringify(v, null, indent)).join('\n');
      for (const size of [1, 100, 4096, text.length]) {
        const chunks: string[] = [];
        for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
        const r = run(chunks, 1000);
        assert.deepEqual(r.out, [small, small], `${layout}, chunks of ${size}`);
        // Reported as soon as it passes the limit, or when it ends if it came whole in one chunk.
        assert.equal(r.oversize.length, 1, `${layout}, chunks of ${size}`);
        assert.ok(r.oversize[0] > 1000 && r.oversize[0] <= Math.max(1000 + size, 5200), `${r.oversize[0]}`);
      }
    });
  }

  it('a value that never ends is reported and not kept', () => {
    const chunks = ['{"a": "', ...Array.from({ length: 2000 }, () => 'y'.repeat(1024))];
    const out: unknown[] = [];
    const reports: number[] = [];
    const s = new JsonStream((v) => out.push(v), undefined, { maxValueChars: 64 * 1024, onOversize: (n) => reports.push(n) });
    for (const c of chunks) s.push(c);
    assert.equal(reports.length, 1);
    assert.equal(s.pending, true);
    // Nothing of it is held: the parser's own fields hold no large string.
    const held = Object.values(s as unknown as Record<string, unknown>).flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => typeof v === 'string');
    assert.ok(held.every((t) => (t as string).length < 2048), 'no large text kept');
  });
});
