// A topic's access policy as SNS shapes it: the default statement every topic starts with, and
// the statements AddPermission adds and RemovePermission takes away. Also the data protection
// policy's one rule eddy checks. Pure: the handlers store what these return.
import { invalidParameter } from './errors.ts';

/** The actions a topic policy statement may name, as SNS's API permissions reference lists them. */
const POLICY_ACTIONS = new Set([
  'AddPermission',
  'DeleteTopic',
  'GetDataProtectionPolicy',
  'GetTopicAttributes',
  'ListSubscriptionsByTopic',
  'ListTagsForResource',
  'Publish',
  'PutDataProtectionPolicy',
  'Receive',
  'RemovePermission',
  'SetTopicAttributes',
  'Subscribe',
]);

interface Statement {
  Sid?: string;
  [member: string]: unknown;
}

interface TopicPolicy {
  Version?: string;
  Id?: string;
  Statement: Statement[];
  [member: string]: unknown;
}

/** The policy a new topic gets: its owner's account may do everything to it. */
export function defaultPolicy(topicArn: string, account: string): string {
  return JSON.stringify({
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [
      {
        Sid: '__default_statement_ID',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: [
          'SNS:GetTopicAttributes',
          'SNS:SetTopicAttributes',
          'SNS:AddPermission',
          'SNS:RemovePermission',
          'SNS:DeleteTopic',
          'SNS:Subscribe',
          'SNS:ListSubscriptionsByTopic',
          'SNS:Publish',
        ],
        Resource: topicArn,
        Condition: { StringEquals: { 'AWS:SourceOwner': account } },
      },
    ],
  });
}

function parsePolicy(policy: string | undefined): TopicPolicy {
  const parsed = policy ? (JSON.parse(policy) as Partial<TopicPolicy>) : {};
  return {
    ...(policy ? {} : { Version: '2008-10-17', Id: '__default_policy_ID' }),
    ...parsed,
    Statement: Array.isArray(parsed.Statement)
      ? parsed.Statement
      : parsed.Statement
        ? [parsed.Statement]
        : [],
  };
}

/**
 * AddPermission: a statement labelled `label` granting `accounts` the `actions` on the topic. A
 * single account or action is written as a string, several as a list, as SNS writes them.
 */
export function withPermission(
  policy: string | undefined,
  topicArn: string,
  label: string,
  accounts: string[],
  actions: string[],
): string {
  const document = parsePolicy(policy);
  if (document.Statement.some((statement) => statement.Sid === label))
    throw invalidParameter('Statement already exists');
  if (actions.some((action) => !POLICY_ACTIONS.has(action)))
    throw invalidParameter('Policy statement action out of service scope!');
  const principals = accounts.map((account) => `arn:aws:iam::${account}:root`);
  const granted = actions.map((action) => `SNS:${action}`);
  document.Statement.push({
    Sid: label,
    Effect: 'Allow',
    Principal: { AWS: principals.length === 1 ? principals[0] : principals },
    Action: granted.length === 1 ? granted[0] : granted,
    Resource: topicArn,
  });
  return JSON.stringify(document);
}

/** RemovePermission: the policy without the statement labelled `label` (unchanged when none is). */
export function withoutPermission(policy: string | undefined, label: string): string {
  const document = parsePolicy(policy);
  document.Statement = document.Statement.filter((statement) => statement.Sid !== label);
  return JSON.stringify(document);
}

/** A data protection policy must be a JSON object; eddy keeps and shows it (it does not apply it). */
export function checkDataProtectionPolicy(policy: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(policy);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw invalidParameter('DataProtectionPolicy Reason: must be a JSON object');
}
