// REST-JSON and REST-XML: the operation comes from the method and path (the model's `requestUri`),
// members bind to URI labels, query parameters, headers and the body.

import type {
  Input,
  InputProblem,
  Protocol,
  ResolvedShape,
  Shape,
  ShapeResolver,
} from '../../contract/index.ts';
import { httpStatusOf, ServiceError, violationMessage } from '../../contract/index.ts';
import { describeValue } from './json-rpc.ts';
import { decodeJsonMembers, encodeJson, encodeJsonMembers, parseJsonObject } from './json-values.ts';
import { formatTimestamp, parseTimestamp, scalarFromText, scalarToText, toBase64 } from './scalars.ts';
import {
  type Codec,
  type CodecService,
  type EdgeRequest,
  type EdgeResponse,
  InputProblemError,
  type ResponseMeta,
  type StreamedRequestBody,
} from './types.ts';
import { parseXml, XmlSyntaxError, XmlWriter } from './xml.ts';
import { readXmlMembers, readXmlValue, writeXmlValue } from './xml-values.ts';

interface Route {
  operation: string;
  method: string;
  pattern: RegExp;
  labels: string[];
  /** Query parameters the URI requires (`?uploads`, `?x-id=GetObject`). */
  requiredQuery: Array<[string, string | undefined]>;
  /** Literal characters in the URI: the more, the more specific. */
  specificity: number;
  /** Headers the input requires (CopyObject's `x-amz-copy-source` tells it from PutObject). */
  requiredHeaders: string[];
  /** Query parameters the input requires (UploadPart's `uploadId` and `partNumber` tell it from PutObject). */
  requiredQueryMembers: string[];
}

const routeTables = new WeakMap<CodecService['definition'], Route[]>();

function routesOf(service: CodecService): Route[] {
  let routes = routeTables.get(service.definition);
  if (routes) return routes;
  routes = [];
  for (const [operation, model] of Object.entries(service.definition.model.operations)) {
    const requestUri = model.http?.requestUri;
    if (!requestUri) continue;
    const [path = '/', query = ''] = requestUri.split('?');
    const labels: string[] = [];
    let specificity = 0;
    const source = path.replace(/\{([^}]+)\}|[^{]+/g, (part, label?: string) => {
      if (label === undefined) {
        specificity += part.length;
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      const greedy = label.endsWith('+');
      labels.push(greedy ? label.slice(0, -1) : label);
      return greedy ? '(.+)' : '([^/]+)';
    });
    const requiredQuery = query
      .split('&')
      .filter((pair) => pair !== '')
      .map((pair): [string, string | undefined] => {
        const [key = '', value] = pair.split('=');
        return [key, value];
      });
    const input = model.input ? service.resolver.resolve(model.input) : undefined;
    const requiredOf = (location: string) =>
      (input?.required ?? []).flatMap((name) => {
        const member = service.resolver.resolve(input?.members?.[name] ?? {});
        return member.location === location ? [member.locationName ?? name] : [];
      });
    const requiredHeaders = requiredOf('header').map((name) => name.toLowerCase());
    const requiredQueryMembers = requiredOf('querystring');
    routes.push({
      operation,
      requiredHeaders,
      requiredQueryMembers,
      method: model.http?.method ?? 'POST',
      pattern: new RegExp(`^${source.replace(/\/$/, '')}/?$`),
      labels,
      requiredQuery,
      // Among routes sharing a URI, those that ask more of the request are tried first, and a
      // deprecated operation (S3's GetBucketLifecycle) after the one that replaced it.
      specificity:
        specificity +
        requiredQuery.length * 100 +
        (requiredHeaders.length + requiredQueryMembers.length) * 10 -
        (model.deprecated ? 1 : 0),
    });
  }
  routes.sort((a, b) => b.specificity - a.specificity);
  routeTables.set(service.definition, routes);
  return routes;
}

function matchRoute(
  request: EdgeRequest,
  service: CodecService,
): { route: Route; labels: Record<string, string> } | undefined {
  const candidates: Array<{ route: Route; match: RegExpExecArray }> = [];
  for (const route of routesOf(service)) {
    if (route.method !== request.method) continue;
    const match = route.pattern.exec(request.rawPath);
    if (!match) continue;
    const queryMatches = route.requiredQuery.every(
      ([key, value]) => request.query.has(key) && (value === undefined || request.query.get(key) === value),
    );
    if (queryMatches) candidates.push({ route, match });
  }
  // Routes sharing a URI: the SDK's `x-id` names the operation; otherwise the headers and query
  // parameters their inputs require decide (a route missing only query members still answers, with
  // the error for the missing member).
  const named = request.query.get('x-id');
  const hasHeaders = (route: Route) =>
    route.requiredHeaders.every((name) => request.headers[name] !== undefined);
  const chosen =
    candidates.find((candidate) => candidate.route.operation === named) ??
    candidates.find(
      ({ route }) => hasHeaders(route) && route.requiredQueryMembers.every((name) => request.query.has(name)),
    ) ??
    candidates.find(({ route }) => hasHeaders(route));
  if (!chosen) return undefined;
  const labels: Record<string, string> = {};
  chosen.route.labels.forEach((label, index) => {
    labels[label] = decodeLabel(chosen.match[index + 1] ?? '');
  });
  return { route: chosen.route, labels };
}

/** A URI label, percent-decoded; a malformed escape is refused as S3 refuses it. */
function decodeLabel(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new ServiceError('InvalidURI', "Couldn't parse the specified URI.");
  }
}

