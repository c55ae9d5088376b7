// The nodes that share one store. Each node is a row with a lease it renews every HEARTBEAT_MS;
// a node whose lease has run out is dead, and the first living node to notice takes over its
// durable timers (and removes its row). Singletons — work one node of the cluster should do —
// run under a named lease, renewed with the heartbeat. Signals carry wake-ups between nodes
// (LISTEN/NOTIFY on PostgreSQL), sent inside a write and delivered once it committed.
//
// None of this is an election of eddy's own: a lease is a row that the store's writer lock
// serializes, and whoever holds it is written there. On a store only one node can open (SQLite)
// the cluster is this node alone: it holds every lease, and signals have nobody to reach.
//
// Leases compare the nodes' clocks (epoch milliseconds, like every deadline in eddy): the nodes'
// clocks must agree to well within LEASE_MS (NTP does).
import { hostname } from 'node:os';
import type { Migration, Store, StoreSignals, Tx } from '../store/index.ts';
import { randomHex } from './ids.ts';
import type { Logger } from './log.ts';

/** How often a node renews its lease (and its singletons'). */
export const HEARTBEAT_MS = 2000;
/** How long a lease lasts unrenewed: a node silent this long is dead. */
export const LEASE_MS = 6000;

export const clusterMigrations: Migration[] = [
  {
    id: 'runtime/002-cluster',
    // One node has the SQLite file to itself: it needs none of this (and its timers no index more).
    up: (dialect) =>
      dialect === 'sqlite'
        ? ''
        : `CREATE TABLE eddy_nodes (
           id TEXT PRIMARY KEY,
           url TEXT NOT NULL,
           version TEXT NOT NULL,
           started_at BIGINT NOT NULL,
           heartbeat_at BIGINT NOT NULL,
           expires_at BIGINT NOT NULL
         );
         CREATE TABLE eddy_leases (
           name TEXT PRIMARY KEY,
           holder TEXT NOT NULL,
           expires_at BIGINT NOT NULL
         );
         ALTER TABLE eddy_timers ADD COLUMN owner TEXT;
         CREATE INDEX eddy_timers_owner ON eddy_timers (owner, due_at);`,
  },
];

export interface NodeInfo {
  id: string;
  url: string;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  /** Durable timers this node owns (fires) now. */
  timers: number;
  /** Singleton leases it holds. */
  leases: string[];
  self: boolean;
}

interface NodeRow {
  id: string;
  url: string;
  version: string;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

/**
 * A node's id, readable in `eddy nodes`: the host and the port it serves, which no other node on the
 * host can have and which a restarted node keeps (so it re-attaches its tasks); with an ephemeral
 * port, the process and a few random digits instead.
 */
export function newNodeId(port: number): string {
  const host = hostname().split('.')[0]!.slice(0, 40);
  return port === 0 ? `${host}-${process.pid}-${randomHex(2)}` : `${host}-${port}`;
}

export interface ClusterOptions {
  nodeId: string;
  version: string;
  /** Where this node answers (its own address, for `eddy nodes`). */
  url: () => string;
  heartbeatMs?: number;
  leaseMs?: number;
}

interface Singleton {
  name: string;
  run: () => Promise<void> | void;
  everyMs: number;
  heldUntil: number;
  timer: NodeJS.Timeout | undefined;
  running: boolean;
}

export class Cluster {
  readonly nodeId: string;
  /** True where other nodes may share the store. */
  readonly shared: boolean;
  private readonly signals: StoreSignals | undefined;
  private readonly handlers = new Map<string, Array<(key: string) => void>>();
  private readonly singletons = new Map<string, Singleton>();
  private readonly takeoverListeners: Array<() => void> = [];
  private readonly goneListeners: Array<(nodeIds: string[]) => void> = [];
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  private readonly startedAt = Date.now();
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<void> = Promise.resolve();
  private stopListening: (() => Promise<void>) | undefined;
  private known: NodeInfo[] = [];
  private started = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly options: ClusterOptions,
  ) {
    this.nodeId = options.nodeId;
    this.signals = store.signals;
    this.shared = this.signals !== undefined;
    this.heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
    this.leaseMs = options.leaseMs ?? LEASE_MS;
  }

