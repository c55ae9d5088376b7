// Picks the service and protocol for a request: X-Amz-Target, then the SigV4 scope's service,
// then the Query `Action` + `Version`, then REST routes.

import type { Protocol, ServiceDefinition } from '../contract/index.ts';
import { ShapeResolver } from '../contract/index.ts';
import {
  type CodecService,
  codecs,
  type EdgeRequest,
  queryParameters,
  rpcV2Target,
  targetOf,
} from './codecs/index.ts';
import { InputValidator } from './validate.ts';

export interface RegisteredService extends CodecService {
  protocols: Protocol[];
  /** The model's constraints on each operation's input. */
  validator: InputValidator;
}

export interface Route {
  service: RegisteredService;
  protocol: Protocol;
}

/** What the request named when no service matched, for the error message. */
export interface Unrouted {
  named: string | undefined;
  /** The protocol the request looked like, so the error is one its client can read. */
  protocol: Protocol;
}

/** The signing names of AWS's REST-XML services; every other REST service speaks REST-JSON. */
const REST_XML_SIGNING_NAMES = new Set(['s3', 'cloudfront', 'route53']);

const restProtocolOf = (signingName: string): Protocol =>
  REST_XML_SIGNING_NAMES.has(signingName) ? 'rest-xml' : 'rest-json';

function protocolsOf(definition: ServiceDefinition): Protocol[] {
  if (definition.protocols) return definition.protocols;
  const protocol = definition.model.metadata.protocol;
  if (protocol === 'smithy-rpc-v2-cbor') return ['rpc-v2-cbor'];
  return [protocol === 'ec2' ? 'query' : (protocol as Protocol)];
}

export class Router {
  readonly services: RegisteredService[];
  private readonly byTarget = new Map<string, RegisteredService>();
  private readonly bySigningName = new Map<string, RegisteredService>();

  constructor(definitions: ServiceDefinition[]) {
    this.services = definitions.map((definition) => {
      const resolver = new ShapeResolver(definition.model.shapes);
      return {
        definition,
        resolver,
        protocols: protocolsOf(definition),
        validator: new InputValidator(resolver),
      };
    });
    for (const service of this.services) {
      const metadata = service.definition.model.metadata;
      const clash = metadata.targetPrefix && this.byTarget.get(metadata.targetPrefix);
      if (clash) {
        throw new Error(
          `services '${clash.definition.name}' and '${service.definition.name}' share ${metadata.targetPrefix}`,
        );
      }
      if (metadata.targetPrefix) this.byTarget.set(metadata.targetPrefix, service);
      this.bySigningName.set(metadata.signingName ?? metadata.endpointPrefix, service);
    }
  }

  route(request: EdgeRequest, signingService: string | undefined): Route | Unrouted {
    // Smithy RPC v2 names the service in the path; its clients also send `smithy-protocol`.
    const rpcV2 = rpcV2Target(request.rawPath);
    if (rpcV2 && (request.headers['smithy-protocol'] === 'rpc-v2-cbor' || request.method === 'POST')) {
      const service = this.byTarget.get(rpcV2.service);
      if (service?.protocols.includes('rpc-v2-cbor')) return { service, protocol: 'rpc-v2-cbor' };
      if (request.headers['smithy-protocol'] === 'rpc-v2-cbor')
        return { named: rpcV2.service, protocol: 'rpc-v2-cbor' };
    }
    // A browser's CORS preflight names no operation: the service that answers CORS takes it.
    if (request.method === 'OPTIONS' && request.headers.origin !== undefined) {
      const service = this.services.find((candidate) => candidate.definition.cors);
      if (service) return { service, protocol: service.protocols[0] ?? 'rest-xml' };
    }
    const target = targetOf(request);
    if (target) {
      const service = this.byTarget.get(target.prefix);
      return service ? { service, protocol: 'json' } : { named: target.prefix, protocol: 'json' };
    }
    const parameters = queryParameters(request);
    const action = parameters.get('Action');
    if (signingService !== undefined) {
      const service = this.bySigningName.get(signingService);
      if (service) return { service, protocol: this.protocolFor(service, action !== undefined) };
    }
    if (action !== undefined) {
      const version = parameters.get('Version');
      const candidates = this.services.filter((service) => service.protocols.includes('query'));
      // The version names the API; without one, the action alone picks the service that has it.
      const service =
        candidates.find((candidate) => candidate.definition.model.metadata.apiVersion === version) ??
        candidates.find((candidate) => Object.hasOwn(candidate.definition.model.operations, action));
      return service
        ? { service, protocol: 'query' }
        : { named: signingService ?? `${action} (version ${version ?? 'none'})`, protocol: 'query' };
    }
    // A signed REST request for a service eddy lacks must not fall into a served service's routes
    // (S3's `/{Bucket}` matches almost any path): it is refused in that service's own protocol.
    if (signingService !== undefined)
      return { named: signingService, protocol: restProtocolOf(signingService) };
    for (const service of this.services) {
      for (const protocol of service.protocols) {
        if (
          (protocol === 'rest-json' || protocol === 'rest-xml') &&
          codecs[protocol].operationOf(request, service)
        ) {
          return { service, protocol };
        }
      }
    }
    return { named: undefined, protocol: 'json' };
  }

  private protocolFor(service: RegisteredService, hasAction: boolean): Protocol {
    if (hasAction && service.protocols.includes('query')) return 'query';
    return service.protocols[0] ?? 'json';
  }
}
