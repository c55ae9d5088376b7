// Many patterns compiled into one index: each field path keeps its conditions by kind (exact values
// in a map, prefixes and suffixes in character tries, numeric ranges sorted), so matching an event
// costs the work of looking its values up, not of trying every pattern. Pure.
import {
  type CompiledPattern,
  type Condition,
  compilePattern,
  type Dialect,
  type FieldTest,
} from './compile.ts';
import { fieldPasses, holds, inRange } from './conditions.ts';
import { type Extracted, extractFromText, extractFromValue, PathTree } from './extract.ts';
import { type Scalar, wildcardEnds } from './values.ts';

/** One field of one conjunction of one pattern. */
interface FieldRef {
  conjunction: Conjunction;
  field: number;
}

interface Conjunction {
  id: string;
  fields: FieldTest[];
  /** Fields that pass when their path is absent (they hold an `exists: false`). */
  absentOk: boolean[];
  /** Every field but the anchor: tested directly once the index has reached the conjunction. */
  deferred: boolean[];
  /** Per-event scratch: the event stamp and which fields a value satisfied. */
  stamp: number;
  satisfied: boolean[];
}

class Trie {
  private readonly root: TrieNode = { next: new Map(), refs: [] };

  add(key: string, ref: FieldRef): void {
    let node = this.root;
    for (const char of key) {
      let child = node.next.get(char);
      if (!child) {
        child = { next: new Map(), refs: [] };
        node.next.set(char, child);
      }
      node = child;
    }
    node.refs.push(ref);
  }

  remove(key: string, id: string): void {
    let node: TrieNode | undefined = this.root;
    for (const char of key) {
      node = node.next.get(char);
      if (!node) return;
    }
    node.refs = node.refs.filter((ref) => ref.conjunction.id !== id);
  }

  get empty(): boolean {
    return this.root.next.size === 0 && this.root.refs.length === 0;
  }

  /** Every ref stored at a key that `text` starts with. */
  prefixesOf(text: string, marker: Marker): void {
    let node: TrieNode | undefined = this.root;
    for (const ref of node.refs) marker.mark(ref);
    for (const char of text) {
      node = node.next.get(char);
      if (!node) return;
      for (const ref of node.refs) marker.mark(ref);
    }
  }

  /** Every node on the path of `text` (the root first), for callers that keep more than refs there. */
  nodesAlong(text: string, visit: TrieNode[]): void {
    let node: TrieNode | undefined = this.root;
    visit.push(node);
    for (const char of text) {
      node = node.next.get(char);
      if (!node) return;
      visit.push(node);
    }
  }
}

interface TrieNode {
  next: Map<string, TrieNode>;
  refs: FieldRef[];
}

interface Marker {
  mark(ref: FieldRef): void;
}

interface Range {
  condition: Extract<Condition, { kind: 'numeric' }>;
  ref: FieldRef;
}

const BLOCK = 32;
const DEFERRED = new Set<Condition['kind']>(['anything-but', 'cidr']);
/** How well a condition anchors a conjunction: exact values best, presence worst. */
const ANCHOR_RANK: Record<Condition['kind'], number> = {
  exact: 0,
  'equals-ignore-case': 0,
  prefix: 1,
  suffix: 1,
  wildcard: 1,
  numeric: 1,
  exists: 2,
  'anything-but': 3,
  cidr: 3,
};

const compareScores = (a: readonly number[], b: readonly number[]) => {
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return a[index]! - b[index]!;
  return 0;
};

/** Numeric ranges sorted by lower bound, in blocks that know their highest upper bound. */
class Ranges {
  private ranges: Range[] = [];
  private blocks: number[] = [];
  /** The highest upper bound of this block and every block before it. */
  private reach: number[] = [];
  private lowers: number[] = [];
  private dirty = false;

  add(range: Range): void {
    this.ranges.push(range);
    this.dirty = true;
  }

  remove(id: string): void {
    this.ranges = this.ranges.filter((range) => range.ref.conjunction.id !== id);
    this.dirty = true;
  }

  get size(): number {
    return this.ranges.length;
  }

