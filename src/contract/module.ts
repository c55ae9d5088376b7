// What a service folder gives the app: its definition for the edge, its migrations, its background work.
import type { Runtime } from '../runtime/index.ts';
import type { Migration } from '../store/index.ts';
import type { ServiceDefinition } from './service.ts';

export interface ServiceModule {
  definition: ServiceDefinition;
  migrations: Migration[];
  /** Starts background work (delivery loops); called after migrations, before the port opens. */
  start?(): Promise<void>;
  /** Stops background work; called after the port closed, before the store closes. */
  stop?(): Promise<void>;
  /** How the service runs on this machine, for the startup summary (set once `start` has run). */
  summary?(): string;
}

export type ServiceFactory = (runtime: Runtime) => ServiceModule;
