// Service models as data: AWS's current models, kept in models/ (scripts/refresh-models.js).
// Codecs walk these to parse requests and serialize responses; nothing here knows a particular service.
import { readFileSync } from 'node:fs';

export type ShapeType =
  | 'structure'
  | 'list'
  | 'map'
  | 'string'
  | 'integer'
  | 'long'
  | 'short'
  | 'byte'
  | 'float'
  | 'double'
  | 'bigdecimal'
  | 'biginteger'
  | 'boolean'
  | 'timestamp'
  | 'blob'
  | 'character';

/** A shape or a reference to one (`shape`), with the member-level traits that override it. */
export interface Shape {
  shape?: string;
  type?: ShapeType;
  members?: Record<string, Shape>;
  required?: string[];
  member?: Shape;
  key?: Shape;
  value?: Shape;
  locationName?: string;
  queryName?: string;
  location?: 'header' | 'headers' | 'querystring' | 'uri' | 'statusCode';
  flattened?: boolean;
  xmlAttribute?: boolean;
  xmlNamespace?: string | { uri: string; prefix?: string };
  timestampFormat?: 'iso8601' | 'unixTimestamp' | 'rfc822';
  jsonvalue?: boolean;
  payload?: string;
  resultWrapper?: string;
  streaming?: boolean;
  /** A union whose values arrive one after another as AWS event-stream messages. */
  eventstream?: boolean;
  idempotencyToken?: boolean;
  exception?: boolean;
  document?: boolean;
  /** Constraints the edge enforces before a handler runs: lengths (strings, lists, maps) or values (numbers). */
  min?: number;
  max?: number;
  /** A Java regular expression the whole string must match. */
  pattern?: string;
  enum?: string[];
  /** A tagged union: exactly one member is set. */
  union?: boolean;
  /** The error shape's wire code and status, where the model gives them. */
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
}

export interface OperationModel {
  name?: string;
  deprecated?: boolean;
  http?: { method?: string; requestUri?: string; responseCode?: number };
  /** `none`: the operation is called without credentials (STS's AssumeRoleWithWebIdentity). */
  authtype?: string;
  input?: Shape;
  output?: Shape;
}

export interface ServiceMetadata {
  apiVersion: string;
  endpointPrefix: string;
  protocol: string;
  protocols?: string[];
  jsonVersion?: string;
  targetPrefix?: string;
  signingName?: string;
  serviceId: string;
  xmlNamespace?: string;
  awsQueryCompatible?: Record<string, unknown>;
}

export interface ServiceModel {
  metadata: ServiceMetadata;
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
}

// models/ sits two folders up from this file, whether it runs from src/contract or a build of it.
const MODELS = new URL('../../models/', import.meta.url);

/** Loads `models/<id>.json` (e.g. `sqs-2012-11-05`); each call returns a fresh copy to adapt. */
export function loadModel(id: string): ServiceModel {
  return JSON.parse(readFileSync(new URL(`${id}.json`, MODELS), 'utf8')) as ServiceModel;
}

/** A shape with its reference followed; member-level traits win over the target's. */
export type ResolvedShape = Omit<Shape, 'shape'> & { type: ShapeType };

export class ShapeResolver {
  private readonly cache = new WeakMap<Shape, ResolvedShape>();
  constructor(private readonly shapes: Record<string, Shape>) {}

  resolve(ref: Shape): ResolvedShape {
    let resolved = this.cache.get(ref);
    if (resolved) return resolved;
    const { shape: targetName, ...own } = ref;
    let base: ResolvedShape = { type: 'string' };
    if (targetName !== undefined) {
      const target = this.shapes[targetName];
      if (!target) throw new Error(`the model refers to a shape '${targetName}' that it does not define`);
      base = this.resolve(target);
    }
    resolved = { ...base, ...own, type: own.type ?? base.type };
    this.cache.set(ref, resolved);
    return resolved;
  }
}
