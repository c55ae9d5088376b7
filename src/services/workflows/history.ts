// Execution history: AWS's event types, each with its details member, stored one row per event.
import type { StepFunctions } from '../../contract/index.ts';
import type { Tx } from '../../store/index.ts';

export type EventType = StepFunctions.HistoryEventType;

export interface PendingEvent {
  id: number;
  type: EventType;
  at: number;
  previousId: number;
  details: Record<string, unknown> | undefined;
}

/** The member of HistoryEvent that carries an event type's details, or undefined when it has none. */
export function detailsMember(type: EventType): keyof StepFunctions.HistoryEvent | undefined {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  if (
    /^(Execution|Task|Activity|MapRun|MapIteration)/.test(type) ||
    type === 'MapStateStarted' ||
    type === 'EvaluationFailed'
  ) {
    if (type === 'MapRunSucceeded' || type === 'MapRunAborted') return undefined;
    return `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails` as keyof StepFunctions.HistoryEvent;
  }
  return undefined;
}

/** The state type's prefix of its events: `Pass` → PassStateEntered, `Task` → TaskStateExited. */
export const stateEvent = (
  stateType: string,
  what: 'Entered' | 'Exited' | 'Aborted' | 'Started' | 'Succeeded' | 'Failed',
) => `${stateType}State${what}` as EventType;

/** Inserts events, several rows a statement. */
export async function insertEvents(tx: Tx, executionArn: string, events: PendingEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += 50) {
    const chunk = events.slice(start, start + 50);
    const values: (string | number | null)[] = [];
    for (const event of chunk) {
      values.push(
        executionArn,
        event.id,
        event.type,
        event.at,
        event.previousId,
        event.details === undefined ? null : JSON.stringify(event.details),
      );
    }
    await tx.run(
      `INSERT INTO sfn_events (execution_arn, id, type, at, previous_id, details) VALUES ${chunk
        .map(() => '(?, ?, ?, ?, ?, ?)')
        .join(', ')}`,
      values,
    );
  }
}

interface EventRow {
  id: number;
  type: string;
  at: number;
  previous_id: number;
  details: string | null;
}

const DATA_FIELDS = ['input', 'output', 'inputDetails', 'outputDetails'];

/** One page of history, in AWS's shape; without execution data when `includeData` is false. */
export async function readEvents(
  tx: Tx,
  executionArn: string,
  options: { after?: number; reverse: boolean; limit: number; includeData: boolean },
): Promise<{ events: StepFunctions.HistoryEvent[]; more: boolean }> {
  const { after, reverse, limit } = options;
  const condition = after === undefined ? '' : reverse ? ' AND id < ?' : ' AND id > ?';
  const rows = await tx.all<EventRow>(
    `SELECT id, type, at, previous_id, details FROM sfn_events WHERE execution_arn = ?${condition}
     ORDER BY id ${reverse ? 'DESC' : 'ASC'} LIMIT ?`,
    after === undefined ? [executionArn, limit + 1] : [executionArn, after, limit + 1],
  );
  const more = rows.length > limit;
  const events = rows.slice(0, limit).map((row) => {
    const type = row.type as EventType;
    const event: StepFunctions.HistoryEvent = {
      timestamp: new Date(Number(row.at)),
      type,
      id: Number(row.id),
      previousEventId: Number(row.previous_id),
    };
    const member = detailsMember(type);
    if (member && row.details !== null) {
      const details = JSON.parse(row.details) as Record<string, unknown>;
      if (!options.includeData) for (const field of DATA_FIELDS) delete details[field];
      (event as Record<string, unknown>)[member] = details;
    }
    return event;
  });
  return { events, more };
}
