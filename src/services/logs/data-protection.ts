// Data protection: a log group's policy (and the account's, which adds to it) names the sensitive
// data to mask. Events ingested while a policy applies are stored with a masked copy, which every
// reader sees — GetLogEvents, FilterLogEvents, Insights, metric and subscription filters — unless it
// asks to `unmask`; events ingested before keep no masked copy, as AWS masks at ingestion.
//
// eddy detects custom data identifiers (any regex) and these managed ones: EmailAddress, IpAddress,
// CreditCardNumber (Luhn-checked), Ssn-US, PhoneNumber-US and AwsSecretKey (after a key name). A policy
// naming another managed identifier is refused rather than accepted and not applied.
import type { Clock } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import { type Caller, identifiedGroup } from './input.ts';
import type { LogRegistry } from './registry.ts';
import type { Resources } from './resources.ts';

const MANAGED_PREFIX = 'arn:aws:dataprotection::aws:data-identifier/';

function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

interface Detector {
  pattern: RegExp;
  /** A further check of a match (a card number's checksum). */
  accept?: (match: string) => boolean;
  /** Masks only this capture group of the match (a secret after its key name). */
  group?: number;
}

const MANAGED: Record<string, Detector> = {
  EmailAddress: { pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g },
  IpAddress: { pattern: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g },
  CreditCardNumber: {
    pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
    accept: (match) => luhn(match.replace(/[ -]/g, '')),
  },
  'Ssn-US': { pattern: /\b\d{3}-\d{2}-\d{4}\b/g },
  'PhoneNumber-US': { pattern: /(?<!\d)(?:\+?1[-. ]?)?\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)/g },
  AwsSecretKey: {
    pattern:
      /(?:aws_?secret_?access_?key|secret_?key)["']?\s*[:=]\s*["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
    group: 1,
  },
};

export const DETECTED_MANAGED_IDENTIFIERS = Object.keys(MANAGED);

interface PolicyDocument {
  Statement?: Array<{ DataIdentifier?: unknown; Operation?: Record<string, unknown> }>;
  Configuration?: { CustomDataIdentifier?: Array<{ Name?: unknown; Regex?: unknown }> };
}

/** Checks a policy as AWS does (an Audit statement and a Deidentify one) and compiles its detectors. */
export function compilePolicy(text: string): Detector[] {
  let document: PolicyDocument;
  try {
    document = JSON.parse(text) as PolicyDocument;
  } catch {
    throw invalidParameter('Invalid data protection policy: the policy document is not valid JSON.');
  }
  const statements = Array.isArray(document.Statement) ? document.Statement : [];
  const audit = statements.find((statement) => statement.Operation && 'Audit' in statement.Operation);
  const deidentify = statements.find(
    (statement) => statement.Operation && 'Deidentify' in statement.Operation,
  );
  if (statements.length !== 2 || !audit || !deidentify)
    throw invalidParameter(
      'Invalid data protection policy: it must have exactly two statements, one with an Audit operation and one with a Deidentify operation.',
    );
  const custom = new Map<string, Detector>();
  for (const entry of document.Configuration?.CustomDataIdentifier ?? []) {
    if (typeof entry.Name !== 'string' || typeof entry.Regex !== 'string')
      throw invalidParameter(
        'Invalid data protection policy: a custom data identifier needs a Name and a Regex.',
      );
    try {
      custom.set(entry.Name, { pattern: new RegExp(entry.Regex, 'g') });
    } catch {
      throw invalidParameter(`Invalid data protection policy: the regex of ${entry.Name} is not valid.`);
    }
  }
  const identifiers = (deidentify.DataIdentifier ?? []) as unknown[];
  if (!Array.isArray(identifiers) || identifiers.length === 0)
    throw invalidParameter(
      'Invalid data protection policy: the Deidentify statement names no DataIdentifier.',
    );
  return identifiers.map((identifier) => {
    if (typeof identifier !== 'string')
      throw invalidParameter('Invalid data protection policy: a DataIdentifier is not a string.');
    const own = custom.get(identifier);
    if (own) return own;
    const managed = identifier.startsWith(MANAGED_PREFIX)
      ? MANAGED[identifier.slice(MANAGED_PREFIX.length)]
      : undefined;
    if (managed) return managed;
    throw invalidParameter(
      `Invalid data protection policy: eddy does not detect the data identifier ${identifier}; it detects custom identifiers and ${DETECTED_MANAGED_IDENTIFIERS.join(', ')}.`,
    );
  });
}

