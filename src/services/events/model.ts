// The EventBridge model as AWS published it in the aws-sdk v2 package, with the members and the
// operation that came after it (bus descriptions, dead-letter configs, timestamps, UpdateEventBus),
// as today's clients send and read them.
import { loadModel, type ServiceModel, type Shape } from '../../contract/index.ts';

const string: Shape = { type: 'string' };
const timestamp: Shape = { type: 'timestamp' };
const deadLetterConfig: Shape = { type: 'structure', members: { Arn: string } };
const busSettings: Record<string, Shape> = {
  Description: string,
  KmsKeyIdentifier: string,
  DeadLetterConfig: deadLetterConfig,
};

function addMembers(shape: Shape | undefined, members: Record<string, Shape>): void {
  if (!shape) throw new Error('the events model lacks a shape eddy extends');
  shape.members = { ...shape.members, ...members };
}

export function loadEventsModel(): ServiceModel {
  const model = loadModel('events-2015-10-07');
  const operations = model.operations;
  addMembers(operations.CreateEventBus?.input, busSettings);
  addMembers(operations.CreateEventBus?.output, busSettings);
  addMembers(operations.DescribeEventBus?.output, {
    ...busSettings,
    CreationTime: timestamp,
    LastModifiedTime: timestamp,
  });
  addMembers(operations.ListEventBuses?.output?.members?.EventBuses?.member, {
    Description: string,
    CreationTime: timestamp,
    LastModifiedTime: timestamp,
  });
  operations.UpdateEventBus = {
    name: 'UpdateEventBus',
    http: { method: 'POST', requestUri: '/' },
    input: { type: 'structure', members: { Name: string, ...busSettings } },
    output: { type: 'structure', members: { Arn: string, Name: string, ...busSettings } },
  };
  return model;
}
