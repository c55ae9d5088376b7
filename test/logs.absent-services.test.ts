// What needs a service eddy does not serve, through @aws-sdk/client-cloudwatch-logs, answered as AWS
// answers an account without it: vended-log deliveries (delivery destinations are stored), OpenSearch
// and S3 Tables integrations, export tasks to S3, import tasks from CloudTrail Lake, data sources and
// log objects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AssociateSourceToS3TableIntegrationCommand,
  CancelExportTaskCommand,
  CancelImportTaskCommand,
  CloudWatchLogsClient,
  CreateDeliveryCommand,
  CreateExportTaskCommand,
  CreateImportTaskCommand,
  CreateLogGroupCommand,
  DeleteDeliveryDestinationCommand,
  DeleteDeliveryDestinationPolicyCommand,
  DeleteIntegrationCommand,
  DescribeConfigurationTemplatesCommand,
  DescribeDeliveriesCommand,
  DescribeDeliveryDestinationsCommand,
  DescribeDeliverySourcesCommand,
  DescribeExportTasksCommand,
  DescribeImportTasksCommand,
  GetDeliveryCommand,
  GetDeliveryDestinationCommand,
  GetDeliveryDestinationPolicyCommand,
  GetDeliverySourceCommand,
  GetIntegrationCommand,
  GetLogFieldsCommand,
  GetLogObjectCommand,
  ListAggregateLogGroupSummariesCommand,
  ListIntegrationsCommand,
  PutDeliveryDestinationCommand,
  PutDeliveryDestinationPolicyCommand,
  PutDeliverySourceCommand,
  PutIntegrationCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { ACCOUNT, groupArnOf, REGION, rejects } from './fixtures/logs.ts';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let logs: CloudWatchLogsClient;

before(async () => {
  eddy = await startTestEddy();
  logs = eddy.client(CloudWatchLogsClient);
});
after(() => eddy.stop());

describe('deliveries', () => {
  test('delivery destinations are stored, with their policy', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'dl/target' }));
    const { deliveryDestination } = await logs.send(
      new PutDeliveryDestinationCommand({
        name: 'to-logs',
        deliveryDestinationConfiguration: { destinationResourceArn: groupArnOf('dl/target') },
        tags: { team: 'core' },
      }),
    );
    assert.equal(deliveryDestination?.arn, `arn:aws:logs:${REGION}:${ACCOUNT}:delivery-destination:to-logs`);
    assert.equal(deliveryDestination?.deliveryDestinationType, 'CWL');
    assert.equal(deliveryDestination?.outputFormat, 'json');
    const { deliveryDestinations } = await logs.send(new DescribeDeliveryDestinationsCommand({}));
    assert.deepEqual(
      deliveryDestinations?.map((destination) => destination.name),
      ['to-logs'],
    );
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [] });
    await logs.send(
      new PutDeliveryDestinationPolicyCommand({
        deliveryDestinationName: 'to-logs',
        deliveryDestinationPolicy: policy,
      }),
    );
    assert.equal(
      (await logs.send(new GetDeliveryDestinationPolicyCommand({ deliveryDestinationName: 'to-logs' })))
        .policy?.deliveryDestinationPolicy,
      policy,
    );
    await logs.send(new DeleteDeliveryDestinationPolicyCommand({ deliveryDestinationName: 'to-logs' }));
    await rejects(
      logs.send(
        new PutDeliveryDestinationCommand({
          name: 'to-nowhere',
          deliveryDestinationConfiguration: { destinationResourceArn: groupArnOf('dl/none') },
        }),
      ),
      'ResourceNotFoundException',
    );
    await logs.send(new DeleteDeliveryDestinationCommand({ name: 'to-logs' }));
    await rejects(
      logs.send(new GetDeliveryDestinationCommand({ name: 'to-logs' })),
      'ResourceNotFoundException',
    );
  });

  test('no delivery source can exist, so no delivery does', async () => {
    await rejects(
      logs.send(
        new PutDeliverySourceCommand({
          name: 'cdn',
          resourceArn: `arn:aws:cloudfront::${ACCOUNT}:distribution/E1234`,
          logType: 'ACCESS_LOGS',
        }),
      ),
      'ResourceNotFoundException',
    );
    assert.deepEqual((await logs.send(new DescribeDeliverySourcesCommand({}))).deliverySources, []);
    await rejects(logs.send(new GetDeliverySourceCommand({ name: 'cdn' })), 'ResourceNotFoundException');
    await rejects(
      logs.send(
        new CreateDeliveryCommand({
          deliverySourceName: 'cdn',
          deliveryDestinationArn: `arn:aws:logs:${REGION}:${ACCOUNT}:delivery-destination:x`,
        }),
      ),
      'ResourceNotFoundException',
    );
    assert.deepEqual((await logs.send(new DescribeDeliveriesCommand({}))).deliveries, []);
    await rejects(logs.send(new GetDeliveryCommand({ id: 'abc' })), 'ResourceNotFoundException');
    assert.deepEqual(
      (await logs.send(new DescribeConfigurationTemplatesCommand({}))).configurationTemplates,
      [],
    );
  });
});

