// Identity: AWS STS (Query protocol). GetCallerIdentity names whoever signed the request; AssumeRole,
// AssumeRoleWithWebIdentity, GetSessionToken and GetFederationToken hand out temporary credentials
// that every node of eddy accepts until they expire (runtime/sessions.ts), and verifies when access
// keys are configured. eddy has no IAM: any role may be assumed, session policies are checked to be
// JSON but not enforced, and web identity tokens are read, not verified (docs/operations/sts.md).
import type { ServiceModule } from '../../contract/index.ts';
import { loadModel, ServiceError, violationMessage } from '../../contract/index.ts';
import type { Runtime } from '../../runtime/index.ts';
import { stsHandlers } from './handlers.ts';

export function identityService(runtime: Runtime): ServiceModule {
  return {
    definition: {
      name: 'sts',
      model: loadModel('sts-2011-06-15'),
      handlers: stsHandlers(runtime),
      inputError(problem) {
        if (problem.kind === 'constraints')
          return new ServiceError('ValidationError', violationMessage(problem.violations));
        const member = problem.member.charAt(0).toLowerCase() + problem.member.slice(1);
        if (problem.kind === 'missing')
          return new ServiceError(
            'ValidationError',
            violationMessage([{ member, value: null, rule: 'Member must not be null' }]),
          );
        return undefined;
      },
    },
    migrations: [],
  };
}
