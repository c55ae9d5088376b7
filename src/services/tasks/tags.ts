// Resource tags as ECS checks them beyond the model (which bounds each request's tags, keys and
// values): the `aws:` prefix is reserved, and a resource keeps at most 50 tags in all.
import { invalidParameter } from './errors.ts';
import type { Tag } from './types.ts';

const MAX_TAGS = 50;

export function checkTags(tags: Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  for (const tag of list) {
    // The model bounds a key's length when it is there; a tag must have one.
    if (tag.key === undefined)
      throw invalidParameter('Tag keys must be between 1 and 128 characters in length.');
    if (tag.key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys with the aws: prefix are reserved for use by AWS.');
  }
  return list;
}

/** Tags after adding `added` (same keys replaced) to `current`. */
export function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(current.map((tag) => [tag.key, tag]));
  for (const tag of checkTags(added)) byKey.set(tag.key, { key: tag.key, value: tag.value ?? '' });
  if (byKey.size > MAX_TAGS) throw invalidParameter(`The number of tags must not be more than ${MAX_TAGS}.`);
  return [...byKey.values()];
}

export function removeTags(current: Tag[], keys: string[]): Tag[] {
  const removed = new Set(keys);
  return current.filter((tag) => !removed.has(tag.key ?? ''));
}