  containing(value: number, marker: Marker): void {
    if (this.dirty) this.build();
    const ranges = this.ranges;
    const lowers = this.lowers;
    // The last range whose lower bound is at or below the value; nothing after it can hold the value.
    let low = 0;
    let high = lowers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (lowers[middle]! <= value) low = middle + 1;
      else high = middle;
    }
    if (low === 0) return;
    // Walk back block by block while some block at or before this one reaches up to the value.
    for (let block = Math.floor((low - 1) / BLOCK); block >= 0; block--) {
      if (this.reach[block]! < value) return;
      if (this.blocks[block]! < value) continue;
      const end = Math.min(low, (block + 1) * BLOCK);
      for (let index = block * BLOCK; index < end; index++) {
        const range = ranges[index]!;
        if (inRange(value, range.condition.lower, range.condition.upper)) marker.mark(range.ref);
      }
    }
  }

  private build(): void {
    this.ranges.sort(
      (a, b) =>
        (a.condition.lower?.value ?? Number.NEGATIVE_INFINITY) -
        (b.condition.lower?.value ?? Number.NEGATIVE_INFINITY),
    );
    this.blocks = [];
    this.reach = [];
    for (let start = 0; start < this.ranges.length; start += BLOCK) {
      let high = Number.NEGATIVE_INFINITY;
      for (const range of this.ranges.slice(start, start + BLOCK)) {
        high = Math.max(high, range.condition.upper?.value ?? Number.POSITIVE_INFINITY);
      }
      this.blocks.push(high);
      this.reach.push(Math.max(high, this.reach.at(-1) ?? Number.NEGATIVE_INFINITY));
    }
    this.lowers = this.ranges.map((range) => range.condition.lower?.value ?? Number.NEGATIVE_INFINITY);
    this.dirty = false;
  }
}

/** Wildcards found by their literal head, then their literal tail, then (if needed) checked in full. */
interface WildcardEntry {
  ref: FieldRef;
  regex: RegExp;
  minLength: number;
  /** One star: head and tail fitting in the value is the whole test. */
  simple: boolean;
}

interface TailGroup {
  byTail: Map<string, WildcardEntry[]>;
  /** Tail length → how many entries have it. */
  tailLengths: Map<number, number>;
}

const countUp = (counts: Map<number, number>, key: number) => counts.set(key, (counts.get(key) ?? 0) + 1);
const countDown = (counts: Map<number, number>, key: number, by: number) => {
  const left = (counts.get(key) ?? 0) - by;
  if (left > 0) counts.set(key, left);
  else counts.delete(key);
};

class WildcardIndex {
  private readonly heads = new Map<string, TailGroup>();
  /** Head length → how many entries have it. */
  private readonly headLengths = new Map<number, number>();
  size = 0;

  add(condition: Extract<Condition, { kind: 'wildcard' }>, ref: FieldRef): void {
    const { head, tail, stars } = wildcardEnds(condition.pattern);
    let group = this.heads.get(head);
    if (!group) {
      group = { byTail: new Map(), tailLengths: new Map() };
      this.heads.set(head, group);
    }
    const entry = { ref, regex: condition.regex, minLength: head.length + tail.length, simple: stars === 1 };
    const entries = group.byTail.get(tail);
    if (entries) entries.push(entry);
    else group.byTail.set(tail, [entry]);
    countUp(group.tailLengths, tail.length);
    countUp(this.headLengths, head.length);
    this.size++;
  }

  remove(condition: Extract<Condition, { kind: 'wildcard' }>, id: string): void {
    const { head, tail } = wildcardEnds(condition.pattern);
    const group = this.heads.get(head);
    const entries = group?.byTail.get(tail);
    if (!group || !entries) return;
    const kept = entries.filter((entry) => entry.ref.conjunction.id !== id);
    const removed = entries.length - kept.length;
    this.size -= removed;
    countDown(group.tailLengths, tail.length, removed);
    countDown(this.headLengths, head.length, removed);
    if (kept.length > 0) group.byTail.set(tail, kept);
    else group.byTail.delete(tail);
    if (group.byTail.size === 0) this.heads.delete(head);
  }

  /** Looks the value's heads up (one per head length in use), then its tails: no pass over every wildcard. */
  lookup(value: string, marker: Marker): void {
    const length = value.length;
    for (const headLength of this.headLengths.keys()) {
      if (headLength > length) continue;
      const group = this.heads.get(headLength === length ? value : value.slice(0, headLength));
      if (!group) continue;
      for (const tailLength of group.tailLengths.keys()) {
        if (headLength + tailLength > length) continue;
        const entries = group.byTail.get(tailLength === 0 ? '' : value.slice(length - tailLength));
        if (!entries) continue;
        for (const entry of entries) {
          if (length >= entry.minLength && (entry.simple || entry.regex.test(value))) marker.mark(entry.ref);
        }
      }
    }
  }
}

