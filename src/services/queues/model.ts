// The SQS model as AWS publishes it (AWS JSON 1.0), with the Query protocol's wire names laid over it:
// AWS moved SQS to JSON in 2023 and the published model lost the names Query clients still send and
// expect (`Attribute.1.Name`, `<Message>`). They are facts of the wire, kept here as data.
import { loadModel, type ServiceModel, type Shape } from '../../contract/index.ts';

/** Query names of flattened lists' items and of flattened maps' entries, by member name. */
const ENTRY_NAMES: Record<string, string> = {
  Attributes: 'Attribute',
  AttributeNames: 'AttributeName',
  MessageSystemAttributeNames: 'MessageSystemAttributeName',
  MessageAttributeNames: 'MessageAttributeName',
  MessageAttributes: 'MessageAttribute',
  MessageSystemAttributes: 'MessageSystemAttribute',
  StringListValues: 'StringListValue',
  BinaryListValues: 'BinaryListValue',
  AWSAccountIds: 'AWSAccountId',
  Actions: 'ActionName',
  TagKeys: 'TagKey',
  tags: 'Tag',
  Tags: 'Tag',
  QueueUrls: 'QueueUrl',
  queueUrls: 'QueueUrl',
  Messages: 'Message',
  Failed: 'BatchResultErrorEntry',
  Results: 'ListMessageMoveTasksResultEntry',
};

/** Batch entries are named after their operation. */
const BATCH_ENTRY_NAMES: Record<string, { request: string; result: string }> = {
  SendMessageBatch: { request: 'SendMessageBatchRequestEntry', result: 'SendMessageBatchResultEntry' },
  DeleteMessageBatch: { request: 'DeleteMessageBatchRequestEntry', result: 'DeleteMessageBatchResultEntry' },
  ChangeMessageVisibilityBatch: {
    request: 'ChangeMessageVisibilityBatchRequestEntry',
    result: 'ChangeMessageVisibilityBatchResultEntry',
  },
};

/** Map entry member names: tags are Key/Value, everything else Name/Value. */
function nameMapEntries(map: Shape, memberName: string): void {
  map.key = { ...map.key, queryName: memberName === 'tags' || memberName === 'Tags' ? 'Key' : 'Name' };
  map.value = { ...map.value, queryName: 'Value' };
}

export function loadQueuesModel(): ServiceModel {
  const model = loadModel('sqs-2012-11-05');
  // SQS answers unknown attribute names itself (InvalidAttributeName), and ReceiveMessage's
  // AttributeNames takes message attribute names that the QueueAttributeName enum lacks: the
  // handlers check names, not the edge.
  for (const shape of Object.values(model.shapes)) delete shape.enum;
  model.metadata.xmlNamespace = 'http://queue.amazonaws.com/doc/2012-11-05/';
  const visited = new Set<Shape>();
  const overlay = (shape: Shape, operation: string): void => {
    if (visited.has(shape)) return;
    visited.add(shape);
    for (const [memberName, member] of Object.entries(shape.members ?? {})) {
      const target = member.shape ? model.shapes[member.shape] : member;
      if (!target) continue;
      const entryName =
        memberName === 'Entries' || memberName === 'Successful'
          ? BATCH_ENTRY_NAMES[operation]?.[memberName === 'Entries' ? 'request' : 'result']
          : ENTRY_NAMES[memberName];
      if (entryName && target.type === 'map') {
        member.queryName = entryName;
        nameMapEntries(target, memberName);
      }
      if (entryName && target.type === 'list' && target.member) {
        // Lists shared between operations get a member of their own so names do not leak across.
        const list = member.shape ? { ...target } : target;
        list.member = { ...target.member, queryName: entryName };
        if (member.shape) {
          delete member.shape;
          Object.assign(member, list);
        }
      }
      const next = member.shape ? model.shapes[member.shape] : member;
      if (next?.type === 'structure') overlay(next, operation);
      const item = next?.type === 'list' ? next.member : next?.type === 'map' ? next.value : undefined;
      const itemShape = item?.shape ? model.shapes[item.shape] : item;
      if (itemShape?.type === 'structure') overlay(itemShape, operation);
    }
  };
  const structureOf = (ref: Shape): Shape => (ref.shape ? (model.shapes[ref.shape] ?? ref) : ref);
  for (const [name, operation] of Object.entries(model.operations)) {
    if (operation.input) overlay(structureOf(operation.input), name);
    if (operation.output) overlay(structureOf(operation.output), name);
  }
  return model;
}