function headerValue(request: EdgeRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value;
}

function bindingValue(shape: ResolvedShape, text: string, member: string, fromHeader: boolean): unknown {
  if (shape.type === 'list') {
    const item = { ...shape, ...(shape.member ?? {}), type: shape.member?.type ?? 'string' } as ResolvedShape;
    return text.split(',').map((part) => bindingValue(item, part.trim(), member, fromHeader));
  }
  if (shape.jsonvalue) {
    try {
      return JSON.parse(fromHeader ? Buffer.from(text, 'base64').toString('utf8') : text);
    } catch {
      throw new InputProblemError({ kind: 'type', member, expected: 'JSON', value: text });
    }
  }
  if (shape.type === 'timestamp') return parseTimestamp(text, member);
  return scalarFromText(shape, text, member);
}

/** Reads members bound outside the body: URI labels, query string and headers. */
function readBoundMembers(
  resolver: ShapeResolver,
  shape: ResolvedShape,
  request: EdgeRequest,
  labels: Record<string, string>,
): Input {
  const result: Input = {};
  const boundQueryKeys = new Set<string>();
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = resolver.resolve(ref);
    const key = member.locationName ?? name;
    if (member.location === 'querystring' && member.type !== 'map') boundQueryKeys.add(key);
  }
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = resolver.resolve(ref);
    const key = member.locationName ?? name;
    switch (member.location) {
      case 'uri':
        if (labels[key] !== undefined) result[name] = bindingValue(member, labels[key], name, false);
        break;
      case 'querystring':
        if (member.type === 'map') {
          const map: Record<string, string> = {};
          for (const [queryKey, value] of request.query)
            if (!boundQueryKeys.has(queryKey)) map[queryKey] = value;
          if (Object.keys(map).length > 0) result[name] = map;
        } else if (member.type === 'list') {
          const values = request.query.getAll(key);
          if (values.length > 0) {
            const item = resolver.resolve(member.member ?? {});
            result[name] = values.map((value) => bindingValue(item, value, name, false));
          }
        } else if (request.query.has(key)) {
          result[name] = bindingValue(member, request.query.get(key) ?? '', name, false);
        }
        break;
      case 'header': {
        const text = headerValue(request, key);
        if (text !== undefined) result[name] = bindingValue(member, text, name, true);
        break;
      }
      case 'headers': {
        const prefix = key.toLowerCase();
        const map: Record<string, string> = {};
        for (const [header, value] of Object.entries(request.headers)) {
          if (header.startsWith(prefix) && value !== undefined)
            map[header.slice(prefix.length)] = String(value);
        }
        if (Object.keys(map).length > 0) result[name] = map;
        break;
      }
    }
  }
  return result;
}