/** Everything the index knows about one field path. */
class PathIndex {
  readonly exactStrings = new Map<string, FieldRef[]>();
  readonly exactNumbers = new Map<number, FieldRef[]>();
  readonly exactLiterals = new Map<boolean | null, FieldRef[]>();
  readonly ignoreCase = new Map<string, FieldRef[]>();
  readonly prefixes = new Trie();
  readonly prefixesIgnoringCase = new Trie();
  readonly suffixes = new Trie();
  readonly suffixesIgnoringCase = new Trie();
  readonly wildcards = new WildcardIndex();
  readonly ranges = new Ranges();
  others: Array<{ condition: Condition; ref: FieldRef }> = [];
  present: FieldRef[] = [];
  users = 0;
  /** Which string structures hold anything: most paths use one or two kinds. */
  stringKinds = 0;

  refresh(): void {
    this.stringKinds =
      (this.ignoreCase.size > 0 ? 1 : 0) |
      (this.prefixes.empty ? 0 : 2) |
      (this.prefixesIgnoringCase.empty ? 0 : 4) |
      (this.suffixes.empty ? 0 : 8) |
      (this.suffixesIgnoringCase.empty ? 0 : 16) |
      (this.wildcards.size > 0 ? 32 : 0);
  }
}

const reverse = (text: string) => text.split('').reverse().join('');

function addToMap<K>(map: Map<K, FieldRef[]>, key: K, ref: FieldRef): void {
  const refs = map.get(key);
  if (refs) refs.push(ref);
  else map.set(key, [ref]);
}

function removeFromMap<K>(map: Map<K, FieldRef[]>, key: K, id: string): void {
  const refs = map.get(key)?.filter((ref) => ref.conjunction.id !== id);
  if (!refs || refs.length === 0) map.delete(key);
  else map.set(key, refs);
}

export class PatternSet implements Marker {
  private readonly patterns = new Map<
    string,
    { text: string; compiled: CompiledPattern; conjunctions: Conjunction[] }
  >();
  private readonly paths = new Map<string, PathIndex>();
  private readonly tree = new PathTree();
  /** Conjunctions no indexed value can point at (only deferred or `exists: false` fields): tried for every event. */
  private readonly unanchored = new Set<Conjunction>();
  private stamp = 0;
  /** Per-event scratch: the conjunctions some value pointed at. */
  private touched: Conjunction[] = [];

  constructor(readonly dialect: Dialect = 'eventbridge') {}

  get size(): number {
    return this.patterns.size;
  }

  has(id: string): boolean {
    return this.patterns.has(id);
  }

  pattern(id: string): { text: string; compiled: CompiledPattern } | undefined {
    return this.patterns.get(id);
  }

  ids(): string[] {
    return [...this.patterns.keys()];
  }

  /** Adds (or replaces) a pattern; throws PatternError when it is not valid. */
  add(id: string, text: string): void {
    this.addCompiled(id, text, compilePattern(text, this.dialect));
  }

  /** Adds (or replaces) a pattern compiled already (by parsePattern in the same dialect). */
  addCompiled(id: string, text: string, compiled: CompiledPattern): void {
    if (this.patterns.has(id)) this.remove(id);
    const conjunctions: Conjunction[] = compiled.conjunctions.map((fields) => {
      const absentOk = fields.map((field) =>
        field.conditions.some((condition) => condition.kind === 'exists' && !condition.exists),
      );
      // One field anchors the conjunction in the index; the others are checked once it is reached.
      // Indexing every field would make a value shared by many patterns (a common `source`) visit
      // all of them for every event.
      const anchor = this.chooseAnchor(fields, absentOk);
      return {
        id,
        fields,
        absentOk,
        deferred: fields.map((_, index) => index !== anchor),
        stamp: -1,
        satisfied: fields.map(() => false),
      };
    });
    for (const conjunction of conjunctions) {
      // Unanchored: no field can only pass through a value the index finds, so it is tried for every event.
      if (conjunction.deferred.every(Boolean)) this.unanchored.add(conjunction);
      conjunction.fields.forEach((field, index) => {
        let path = this.paths.get(field.path);
        if (!path) {
          path = new PathIndex();
          this.paths.set(field.path, path);
        }
        path.users++;
        this.tree.add(field.path);
        if (conjunction.deferred[index]) return;
        for (const condition of field.conditions) this.index(path, condition, { conjunction, field: index });
        path.refresh();
      });
    }
    this.patterns.set(id, { text, compiled, conjunctions });
  }

