// What a target receives: the whole event, a constant `Input`, the part an `InputPath` selects, or an
// `InputTransformer` template filled from paths into the event. Pure: no clock, no I/O.

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface TargetInput {
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
}

/** What the `<aws.events.*>` variables stand for. */
export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  ingestionTime: string;
}

const PATH = /^\$(?:\.[A-Za-z0-9_@-]+|\[\d+\]|\['[^']+'\])*$/;
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;
const MAX_PATHS = 100;

/** Returns an error message naming the rule a target's input configuration breaks, or undefined. */
export function checkTargetInput(input: TargetInput): string | undefined {
  const given = [input.Input, input.InputPath, input.InputTransformer].filter((item) => item !== undefined);
  if (given.length > 1) return 'Only one of Input, InputPath, or InputTransformer must be provided.';
  if (input.Input !== undefined) {
    try {
      JSON.parse(input.Input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  if (input.InputPath !== undefined && !PATH.test(input.InputPath)) {
    return `InputPath ${input.InputPath} is not a valid JSON path.`;
  }
  const transformer = input.InputTransformer;
  if (transformer) {
    const paths = transformer.InputPathsMap ?? {};
    if (Object.keys(paths).length > MAX_PATHS) {
      return `InputPathsMap has more than ${MAX_PATHS} entries.`;
    }
    for (const [name, path] of Object.entries(paths)) {
      if (name.startsWith('aws.events.'))
        return `InputPathsMap key ${name} uses the reserved prefix aws.events.`;
      if (!PATH.test(path)) return `InputPathsMap value for ${name} (${path}) is not a valid JSON path.`;
    }
    if (transformer.InputTemplate.length === 0) return 'InputTemplate must not be empty.';
  }
  return undefined;
}

/** Reads `$.a.b[0]` from a value; undefined where the path leads nowhere. */
export function readPath(value: unknown, path: string): unknown {
  let current = value;
  for (const match of path.slice(1).matchAll(/\.([A-Za-z0-9_@-]+)|\[(\d+)\]|\['([^']+)'\]/g)) {
    if (current === null || typeof current !== 'object') return undefined;
    const key = match[1] ?? match[3] ?? Number(match[2]);
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** The text a target receives for an event (`eventJson` is the envelope as it was put). */
export function transformInput(input: TargetInput, eventJson: string, context: TransformContext): string {
  if (input.Input !== undefined) return input.Input;
  if (input.InputPath !== undefined) {
    const selected = readPath(JSON.parse(eventJson), input.InputPath);
    return selected === undefined ? '' : JSON.stringify(selected);
  }
  if (!input.InputTransformer) return eventJson;
  const event = JSON.parse(eventJson) as unknown;
  const values = new Map<string, unknown>();
  for (const [name, path] of Object.entries(input.InputTransformer.InputPathsMap ?? {})) {
    values.set(name, readPath(event, path));
  }
  values.set('aws.events.rule-arn', context.ruleArn);
  values.set('aws.events.rule-name', context.ruleName);
  values.set('aws.events.event.ingestion-time', context.ingestionTime);
  values.set('aws.events.event', event);
  values.set('aws.events.event.json', event);
  return fillTemplate(input.InputTransformer.InputTemplate, values);
}

/**
 * Fills `<name>` placeholders. Inside a JSON string (between quotes) a value goes in as string
 * content; elsewhere as JSON (strings quoted). A template that is not JSON at all is plain text,
 * where every value goes in as its raw text. Unknown names stay as they are, as AWS leaves them.
 */
export function fillTemplate(template: string, values: Map<string, unknown>): string {
  const plainText = !looksLikeJson(template);
  let output = '';
  let inString = false;
  let last = 0;
  for (let index = 0; index < template.length; index++) {
    const char = template[index];
    if (char === '\\' && inString) {
      index++;
      continue;
    }
    if (char === '"') {
      inString = !inString;
      continue;
    }
    if (char !== '<') continue;
    PLACEHOLDER.lastIndex = index;
    const match = PLACEHOLDER.exec(template);
    if (!match || match.index !== index || !values.has(match[1]!)) continue;
    const value = values.get(match[1]!);
    output += template.slice(last, index);
    if (plainText)
      output += value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
    else if (inString)
      output +=
        value === undefined ? '' : escapeForString(typeof value === 'string' ? value : JSON.stringify(value));
    else output += value === undefined ? 'null' : JSON.stringify(value);
    last = index + match[0].length;
    index = last - 1;
  }
  return output + template.slice(last);
}

function escapeForString(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** Templates that start like JSON are JSON templates; anything else is text. */
function looksLikeJson(template: string): boolean {
  const first = template.trimStart()[0];
  return first === '{' || first === '[' || first === '"';
}