interface BodyFormat {
  protocol: Protocol;
  contentType: string;
  readMembers(resolver: ShapeResolver, shape: ResolvedShape, body: Buffer): Input;
  readPayload(resolver: ShapeResolver, ref: Shape, body: Buffer, name: string): unknown;
  writeMembers(
    resolver: ShapeResolver,
    shape: ResolvedShape,
    output: Record<string, unknown>,
    rootName: string,
  ): string;
  writePayload(resolver: ShapeResolver, ref: Shape, value: unknown, name: string): string;
  writeError(error: ServiceError, meta: ResponseMeta): EdgeResponse;
  inputError(problem: InputProblem): ServiceError;
  /** The headers naming the request's id (S3's clients read x-amz-request-id). */
  requestIdHeaders(requestId: string): Record<string, string>;
}

function withoutBoundMembers(resolver: ShapeResolver, shape: ResolvedShape): ResolvedShape {
  const members = Object.fromEntries(
    Object.entries(shape.members ?? {}).filter(([, ref]) => !resolver.resolve(ref).location),
  );
  const required = (shape.required ?? []).filter((name) => members[name] !== undefined);
  return { ...shape, members, required };
}

function parseXmlBody(body: Buffer) {
  try {
    return parseXml(body.toString('utf8'));
  } catch (error) {
    if (error instanceof XmlSyntaxError) {
      throw new ServiceError('MalformedXML', `The XML you provided was not well-formed: ${error.message}.`);
    }
    throw error;
  }
}

const jsonBody: BodyFormat = {
  protocol: 'rest-json',
  contentType: 'application/json',
  readMembers(resolver, shape, body) {
    const unbound = withoutBoundMembers(resolver, shape);
    if (Object.keys(unbound.members ?? {}).length === 0) return {};
    return decodeJsonMembers(
      resolver,
      unbound.members ?? {},
      unbound.required ?? [],
      parseJsonObject(body),
      '',
    );
  },
  readPayload(resolver, ref, body, name) {
    const shape = resolver.resolve(ref);
    return decodeJsonMembers(
      resolver,
      shape.members ?? {},
      shape.required ?? [],
      parseJsonObject(body),
      name,
    );
  },
  writeMembers(resolver, shape, output) {
    return JSON.stringify(
      encodeJsonMembers(resolver, withoutBoundMembers(resolver, shape).members ?? {}, output),
    );
  },
  writePayload(resolver, ref, value) {
    return JSON.stringify(encodeJson(resolver, ref, value));
  },
  requestIdHeaders(requestId) {
    return { 'x-amzn-requestid': requestId };
  },
  writeError(error, meta) {
    return {
      status: error.status,
      headers: {
        ...error.headers,
        'content-type': 'application/json',
        'x-amzn-errortype': error.code,
        'x-amzn-requestid': meta.requestId,
      },
      body: JSON.stringify({ message: error.message, ...error.fields }),
    };
  },
  inputError(problem) {
    if (problem.kind === 'constraints')
      return new ServiceError('ValidationException', violationMessage(problem.violations));
    if (problem.kind === 'missing')
      return new ServiceError('ValidationException', `Member '${problem.member}' must not be null.`);
    return new ServiceError(
      'ValidationException',
      `Member '${problem.member}' must be ${problem.expected}, but the request gave ${describeValue(problem.value)}.`,
    );
  },
};

