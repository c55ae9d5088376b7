// Inputs as they arrive. The model names enums where SQS answers unknown names itself (an unknown
// queue attribute is InvalidAttributeName, ReceiveMessage's AttributeNames takes message system
// attribute names the QueueAttributeName enum lacks, a send's system attributes may name anything
// and only AWSTraceHeader is allowed): model.ts drops those enums, so these names are any string
// at run time and the handlers check them. Each type here is the model's, with that member as it
// arrives; a handler declaring one still takes every input the model's type allows (tsc checks).
import type { Sqs } from '../../../contract/index.ts';

/** Queue attributes by name. */
export type AttributeMap = Record<string, string>;

export type CreateQueueInput = Omit<Sqs.CreateQueueRequest, 'Attributes'> & { Attributes?: AttributeMap };

export type SetQueueAttributesInput = Omit<Sqs.SetQueueAttributesRequest, 'Attributes'> & {
  Attributes: AttributeMap;
};

export type GetQueueAttributesInput = Omit<Sqs.GetQueueAttributesRequest, 'AttributeNames'> & {
  AttributeNames?: string[];
};

export type ReceiveMessageInput = Omit<
  Sqs.ReceiveMessageRequest,
  'AttributeNames' | 'MessageSystemAttributeNames'
> & {
  AttributeNames?: string[];
  MessageSystemAttributeNames?: string[];
};

type SystemAttributesAsSent = { MessageSystemAttributes?: Record<string, Sqs.MessageSystemAttributeValue> };

export type SendMessageInput = Omit<Sqs.SendMessageRequest, 'MessageSystemAttributes'> &
  SystemAttributesAsSent;

export type SendMessageBatchEntryInput = Omit<Sqs.SendMessageBatchRequestEntry, 'MessageSystemAttributes'> &
  SystemAttributesAsSent;

export type SendMessageBatchInput = Omit<Sqs.SendMessageBatchRequest, 'Entries'> & {
  Entries: SendMessageBatchEntryInput[];
};
