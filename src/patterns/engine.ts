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
import { type Scalar, valueKey, wildcardEnds } from './values.ts';

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
  /**
   * Fields tested only once the rest of their conjunction looks promising: anything-but and cidr
   * hold for most values, so indexing them would make every event visit every such pattern.
   */
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

  /** Every ref stored at a key that `text` starts with. */
  prefixesOf(text: string, visit: (ref: FieldRef) => void): void {
    let node: TrieNode | undefined = this.root;
    for (const ref of node.refs) visit(ref);
    for (const char of text) {
      node = node.next.get(char);
      if (!node) return;
      for (const ref of node.refs) visit(ref);
    }
  }
}

interface TrieNode {
  next: Map<string, TrieNode>;
  refs: FieldRef[];
}

interface Range {
  condition: Extract<Condition, { kind: 'numeric' }>;
  ref: FieldRef;
}

const BLOCK = 32;
const DEFERRED = new Set<Condition['kind']>(['anything-but', 'cidr']);

/** Numeric ranges sorted by lower bound, in blocks that know their highest upper bound. */
class Ranges {
  private ranges: Range[] = [];
  private blocks: number[] = [];
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

  containing(value: number, visit: (ref: FieldRef) => void): void {
    if (this.dirty) this.build();
    const ranges = this.ranges;
    for (let block = 0; block * BLOCK < ranges.length; block++) {
      const first = ranges[block * BLOCK]!;
      if ((first.condition.lower?.value ?? Number.NEGATIVE_INFINITY) > value) return;
      if (this.blocks[block]! < value) continue;
      const end = Math.min(ranges.length, (block + 1) * BLOCK);
      for (let index = block * BLOCK; index < end; index++) {
        const range = ranges[index]!;
        if (inRange(value, range.condition.lower, range.condition.upper)) visit(range.ref);
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
    for (let start = 0; start < this.ranges.length; start += BLOCK) {
      let high = Number.NEGATIVE_INFINITY;
      for (const range of this.ranges.slice(start, start + BLOCK)) {
        high = Math.max(high, range.condition.upper?.value ?? Number.POSITIVE_INFINITY);
      }
      this.blocks.push(high);
    }
    this.dirty = false;
  }
}

/** Everything the index knows about one field path. */
class PathIndex {
  readonly exact = new Map<string, FieldRef[]>();
  readonly ignoreCase = new Map<string, FieldRef[]>();
  readonly prefixes = new Trie();
  readonly prefixesIgnoringCase = new Trie();
  readonly suffixes = new Trie();
  readonly suffixesIgnoringCase = new Trie();
  /** Wildcards are found by their literal head (or reversed tail), then checked in full. */
  readonly wildcardsByHead = new Trie();
  readonly wildcardsByTail = new Trie();
  readonly wildcardsOther: FieldRef[] = [];
  readonly ranges = new Ranges();
  others: Array<{ condition: Condition; ref: FieldRef }> = [];
  present: FieldRef[] = [];
  users = 0;
}

const reverse = (text: string) => [...text].reverse().join('');

function addToMap(map: Map<string, FieldRef[]>, key: string, ref: FieldRef): void {
  const refs = map.get(key);
  if (refs) refs.push(ref);
  else map.set(key, [ref]);
}

function removeFromMap(map: Map<string, FieldRef[]>, key: string, id: string): void {
  const refs = map.get(key)?.filter((ref) => ref.conjunction.id !== id);
  if (!refs || refs.length === 0) map.delete(key);
  else map.set(key, refs);
}

export class PatternSet {
  private readonly patterns = new Map<
    string,
    { text: string; compiled: CompiledPattern; conjunctions: Conjunction[] }
  >();
  private readonly paths = new Map<string, PathIndex>();
  private readonly tree = new PathTree();
  /** Conjunctions no indexed value can point at (only deferred or `exists: false` fields): tried for every event. */
  private readonly unanchored = new Set<Conjunction>();
  private stamp = 0;

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
    const compiled = compilePattern(text, this.dialect);
    if (this.patterns.has(id)) this.remove(id);
    const conjunctions: Conjunction[] = compiled.conjunctions.map((fields) => ({
      id,
      fields,
      absentOk: fields.map((field) =>
        field.conditions.some((condition) => condition.kind === 'exists' && !condition.exists),
      ),
      deferred: fields.map((field) => field.conditions.every((condition) => DEFERRED.has(condition.kind))),
      stamp: -1,
      satisfied: fields.map(() => false),
    }));
    for (const conjunction of conjunctions) {
      const anchored = conjunction.fields.some(
        (field, index) =>
          !conjunction.deferred[index] &&
          field.conditions.some((condition) => condition.kind !== 'exists' || condition.exists),
      );
      if (!anchored) this.unanchored.add(conjunction);
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
      });
    }
    this.patterns.set(id, { text, compiled, conjunctions });
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
        }
        this.tree.remove(field.path);
        if (--path.users === 0) this.paths.delete(field.path);
      }
    }
    this.patterns.delete(id);
    return true;
  }

  /** Ids of the patterns an event (JSON text) matches, in the order they were added. */
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

  private match(values: Extracted): string[] {
    const stamp = ++this.stamp;
    const touched: Conjunction[] = [];
    const mark = (ref: FieldRef) => {
      const conjunction = ref.conjunction;
      if (conjunction.stamp !== stamp) {
        conjunction.stamp = stamp;
        conjunction.satisfied.fill(false);
        touched.push(conjunction);
      }
      conjunction.satisfied[ref.field] = true;
    };
    for (const [path, items] of values) {
      const index = this.paths.get(path);
      if (!index) continue;
      for (const ref of index.present) mark(ref);
      for (const value of items) this.lookup(index, value, mark);
    }
    const matched = new Set<string>();
    const passes = (conjunction: Conjunction, marked: boolean) =>
      conjunction.fields.every((field, index) => {
        if (conjunction.deferred[index]) return fieldPasses(field.conditions, values.get(field.path));
        return (
          (marked && conjunction.satisfied[index]) ||
          (conjunction.absentOk[index] && !values.get(field.path)?.length)
        );
      });
    for (const conjunction of touched) if (passes(conjunction, true)) matched.add(conjunction.id);
    for (const conjunction of this.unanchored) {
      if (!matched.has(conjunction.id) && passes(conjunction, conjunction.stamp === stamp))
        matched.add(conjunction.id);
    }
    return [...matched];
  }

  private lookup(index: PathIndex, value: Scalar, mark: (ref: FieldRef) => void): void {
    const exact = index.exact.get(valueKey(value));
    if (exact) for (const ref of exact) mark(ref);
    if (typeof value === 'string') {
      const lower = value.toLowerCase();
      const ignoring = index.ignoreCase.get(lower);
      if (ignoring) for (const ref of ignoring) mark(ref);
      index.prefixes.prefixesOf(value, mark);
      index.prefixesIgnoringCase.prefixesOf(lower, mark);
      const reversed = reverse(value);
      index.suffixes.prefixesOf(reversed, mark);
      index.suffixesIgnoringCase.prefixesOf(reverse(lower), mark);
      const checkWildcard = (ref: FieldRef) => {
        const conditions = ref.conjunction.fields[ref.field]!.conditions;
        if (conditions.some((condition) => condition.kind === 'wildcard' && condition.regex.test(value)))
          mark(ref);
      };
      index.wildcardsByHead.prefixesOf(value, checkWildcard);
      index.wildcardsByTail.prefixesOf(reversed, checkWildcard);
      for (const ref of index.wildcardsOther) checkWildcard(ref);
    } else if (typeof value === 'number' && index.ranges.size > 0) {
      index.ranges.containing(value, mark);
    }
    for (const { condition, ref } of index.others) {
      if (holds(condition, value)) mark(ref);
    }
  }

  private index(path: PathIndex, condition: Condition, ref: FieldRef): void {
    switch (condition.kind) {
      case 'exact':
        addToMap(path.exact, valueKey(condition.value), ref);
        return;
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
      case 'wildcard': {
        const { head, tail } = wildcardEnds(condition.pattern);
        if (head !== '') path.wildcardsByHead.add(head, ref);
        else if (tail !== '') path.wildcardsByTail.add(reverse(tail), ref);
        else path.wildcardsOther.push(ref);
        return;
      }
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
      case 'exact':
        removeFromMap(path.exact, valueKey(condition.value), id);
        return;
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
      case 'wildcard': {
        const { head, tail } = wildcardEnds(condition.pattern);
        if (head !== '') path.wildcardsByHead.remove(head, id);
        else if (tail !== '') path.wildcardsByTail.remove(reverse(tail), id);
        else {
          const kept = path.wildcardsOther.filter((ref) => ref.conjunction.id !== id);
          path.wildcardsOther.length = 0;
          path.wildcardsOther.push(...kept);
        }
        return;
      }
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
