import * as assert from 'node:assert/strict';
import { LineSplitter, TailBuffer, tail } from '../../src/core/lines';
import { displayCommand, redact } from '../../src/core/redact';

function split(chunks: string[]): string[] {
  const out: string[] = [];
  const s = new LineSplitter((l) => out.push(l));
  for (const c of chunks) s.push(c);
  s.end();
  return out;
}

describe('LineSplitter', () => {
  it('joins lines across chunks', () => assert.deepEqual(split(['ab', 'c\nd', 'e\n']), ['abc', 'de']));
  it('treats CRLF as one break and a lone CR as a redraw', () => assert.deepEqual(split(['a\r', '\nb\rc\n']), ['a', 'b', 'c']));
  it('emits a last unterminated line', () => assert.deepEqual(split(['x']), ['x']));
  it('keeps empty lines', () => assert.deepEqual(split(['a\n\nb\n']), ['a', '', 'b']));
});

describe('tail', () => {
  it('keeps the last non-empty lines', () => assert.equal(tail('a\n\nb\nc\n\n', 2), 'b\nc'));
});

describe('redact', () => {
  it('masks every occurrence, longest secret first', () => {
    assert.equal(redact('tok tokLonger tok', ['tok', 'tokLonger']), '*** *** ***');
  });
  it('ignores empty secrets', () => assert.equal(redact('abc', ['']), 'abc'));
});

describe('displayCommand', () => {
  it('quotes only what needs quoting', () => {
    assert.equal(displayCommand('helm', ['upgrade', '--install', 'rel', './charts/x', '--set', "a=it's"]), `helm upgrade --install rel ./charts/x --set 'a=it'\\''s'`);
    assert.equal(displayCommand('x', ['']), "x ''");
  });
});

describe('LineSplitter edge cases', () => {
  it('a CRLF split across chunks is one break', () => assert.deepEqual(split(['a\r', '\n', 'b']), ['a', 'b']));
  it('progress redraws arrive one by one', () =>
    assert.deepEqual(split(['Pushing 1MB/6MB\rPushing 3MB/6MB\r', 'Pushed\n']), ['Pushing 1MB/6MB', 'Pushing 3MB/6MB', 'Pushed']));
  it('splits a large chunk quickly', () => {
    const big = 'x'.repeat(80).concat('\n').repeat(50_000);
    const t0 = Date.now();
    assert.equal(split([big]).length, 50_000);
    assert.ok(Date.now() - t0 < 2000);
  });
});

describe('LineSplitter limit', () => {
  const run = (chunks: string[], max: number) => {
    const out: string[] = [];
    const over: number[] = [];
    const s = new LineSplitter((l) => out.push(l), { maxLineChars: max, onOversize: (n) => over.push(n) });
    for (const c of chunks) s.push(c);
    s.end();
    return { out, over };
  };
  it('drops a line longer than the limit, once, and keeps the lines around it', () =>
    assert.deepEqual(run(['ok\n', 'abcdefghij', 'klmno', 'pq\nnext\n'], 8), { out: ['ok', 'next'], over: [8] }));
  it('a line over the limit inside one chunk', () => assert.deepEqual(run(['a\n0123456789\nb\n'], 5), { out: ['a', 'b'], over: [5] }));
  it('an endless line is reported as soon as it passes the limit and holds nothing', () => {
    const out: string[] = [];
    const over: number[] = [];
    const s = new LineSplitter((l) => out.push(l), { maxLineChars: 100, onOversize: (n) => over.push(n) });
    for (let i = 0; i < 1000; i++) s.push('x'.repeat(50));
    assert.deepEqual(over, [100]);
    assert.equal((s as unknown as { partial: string }).partial, '');
    s.push('\nafter\n');
    assert.deepEqual(out, ['after']);
  });
  it('a line of exactly the limit is kept', () => assert.deepEqual(run(['12345\n'], 5), { out: ['12345'], over: [] }));
});

describe('TailBuffer', () => {
  it('keeps the last characters of what was pushed, whatever the chunk sizes', () => {
    const t = new TailBuffer(10);
    let all = '';
    for (const c of ['abc', 'defghijklmnop', 'q', '', 'rstuvwxyz0123456789ABCDEF', 'G', 'HI']) {
      t.push(c);
      all += c;
      assert.equal(t.toString(), all.slice(-10));
      assert.equal(t.length, Math.min(10, all.length));
      assert.equal(t.dropped, Math.max(0, all.length - 10));
    }
  });
});