/** REST-XML answers name their request id as S3 does too (its clients read x-amz-request-id). */
function xmlRequestIds(requestId: string): Record<string, string> {
  return { 'x-amzn-requestid': requestId, 'x-amz-request-id': requestId, 'x-amz-id-2': requestId };
}

const xmlBody: BodyFormat = {
  protocol: 'rest-xml',
  contentType: 'application/xml',
  readMembers(resolver, shape, body) {
    const unbound = withoutBoundMembers(resolver, shape);
    if (Object.keys(unbound.members ?? {}).length === 0 || body.length === 0) {
      return readXmlMembers(resolver, unbound, { name: '', attributes: {}, children: [], text: '' }, '');
    }
    return readXmlMembers(resolver, unbound, parseXmlBody(body), '');
  },
  readPayload(resolver, ref, body, name) {
    return readXmlValue(resolver, ref, parseXmlBody(body), name);
  },
  writeMembers(resolver, shape, output, rootName) {
    const writer = new XmlWriter();
    writeXmlValue(
      writer,
      resolver,
      withoutBoundMembers(resolver, shape),
      output,
      shape.locationName ?? rootName,
    );
    return writer.toString();
  },
  writePayload(resolver, ref, value, name) {
    const writer = new XmlWriter();
    writeXmlValue(writer, resolver, ref, value, resolver.resolve(ref).locationName ?? name);
    return writer.toString();
  },
  writeError(error, meta) {
    const writer = new XmlWriter()
      .open('Error')
      .element('Code', error.code)
      .element('Message', error.message);
    for (const [name, value] of Object.entries(error.fields)) {
      if (value !== undefined && value !== null) writer.element(name, String(value));
    }
    writer.element('RequestId', meta.requestId).close('Error');
    return {
      status: error.status,
      headers: { ...error.headers, 'content-type': 'application/xml', ...xmlRequestIds(meta.requestId) },
      body: writer.toString(),
    };
  },
  requestIdHeaders: (requestId) => xmlRequestIds(requestId),
  inputError(problem) {
    if (problem.kind === 'constraints') {
      const [first] = problem.violations;
      return new ServiceError(
        'InvalidArgument',
        `${first?.member ?? 'A member'}: ${first?.rule ?? 'invalid'}.`,
      );
    }
    if (problem.kind === 'missing')
      return new ServiceError('InvalidArgument', `${problem.member} must be specified.`);
    return new ServiceError('InvalidArgument', `${problem.member} must be ${problem.expected}.`);
  },
};

/** Bytes to stream out rather than bytes in hand: an async iterable that is not a buffer or string. */
function isStream(value: unknown): value is AsyncIterable<Uint8Array> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !(value instanceof Uint8Array) &&
    typeof (value as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function'
  );
}

/**
 * Members bound to headers that a streamed body brings at its end instead (aws-chunked trailers:
 * x-amz-checksum-crc32), set on the input once the body has ended, before its reader sees the end.
 */
function bindEndHeaders(
  resolver: ShapeResolver,
  shape: ResolvedShape,
  stream: StreamedRequestBody,
  input: Input,
): void {
  const bound: Array<{ name: string; header: string; member: ResolvedShape }> = [];
  for (const [name, ref] of Object.entries(shape.members ?? {})) {
    const member = resolver.resolve(ref);
    if (member.location === 'header')
      bound.push({ name, header: (member.locationName ?? name).toLowerCase(), member });
  }
  stream.onEndHeaders((headers) => {
    for (const { name, header, member } of bound) {
      const text = headers[header];
      if (text !== undefined && input[name] === undefined)
        input[name] = bindingValue(member, text, name, true);
    }
  });
}