/** A message with what the detectors find replaced by asterisks; undefined when nothing is found. */
export function mask(message: string, detectors: Detector[]): string | undefined {
  const spans: Array<[number, number]> = [];
  for (const detector of detectors) {
    detector.pattern.lastIndex = 0;
    for (const match of message.matchAll(detector.pattern)) {
      if (detector.accept && !detector.accept(match[0])) continue;
      const start = match.index + (detector.group ? match[0].lastIndexOf(match[detector.group]!) : 0);
      const length = detector.group ? match[detector.group]!.length : match[0].length;
      if (length > 0) spans.push([start, start + length]);
    }
  }
  if (spans.length === 0) return undefined;
  const characters = message.split('');
  for (const [start, end] of spans) for (let index = start; index < end; index++) characters[index] = '*';
  return characters.join('');
}

/** The masker for events ingested into a group now: its own policy and the account's, or none. */
export async function maskerIn(
  tx: Tx,
  resources: Resources,
  caller: Caller,
  group: { id: number; name: string; logGroupClass: string },
): Promise<((message: string) => string | undefined) | undefined> {
  // AWS masks only Standard-class groups.
  if (group.logGroupClass !== 'STANDARD') return undefined;
  const own = await resources.getIn<{ policyDocument: string }>(tx, caller, {
    kind: 'data-protection-policy',
    scope: group.name,
    name: '',
  });
  const account = await resources.listIn<{ policyDocument: string }>(tx, caller, {
    kind: 'account-policy',
    scope: 'DATA_PROTECTION_POLICY',
  });
  const documents = [own, ...account].flatMap((policy) => (policy ? [policy.body.policyDocument] : []));
  if (documents.length === 0) return undefined;
  const detectors = documents.flatMap((document) => compilePolicy(document));
  return (message) => mask(message, detectors);
}

export function dataProtectionHandlers(registry: LogRegistry, resources: Resources, clock: Clock) {
  async function groupOf(identifier: string, caller: Caller) {
    const group = await registry.requireGroup(
      caller.accountId,
      caller.region,
      identifiedGroup(identifier, caller),
    );
    return { group, key: { kind: 'data-protection-policy', scope: group.name, name: '' } as const };
  }

  return {
    async PutDataProtectionPolicy(input, context) {
      compilePolicy(input.policyDocument);
      const { group, key } = await groupOf(input.logGroupIdentifier, context);
      const saved = await resources.put(context, key, { policyDocument: input.policyDocument }, clock.now(), {
        scope: group.name,
        groupId: group.id,
      });
      return {
        logGroupIdentifier: input.logGroupIdentifier,
        policyDocument: input.policyDocument,
        lastUpdatedTime: saved.updatedAt,
      };
    },

    async GetDataProtectionPolicy(input, context) {
      const { key } = await groupOf(input.logGroupIdentifier, context);
      const found = await resources.get<{ policyDocument: string }>(context, key);
      return {
        logGroupIdentifier: input.logGroupIdentifier,
        ...(found ? { policyDocument: found.body.policyDocument, lastUpdatedTime: found.updatedAt } : {}),
      };
    },

    async DeleteDataProtectionPolicy(input, context) {
      const { key } = await groupOf(input.logGroupIdentifier, context);
      if (!(await resources.delete(context, key)))
        throw notFound('The specified log group does not have a data protection policy.');
    },
  } satisfies Partial<LogsHandlers>;
}
