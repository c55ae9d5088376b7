// AWS JSON 1.0 / 1.1: the operation comes from `X-Amz-Target`, input and output are JSON documents.

import type { Input, InputProblem } from '../../contract/index.ts';
import { ServiceError, violationMessage } from '../../contract/index.ts';
import { encodeEventStream, eventStreamMember } from './event-stream.ts';
import { decodeJson, encodeJson, parseJsonObject } from './json-values.ts';
import type { Codec, CodecService, EdgeRequest, EdgeResponse, ResponseMeta } from './types.ts';

export function targetOf(request: EdgeRequest): { prefix: string; operation: string } | undefined {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string') return undefined;
  const dot = target.lastIndexOf('.');
  if (dot <= 0) return undefined;
  return { prefix: target.slice(0, dot), operation: target.slice(dot + 1) };
}

function contentType(service: CodecService | undefined): string {
  return `application/x-amz-json-${service?.definition.model.metadata.jsonVersion ?? '1.0'}`;
}

export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string '${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  return `${typeof value} ${String(value)}`;
}

/** Coral's message for a missing member: `Value null at 'queueUrl' failed to satisfy constraint: …`. */
function lowerFirst(path: string): string {
  return path
    .split('.')
    .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
    .join('.');
}

export const jsonRpcCodec: Codec = {
  protocol: 'json',

  operationOf(request, service) {
    const target = targetOf(request);
    if (!target || target.prefix !== service.definition.model.metadata.targetPrefix) return undefined;
    return Object.hasOwn(service.definition.model.operations, target.operation)
      ? target.operation
      : undefined;
  },

  requestedOperation(request) {
    return targetOf(request)?.operation;
  },

  decodeInput(request, service, operation): Input {
    const document = parseJsonObject(request.body);
    const inputShape = service.definition.model.operations[operation]?.input;
    if (!inputShape) return {};
    return decodeJson(service.resolver, inputShape, document, '') as Input;
  },

  encodeOutput(service, operation, output, meta): EdgeResponse {
    const outputShape = service.definition.model.operations[operation]?.output;
    const stream = eventStreamMember(service.resolver, outputShape);
    const events = stream && (output[stream.name] as AsyncIterable<Record<string, unknown>> | undefined);
    if (stream && events) {
      return {
        status: 200,
        headers: { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': meta.requestId },
        body: '',
        stream: encodeEventStream(service.resolver, stream.ref, events),
      };
    }
    const body = outputShape ? encodeJson(service.resolver, outputShape, output) : {};
    return {
      status: 200,
      headers: { 'content-type': contentType(service), 'x-amzn-requestid': meta.requestId },
      body: JSON.stringify(body),
    };
  },

  encodeError(service, error, meta: ResponseMeta): EdgeResponse {
    const metadata = service?.definition.model.metadata;
    const headers: Record<string, string> = {
      'content-type': contentType(service),
      'x-amzn-requestid': meta.requestId,
    };
    let type = error.code;
    if (metadata?.awsQueryCompatible) {
      const queryCode = error.queryCode ?? service?.definition.queryErrorCodes?.[error.code] ?? error.code;
      headers['x-amzn-query-error'] = `${queryCode};${error.senderFault ? 'Sender' : 'Receiver'}`;
      type = `com.amazonaws.${metadata.endpointPrefix}#${error.code}`;
    }
    return {
      status: error.status,
      headers,
      body: JSON.stringify({ __type: type, message: error.message, ...error.fields }),
    };
  },

  inputError(problem: InputProblem): ServiceError {
    if (problem.kind === 'constraints')
      return new ServiceError('ValidationException', violationMessage(problem.violations));
    if (problem.kind === 'missing') {
      return new ServiceError(
        'ValidationException',
        `1 validation error detected: Value null at '${lowerFirst(problem.member)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return new ServiceError(
      'SerializationException',
      `Member '${problem.member}' must be ${problem.expected}, but the request gave ${describeValue(problem.value)}.`,
    );
  },

  unknownOperation(name) {
    return new ServiceError(
      'UnknownOperationException',
      `The operation '${name ?? ''}' is not known to this service.`,
    );
  },
};