describe('integrations, exports, imports, data sources', () => {
  test('OpenSearch and S3 Tables integrations', async () => {
    await rejects(
      logs.send(
        new PutIntegrationCommand({
          integrationName: 'search',
          integrationType: 'OPENSEARCH',
          resourceConfig: {
            openSearchResourceConfig: {
              dataSourceRoleArn: `arn:aws:iam::${ACCOUNT}:role/os`,
              dashboardViewerPrincipals: [`arn:aws:iam::${ACCOUNT}:root`],
              retentionDays: 30,
            },
          },
        }),
      ),
      'ValidationException',
      /does not serve Amazon OpenSearch Service/,
    );
    assert.deepEqual((await logs.send(new ListIntegrationsCommand({}))).integrationSummaries, []);
    await rejects(
      logs.send(new GetIntegrationCommand({ integrationName: 'search' })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(new DeleteIntegrationCommand({ integrationName: 'search' })),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(
        new AssociateSourceToS3TableIntegrationCommand({
          integrationArn: `arn:aws:logs:${REGION}:${ACCOUNT}:integration:x`,
          dataSource: { name: 'amazon_vpc', type: 'flow' },
        }),
      ),
      'ResourceNotFoundException',
    );
  });

  test('export tasks check the group, then find no bucket; import tasks find no event data store', async () => {
    await logs.send(new CreateLogGroupCommand({ logGroupName: 'ex/app' }));
    await rejects(
      logs.send(
        new CreateExportTaskCommand({ logGroupName: 'ex/none', from: 0, to: 1, destination: 'bucket' }),
      ),
      'ResourceNotFoundException',
    );
    await rejects(
      logs.send(
        new CreateExportTaskCommand({ logGroupName: 'ex/app', from: 0, to: 1, destination: 'bucket' }),
      ),
      'InvalidParameterException',
      /The specified bucket does not exist/,
    );
    assert.deepEqual((await logs.send(new DescribeExportTasksCommand({}))).exportTasks, []);
    await rejects(logs.send(new CancelExportTaskCommand({ taskId: 'x' })), 'ResourceNotFoundException');
    await rejects(
      logs.send(
        new CreateImportTaskCommand({
          importSourceArn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:eventdatastore/abc`,
          importRoleArn: `arn:aws:iam::${ACCOUNT}:role/import`,
        }),
      ),
      'ResourceNotFoundException',
    );
    assert.deepEqual((await logs.send(new DescribeImportTasksCommand({}))).imports, []);
    await rejects(logs.send(new CancelImportTaskCommand({ importId: 'x' })), 'ResourceNotFoundException');
  });

  test('no data source and no log object exist', async () => {
    await rejects(
      logs.send(new GetLogFieldsCommand({ dataSourceName: 'amazon_vpc', dataSourceType: 'flow' })),
      'ResourceNotFoundException',
    );
    // GetLogObject goes to a `stream-` host prefix that only AWS's DNS resolves.
    const streaming = eddy.client(CloudWatchLogsClient, { disableHostPrefix: true });
    await rejects(
      streaming.send(new GetLogObjectCommand({ logObjectPointer: 'pointer' })),
      'ResourceNotFoundException',
    );
    streaming.destroy();
    assert.deepEqual(
      (await logs.send(new ListAggregateLogGroupSummariesCommand({ groupBy: 'DATA_SOURCE_NAME_AND_TYPE' })))
        .aggregateLogGroupSummaries,
      [],
    );
  });
});
