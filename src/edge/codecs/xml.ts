// XML: an escaping writer for responses, and a strict parser for REST-XML request bodies.
//
// The parser is fast-xml-parser's, with eddy's refusals around it. The writer stays eddy's own, on
// purpose: every Query response (SNS, SQS-Query) goes through it, and fast-xml-parser's XMLBuilder
// behind the same interface costs 3.0-3.7x as much (`npm run bench -- xml`, CPU per response: SNS
// Publish 0.84 vs 3.13 µs, PublishBatch(10) 5.0 vs 17.1 µs, SQS-Query SendMessage 1.2 vs 4.1 µs,
// ReceiveMessage of ten 1 KiB messages 41 vs 122 µs). Through a whole eddy (client and server in
// one process) that adds 5.8 µs (+6%) to a Publish and 60 µs (+14%) to a ReceiveMessage(10). The
// builder also wants a tree built first, and its typed options cannot add the escaping below (`\r`
// as `&#xD;`): what it would replace is a join.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  // Hex form: the AWS SDK's XML parser decodes `&#xD;` but leaves `&#13;` as text.
  '\r': '&#xD;',
};

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (char) => ESCAPES[char] ?? char);
}

/** Builds XML text; elements are written in the order they are opened. */
export class XmlWriter {
  private readonly parts: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];

  open(name: string, attributes: Record<string, string> = {}): this {
    const rendered = Object.entries(attributes)
      .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
      .join('');
    this.parts.push(`<${name}${rendered}>`);
    return this;
  }

  close(name: string): this {
    this.parts.push(`</${name}>`);
    return this;
  }

  element(name: string, text: string, attributes: Record<string, string> = {}): this {
    return this.open(name, attributes).text(text).close(name);
  }

  text(text: string): this {
    this.parts.push(escapeXml(text));
    return this;
  }

  toString(): string {
    return this.parts.join('');
  }
}

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element. */
  text: string;
}

export class XmlSyntaxError extends Error {}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The five predefined entities and character references; any other entity is refused. */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#')) {
      const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
      if (code > 0x10ffff) throw new XmlSyntaxError(`${whole} is not a character`);
      return String.fromCodePoint(code);
    }
    const known = ENTITIES[entity];
    if (known === undefined) throw new XmlSyntaxError(`unknown entity ${whole}`);
    return known;
  });
}

/**
 * fast-xml-parser, told to keep the document as written: order, text exactly (no trimming, no
 * number parsing), CDATA apart from text so that only text has its entities decoded (by
 * decodeEntities, which refuses unknown ones: the parser would pass them through).
 */
const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

/** A node of the parser's ordered output: `{ name: children, ':@': attributes }`, or text/CDATA. */
type OrderedNode = Record<string, unknown>;

/**
 * Parses a document with one root element; DTDs are refused (no entity expansion tricks). The
 * validator checks well-formedness (the parser alone is lenient); what it lets through and eddy
 * does not is refused here: several roots, markup declarations (`<!DOCTYPE`, `<!ENTITY`), and
 * entities other than XML's five.
 */
export function parseXml(source: string): XmlElement {
  const valid = XMLValidator.validate(source);
  if (valid !== true) {
    throw new XmlSyntaxError(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  refuseDeclarations(source);
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(source) as OrderedNode[];
  } catch (error) {
    throw new XmlSyntaxError((error as Error).message);
  }
  const roots = nodes.filter((node) => elementName(node) !== undefined);
  if (roots.length !== 1) {
    throw new XmlSyntaxError(roots.length === 0 ? 'no root element' : 'content after the root element');
  }
  return toElement(roots[0]!);
}

/** Refuses `<!` that opens neither a comment nor a CDATA section, outside comments and CDATA. */
function refuseDeclarations(source: string): void {
  for (let at = source.indexOf('<!'); at >= 0; at = source.indexOf('<!', at)) {
    if (source.startsWith('<!--', at)) at = source.indexOf('-->', at + 4);
    else if (source.startsWith('<![CDATA[', at)) at = source.indexOf(']]>', at + 9);
    else throw new XmlSyntaxError(`document type declarations are not accepted (offset ${at})`);
    if (at < 0) return; // unterminated: the validator has already refused that
  }
}

function elementName(node: OrderedNode): string | undefined {
  for (const key in node) if (key !== ':@' && key !== '#text' && key !== '#cdata') return key;
  return undefined;
}

function toElement(node: OrderedNode): XmlElement {
  const name = elementName(node)!;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries((node[':@'] ?? {}) as Record<string, string>)) {
    attributes[key] = decodeEntities(value);
  }
  const element: XmlElement = { name, attributes, children: [], text: '' };
  for (const child of node[name] as OrderedNode[]) {
    if ('#text' in child) element.text += decodeEntities(String(child['#text']));
    else if ('#cdata' in child) {
      for (const part of child['#cdata'] as OrderedNode[]) element.text += String(part['#text'] ?? '');
    } else element.children.push(toElement(child));
  }
  return element;
}
