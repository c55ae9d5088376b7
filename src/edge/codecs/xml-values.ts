// Model-driven conversion between XML and handler values (Query responses, REST-XML bodies).
import type { ResolvedShape, Shape, ShapeResolver } from '../../contract/index.ts';
import { scalarFromText, scalarToText } from './scalars.ts';
import { InputProblemError } from './types.ts';
import type { XmlElement, XmlWriter } from './xml.ts';

function namespaceAttributes(shape: ResolvedShape): Record<string, string> {
  const namespace = shape.xmlNamespace;
  if (!namespace) return {};
  if (typeof namespace === 'string') return { xmlns: namespace };
  return { [namespace.prefix ? `xmlns:${namespace.prefix}` : 'xmlns']: namespace.uri };
}

/**
 * The element name of a value written as XML. `queryName` is the Query protocol's name: eddy's
 * overlays set it where a service's JSON model is also served over Query (SQS).
 */
export function xmlNameOf(shape: Shape, fallback: string): string {
  return shape.queryName ?? shape.locationName ?? fallback;
}

/** Writes the members of a structure as child elements, in model order. */
export function writeXmlMembers(
  writer: XmlWriter,
  resolver: ShapeResolver,
  members: Record<string, Shape>,
  value: Record<string, unknown>,
): void {
  for (const [name, ref] of Object.entries(members)) {
    const item = value[name];
    if (item === undefined || item === null) continue;
    const member = resolver.resolve(ref);
    if (member.xmlAttribute || member.location) continue;
    writeXmlValue(writer, resolver, ref, item, xmlNameOf(member, name));
  }
}

export function writeXmlValue(
  writer: XmlWriter,
  resolver: ShapeResolver,
  ref: Shape,
  value: unknown,
  name: string,
): void {
  const shape = resolver.resolve(ref);
  switch (shape.type) {
    case 'structure': {
      const attributes = namespaceAttributes(shape);
      for (const [memberName, memberRef] of Object.entries(shape.members ?? {})) {
        const member = resolver.resolve(memberRef);
        const item = (value as Record<string, unknown>)[memberName];
        if (member.xmlAttribute && item !== undefined && item !== null) {
          attributes[xmlNameOf(member, memberName)] = scalarToText(member, item);
        }
      }
      writer.open(name, attributes);
      writeXmlMembers(writer, resolver, shape.members ?? {}, value as Record<string, unknown>);
      writer.close(name);
      return;
    }
    case 'list': {
      const memberRef = shape.member ?? {};
      const items = value as unknown[];
      if (shape.flattened) {
        const itemName = xmlNameOf(resolver.resolve(memberRef), name);
        for (const item of items) writeXmlValue(writer, resolver, memberRef, item, itemName);
        return;
      }
      const itemName = xmlNameOf(resolver.resolve(memberRef), 'member');
      writer.open(name, namespaceAttributes(shape));
      for (const item of items) writeXmlValue(writer, resolver, memberRef, item, itemName);
      writer.close(name);
      return;
    }
    case 'map': {
      const keyName = xmlNameOf(shape.key ?? {}, 'key');
      const valueName = xmlNameOf(shape.value ?? {}, 'value');
      const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item != null);
      const writeEntry = ([key, item]: [string, unknown], entryName: string) => {
        writer.open(entryName);
        writer.element(keyName, key);
        writeXmlValue(writer, resolver, shape.value ?? {}, item, valueName);
        writer.close(entryName);
      };
      if (shape.flattened) {
        for (const entry of entries) writeEntry(entry, name);
        return;
      }
      writer.open(name);
      for (const entry of entries) writeEntry(entry, 'entry');
      writer.close(name);
      return;
    }
    default:
      writer.element(name, scalarToText(shape, value), namespaceAttributes(shape));
  }
}

function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** Reads a value of `ref`'s shape from an element (REST-XML request bodies). */
export function readXmlValue(
  resolver: ShapeResolver,
  ref: Shape,
  element: XmlElement,
  path: string,
): unknown {
  const shape = resolver.resolve(ref);
  switch (shape.type) {
    case 'structure':
      return readXmlMembers(resolver, shape, element, path);
    case 'list': {
      const memberRef = shape.member ?? {};
      const itemName = resolver.resolve(memberRef).locationName ?? 'member';
      return childrenNamed(element, itemName).map((item, index) =>
        readXmlValue(resolver, memberRef, item, `${path}.${index + 1}`),
      );
    }
    case 'map':
      return readXmlMap(resolver, shape, childrenNamed(element, 'entry'), path);
    default:
      return scalarFromText(shape, element.text, path);
  }
}

function readXmlMap(resolver: ShapeResolver, shape: ResolvedShape, entries: XmlElement[], path: string) {
  const keyName = shape.key?.locationName ?? 'key';
  const valueName = shape.value?.locationName ?? 'value';
  const result: Record<string, unknown> = {};
  for (const entry of entries) {
    const key = childrenNamed(entry, keyName)[0]?.text;
    const item = childrenNamed(entry, valueName)[0];
    if (key !== undefined && item)
      result[key] = readXmlValue(resolver, shape.value ?? {}, item, `${path}.${key}`);
  }
  return result;
}

export function readXmlMembers(
  resolver: ShapeResolver,
  shape: ResolvedShape,
  element: XmlElement,
  path: string,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = resolver.resolve(ref);
    if (member.location) continue;
    const elementName = member.locationName ?? name;
    const memberPath = path === '' ? name : `${path}.${name}`;
    if (member.xmlAttribute) {
      const text = element.attributes[elementName];
      if (text !== undefined) result[name] = scalarFromText(member, text, memberPath);
      continue;
    }
    if (member.type === 'list' && member.flattened) {
      const memberRef = member.member ?? {};
      const itemName = resolver.resolve(memberRef).locationName ?? elementName;
      const items = childrenNamed(element, itemName);
      if (items.length > 0) {
        result[name] = items.map((item, index) =>
          readXmlValue(resolver, memberRef, item, `${memberPath}.${index + 1}`),
        );
      }
      continue;
    }
    if (member.type === 'map' && member.flattened) {
      const entries = childrenNamed(element, elementName);
      if (entries.length > 0) result[name] = readXmlMap(resolver, member, entries, memberPath);
      continue;
    }
    const child = childrenNamed(element, elementName)[0];
    if (child) result[name] = readXmlValue(resolver, ref, child, memberPath);
  }
  for (const name of shape.required ?? []) {
    if (result[name] === undefined && !resolver.resolve(shape.members?.[name] ?? {}).location) {
      throw new InputProblemError({ kind: 'missing', member: path === '' ? name : `${path}.${name}` });
    }
  }
  return result;
}
