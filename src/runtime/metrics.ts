// In-process metrics rendered in the Prometheus text format at /_eddy/metrics.

type Labels = Record<string, string>;

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25];

interface Series<T> {
  labels: Labels;
  value: T;
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

interface Family {
  name: string;
  help: string;
  render(): string[];
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}

function renderLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  const escapeLabel = (value: string) =>
    value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${pairs.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
}

export class Counter implements Family {
  private readonly series = new Map<string, Series<number>>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelKey(labels);
    const found = this.series.get(key);
    if (found) found.value += by;
    else this.series.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.series.get(labelKey(labels))?.value ?? 0;
  }

  render(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${renderLabels(s.labels)} ${s.value}`);
  }
}

export class Histogram implements Family {
  private readonly series = new Map<string, Series<HistogramValue>>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let found = this.series.get(key);
    if (!found) {
      found = { labels, value: { counts: this.buckets.map(() => 0), sum: 0, count: 0 } };
      this.series.set(key, found);
    }
    const histogram = found.value;
    histogram.sum += value;
    histogram.count += 1;
    for (let index = 0; index < this.buckets.length; index++) {
      if (value <= (this.buckets[index] ?? Number.POSITIVE_INFINITY)) histogram.counts[index]! += 1;
    }
  }

  render(): string[] {
    const lines: string[] = [];
    for (const { labels, value } of this.series.values()) {
      this.buckets.forEach((bound, index) => {
        lines.push(
          `${this.name}_bucket${renderLabels(labels, ['le', String(bound)])} ${value.counts[index]}`,
        );
      });
      lines.push(`${this.name}_bucket${renderLabels(labels, ['le', '+Inf'])} ${value.count}`);
      lines.push(`${this.name}_sum${renderLabels(labels)} ${value.sum}`);
      lines.push(`${this.name}_count${renderLabels(labels)} ${value.count}`);
    }
    return lines;
  }
}

/** A gauge whose series are read when scraped (queue depths, open connections). */
export class Gauge implements Family {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Array<{ labels: Labels; value: number }>,
  ) {}

  render(): string[] {
    return this.read().map((s) => `${this.name}${renderLabels(s.labels)} ${s.value}`);
  }
}

export class MetricsRegistry {
  private readonly families: Array<{ family: Family; type: string }> = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help), 'counter');
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets), 'histogram');
  }

  gauge(name: string, help: string, read: () => Array<{ labels: Labels; value: number }>): Gauge {
    return this.add(new Gauge(name, help, read), 'gauge');
  }

  render(): string {
    const lines: string[] = [];
    for (const { family, type } of this.families) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${type}`, ...family.render());
    }
    return `${lines.join('\n')}\n`;
  }

  private add<T extends Family>(family: T, type: string): T {
    this.families.push({ family, type });
    return family;
  }
}
