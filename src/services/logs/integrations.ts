// Integrations with services eddy does not serve, answered as AWS answers an account without them:
// OpenSearch Service integrations (PutIntegration would create OpenSearch collections, so it is
// refused; none exist to get, list or delete) and S3 Tables integrations (their integration ARNs
// name nothing).
import type { LogsHandlers } from './api.ts';
import { logsError, notFound } from './errors.ts';

const integrationNotFound = (name: string) => notFound(`Integration with name [${name}] does not exist.`);
const s3IntegrationNotFound = (arn: string) =>
  logsError('ResourceNotFoundException', `The integration ${arn} does not exist.`);

export function integrationHandlers() {
  return {
    async PutIntegration() {
      throw logsError(
        'ValidationException',
        'eddy does not serve Amazon OpenSearch Service, so it cannot create the collection, data source and dashboards an OpenSearch integration needs.',
      );
    },
    async GetIntegration(input) {
      throw integrationNotFound(input.integrationName);
    },
    async ListIntegrations() {
      return { integrationSummaries: [] };
    },
    async DeleteIntegration(input) {
      throw integrationNotFound(input.integrationName);
    },

    async AssociateSourceToS3TableIntegration(input) {
      throw s3IntegrationNotFound(input.integrationArn);
    },
    async DisassociateSourceFromS3TableIntegration(input) {
      throw logsError(
        'ResourceNotFoundException',
        `The source ${input.identifier} is not associated with an integration.`,
      );
    },
    async ListSourcesForS3TableIntegration(input) {
      throw s3IntegrationNotFound(input.integrationArn);
    },
  } satisfies Partial<LogsHandlers>;
}
