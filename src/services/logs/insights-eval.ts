// Running a parsed Insights query over log records: the per-record commands (fields, display,
// filter, parse) as records stream in newest first, and the commands that need them all (stats,
// sort, dedup, limit) at the end. Pure: records in, rows of named strings out.
// Aggregates (stats): count count_distinct sum avg min max earliest latest pct stddev.
import { type Command, type Expr, type Named, QuerySyntaxError } from './insights-parse.ts';
import {
  AGGREGATES,
  compare,
  evaluate,
  FUNCTIONS,
  type LogRecord,
  numberOf,
  periodMs,
  show,
  textOf,
  truthy,
  type Value,
} from './insights-values.ts';

export type { LogRecord, Value } from './insights-values.ts';

/** Checks that every function and aggregate is one eddy knows, where it may appear. */
export function checkQuery(commands: Command[]): void {
  const walk = (expr: Expr, aggregates: boolean): void => {
    if (expr.kind === 'call') {
      const isAggregate = AGGREGATES.has(expr.name);
      if (!FUNCTIONS[expr.name] && !isAggregate)
        throw new QuerySyntaxError(`Unknown function ${expr.name}`, 0, 0);
      if (isAggregate && !aggregates)
        throw new QuerySyntaxError(`${expr.name} can be used only in stats`, 0, 0);
      if (
        (expr.name === 'bin' || expr.name === 'datefloor' || expr.name === 'dateceil') &&
        !expr.args.some((arg) => arg.kind === 'field' && periodMs(arg.name) !== undefined)
      )
        throw new QuerySyntaxError(`${expr.name} needs a period such as 5m`, 0, 0);
      for (const arg of expr.args) walk(arg, false);
    } else if (expr.kind === 'binary') {
      walk(expr.left, aggregates);
      walk(expr.right, aggregates);
    } else if (expr.kind === 'unary') walk(expr.operand, aggregates);
    else if (expr.kind === 'list') for (const item of expr.items) walk(item, false);
  };
  for (const command of commands) {
    if (command.kind === 'stats') {
      for (const aggregate of command.aggregates) {
        if (aggregate.expr.kind !== 'call' || !AGGREGATES.has(aggregate.expr.name))
          throw new QuerySyntaxError(
            `stats needs an aggregate function such as count(), not ${aggregate.name}`,
            0,
            0,
          );
        walk(aggregate.expr, true);
      }
      for (const key of command.by) walk(key.expr, false);
    } else if (command.kind === 'fields' || command.kind === 'display')
      for (const item of command.items) walk(item.expr, false);
    else if (command.kind === 'filter') walk(command.expr, false);
    else if (command.kind === 'sort') for (const key of command.keys) walk(key.expr, false);
  }
}

function aggregate(named: Named, records: LogRecord[]): Value | undefined {
  const call = named.expr as Extract<Expr, { kind: 'call' }>;
  const values = call.star
    ? records.map(() => 1 as Value)
    : records.map((record) => (call.args[0] ? evaluate(call.args[0], record) : 1));
  const present = values.filter((value): value is Value => value !== undefined && value !== null);
  const numbers = present.map(numberOf).filter((number): number is number => number !== undefined);
  switch (call.name) {
    case 'count':
      return present.length;
    case 'count_distinct':
      return new Set(present.map(show)).size;
    case 'sum':
      return numbers.reduce((sum, number) => sum + number, 0);
    case 'avg':
      return numbers.length === 0
        ? undefined
        : numbers.reduce((sum, number) => sum + number, 0) / numbers.length;
    case 'min':
    case 'max': {
      if (present.length === 0) return undefined;
      return present.reduce((best, value) => {
        const order = compare(value, best) ?? 0;
        return (call.name === 'min' ? order < 0 : order > 0) ? value : best;
      });
    }
    case 'earliest':
    case 'latest': {
      let chosen: { time: number; value: Value } | undefined;
      for (const [index, record] of records.entries()) {
        const value = values[index];
        const time = numberOf(record.get('@timestamp')) ?? 0;
        if (value === undefined || value === null) continue;
        if (!chosen || (call.name === 'earliest' ? time < chosen.time : time > chosen.time))
          chosen = { time, value };
      }
      return chosen?.value;
    }
    case 'pct': {
      const rank = numberOf(call.args[1] ? evaluate(call.args[1], new Map()) : undefined) ?? 50;
      if (numbers.length === 0) return undefined;
      const sorted = [...numbers].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((rank / 100) * sorted.length) - 1))];
    }
    default: {
      if (numbers.length < 2) return numbers.length === 1 ? 0 : undefined;
      const mean = numbers.reduce((sum, number) => sum + number, 0) / numbers.length;
      return Math.sqrt(numbers.reduce((sum, number) => sum + (number - mean) ** 2, 0) / (numbers.length - 1));
    }
  }
}

export interface ResultRow {
  fields: Array<{ field: string; value: string }>;
}

/**
 * One query's run: records are pushed newest first; `push` returns false once nothing more can change
 * the answer (a limit reached with no sort, stats or dedup after it).
 */
export class QueryRun {
  private readonly perRecord: Command[];
  private readonly rest: Command[];
  private readonly collected: LogRecord[] = [];
  private readonly earlyLimit: number | undefined;
  matched = 0;

