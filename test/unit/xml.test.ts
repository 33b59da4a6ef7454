import * as assert from 'node:assert/strict';
import { XmlError, parseXml } from '../../src/core/xml';

const fails = (text: string, message: RegExp, line: number, column?: number) =>
  assert.throws(() => parseXml(text), (e: unknown) => {
    assert.ok(e instanceof XmlError, String(e));
    assert.match(e.message, message);
    assert.equal(e.line, line, `line of "${e.message}"`);
    if (column !== undefined) assert.equal(e.column, column, `column of "${e.message}"`);
    return true;
  });

describe('the XML reader for MSBuild files', () => {
  it('elements, attributes, text with entities, CDATA, comments, the declaration; positions of elements', () => {
    const root = parseXml(
      '<?xml version="1.0" encoding="utf-8"?>\r\n<!-- a comment -->\r\n<Project Sdk="Microsoft.NET.Sdk">\r\n  <PropertyGroup Condition=" \'$(A)\' == \'x &amp; y\' ">\r\n    <Text>a &lt;b&gt; &#65;&#x42; <![CDATA[<raw & text>]]></Text>\r\n    <Empty />\r\n  </PropertyGroup>\r\n</Project>\r\n',
    );
    assert.equal(root.tagName, 'Project');
    assert.equal(root.getAttribute('Sdk'), 'Microsoft.NET.Sdk');
    assert.equal(root.getAttribute('Nope'), null);
    const group = root.children[0];
    assert.equal(group.getAttribute('Condition'), " '$(A)' == 'x & y' ");
    assert.deepEqual([group.line, group.column], [4, 3]);
    assert.equal(group.children[0].text, 'a <b> AB <raw & text>');
    assert.deepEqual([group.children[1].tagName, group.children[1].text, group.children[1].line], ['Empty', '', 6]);
  });
  it('refuses what is not well-formed, as MSBuild does, with line and column', () => {
    fails('<Project>\n  <PropertyGroup>\n    <TargetFramework>net8.0</TargetFrameworks>\n</Project>', /end tag <\/TargetFrameworks> does not match <TargetFramework> on line 3/, 3, 28);
    fails('<Project>\n  <A>\n</Project>', /end tag <\/Project> does not match <A> on line 2/, 3, 1);
    fails('<Project>\n  <A x=1 />\n</Project>', /value of x must be in quotes/, 2, 8);
    fails('<Project>\n  <A x="1" x="2" />\n</Project>', /attribute x appears twice/, 2, 12);
    fails('<Project>&nbsp;</Project>', /undeclared entity "&nbsp;"/, 1, 10);
    fails('<Project>a & b</Project>', /"&" must start an entity/, 1, 12);
    fails('<Project>\n<!-- a -- b -->\n</Project>', /"--" is not allowed inside a comment/, 2, 8);
    fails('<Project></Project>\n<Other/>', /only one root element/, 2, 1);
    fails('  \n', /no root element/, 2);
    fails(' <?xml version="1.0"?><Project/>', /XML declaration must come first/, 1, 2);
    fails('<!DOCTYPE x><Project/>', /document type declarations are not allowed/, 1, 1);
    fails('<Project>\n  <A>', /<A> \(line 2\) is not closed/, 2, 6);
  });
});
