// Shared helpers for benchmarks: a plain-text table and the closing `RESULT` line scripts read.

export type Cell = string | number;

/** Prints rows under a header, each column as wide as its widest cell. */
export function printTable(header: string[], rows: Cell[][]): void {
  const text = [header, ...rows.map((row) => row.map(formatCell))];
  const widths = header.map((_, column) => Math.max(...text.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
  console.log(line(text[0] ?? []));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of text.slice(1)) console.log(line(row));
}

/** Prints the last line of a benchmark: `RESULT name key=value ...`. */
export function printResult(name: string, figures: Record<string, Cell>): void {
  const pairs = Object.entries(figures).map(([key, value]) => `${key}=${formatCell(value)}`);
  console.log(`RESULT ${name} ${pairs.join(' ')}`);
}

function formatCell(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  if (Number.isInteger(cell)) return String(cell);
  return Math.abs(cell) >= 100 ? cell.toFixed(0) : cell.toFixed(2);
}

/** `key=value` arguments of `npm run bench -- NAME key=value ...`. */
export function benchArgs(argv: string[] = process.argv.slice(2)) {
  const args = new Map(
    argv.map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key ?? '', value ?? '1'] as const;
    }),
  );
  return {
    text: (key: string, fallback: string) => args.get(key) ?? fallback,
    /** A positive number, or the fallback when not given. */
    number(key: string, fallback: number): number {
      const value = Number(args.get(key) ?? fallback);
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${key} must be a positive number`);
      return value;
    },
  };
}
