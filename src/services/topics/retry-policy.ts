// HTTP/S delivery retry policies as SNS documents them: immediate retries, then retries at the
// minimum delay, a back-off phase from the minimum to the maximum delay, then retries at the maximum.
// Pure: delays in seconds for a given retry number.

export interface HealthyRetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  numMaxDelayRetries: number;
  backoffFunction: 'linear' | 'arithmetic' | 'geometric' | 'exponential';
}

export const DEFAULT_HTTP_POLICY: HealthyRetryPolicy = {
  minDelayTarget: 20,
  maxDelayTarget: 20,
  numRetries: 3,
  numNoDelayRetries: 0,
  numMinDelayRetries: 0,
  numMaxDelayRetries: 0,
  backoffFunction: 'linear',
};

/** Checks a policy against SNS's limits; returns the reason it is refused, or undefined. */
export function checkRetryPolicy(policy: HealthyRetryPolicy): string | undefined {
  const { minDelayTarget: min, maxDelayTarget: max, numRetries } = policy;
  if (!(min >= 1 && min <= max && max <= 3600))
    return 'minDelayTarget must be 1 or more and at most maxDelayTarget (at most 3600)';
  if (!(numRetries >= 0 && numRetries <= 100)) return 'numRetries must be between 0 and 100';
  const phases = policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries;
  if (phases > numRetries)
    return 'numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed numRetries';
  if (!['linear', 'arithmetic', 'geometric', 'exponential'].includes(policy.backoffFunction)) {
    return 'backoffFunction must be linear, arithmetic, geometric or exponential';
  }
  return undefined;
}

/** Seconds to wait before retry number `retry` (1-based), or undefined when retries are spent. */
export function retryDelaySeconds(policy: HealthyRetryPolicy, retry: number): number | undefined {
  if (retry > policy.numRetries) return undefined;
  const { minDelayTarget: min, maxDelayTarget: max } = policy;
  if (retry <= policy.numNoDelayRetries) return 0;
  let index = retry - policy.numNoDelayRetries;
  if (index <= policy.numMinDelayRetries) return min;
  index -= policy.numMinDelayRetries;
  const backoffRetries =
    policy.numRetries - policy.numNoDelayRetries - policy.numMinDelayRetries - policy.numMaxDelayRetries;
  if (index > backoffRetries) return max;
  if (backoffRetries <= 1 || min === max) return index >= backoffRetries ? max : min;
  const position = (index - 1) / (backoffRetries - 1);
  switch (policy.backoffFunction) {
    case 'linear':
      return Math.round(min + (max - min) * position);
    case 'arithmetic':
      return Math.round(min + (max - min) * position * position);
    case 'geometric':
      return Math.round(min * (max / min) ** position);
    case 'exponential':
      return Math.round(min + (max - min) * ((2 ** (position * 10) - 1) / (2 ** 10 - 1)));
  }
}

/** The policy that applies to a subscription: its own, else the topic's default for HTTP, else SNS's. */
export function effectivePolicy(
  subscriptionPolicy: string | undefined,
  topicPolicy: string | undefined,
): HealthyRetryPolicy {
  const parse = (text: string | undefined) => {
    if (!text) return undefined;
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const own = parse(subscriptionPolicy)?.healthyRetryPolicy as Partial<HealthyRetryPolicy> | undefined;
  const topicHttp = parse(topicPolicy)?.http as
    | { defaultHealthyRetryPolicy?: Partial<HealthyRetryPolicy> }
    | undefined;
  return { ...DEFAULT_HTTP_POLICY, ...topicHttp?.defaultHealthyRetryPolicy, ...own };
}