function restCodec(format: BodyFormat): Codec {
  return {
    protocol: format.protocol,

    operationOf(request, service) {
      return matchRoute(request, service)?.route.operation;
    },

    requestedOperation(request) {
      return `${request.method} ${request.rawPath}`;
    },

    decodeInput(request, service, operation): Input {
      const resolver = service.resolver;
      const inputRef = service.definition.model.operations[operation]?.input;
      if (!inputRef) return {};
      const shape = resolver.resolve(inputRef);
      const labels = matchRoute(request, service)?.labels ?? {};
      const input = readBoundMembers(resolver, shape, request, labels);
      if (request.stream) bindEndHeaders(resolver, shape, request.stream, input);
      const payloadName = shape.payload;
      if (payloadName) {
        const payloadRef = shape.members?.[payloadName] ?? {};
        const payload = resolver.resolve(payloadRef);
        if (payload.type === 'blob') input[payloadName] = request.stream ?? request.body;
        else if (payload.type === 'string') input[payloadName] = request.body.toString('utf8');
        else if (request.body.length > 0)
          input[payloadName] = format.readPayload(resolver, payloadRef, request.body, payloadName);
      } else {
        Object.assign(input, format.readMembers(resolver, shape, request.body));
      }
      for (const name of shape.required ?? []) {
        if (input[name] === undefined) throw new InputProblemError({ kind: 'missing', member: name });
      }
      return input;
    },

    encodeOutput(service, operation, output, meta): EdgeResponse {
      const resolver = service.resolver;
      const model = service.definition.model.operations[operation];
      const headers: Record<string, string> = format.requestIdHeaders(meta.requestId);
      let status = httpStatusOf(output) ?? model?.http?.responseCode ?? 200;
      if (!model?.output) return { status, headers, body: '' };
      const shape = resolver.resolve(model.output);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const member = resolver.resolve(ref);
        const value = output[name];
        if (value === undefined || value === null) continue;
        const key = member.locationName ?? name;
        if (member.location === 'statusCode') status = Number(value);
        else if (member.location === 'header') {
          if (member.jsonvalue) headers[key.toLowerCase()] = toBase64(JSON.stringify(value));
          else if (member.type === 'timestamp')
            headers[key.toLowerCase()] = String(formatTimestamp(value, member.timestampFormat ?? 'rfc822'));
          else if (member.type === 'list')
            headers[key.toLowerCase()] = (value as unknown[]).map(String).join(', ');
          else headers[key.toLowerCase()] = scalarToText(member, value);
        } else if (member.location === 'headers') {
          for (const [suffix, text] of Object.entries(value as Record<string, string>))
            headers[`${key}${suffix}`.toLowerCase()] = text;
        }
      }
      const payloadName = shape.payload;
      if (payloadName) {
        const payloadRef = shape.members?.[payloadName] ?? {};
        const payload = resolver.resolve(payloadRef);
        const value = output[payloadName];
        if (value === undefined || value === null) return { status, headers, body: '' };
        if (payload.type === 'blob' || payload.type === 'string') {
          headers['content-type'] ??= payload.type === 'blob' ? 'application/octet-stream' : 'text/plain';
          if (isStream(value)) return { status, headers, body: '', stream: value };
          return {
            status,
            headers,
            body: typeof value === 'string' ? value : Buffer.from(value as Uint8Array),
          };
        }
        headers['content-type'] = format.contentType;
        return { status, headers, body: format.writePayload(resolver, payloadRef, value, payloadName) };
      }
      // A bound Content-Type (S3's HeadObject) is the resource's, not this body's.
      headers['content-type'] ??= format.contentType;
      const document = service.definition.documents?.[operation];
      if (document) return { status, headers, body: document(output) };
      return { status, headers, body: format.writeMembers(resolver, shape, output, `${operation}Result`) };
    },

    encodeError(_service, error, meta) {
      return format.writeError(error, meta);
    },

    inputError(problem) {
      return format.inputError(problem);
    },

    unknownOperation(name) {
      return new ServiceError(
        'UnknownOperationException',
        `No operation matches ${name ?? 'this request'}.`,
        { status: 404 },
      );
    },
  };
}

export const restJsonCodec = restCodec(jsonBody);
export const restXmlCodec = restCodec(xmlBody);
