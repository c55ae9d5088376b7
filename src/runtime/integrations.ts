// The integrations port: actions one service performs for another beyond delivering to an ARN
// (targets.ts), where the caller must be told how the work ends. A service registers the actions
// it owns by name; another calls them by that name without importing it. Today: `ecs:runTask`,
// which Step Functions' ecs:runTask integration (`.sync` waits for the task to stop) uses.
//
// Values cross the port in the owning service's own wire shapes (ECS's camelCase RunTask request
// and DescribeTasks task objects), as plain JSON-like objects.

export interface IntegrationScope {
  account: string;
  region: string;
}

/** A failure the owning service reports, in its own words (ECS's `InvalidParameterException`, …). */
export class IntegrationError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'IntegrationError';
  }
}

/** A task's record as ECS's DescribeTasks returns it (`taskArn`, `lastStatus`, `containers`, …). */
export type EcsTask = Record<string, unknown>;

/** Registered by the tasks service as `ecs:runTask`. */
export interface EcsRunTask {
  /**
   * RunTask with ECS's request (`cluster`, `taskDefinition`, `overrides`, …). `request.clientToken`
   * makes a repeated call (after a crash) answer with the tasks the first one started.
   */
  run(
    scope: IntegrationScope,
    request: Record<string, unknown>,
  ): Promise<{ tasks: EcsTask[]; failures: unknown[] }>;
  /** The task as DescribeTasks shows it now, or undefined when ECS no longer knows it. */
  describe(scope: IntegrationScope, taskArn: string): Promise<EcsTask | undefined>;
  /** StopTask (a stopped execution stops its `.sync` task). */
  stop(scope: IntegrationScope, taskArn: string, reason: string): Promise<void>;
  /**
   * Calls `listener` with each task that reaches STOPPED on this node (or that this node reports
   * STOPPED for a node that died). Register before the services start.
   */
  onStopped(listener: (task: EcsTask) => void): void;
}

/** The actions by name, each with its port's type. */
export interface IntegrationPorts {
  'ecs:runTask': EcsRunTask;
}

export class Integrations {
  private readonly ports = new Map<string, unknown>();

  register<Name extends keyof IntegrationPorts>(name: Name, port: IntegrationPorts[Name]): void {
    if (this.ports.has(name)) throw new Error(`the integration '${name}' is already registered`);
    this.ports.set(name, port);
  }

  /** The port, or undefined when the service that owns it is not running. */
  get<Name extends keyof IntegrationPorts>(name: Name): IntegrationPorts[Name] | undefined {
    return this.ports.get(name) as IntegrationPorts[Name] | undefined;
  }
}
