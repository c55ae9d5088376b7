// ARNs: the one address format for every eddy resource. One helper builds and parses them all.

export interface Arn {
  partition: string;
  service: string;
  region: string;
  accountId: string;
  /** Everything after the account: `queue-name`, `rule/bus/name`, `task/cluster/id`, … */
  resource: string;
}

export function formatArn(arn: Omit<Arn, 'partition'> & { partition?: string }): string {
  return `arn:${arn.partition ?? 'aws'}:${arn.service}:${arn.region}:${arn.accountId}:${arn.resource}`;
}

/** Parses an ARN, or returns undefined when the text is not one. */
export function parseArn(text: string): Arn | undefined {
  const parts = text.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  const [, partition, service, region, accountId] = parts as [string, string, string, string, string];
  if (!partition || !service) return undefined;
  return { partition, service, region, accountId, resource: parts.slice(5).join(':') };
}
