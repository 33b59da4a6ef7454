import * as assert from 'node:assert/strict';
import { escapeMarkdown } from '../../src/core/markdown';

/** What CommonMark makes of escaped text: each backslash-escaped punctuation character is itself. */
const unescape = (md: string) => md.replace(/ {2}\n/g, '\n').replace(/\\([!-/:-@[-`{-~])/g, '$1');

describe('escapeMarkdown', () => {
  const hostile = [
    '[click](https://evil.example/x)',
    '![tracker](https://evil.example/p.png)',
    '[run](command:workbench.action.terminal.sendSequence?%7B%22text%22%3A%22rm%22%7D)',
    '<img src=x onerror=alert(1)><a href="https://evil.example">a</a>',
    '`code` **bold** _em_ ~~gone~~',
    '# heading',
    '$(warning) icon',
    'https://evil.example/autolink and www.evil.example',
    '&lt;entity&gt; &#x41;',
    '<https://evil.example>',
  ];

  it('leaves no Markdown syntax live: every punctuation character is escaped', () => {
    for (const text of hostile) {
      const md = escapeMarkdown(text);
      // no unescaped punctuation remains
      assert.ok(!/(^|[^\\])[[\]()<>`*_~#!$&:]/.test(md.replace(/\\\\/g, '')), `${text} → ${md}`);
      assert.ok(!md.includes(']('), md);
      assert.ok(!md.includes('://'), md);
      assert.ok(!md.includes('$('), md);
      assert.equal(unescape(md), text);
    }
  });

  it('keeps the text readable: line breaks stay, indentation cannot start a code block', () => {
    assert.equal(escapeMarkdown('CrashLoopBackOff'), 'CrashLoopBackOff');
    assert.equal(escapeMarkdown('a.b-c'), 'a\\.b\\-c');
    assert.equal(escapeMarkdown('one\n    two\r\nthree'), 'one  \ntwo  \nthree');
    assert.equal(escapeMarkdown('back\\slash'), 'back\\\\slash');
  });
});
