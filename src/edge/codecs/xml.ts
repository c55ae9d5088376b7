// Minimal XML: an escaping writer for responses and a strict parser for REST-XML request bodies.

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

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number(entity.slice(1)));
    const known = ENTITIES[entity];
    if (known === undefined) throw new XmlSyntaxError(`unknown entity ${whole}`);
    return known;
  });
}

/** Parses a document with one root element; DTDs are refused (no entity expansion tricks). */
export function parseXml(source: string): XmlElement {
  let position = 0;
  const fail = (why: string): never => {
    throw new XmlSyntaxError(`${why} at offset ${position}`);
  };
  const skipMisc = () => {
    for (;;) {
      while (/\s/.test(source[position] ?? '')) position++;
      if (source.startsWith('<?', position)) {
        const end = source.indexOf('?>', position);
        if (end < 0) fail('unterminated processing instruction');
        position = end + 2;
      } else if (source.startsWith('<!--', position)) {
        const end = source.indexOf('-->', position);
        if (end < 0) fail('unterminated comment');
        position = end + 3;
      } else if (source.startsWith('<!', position) && !source.startsWith('<![CDATA[', position)) {
        fail('document type declarations are not accepted');
      } else return;
    }
  };
  const readName = (): string => {
    const match = /^[A-Za-z_:][-A-Za-z0-9_:.]*/.exec(source.slice(position, position + 256));
    if (!match) return fail('expected a name');
    position += match[0].length;
    return match[0];
  };
  const readElement = (): XmlElement => {
    if (source[position] !== '<') fail("expected '<'");
    position++;
    const name = readName();
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      while (/\s/.test(source[position] ?? '')) position++;
      if (source.startsWith('/>', position)) {
        position += 2;
        return element;
      }
      if (source[position] === '>') {
        position++;
        break;
      }
      const attribute = readName();
      while (/\s/.test(source[position] ?? '')) position++;
      if (source[position] !== '=') fail(`expected '=' after attribute ${attribute}`);
      position++;
      while (/\s/.test(source[position] ?? '')) position++;
      const quote = source[position];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
      const end = source.indexOf(quote, position + 1);
      if (end < 0) fail('unterminated attribute value');
      element.attributes[attribute] = decodeEntities(source.slice(position + 1, end));
      position = end + 1;
    }
    for (;;) {
      if (position >= source.length) fail(`element <${name}> is not closed`);
      if (source.startsWith('</', position)) {
        position += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        while (/\s/.test(source[position] ?? '')) position++;
        if (source[position] !== '>') fail("expected '>'");
        position++;
        return element;
      }
      if (source.startsWith('<![CDATA[', position)) {
        const end = source.indexOf(']]>', position);
        if (end < 0) fail('unterminated CDATA section');
        element.text += source.slice(position + 9, end);
        position = end + 3;
      } else if (source.startsWith('<!--', position) || source.startsWith('<?', position)) {
        skipMisc();
      } else if (source[position] === '<') {
        element.children.push(readElement());
      } else {
        const next = source.indexOf('<', position);
        const end = next < 0 ? source.length : next;
        element.text += decodeEntities(source.slice(position, end));
        position = end;
      }
    }
  };
  skipMisc();
  const root = readElement();
  skipMisc();
  if (position < source.length) fail('content after the root element');
  return root;
}
