import * as assert from 'node:assert/strict';
import { LineSplitter, tail } from '../../src/core/lines';
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
