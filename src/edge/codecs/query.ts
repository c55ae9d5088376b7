// AWS Query: form-encoded parameters in (`Action`, `Version`, `Member.N`, `Map.N.key`), XML out.

import type { Input, InputProblem, ResolvedShape, ShapeResolver } from '../../contract/index.ts';
import { ServiceError, violationMessage } from '../../contract/index.ts';
import { scalarFromText } from './scalars.ts';
import type { Codec, CodecService, EdgeRequest, EdgeResponse, ResponseMeta } from './types.ts';
import { InputProblemError } from './types.ts';
import { XmlWriter } from './xml.ts';
import { writeXmlMembers, xmlNameOf } from './xml-values.ts';

/** Query parameters may come in the form body, the URL, or both. */
export function queryParameters(request: EdgeRequest): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const [key, value] of request.query) parameters.set(key, value);
  const contentType = String(request.headers['content-type'] ?? '');
  if (request.body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) parameters.set(key, value);
  }
  return parameters;
}

/** The parameters as a lookup that also answers "is anything under this prefix?". */
class ParameterTree {
  private readonly prefixes = new Set<string>();
  constructor(readonly values: Map<string, string>) {
    for (const key of values.keys()) {
      let dot = key.indexOf('.');
      while (dot >= 0) {
        this.prefixes.add(key.slice(0, dot));
        dot = key.indexOf('.', dot + 1);
      }
      this.prefixes.add(key);
    }
  }
  has(prefix: string): boolean {
    return this.prefixes.has(prefix);
  }
}

function readStructure(
  resolver: ShapeResolver,
  shape: ResolvedShape,
  tree: ParameterTree,
  prefix: string,
): Input {
  const result: Input = {};
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = resolver.resolve(ref);
    const key = `${prefix}${xmlNameOf(member, name)}`;
    const value = readValue(resolver, member, tree, key);
    if (value !== undefined) result[name] = value;
  }
  for (const name of shape.required ?? []) {
    if (result[name] === undefined) {
      const member = resolver.resolve(shape.members?.[name] ?? {});
      throw new InputProblemError({ kind: 'missing', member: `${prefix}${xmlNameOf(member, name)}` });
    }
  }
  return result;
}

function readValue(resolver: ShapeResolver, shape: ResolvedShape, tree: ParameterTree, key: string): unknown {
  switch (shape.type) {
    case 'structure':
      return tree.has(key) ? readStructure(resolver, shape, tree, `${key}.`) : undefined;
    case 'list': {
      const member = resolver.resolve(shape.member ?? {});
      const itemName = xmlNameOf(member, '');
      let itemsKey = `${key}.${itemName || 'member'}`;
      if (shape.flattened) {
        // A flattened list's items are named by the member's name where it has one (`AttributeName.1`).
        itemsKey = itemName ? key.replace(/[^.]+$/, itemName) : key;
      }
      if (!tree.has(itemsKey)) return tree.values.get(key) === '' ? [] : undefined;
      const items: unknown[] = [];
      for (let index = 1; tree.has(`${itemsKey}.${index}`); index++) {
        items.push(readValue(resolver, member, tree, `${itemsKey}.${index}`));
      }
      return items;
    }
    case 'map': {
      const entriesKey = shape.flattened ? key : `${key}.entry`;
      if (!tree.has(entriesKey)) return undefined;
      const keyName = xmlNameOf(shape.key ?? {}, 'key');
      const valueName = xmlNameOf(shape.value ?? {}, 'value');
      const valueShape = resolver.resolve(shape.value ?? {});
      const result: Record<string, unknown> = {};
      for (let index = 1; tree.has(`${entriesKey}.${index}`); index++) {
        const entryKey = tree.values.get(`${entriesKey}.${index}.${keyName}`);
        if (entryKey === undefined) {
          throw new InputProblemError({ kind: 'missing', member: `${entriesKey}.${index}.${keyName}` });
        }
        const entryValue = readValue(resolver, valueShape, tree, `${entriesKey}.${index}.${valueName}`);
        if (entryValue !== undefined) result[entryKey] = entryValue;
      }
      return result;
    }
    default: {
      const text = tree.values.get(key);
      return text === undefined ? undefined : scalarFromText(shape, text, key);
    }
  }
}

function namespaceOf(service: CodecService | undefined): string | undefined {
  return service?.definition.model.metadata.xmlNamespace;
}

export const queryCodec: Codec = {
  protocol: 'query',

  operationOf(request, service) {
    const action = queryParameters(request).get('Action');
    return action !== undefined && Object.hasOwn(service.definition.model.operations, action)
      ? action
      : undefined;
  },

  requestedOperation(request) {
    return queryParameters(request).get('Action');
  },

  decodeInput(request, service, operation): Input {
    const inputShape = service.definition.model.operations[operation]?.input;
    if (!inputShape) return {};
    const parameters = queryParameters(request);
    const pathMember = service.definition.queryPathMember;
    if (pathMember && !parameters.has(pathMember) && request.rawPath !== '/') {
      parameters.set(pathMember, request.rawPath);
    }
    const tree = new ParameterTree(parameters);
    return readStructure(service.resolver, service.resolver.resolve(inputShape), tree, '');
  },

  encodeOutput(service, operation, output, meta): EdgeResponse {
    const namespace = namespaceOf(service);
    const writer = new XmlWriter().open(`${operation}Response`, namespace ? { xmlns: namespace } : {});
    const outputShape = service.definition.model.operations[operation]?.output;
    if (outputShape) {
      const shape = service.resolver.resolve(outputShape);
      const wrapper = shape.resultWrapper ?? `${operation}Result`;
      writer.open(wrapper);
      writeXmlMembers(writer, service.resolver, shape.members ?? {}, output);
      writer.close(wrapper);
    }
    writer.open('ResponseMetadata').element('RequestId', meta.requestId).close('ResponseMetadata');
    writer.close(`${operation}Response`);
    return {
      status: 200,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': meta.requestId },
      body: writer.toString(),
    };
  },

  encodeError(service, error, meta: ResponseMeta): EdgeResponse {
    const namespace = namespaceOf(service);
    const code = error.queryCode ?? service?.definition.queryErrorCodes?.[error.code] ?? error.code;
    const writer = new XmlWriter()
      .open('ErrorResponse', namespace ? { xmlns: namespace } : {})
      .open('Error')
      .element('Type', error.senderFault ? 'Sender' : 'Receiver')
      .element('Code', code)
      .element('Message', error.message);
    for (const [name, value] of Object.entries(error.fields)) {
      if (value !== undefined && value !== null) writer.element(name, String(value));
    }
    writer.element('Detail', '').close('Error').element('RequestId', meta.requestId).close('ErrorResponse');
    return {
      status: error.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': meta.requestId },
      body: writer.toString(),
    };
  },

  inputError(problem: InputProblem): ServiceError {
    if (problem.kind === 'constraints')
      return new ServiceError('ValidationError', violationMessage(problem.violations));
    if (problem.kind === 'missing') {
      return new ServiceError(
        'MissingParameter',
        `The request must contain the parameter ${problem.member}.`,
      );
    }
    return new ServiceError(
      'InvalidParameterValue',
      `Value (${String(problem.value)}) for parameter ${problem.member} is invalid. Must be ${problem.expected}.`,
    );
  },

  unknownOperation(name) {
    return new ServiceError(
      'InvalidAction',
      `The action ${name ?? '(none)'} is not valid for this web service.`,
    );
  },
};
