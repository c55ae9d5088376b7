// Task Resource ARNs taken apart: activities, Lambda functions, optimized integrations
// (arn:aws:states:::svc:action[.sync|.sync:2|.waitForTaskToken]), aws-sdk and http:invoke.
import type { ResourceInfo } from './types.ts';

export function parseTaskResource(resource: string): ResourceInfo {
  const parts = resource.split(':');
  if (parts[0] !== 'arn' || parts.length < 6)
    return { kind: 'unknown', pattern: 'request-response', resourceType: '', resourceName: resource };
  const service = parts[2];
  if (service === 'lambda')
    return {
      kind: 'lambda',
      service: 'lambda',
      pattern: 'request-response',
      resourceType: 'lambda',
      resourceName: resource,
    };
  if (service === 'states' && parts[5] === 'activity')
    return {
      kind: 'activity',
      pattern: 'request-response',
      resourceType: 'activity',
      resourceName: resource,
    };
  if (service === 'states' && parts[3] === '' && parts[4] === '') {
    const rest = parts.slice(5);
    let pattern: ResourceInfo['pattern'] = 'request-response';
    let last = rest.join(':');
    const m = /^(.*?)\.(sync:2|sync|waitForTaskToken)$/.exec(last);
    if (m) {
      last = m[1]!;
      pattern = m[2] as ResourceInfo['pattern'];
    }
    const segs = last.split(':');
    if (segs[0] === 'aws-sdk' && segs.length >= 3) {
      const svc = segs[1]!;
      const action = segs.slice(2).join(':');
      return {
        kind: 'aws-sdk',
        service: svc,
        action,
        pattern,
        resourceType: `aws-sdk:${svc}`,
        resourceName: action + (m ? `.${pattern}` : ''),
      };
    }
    if (segs.length === 2) {
      const [svc, action] = segs as [string, string];
      return {
        kind: svc === 'http' ? 'http' : 'service',
        service: svc,
        action,
        pattern,
        resourceType: svc,
        resourceName: action + (m ? `.${pattern}` : ''),
      };
    }
  }
  return {
    kind: 'unknown',
    pattern: 'request-response',
    resourceType: service ?? '',
    resourceName: resource,
  };
}
