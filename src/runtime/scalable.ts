// The scalable-resources port: a service whose resources can be resized (ECS services' desired
// count) registers the scalable dimension it owns; Application Auto Scaling reads and sets
// capacity through it by resource id, without importing that service.

export interface ScalableScope {
  account: string;
  region: string;
}

export interface Capacity {
  /** What the resource is asked to run (an ECS service's desiredCount). */
  desired: number;
  /** What actually runs now. */
  running: number;
}

export interface ScalableDimensionHandler {
  /** The resource's capacity; undefined when no such resource exists in the scope. */
  capacity(scope: ScalableScope, resourceId: string): Promise<Capacity | undefined>;
  /** Sets the desired capacity; `cause` is recorded where the resource keeps its events. */
  setDesired(scope: ScalableScope, resourceId: string, desired: number, cause: string): Promise<void>;
}

export class ScalableResources {
  private readonly handlers = new Map<string, ScalableDimensionHandler>();

  /** Registers who owns one scalable dimension (`ecs:service:DesiredCount`). */
  register(dimension: string, handler: ScalableDimensionHandler): void {
    if (this.handlers.has(dimension)) throw new Error(`'${dimension}' is already registered`);
    this.handlers.set(dimension, handler);
  }

  get(dimension: string): ScalableDimensionHandler | undefined {
    return this.handlers.get(dimension);
  }

  dimensions(): string[] {
    return [...this.handlers.keys()];
  }
}
