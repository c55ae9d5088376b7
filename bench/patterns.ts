// Events/s of the patterns module on a seeded citylots-shaped corpus (GeoJSON features of ~1 KiB) at
// 1 to 10,000 rules, against bare JSON.parse of the same events (the practical ceiling) and moto's
// EventBridge matcher (moto.events.models.EventPattern, Python) on the same rules and events.
// Usage: npm run bench -- patterns [seconds-per-measure=1.5]
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatternSet } from '../src/patterns/index.ts';
import { printResult, printTable } from './_lib.ts';

const seconds = Number(process.argv[2] ?? 1.5);
const RULE_COUNTS = [1, 10, 100, 1000, 10000];
const PEER_RULE_COUNTS = [1, 10, 100, 1000];

/** mulberry32: a small seeded generator, so every run measures the same corpus and rules. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(20240501);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const digits = (length: number) => Array.from({ length }, () => Math.floor(rand() * 10)).join('');
const SYLLABLES = ['MA', 'SON', 'JEF', 'FER', 'CAL', 'IFOR', 'NIA', 'POL', 'K', 'GEA', 'RY', 'BUSH', 'PINE'];
const STREETS = Array.from({ length: 3000 }, (_, index) => {
  const parts = Array.from({ length: 2 + (index % 3) }, () => pick(SYLLABLES));
  return `${parts.join('')}${index}`;
});
const ST_TYPES = ['ST', 'AVE', 'BLVD', 'WAY', 'TER', 'CT', null];

function feature(): Record<string, unknown> {
  const block = digits(4);
  const lot = digits(3);
  const x = -122.5 + rand() * 0.15;
  const y = 37.7 + rand() * 0.1;
  const ring = Array.from({ length: 20 }, () => [
    Number((x + rand() * 0.001).toFixed(12)),
    Number((y + rand() * 0.001).toFixed(12)),
    0,
  ]);
  return {
    type: 'Feature',
    properties: {
      MAPBLKLOT: `${block}${lot}`,
      BLKLOT: `${block}${lot}`,
      BLOCK_NUM: block,
      LOT_NUM: lot,
      FROM_ST: String(Math.floor(rand() * 3000)),
      TO_ST: String(Math.floor(rand() * 3000)),
      STREET: pick(STREETS),
      ST_TYPE: pick(ST_TYPES),
      ODD_EVEN: pick(['E', 'O']),
      SHAPE_AREA: Math.round(rand() * 100000) / 10,
    },
    geometry: { type: 'Polygon', coordinates: [ring] },
  };
}

const EVENTS = Array.from({ length: 2000 }, () => JSON.stringify(feature()));
const averageSize = EVENTS.reduce((sum, event) => sum + event.length, 0) / EVENTS.length;

/** Rule n of the mix: exact, prefix, numeric, anything-but (with an exact anchor), wildcard. */
function rule(index: number): Record<string, unknown> {
  const street = STREETS[index % STREETS.length]!;
  switch (index % 5) {
    case 0:
      return { properties: { STREET: [street] } };
    case 1:
      return { properties: { MAPBLKLOT: [{ prefix: digits(5) }] } };
    case 2: {
      const low = Math.round(rand() * 99000) / 10;
      return { properties: { SHAPE_AREA: [{ numeric: ['>=', low, '<', low + 10] }] } };
    }
    case 3:
      return { properties: { STREET: [street], ODD_EVEN: [{ 'anything-but': 'E' }] } };
    default:
      return { properties: { STREET: [{ wildcard: `${street.slice(0, 4)}*${street.slice(-2)}` }] } };
  }
}
const RULES = Array.from({ length: Math.max(...RULE_COUNTS) }, (_, index) => JSON.stringify(rule(index)));