  /** Calls `handler` with the key of each `topic` signal another node sends. Register before `start`. */
  onSignal(topic: string, handler: (key: string) => void): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(handler);
    this.handlers.set(topic, list);
  }

  /** Tells the other nodes `topic key` once `tx` commits (nothing on a store with one node). */
  async signal(tx: Tx, topic: string, key: string): Promise<void> {
    if (this.signals) await this.signals.send(tx, `${this.signals.sender} ${topic} ${key}`);
  }

  /** Called after this node took over a dead node's timers (the timer service arms for them). */
  onTakeover(listener: () => void): void {
    this.takeoverListeners.push(listener);
  }

  /**
   * Called on the one node that found other nodes dead (their lease ran out) and removed them, with
   * their ids: what they ran (tasks) is this node's to clean up.
   */
  onNodesGone(listener: (nodeIds: string[]) => void): void {
    this.goneListeners.push(listener);
  }

  /**
   * Runs `run` every `everyMs` on one node of the cluster at a time: the one holding the lease
   * `name`. Another node takes the lease over within LEASE_MS + HEARTBEAT_MS of its holder's death.
   */
  singleton(name: string, run: () => Promise<void> | void, everyMs: number): void {
    if (this.singletons.has(name)) throw new Error(`the singleton '${name}' is already registered`);
    const singleton: Singleton = { name, run, everyMs, heldUntil: 0, timer: undefined, running: false };
    this.singletons.set(name, singleton);
    if (this.started) this.schedule(singleton);
  }

  /** Whether this node holds the lease `name` now. */
  holds(name: string): boolean {
    const singleton = this.singletons.get(name);
    return singleton !== undefined && singleton.heldUntil > Date.now();
  }

  /** The living nodes as of the last heartbeat, this one first. */
  nodes(): NodeInfo[] {
    if (!this.shared) {
      return [
        {
          id: this.nodeId,
          url: this.options.url(),
          version: this.options.version,
          startedAt: this.startedAt,
          heartbeatAt: Date.now(),
          timers: -1,
          leases: [...this.singletons.keys()],
          self: true,
        },
      ];
    }
    return this.known;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.signals) {
      this.stopListening = await this.signals.listen(
        (payload) => this.deliver(payload),
        () => this.deliverGap(),
      );
      await this.beat();
      this.heartbeat = setInterval(() => {
        this.beating = this.beating.then(() => this.beat());
      }, this.heartbeatMs);
      this.heartbeat.unref();
    }
    for (const singleton of this.singletons.values()) {
      if (!this.shared) singleton.heldUntil = Number.POSITIVE_INFINITY;
      this.schedule(singleton);
    }
  }

  /**
   * Leaves the cluster: stops singletons and hands this node's timers and leases over at once. Its
   * row stays until its lease runs out: a node restarted with the same id within LEASE_MS picks its
   * tasks up again; after that, the others treat it as dead.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.heartbeat);
    for (const singleton of this.singletons.values()) clearTimeout(singleton.timer);
    await this.beating;
    await this.stopListening?.();
    if (!this.shared) return;
    await this.store
      .write(async (tx) => {
        // Timers without an owner are taken by the next node to beat; leases are let go.
        await tx.run('UPDATE eddy_timers SET owner = NULL WHERE owner = ?', [this.nodeId]);
        await tx.run('DELETE FROM eddy_leases WHERE holder = ?', [this.nodeId]);
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not leave the cluster cleanly'));
  }

  private deliver(payload: string): void {
    const [sender, topic, ...rest] = payload.split(' ');
    if (sender === this.signals?.sender || topic === undefined) return;
    const key = rest.join(' ');
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler(key);
      } catch (error) {
        this.log.error({ err: error, topic }, 'a signal handler failed');
      }
    }
  }

  /** Signals may have been missed while the listener was away: every handler hears an empty key. */
  private deliverGap(): void {
    for (const [topic, handlers] of this.handlers) {
      for (const handler of handlers) {
        try {
          handler('');
        } catch (error) {
          this.log.error({ err: error, topic }, 'a signal handler failed');
        }
      }
    }
  }

  /** Renews this node's lease and its singletons', and takes over what dead nodes owned. */
  private async beat(): Promise<void> {
    if (!this.started && this.heartbeat === undefined) return;
    const now = Date.now();
    try {
      const { tookOver, gone, held, nodes } = await this.store.write(async (tx) => {
        await tx.run(
          `INSERT INTO eddy_nodes (id, url, version, started_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET url = excluded.url, heartbeat_at = excluded.heartbeat_at,
             expires_at = excluded.expires_at`,
          [this.nodeId, this.options.url(), this.options.version, this.startedAt, now, now + this.leaseMs],
        );
        const dead = await tx.all<{ id: string }>('SELECT id FROM eddy_nodes WHERE expires_at < ?', [now]);
        let moved = 0;
        const gone: string[] = [];
        for (const node of dead) {
          // Whoever deletes the row cleans up after the node; another node's beat may have been first.
          if (
            (await tx.run('DELETE FROM eddy_nodes WHERE id = ? AND expires_at < ?', [node.id, now]))
              .changes === 0
          )
            continue;
          gone.push(node.id);
          moved += (await tx.run('UPDATE eddy_timers SET owner = ? WHERE owner = ?', [this.nodeId, node.id]))
            .changes;
        }
        // Timers of no node: scheduled before the cluster knew owners, or left by a node that stopped.
        moved += (await tx.run('UPDATE eddy_timers SET owner = ? WHERE owner IS NULL', [this.nodeId]))
          .changes;
        const held: string[] = [];
        for (const name of this.singletons.keys()) {
          const row = await tx.get<{ holder: string }>(
            `INSERT INTO eddy_leases (name, holder, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
               WHERE eddy_leases.holder = excluded.holder OR eddy_leases.expires_at < ?
             RETURNING holder`,
            [name, this.nodeId, now + this.leaseMs, now],
          );
          if (row) held.push(name);
        }
        const nodes = await tx.all<NodeRow>('SELECT * FROM eddy_nodes ORDER BY started_at, id');
        const owned = await tx.all<{ owner: string; n: number }>(
          'SELECT owner, COUNT(*) AS n FROM eddy_timers WHERE owner IS NOT NULL GROUP BY owner',
        );
        const leases = await tx.all<{ name: string; holder: string }>(
          'SELECT name, holder FROM eddy_leases WHERE expires_at >= ?',
          [now],
        );
        return { tookOver: moved, gone, held, nodes: { nodes, owned, leases } };
      });
      for (const singleton of this.singletons.values()) {
        // Held until a little before the lease runs out in the database, on this node's clock.
        singleton.heldUntil = held.includes(singleton.name) ? now + this.leaseMs - this.heartbeatMs : 0;
      }
      const timersOf = new Map(nodes.owned.map((row) => [row.owner, Number(row.n)]));
      this.known = nodes.nodes
        .map((row) => ({
          id: row.id,
          url: row.url,
          version: row.version,
          startedAt: Number(row.started_at),
          heartbeatAt: Number(row.heartbeat_at),
          timers: timersOf.get(row.id) ?? 0,
          leases: nodes.leases.filter((lease) => lease.holder === row.id).map((lease) => lease.name),
          self: row.id === this.nodeId,
        }))
        .sort((a, b) => Number(b.self) - Number(a.self));
      if (tookOver > 0) {
        this.log.info({ timers: tookOver }, 'took over timers of nodes that left or died');
        for (const listener of this.takeoverListeners) listener();
      }
      if (gone.length > 0) {
        this.log.warn({ nodes: gone }, 'nodes stopped responding: their leases ran out');
        for (const listener of this.goneListeners) listener(gone);
      }
    } catch (error) {
      // The database is away: leases run out on their own; this node's singletons stop with them.
      this.log.warn({ err: error }, 'cluster heartbeat failed');
    }
  }

  private schedule(singleton: Singleton): void {
    clearTimeout(singleton.timer);
    singleton.timer = setTimeout(() => this.runSingleton(singleton), singleton.everyMs);
    singleton.timer.unref();
  }

  private async runSingleton(singleton: Singleton): Promise<void> {
    if (!this.started) return;
    if (singleton.heldUntil > Date.now() && !singleton.running) {
      singleton.running = true;
      try {
        await singleton.run();
      } catch (error) {
        this.log.error({ err: error, singleton: singleton.name }, 'a singleton failed');
      } finally {
        singleton.running = false;
      }
    }
    if (this.started) this.schedule(singleton);
  }
}
