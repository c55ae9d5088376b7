// Partner event sources. A SaaS partner registered with AWS creates a source for a customer account,
// which then makes a partner event bus of the same name. eddy's accounts are no registered partners
// and so share no source: customers are answered as an account with none, partner-side calls as
// an account that is not a partner (AWS's AccessDeniedException for creating a source).
import { type EventBridge, type Handlers, ServiceError } from '../../contract/index.ts';
import { notFound } from './errors.ts';

type EventSourceOperations =
  | 'ListEventSources'
  | 'DescribeEventSource'
  | 'ActivateEventSource'
  | 'DeactivateEventSource'
  | 'CreatePartnerEventSource'
  | 'DeletePartnerEventSource'
  | 'DescribePartnerEventSource'
  | 'ListPartnerEventSources'
  | 'ListPartnerEventSourceAccounts'
  | 'PutPartnerEvents';

const noSource = (name: string) => notFound(`Event source ${name} does not exist.`);
const noSourceOrBus = (name: string) => notFound(`Event source ${name} or event bus ${name} does not exist.`);

export function eventSourceHandlers(): Pick<Handlers<EventBridge.Operations>, EventSourceOperations> {
  return {
    ListEventSources: () => ({ EventSources: [] }),

    DescribeEventSource: (input) => {
      throw noSource(input.Name);
    },

    ActivateEventSource: (input) => {
      throw noSourceOrBus(input.Name);
    },

    DeactivateEventSource: (input) => {
      throw noSourceOrBus(input.Name);
    },

    CreatePartnerEventSource: () => {
      throw new ServiceError(
        'AccessDeniedException',
        'You do not have sufficient access to perform this action.',
      );
    },

    DeletePartnerEventSource: (input) => {
      throw noSource(input.Name);
    },

    DescribePartnerEventSource: (input) => {
      throw noSource(input.Name);
    },

    ListPartnerEventSources: () => ({ PartnerEventSources: [] }),

    ListPartnerEventSourceAccounts: (input) => {
      throw noSource(input.EventSourceName);
    },

    // Each entry names a source this account never created: each fails, as a PutEvents entry
    // naming a bus that does not exist does.
    PutPartnerEvents: (input) => ({
      FailedEntryCount: input.Entries.length,
      Entries: input.Entries.map((entry) => ({
        ErrorCode: 'ResourceNotFoundException',
        ErrorMessage: `Event source ${entry.Source ?? ''} does not exist.`,
      })),
    }),
  };
}
