// PutPermission and RemovePermission: the bus's resource policy, kept as EventBridge shapes it and
// shown by DescribeEventBus. A statement per StatementId lets an account (or every account, or an
// organization's) put events on the bus; a whole policy document replaces every statement.
import type { EventBridge, Handlers, RequestContext } from '../../contract/index.ts';
import { eventsError, notFound, validation } from './errors.ts';
import type { EventRegistry } from './registry.ts';
import type { Bus } from './resources.ts';

/** EventBridge keeps a bus policy of at most 10 KB. */
const MAX_POLICY_BYTES = 10_240;

type Statement = Record<string, unknown> & { Sid?: string };

const statementsOf = (bus: Bus) => (bus.policy?.Statement as Statement[] | undefined) ?? [];

function statementFor(bus: Bus, input: EventBridge.PutPermissionRequest): Statement {
  const { StatementId, Principal, Action, Condition } = input;
  if (Principal === undefined) throw validation('Parameter Principal must be specified.');
  if (Action !== 'events:PutEvents')
    throw validation("Provided value in parameter 'action' is not supported.");
  if (StatementId === undefined) throw validation('Parameter StatementId must be specified.');
  if (Condition) {
    if (Principal !== '*')
      throw validation(
        "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.",
      );
    if (Condition.Type !== 'StringEquals')
      throw validation(
        "Provided value in parameter 'condition.type' is not supported: only StringEquals is.",
      );
    if (Condition.Key !== 'aws:PrincipalOrgID')
      throw validation(
        "Provided value in parameter 'condition.key' is not supported: only aws:PrincipalOrgID is.",
      );
  }
  return {
    Sid: StatementId,
    Effect: 'Allow',
    Principal: Principal === '*' ? '*' : { AWS: `arn:aws:iam::${Principal}:root` },
    Action,
    Resource: bus.arn,
    ...(Condition ? { Condition: { [Condition.Type]: { [Condition.Key]: Condition.Value } } } : {}),
  };
}

function parsePolicy(text: string): Record<string, unknown> {
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    policy = undefined;
  }
  if (policy === null || typeof policy !== 'object' || Array.isArray(policy))
    throw validation('Parameter Policy is not valid. Reason: Policy is not valid JSON.');
  return policy as Record<string, unknown>;
}

export function permissionHandlers(
  registry: EventRegistry,
): Pick<Handlers<EventBridge.Operations>, 'PutPermission' | 'RemovePermission'> {
  const busOf = (context: RequestContext, name: string | undefined) =>
    registry.bus(context.accountId, context.region, name);

  return {
    async PutPermission(input, context) {
      const bus = await busOf(context, input.EventBusName);
      let policy: Record<string, unknown>;
      if (input.Policy !== undefined) {
        policy = parsePolicy(input.Policy);
      } else {
        const statement = statementFor(bus, input);
        const statements = [...statementsOf(bus)];
        // The same StatementId again replaces its statement where it stands.
        const at = statements.findIndex((existing) => existing.Sid === statement.Sid);
        if (at >= 0) statements[at] = statement;
        else statements.push(statement);
        policy = { Version: '2012-10-17', ...bus.policy, Statement: statements };
      }
      if (Buffer.byteLength(JSON.stringify(policy)) > MAX_POLICY_BYTES)
        throw eventsError('PolicyLengthExceededException', 'The event bus policy is larger than 10 KB.');
      await registry.setBusPolicy(bus, policy);
    },

    async RemovePermission(input, context) {
      const bus = await busOf(context, input.EventBusName);
      // Without a policy there is no statement to look for: EventBridge says so first.
      if (!bus.policy) throw notFound('EventBus does not have a policy.');
      if (input.RemoveAllPermissions === true) {
        await registry.setBusPolicy(bus, undefined);
        return;
      }
      if (input.StatementId === undefined) throw validation('Parameter StatementId is required.');
      const statements = statementsOf(bus);
      if (!statements.some((statement) => statement.Sid === input.StatementId))
        throw notFound('Statement with the provided id does not exist.');
      const remaining = statements.filter((statement) => statement.Sid !== input.StatementId);
      await registry.setBusPolicy(
        bus,
        remaining.length > 0 ? { ...bus.policy, Statement: remaining } : undefined,
      );
    },
  };
}