/** Events per second of `work` over the corpus, measured for `seconds` after a short warm-up. */
function rate(work: (event: string) => number): { rate: number; matched: number } {
  let matched = 0;
  let index = 0;
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) work(EVENTS[index++ % EVENTS.length]!);
  let count = 0;
  const started = performance.now();
  const endAt = started + seconds * 1000;
  while (performance.now() < endAt) {
    for (let batch = 0; batch < 200; batch++) matched += work(EVENTS[index++ % EVENTS.length]!);
    count += 200;
  }
  return { rate: count / ((performance.now() - started) / 1000), matched: matched / count };
}

const PEER_SCRIPT = `
import json, sys, time
from moto.events.models import EventPattern
rules = [EventPattern.load(text) for text in json.load(open(sys.argv[1]))]
events = [json.loads(text) for text in json.load(open(sys.argv[2]))]
budget = float(sys.argv[3])
count = 0
started = time.perf_counter()
while True:
    event = events[count % len(events)]
    for rule in rules:
        rule.matches_event(event)
    count += 1
    elapsed = time.perf_counter() - started
    if elapsed >= budget or count >= len(events):
        break
print(count / elapsed)
`;

function peerRate(ruleCount: number): number | undefined {
  const dir = tmpdir();
  const script = join(dir, `eddy-bench-patterns-${process.pid}.py`);
  const rules = join(dir, `eddy-bench-patterns-rules-${process.pid}.json`);
  const events = join(dir, `eddy-bench-patterns-events-${process.pid}.json`);
  writeFileSync(script, PEER_SCRIPT);
  writeFileSync(rules, JSON.stringify(RULES.slice(0, ruleCount)));
  writeFileSync(events, JSON.stringify(EVENTS));
  try {
    const result = spawnSync('python3', [script, rules, events, String(Math.max(2, seconds * 2))], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    const value = Number(result.stdout.trim());
    if (result.status !== 0 || !Number.isFinite(value)) {
      console.error(`moto did not run: ${result.stderr.trim().split('\n').at(-1) ?? result.status}`);
      return undefined;
    }
    return value;
  } finally {
    for (const file of [script, rules, events]) rmSync(file, { force: true });
  }
}

const parse = rate((event) => (JSON.parse(event) ? 0 : 1));
const eddy = new Map<number, { rate: number; matched: number; buildMs: number }>();
for (const count of RULE_COUNTS) {
  const set = new PatternSet('eventbridge');
  const started = performance.now();
  for (let index = 0; index < count; index++) set.add(`rule-${index}`, RULES[index]!);
  const buildMs = performance.now() - started;
  eddy.set(count, { ...rate((event) => set.matches(event).length), buildMs });
}
const peer = new Map<number, number | undefined>();
for (const count of PEER_RULE_COUNTS) peer.set(count, peerRate(count));

console.log(
  `${EVENTS.length} citylots-shaped events of ${averageSize.toFixed(0)} bytes on average; ` +
    `rules mix exact, prefix, numeric, anything-but and wildcard; ${seconds} s per measure, one core\n`,
);
printTable(
  ['rules', 'eddy events/s', 'matches/event', 'build ms', 'moto events/s', 'eddy/moto', 'eddy/JSON.parse'],
  RULE_COUNTS.map((count) => {
    const ours = eddy.get(count)!;
    const theirs = peer.get(count);
    return [
      count,
      Math.round(ours.rate),
      ours.matched,
      ours.buildMs,
      theirs === undefined ? '-' : theirs,
      theirs === undefined ? '-' : ours.rate / theirs,
      ours.rate / parse.rate,
    ];
  }),
);
console.log(`\nJSON.parse alone: ${Math.round(parse.rate)} events/s`);
const at10 = eddy.get(10)!.rate;
const at10k = eddy.get(10000)!.rate;
const peer1000 = peer.get(1000);
printResult('patterns', {
  events_per_s_10: Math.round(at10),
  events_per_s_10000: Math.round(at10k),
  ratio_10k_vs_10: at10 / at10k,
  ratio_vs_peer_1000: peer1000 === undefined ? 'n/a' : eddy.get(1000)!.rate / peer1000,
  ratio_vs_json_parse: at10 / parse.rate,
});