  /**
   * The field that reaches a conjunction from the index, or -1 when none can: fields that hold for
   * most values (anything-but, cidr) or for an absent path cannot. Preferred: exact values over
   * ranges and prefixes over mere presence; then values fewer patterns share now; then a nested
   * path over a top-level one (`detail.*` tells rules apart more often than `source` does).
   */
  private chooseAnchor(fields: FieldTest[], absentOk: boolean[]): number {
    let best = -1;
    let bestScore: [number, number, number] | undefined;
    fields.forEach((field, index) => {
      if (absentOk[index] || field.conditions.every((condition) => DEFERRED.has(condition.kind))) return;
      const path = this.paths.get(field.path);
      let rank = 0;
      let shared = 0;
      for (const condition of field.conditions) {
        rank = Math.max(rank, ANCHOR_RANK[condition.kind]);
        shared += this.sharedBy(path, condition);
      }
      const score: [number, number, number] = [rank, shared, field.path.includes('.') ? 0 : 1];
      if (!bestScore || compareScores(score, bestScore) < 0) {
        best = index;
        bestScore = score;
      }
    });
    return best;
  }

  /** How many indexed fields already sit where this condition would (a whole path's users when unknown). */
  private sharedBy(path: PathIndex | undefined, condition: Condition): number {
    if (!path) return 0;
    if (condition.kind === 'exact') {
      const value = condition.value;
      const refs =
        typeof value === 'string'
          ? path.exactStrings.get(value)
          : typeof value === 'number'
            ? path.exactNumbers.get(value)
            : path.exactLiterals.get(value);
      return refs?.length ?? 0;
    }
    if (condition.kind === 'equals-ignore-case')
      return path.ignoreCase.get(condition.value.toLowerCase())?.length ?? 0;
    return path.users;
  }

  remove(id: string): boolean {
    const entry = this.patterns.get(id);
    if (!entry) return false;
    for (const conjunction of entry.conjunctions) {
      this.unanchored.delete(conjunction);
      for (const [index, field] of conjunction.fields.entries()) {
        const path = this.paths.get(field.path)!;
        if (!conjunction.deferred[index]) {
          for (const condition of field.conditions) this.unindex(path, condition, id);
          path.refresh();
        }
        this.tree.remove(field.path);
        if (--path.users === 0) this.paths.delete(field.path);
      }
    }
    this.patterns.delete(id);
    return true;
  }

  /** Ids of the patterns an event (JSON text) matches, in no particular order. */
  matches(eventJson: string): string[] {
    return this.match(extractFromText(eventJson, this.tree));
  }

  /** The same for an event already parsed. */
  matchesValue(event: unknown): string[] {
    return this.match(extractFromValue(event, this.tree));
  }

  /** The values of the fields patterns mention (explanations read them). */
  extract(eventJson: string): Extracted {
    return extractFromText(eventJson, this.tree);
  }

  extractValue(event: unknown): Extracted {
    return extractFromValue(event, this.tree);
  }

  /** Marks one field of one conjunction as satisfied by a value of this event. */
  mark(ref: FieldRef): void {
    const conjunction = ref.conjunction;
    if (conjunction.stamp !== this.stamp) {
      conjunction.stamp = this.stamp;
      conjunction.satisfied.fill(false);
      this.touched.push(conjunction);
    }
    conjunction.satisfied[ref.field] = true;
  }

  private match(values: Extracted): string[] {
    this.stamp++;
    this.touched = [];
    for (const [path, items] of values) {
      const index = this.paths.get(path);
      if (!index) continue;
      for (const ref of index.present) this.mark(ref);
      for (const value of items) this.lookup(index, value);
    }
    const matched: string[] = [];
    const seen = new Set<string>();
    for (const conjunction of this.touched) {
      if (!seen.has(conjunction.id) && this.passes(conjunction, true, values)) {
        seen.add(conjunction.id);
        matched.push(conjunction.id);
      }
    }
    for (const conjunction of this.unanchored) {
      if (!seen.has(conjunction.id) && this.passes(conjunction, conjunction.stamp === this.stamp, values)) {
        seen.add(conjunction.id);
        matched.push(conjunction.id);
      }
    }
    this.touched = [];
    return matched;
  }

