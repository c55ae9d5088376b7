// Dashboards, kept as CloudWatch keeps them: a name and a JSON body with its widgets (eddy stores
// and returns them; it renders none).
import type { CloudWatch, Handlers } from '../../contract/index.ts';
import { ServiceError } from '../../contract/index.ts';
import { type Clock, formatArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { Scope } from './datapoints.ts';
import { scopeOf } from './metric-handlers.ts';

type DashboardOperations = Pick<
  Handlers<CloudWatch.Operations>,
  'PutDashboard' | 'GetDashboard' | 'ListDashboards' | 'DeleteDashboards'
>;

const invalidInput = (message: string) => new ServiceError('DashboardInvalidInputError', message);
const notFound = (name: string) =>
  new ServiceError('DashboardNotFoundError', `Dashboard ${name} does not exist`, { status: 404 });
const arnOf = (scope: Scope, name: string) =>
  formatArn({ service: 'cloudwatch', region: '', accountId: scope.account, resource: `dashboard/${name}` });

export function dashboardHandlers(store: Store, clock: Clock): DashboardOperations {
  const get = (scope: Scope, name: string) =>
    store.read((tx) =>
      tx.get<{ body: string }>(
        'SELECT body FROM cw_dashboards WHERE account = ? AND region = ? AND name = ?',
        [scope.account, scope.region, name],
      ),
    );
  return {
    async PutDashboard(input, context) {
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(input.DashboardName))
        throw invalidInput(
          'The value for field DashboardName contains invalid characters. It can only contain alphanumerics, dash (-) and underscore (_).',
        );
      let body: unknown;
      try {
        body = JSON.parse(input.DashboardBody);
      } catch {
        throw invalidInput('The field DashboardBody must be a valid JSON object');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        throw invalidInput('The field DashboardBody must be a valid JSON object');
      const widgets = (body as { widgets?: unknown }).widgets;
      if (widgets !== undefined && !Array.isArray(widgets))
        throw invalidInput('The field DashboardBody.widgets must be an array');
      const scope = scopeOf(context);
      await store.write((tx) =>
        tx.run(
          `INSERT INTO cw_dashboards (account, region, name, body, modified_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (account, region, name) DO UPDATE SET body = excluded.body, modified_at = excluded.modified_at`,
          [scope.account, scope.region, input.DashboardName, input.DashboardBody, clock.now()],
        ),
      );
      return { DashboardValidationMessages: [] };
    },

    async GetDashboard(input, context) {
      const scope = scopeOf(context);
      const name = input.DashboardName ?? '';
      const row = await get(scope, name);
      if (!row) throw notFound(name);
      return { DashboardName: name, DashboardArn: arnOf(scope, name), DashboardBody: row.body };
    },

    async ListDashboards(input, context) {
      const scope = scopeOf(context);
      const rows = await store.read((tx) =>
        tx.all<{ name: string; body: string; modified_at: number | string }>(
          'SELECT name, body, modified_at FROM cw_dashboards WHERE account = ? AND region = ? ORDER BY name',
          [scope.account, scope.region],
        ),
      );
      return {
        DashboardEntries: rows
          .filter(
            (row) =>
              input.DashboardNamePrefix === undefined || row.name.startsWith(input.DashboardNamePrefix),
          )
          .map((row) => ({
            DashboardName: row.name,
            DashboardArn: arnOf(scope, row.name),
            LastModified: new Date(Number(row.modified_at)),
            Size: Buffer.byteLength(row.body),
          })),
      };
    },

    async DeleteDashboards(input, context) {
      const scope = scopeOf(context);
      for (const name of input.DashboardNames) if (!(await get(scope, name))) throw notFound(name);
      await store.write(async (tx) => {
        for (const name of input.DashboardNames)
          await tx.run('DELETE FROM cw_dashboards WHERE account = ? AND region = ? AND name = ?', [
            scope.account,
            scope.region,
            name,
          ]);
      });
      return {};
    },
  };
}