  constructor(
    private readonly commands: Command[],
    private readonly defaultLimit: number,
  ) {
    const split = commands.findIndex(
      (command) => !['fields', 'display', 'filter', 'parse'].includes(command.kind),
    );
    this.perRecord = split < 0 ? commands : commands.slice(0, split);
    this.rest = split < 0 ? [] : commands.slice(split);
    const blocking = this.rest.some((command) => command.kind !== 'limit');
    const limits = this.rest.filter(
      (command): command is Extract<Command, { kind: 'limit' }> => command.kind === 'limit',
    );
    this.earlyLimit = blocking ? undefined : Math.min(defaultLimit, ...limits.map((limit) => limit.count));
  }

  push(record: LogRecord): boolean {
    for (const command of this.perRecord) if (!apply(command, record)) return true;
    this.matched++;
    this.collected.push(record);
    return this.earlyLimit === undefined || this.collected.length < this.earlyLimit;
  }

  finish(): ResultRow[] {
    let records = this.collected;
    let statsNames: string[] | undefined;
    for (const command of this.rest) {
      if (command.kind === 'stats') {
        records = stats(command, records);
        statsNames = [...command.by, ...command.aggregates].map((named) => named.name);
      } else if (command.kind === 'sort') {
        records = [...records].sort((a, b) => {
          for (const key of command.keys) {
            const order = compare(evaluate(key.expr, a), evaluate(key.expr, b));
            if (order === undefined) {
              const missingA = evaluate(key.expr, a) === undefined;
              const missingB = evaluate(key.expr, b) === undefined;
              if (missingA !== missingB) return missingA ? 1 : -1;
              continue;
            }
            if (order !== 0) return key.descending ? -order : order;
          }
          return 0;
        });
      } else if (command.kind === 'limit') {
        records = records.slice(0, command.count);
      } else if (command.kind === 'dedup') {
        const seen = new Set<string>();
        records = records.filter((record) => {
          const key = JSON.stringify(command.fields.map((field) => show(evaluate(field, record) ?? null)));
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      } else {
        records = records.filter((record) => apply(command, record));
      }
    }
    return records.slice(0, this.defaultLimit).map((record) => ({ fields: this.shown(record, statsNames) }));
  }

  /** The fields a row shows: display's, else stats', else those `fields` named (and @ptr), else the defaults. */
  private shown(record: LogRecord, statsNames: string[] | undefined): ResultRow['fields'] {
    const display = this.commands.findLast((command) => command.kind === 'display');
    let names: string[];
    if (display?.kind === 'display') names = display.items.map((item) => item.name);
    else if (statsNames) names = statsNames;
    else {
      const listed = this.commands.flatMap((command) =>
        command.kind === 'fields' ? command.items.map((item) => item.name) : [],
      );
      names = listed.length > 0 ? [...new Set([...listed, '@ptr'])] : ['@timestamp', '@message', '@ptr'];
    }
    return names.flatMap((field) => {
      const value = record.get(field);
      return value === undefined ? [] : [{ field, value: show(value) }];
    });
  }
}

/** A per-record command; false when the record is filtered out. */
function apply(command: Command, record: LogRecord): boolean {
  switch (command.kind) {
    case 'fields':
    case 'display':
      for (const item of command.items) {
        if (item.expr.kind === 'field' && item.expr.name === item.name) continue;
        const value = evaluate(item.expr, record);
        if (value !== undefined) record.set(item.name, value);
      }
      return true;
    case 'filter':
      return truthy(evaluate(command.expr, record));
    case 'parse': {
      const source = textOf(evaluate(command.source, record));
      if (source === undefined) return true;
      if (command.glob) {
        const match = command.glob.regex.exec(source);
        if (match)
          for (const [index, name] of command.glob.names.entries()) record.set(name, match[index + 1]!);
      } else {
        const groups = command.regex?.exec(source)?.groups;
        for (const [name, value] of Object.entries(groups ?? {}))
          if (value !== undefined) record.set(name, value);
      }
      return true;
    }
    default:
      return true;
  }
}

function stats(command: Extract<Command, { kind: 'stats' }>, records: LogRecord[]): LogRecord[] {
  const groups = new Map<string, { keys: Array<Value | undefined>; records: LogRecord[] }>();
  for (const record of records) {
    const keys = command.by.map((key) => evaluate(key.expr, record));
    const id = JSON.stringify(keys.map((key) => (key === undefined ? null : show(key))));
    const group = groups.get(id) ?? { keys, records: [] };
    group.records.push(record);
    groups.set(id, group);
  }
  if (groups.size === 0 && command.by.length === 0) groups.set('[]', { keys: [], records: [] });
  const rows = [...groups.values()].map((group) => {
    const row: LogRecord = new Map();
    command.by.forEach((key, index) => {
      const value = group.keys[index];
      if (value !== undefined) row.set(key.name, value);
    });
    for (const named of command.aggregates) {
      const value = aggregate(named, group.records);
      if (value !== undefined) row.set(named.name, value);
    }
    return row;
  });
  // Without a sort, groups come in the order of their keys (time bins oldest first).
  return rows.sort((a, b) => {
    for (const key of command.by) {
      const order = compare(a.get(key.name), b.get(key.name)) ?? 0;
      if (order !== 0) return order;
    }
    return 0;
  });
}