  private passes(conjunction: Conjunction, marked: boolean, values: Extracted): boolean {
    const fields = conjunction.fields;
    for (let index = 0; index < fields.length; index++) {
      const field = fields[index]!;
      if (conjunction.deferred[index]) {
        if (!fieldPasses(field.conditions, values.get(field.path))) return false;
      } else if (
        !(marked && conjunction.satisfied[index]) &&
        !(conjunction.absentOk[index] && !values.get(field.path)?.length)
      ) {
        return false;
      }
    }
    return true;
  }

  private lookup(index: PathIndex, value: Scalar): void {
    if (typeof value === 'string') {
      const exact = index.exactStrings.get(value);
      if (exact) for (const ref of exact) this.mark(ref);
      const kinds = index.stringKinds;
      if (kinds !== 0) {
        const lower = kinds & (1 | 4 | 16) ? value.toLowerCase() : value;
        if (kinds & 1) {
          const ignoring = index.ignoreCase.get(lower);
          if (ignoring) for (const ref of ignoring) this.mark(ref);
        }
        if (kinds & 2) index.prefixes.prefixesOf(value, this);
        if (kinds & 4) index.prefixesIgnoringCase.prefixesOf(lower, this);
        if (kinds & 8) index.suffixes.prefixesOf(reverse(value), this);
        if (kinds & 16) index.suffixesIgnoringCase.prefixesOf(reverse(lower), this);
        if (kinds & 32) index.wildcards.lookup(value, this);
      }
    } else if (typeof value === 'number') {
      const exact = index.exactNumbers.get(value);
      if (exact) for (const ref of exact) this.mark(ref);
      if (index.ranges.size > 0) index.ranges.containing(value, this);
    } else {
      const exact = index.exactLiterals.get(value);
      if (exact) for (const ref of exact) this.mark(ref);
    }
    for (const { condition, ref } of index.others) {
      if (holds(condition, value)) this.mark(ref);
    }
  }

  private index(path: PathIndex, condition: Condition, ref: FieldRef): void {
    switch (condition.kind) {
      case 'exact': {
        const value = condition.value;
        if (typeof value === 'string') addToMap(path.exactStrings, value, ref);
        else if (typeof value === 'number') addToMap(path.exactNumbers, value, ref);
        else addToMap(path.exactLiterals, value, ref);
        return;
      }
      case 'equals-ignore-case':
        addToMap(path.ignoreCase, condition.value.toLowerCase(), ref);
        return;
      case 'prefix':
        if (condition.ignoreCase) path.prefixesIgnoringCase.add(condition.value.toLowerCase(), ref);
        else path.prefixes.add(condition.value, ref);
        return;
      case 'suffix':
        if (condition.ignoreCase) path.suffixesIgnoringCase.add(reverse(condition.value.toLowerCase()), ref);
        else path.suffixes.add(reverse(condition.value), ref);
        return;
      case 'wildcard':
        path.wildcards.add(condition, ref);
        return;
      case 'numeric':
        path.ranges.add({ condition, ref });
        return;
      case 'exists':
        if (condition.exists) path.present.push(ref);
        return;
      default:
        path.others.push({ condition, ref });
    }
  }

  private unindex(path: PathIndex, condition: Condition, id: string): void {
    switch (condition.kind) {
      case 'exact': {
        const value = condition.value;
        if (typeof value === 'string') removeFromMap(path.exactStrings, value, id);
        else if (typeof value === 'number') removeFromMap(path.exactNumbers, value, id);
        else removeFromMap(path.exactLiterals, value, id);
        return;
      }
      case 'equals-ignore-case':
        removeFromMap(path.ignoreCase, condition.value.toLowerCase(), id);
        return;
      case 'prefix':
        if (condition.ignoreCase) path.prefixesIgnoringCase.remove(condition.value.toLowerCase(), id);
        else path.prefixes.remove(condition.value, id);
        return;
      case 'suffix':
        if (condition.ignoreCase)
          path.suffixesIgnoringCase.remove(reverse(condition.value.toLowerCase()), id);
        else path.suffixes.remove(reverse(condition.value), id);
        return;
      case 'wildcard':
        path.wildcards.remove(condition, id);
        return;
      case 'numeric':
        path.ranges.remove(id);
        return;
      case 'exists':
        path.present = path.present.filter((ref) => ref.conjunction.id !== id);
        return;
      default:
        path.others = path.others.filter((entry) => entry.ref.conjunction.id !== id);
    }
  }
}
