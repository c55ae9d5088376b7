import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseXml, XmlSyntaxError, XmlWriter } from './xml.ts';

test('writes escaped text and attributes', () => {
  const text = new XmlWriter()
    .open('A', { xmlns: 'urn:x&y' })
    .element('B', `<"it's" & more>`)
    .close('A')
    .toString();
  assert.equal(
    text,
    '<?xml version="1.0" encoding="UTF-8"?><A xmlns="urn:x&amp;y"><B>&lt;&quot;it&apos;s&quot; &amp; more&gt;</B></A>',
  );
});

test('parses elements, attributes, entities, CDATA and comments', () => {
  const root = parseXml(
    '<?xml version="1.0"?><!-- c --><Root a="1 &amp; 2"><Item>x &lt; y &#65;&#x42;</Item><Item><![CDATA[<raw>]]></Item><Empty/></Root>',
  );
  assert.equal(root.name, 'Root');
  assert.deepEqual(root.attributes, { a: '1 & 2' });
  assert.deepEqual(
    root.children.map((child) => [child.name, child.text]),
    [
      ['Item', 'x < y AB'],
      ['Item', '<raw>'],
      ['Empty', ''],
    ],
  );
});

test('keeps text as written: whitespace, comments and instructions dropped, CDATA raw', () => {
  const root = parseXml('<a>\n  <b> x </b>1<!-- c -->2<?pi x?>3<![CDATA[&amp;]]>&#xD;</a>');
  assert.equal(root.text, '\n  123&amp;\r');
  assert.deepEqual(root.children, [{ name: 'b', attributes: {}, children: [], text: ' x ' }]);
  // XML's end-of-line handling: a line break sent as CR LF reads as LF; `&#xD;` stays a CR.
  assert.equal(parseXml('<a>x\r\ny</a>').text, 'x\ny');
  assert.deepEqual(parseXml(`<p:a xmlns:p="urn:p" b='q&quot;'/>`).attributes, {
    'xmlns:p': 'urn:p',
    b: 'q"',
  });
  // A DOCTYPE in CDATA or a comment is only text.
  assert.equal(parseXml('<a><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE x>]]></a>').text, '<!DOCTYPE x>');
});

test('refuses malformed documents and document type declarations', () => {
  for (const bad of [
    '<a><b></a>',
    '<a>',
    '<a></a><b/>',
    '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    '<!-- c --><!DOCTYPE a><a/>',
    '<a><!DOCTYPE x></a>',
    '<a><!ENTITY x "y"></a>',
    '<a>&unknown;</a>',
    '<a>&amp</a>',
    '<a>&#x110000;</a>',
    '<a b="1" b="2"/>',
    '<a><![CDATA[x</a>',
    'text',
    '',
  ]) {
    assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
  }
});
