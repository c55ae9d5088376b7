// The objects service: Amazon S3 over REST-XML (path-style and virtual-hosted), buckets and objects
// with their bytes in files under the data directory and their metadata in the store, multipart
// uploads, checksums, CORS, and object events to the bus, queues and topics.
import type { Handler, ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { BlobStore } from './blobs.ts';
import { type Bucket, BucketRegistry } from './buckets.ts';
import { corsHeaders } from './cors.ts';
import { multipartHandlers } from './multipart.ts';
import { Notifier } from './notifications.ts';
import { objectHandlers } from './objects.ts';
import { objectMigrations } from './schema.ts';

/** The error a Get of a configuration never put answers, by configuration (S3's codes). */
const MISSING: Record<string, [string, string]> = {
  Cors: ['NoSuchCORSConfiguration', 'The CORS configuration does not exist'],
  Policy: ['NoSuchBucketPolicy', 'The bucket policy does not exist'],
  Tagging: ['NoSuchTagSet', 'The TagSet does not exist'],
  Lifecycle: ['NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'],
  Website: ['NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration'],
  Encryption: [
    'ServerSideEncryptionConfigurationNotFoundError',
    'The server side encryption configuration was not found',
  ],
  OwnershipControls: ['OwnershipControlsNotFoundError', 'The bucket ownership controls were not found'],
  PublicAccessBlock: [
    'NoSuchPublicAccessBlockConfiguration',
    'The public access block configuration was not found',
  ],
  Replication: ['ReplicationConfigurationNotFoundError', 'The replication configuration was not found'],
  ObjectLock: [
    'ObjectLockConfigurationNotFoundError',
    'Object Lock configuration does not exist for this bucket',
  ],
};
/** Configurations a bucket has in a default form even when never put. */
const DEFAULTS: Record<string, Record<string, unknown>> = {
  Versioning: {},
  Accelerate: {},
  RequestPayment: { Payer: 'BucketOwner' },
  Logging: {},
  Acl: {},
  PolicyStatus: { PolicyStatus: { IsPublic: false } },
  Abac: {},
};

/** The configuration an operation is about: `PutBucketCors` → Cors, `GetBucketLifecycleConfiguration` → Lifecycle. */
function configKind(operation: string): string | undefined {
  const match = /^(Put|Get|Delete)(?:Bucket|Object)(.+?)(?:Configuration)?$/.exec(operation);
  if (!match || operation.startsWith('GetObject') || operation.startsWith('PutObject')) {
    if (operation === 'GetObjectLockConfiguration' || operation === 'PutObjectLockConfiguration')
      return 'ObjectLock';
    return undefined;
  }
  return match[2];
}

export function objectsService(runtime: Runtime): ServiceModule {
  const model = loadModel('s3-2006-03-01');
  const buckets = new BucketRegistry(runtime);
  const blobs = new BlobStore(
    runtime.config.inMemory ? undefined : runtime.config.dataDir,
    runtime.config.nodeId ?? `port-${runtime.config.port}-${process.pid}`,
  );
  const notifier = new Notifier(runtime, buckets);
  const deps = { runtime, buckets, blobs, notifier };
  const handlers: Record<string, Handler> = {
    ...buckets.handlers(),
    ...objectHandlers(deps),
    ...multipartHandlers(deps),
    ...notifier.handlers(),
  };

  // Bucket configurations eddy keeps and shows but does not act on (policy, versioning, website, …):
  // each Put stores its payload, each Get answers it, each Delete removes it.
  for (const [operation, definition] of Object.entries(model.operations)) {
    if (handlers[operation]) continue;
    const kind = configKind(operation);
    const inputShape = definition.input?.shape ? model.shapes[definition.input.shape] : undefined;
    const outputShape = definition.output?.shape ? model.shapes[definition.output.shape] : undefined;
    const bucketLevel = inputShape?.members?.Bucket !== undefined && inputShape.members.Key === undefined;
    if (kind && bucketLevel) {
      const slot = (input: Record<string, unknown>) =>
        typeof input.Id === 'string' ? `${kind}/${input.Id}` : kind;
      if (operation.startsWith('Put')) {
        handlers[operation] = async (input, context) => {
          const bucket = buckets.get(String(input.Bucket), context);
          const payload = inputShape.payload ? input[inputShape.payload] : undefined;
          await buckets.setConfig(bucket, slot(input), payload ?? {});
        };
      } else if (operation.startsWith('Delete')) {
        handlers[operation] = async (input, context) => {
          const bucket = buckets.get(String(input.Bucket), context);
          await buckets.setConfig(bucket, slot(input), undefined);
        };
      } else {
        handlers[operation] = (input, context) => {
          const bucket: Bucket = buckets.get(String(input.Bucket), context);
          const stored = bucket.configs.get(slot(input));
          if (stored === undefined) {
            const fallback = DEFAULTS[kind];
            if (fallback) return fallback;
            const [code, message] = MISSING[kind] ?? [
              'NoSuchConfiguration',
              'The specified configuration does not exist.',
            ];
            throw new ServiceError(code, message, { status: 404, fields: { BucketName: bucket.name } });
          }
          return outputShape?.payload
            ? { [outputShape.payload]: stored }
            : (stored as Record<string, unknown>);
        };
      }
      continue;
    }
    handlers[operation] = () => {
      throw new ServiceError('NotImplemented', `eddy does not implement S3 ${operation}.`, {
        status: 400,
        fields: { Operation: operation },
      });
    };
  }
  // What ListBuckets-like listings of configurations answer when there are none.
  for (const operation of [
    'ListBucketAnalyticsConfigurations',
    'ListBucketIntelligentTieringConfigurations',
    'ListBucketInventoryConfigurations',
    'ListBucketMetricsConfigurations',
  ]) {
    handlers[operation] = (input, context) => {
      buckets.get(String(input.Bucket), context);
      return { IsTruncated: false };
    };
  }

  let sweeping: Promise<void> | undefined;
  return {
    definition: {
      name: 's3',
      model,
      handlers,
      hostLabel: 'Bucket',
      documents: {
        GetBucketLocation: (output) =>
          `<?xml version="1.0" encoding="UTF-8"?><LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${String(output.LocationConstraint ?? '')}</LocationConstraint>`,
      },
      cors: async (request) => corsHeaders(buckets, request),
      inputError(problem) {
        // The model's location constraints leave out us-east-1, which S3 refuses in its own words.
        if (
          problem.kind === 'constraints' &&
          problem.violations.some((v) => v.member.endsWith('locationConstraint'))
        )
          return new ServiceError(
            'InvalidLocationConstraint',
            'The specified location-constraint is not valid',
          );
        return undefined;
      },
    },
    migrations: objectMigrations,
    async start() {
      await buckets.load();
      runtime.cluster.onSignal('s3-buckets', () => {
        buckets
          .load()
          .catch((error: unknown) => runtime.log.error({ err: error }, 'reloading buckets failed'));
      });
      // Blobs a crash left between their rename and their row's commit.
      sweeping = (async () => {
        const named = await runtime.store.read(async (tx) => {
          const set = new Set<string>();
          for (const row of await tx.all<{ segments: string }>('SELECT segments FROM s3_objects'))
            for (const segment of JSON.parse(row.segments) as Array<{ blob: string }>) set.add(segment.blob);
          for (const row of await tx.all<{ blob: string }>('SELECT blob FROM s3_parts')) set.add(row.blob);
          return set;
        });
        const removed = await blobs.sweep(
          async (names) => new Set(names.filter((name) => named.has(name))),
          runtime.clock.now(),
        );
        if (removed > 0) runtime.log.info({ removed }, 'removed object files no object names');
      })().catch((error: unknown) =>
        runtime.log.warn({ err: error }, 'sweeping orphaned object files failed'),
      );
    },
    async stop() {
      await sweeping;
      await notifier.stop();
      blobs.close();
    },
  };
}
