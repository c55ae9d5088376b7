// Buckets: names global across accounts (as S3's are), each in one region, cached on every node
// with the configurations a request needs at once (notifications, CORS); a change on another node
// arrives as an `s3-buckets` signal.
import { type Handler, type RequestContext, ServiceError } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { invalidArgument, noSuchBucket } from './errors.ts';

export interface Bucket {
  id: number;
  name: string;
  account: string;
  region: string;
  createdAt: number;
  /** Stored configurations by kind (notification, cors, policy, tagging, …), as the handlers' JSON. */
  configs: Map<string, unknown>;
}

interface BucketRow {
  id: number;
  name: string;
  account: string;
  region: string;
  created_at: number;
}

/** S3's naming rules for general purpose buckets. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63)
    return 'Bucket names must be between 3 (min) and 63 (max) characters long.';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name))
    return 'Bucket names can consist only of lowercase letters, numbers, dots and hyphens, and must begin and end with a letter or number.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'Bucket names must not be formatted as an IP address.';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name))
    return 'Bucket names must not use a reserved prefix or suffix.';
  return undefined;
}

export class BucketRegistry {
  private readonly byName = new Map<string, Bucket>();

  constructor(private readonly runtime: Runtime) {}

  async load(): Promise<void> {
    const { rows, configs } = await this.runtime.store.read(async (tx) => ({
      rows: await tx.all<BucketRow>('SELECT * FROM s3_buckets'),
      configs: await tx.all<{ bucket_id: number; kind: string; body: string }>(
        'SELECT * FROM s3_bucket_configs',
      ),
    }));
    this.byName.clear();
    const byId = new Map<number, Bucket>();
    for (const row of rows) {
      const bucket = toBucket(row);
      this.byName.set(bucket.name, bucket);
      byId.set(bucket.id, bucket);
    }
    for (const config of configs)
      byId.get(Number(config.bucket_id))?.configs.set(config.kind, JSON.parse(config.body));
  }

  all(): Bucket[] {
    return [...this.byName.values()];
  }

  /** The bucket a request names: NoSuchBucket if there is none, AccessDenied if another account owns it. */
  get(name: string, context: Pick<RequestContext, 'accountId'>): Bucket {
    const bucket = this.byName.get(name);
    if (!bucket) throw noSuchBucket(name);
    if (bucket.account !== context.accountId)
      throw new ServiceError('AccessDenied', 'Access Denied', { status: 403 });
    return bucket;
  }

  find(name: string): Bucket | undefined {
    return this.byName.get(name);
  }

  /** Tells the other nodes to reload, once `tx` commits. */
  async changed(tx: Tx): Promise<void> {
    await this.runtime.cluster.signal(tx, 's3-buckets', '');
  }

  async setConfig(bucket: Bucket, kind: string, value: unknown): Promise<void> {
    await this.runtime.store.write(async (tx) => {
      if (value === undefined) {
        await tx.run('DELETE FROM s3_bucket_configs WHERE bucket_id = ? AND kind = ?', [bucket.id, kind]);
      } else {
        await tx.run(
          `INSERT INTO s3_bucket_configs (bucket_id, kind, body) VALUES (?, ?, ?)
           ON CONFLICT (bucket_id, kind) DO UPDATE SET body = excluded.body`,
          [bucket.id, kind, JSON.stringify(value)],
        );
      }
      await this.changed(tx);
    });
    if (value === undefined) bucket.configs.delete(kind);
    else bucket.configs.set(kind, value);
  }

  handlers(): Record<string, Handler> {
    return {
      CreateBucket: async (input, context) => {
        const name = String(input.Bucket);
        const problem = bucketNameProblem(name);
        if (problem) throw new ServiceError('InvalidBucketName', problem, { fields: { BucketName: name } });
        const configuration = input.CreateBucketConfiguration as { LocationConstraint?: string } | undefined;
        const constraint = configuration?.LocationConstraint;
        let region = context.region;
        if (context.region === 'us-east-1') {
          if (constraint === 'us-east-1')
            throw new ServiceError(
              'InvalidLocationConstraint',
              'The specified location-constraint is not valid',
              {
                fields: { LocationConstraint: constraint },
              },
            );
          if (constraint) region = constraint === 'EU' ? 'eu-west-1' : constraint;
        } else if (constraint !== context.region) {
          throw new ServiceError(
            'IllegalLocationConstraintException',
            `The ${constraint ?? 'unspecified'} location constraint is incompatible for the region specific endpoint this request was sent to.`,
          );
        }
        const existing = this.byName.get(name) ?? (await this.reloadOne(name));
        if (existing) {
          if (existing.account === context.accountId)
            throw new ServiceError(
              'BucketAlreadyOwnedByYou',
              'Your previous request to create the named bucket succeeded and you already own it.',
              { status: 409, fields: { BucketName: name } },
            );
          throw new ServiceError(
            'BucketAlreadyExists',
            'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
            { status: 409, fields: { BucketName: name } },
          );
        }
        const now = this.runtime.clock.now();
        const row = await this.runtime.store.write(async (tx) => {
          const created = await tx.get<BucketRow>(
            `INSERT INTO s3_buckets (name, account, region, created_at) VALUES (?, ?, ?, ?)
             ON CONFLICT (name) DO NOTHING RETURNING *`,
            [name, context.accountId, region, now],
          );
          if (created) await this.changed(tx);
          return created;
        });
        if (!row)
          throw new ServiceError('BucketAlreadyExists', 'The requested bucket name is not available.', {
            status: 409,
          });
        const bucket = toBucket(row);
        this.byName.set(name, bucket);
        return { Location: `/${name}`, BucketArn: `arn:aws:s3:::${name}` };
      },

      HeadBucket: (input, context) => {
        const bucket = this.get(String(input.Bucket), context);
        return { BucketRegion: bucket.region, BucketArn: `arn:aws:s3:::${bucket.name}` };
      },

      GetBucketLocation: (input, context) => {
        const bucket = this.get(String(input.Bucket), context);
        return { LocationConstraint: bucket.region === 'us-east-1' ? '' : bucket.region };
      },

      DeleteBucket: async (input, context) => {
        const bucket = this.get(String(input.Bucket), context);
        const deleted = await this.runtime.store.write(async (tx) => {
          const used =
            (await tx.get('SELECT 1 AS x FROM s3_objects WHERE bucket_id = ? LIMIT 1', [bucket.id])) ??
            (await tx.get('SELECT 1 AS x FROM s3_uploads WHERE bucket_id = ? LIMIT 1', [bucket.id]));
          if (used) return false;
          await tx.run('DELETE FROM s3_bucket_configs WHERE bucket_id = ?', [bucket.id]);
          await tx.run('DELETE FROM s3_buckets WHERE id = ?', [bucket.id]);
          await this.changed(tx);
          return true;
        });
        if (!deleted)
          throw new ServiceError('BucketNotEmpty', 'The bucket you tried to delete is not empty', {
            status: 409,
            fields: { BucketName: bucket.name },
          });
        this.byName.delete(bucket.name);
      },

      ListBuckets: (input, context) => {
        const prefix = typeof input.Prefix === 'string' ? input.Prefix : '';
        const max = typeof input.MaxBuckets === 'number' ? input.MaxBuckets : 10_000;
        if (max < 1 || max > 10_000)
          throw invalidArgument('MaxBuckets must be from 1 to 10000.', 'max-buckets', String(max));
        const after = typeof input.ContinuationToken === 'string' ? input.ContinuationToken : '';
        const owned = this.all()
          .filter(
            (bucket) =>
              bucket.account === context.accountId &&
              bucket.name.startsWith(prefix) &&
              bucket.name > after &&
              (input.BucketRegion === undefined || bucket.region === input.BucketRegion),
          )
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        const page = owned.slice(0, max);
        return {
          Buckets: page.map((bucket) => ({
            Name: bucket.name,
            CreationDate: new Date(bucket.createdAt),
            BucketRegion: bucket.region,
            BucketArn: `arn:aws:s3:::${bucket.name}`,
          })),
          Owner: { ID: context.accountId, DisplayName: 'eddy' },
          ...(owned.length > max ? { ContinuationToken: page.at(-1)!.name } : {}),
          ...(prefix ? { Prefix: prefix } : {}),
        };
      },

      ListDirectoryBuckets: () => ({ Buckets: [] }),
    };
  }

  private async reloadOne(name: string): Promise<Bucket | undefined> {
    const row = await this.runtime.store.read((tx) =>
      tx.get<BucketRow>('SELECT * FROM s3_buckets WHERE name = ?', [name]),
    );
    if (!row) return undefined;
    const bucket = toBucket(row);
    this.byName.set(name, bucket);
    return bucket;
  }
}

function toBucket(row: BucketRow): Bucket {
  return {
    id: Number(row.id),
    name: row.name,
    account: row.account,
    region: row.region,
    createdAt: Number(row.created_at),
    configs: new Map(),
  };
}
