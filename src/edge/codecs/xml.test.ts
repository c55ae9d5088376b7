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

test('refuses malformed documents and document type declarations', () => {
  for (const bad of [
    '<a><b></a>',
    '<a>',
    '<a></a><b/>',
    '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>',
    '<a>&unknown;</a>',
    'text',
  ]) {
    assert.throws(() => parseXml(bad), XmlSyntaxError, bad);
  }
});
