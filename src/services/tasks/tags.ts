// Resource tags as ECS checks them: at most 50, keys 1–128 characters, values up to 256, and the
// `aws:` prefix reserved.
import { invalidParameter } from './errors.ts';
import type { Tag } from './types.ts';

const MAX_TAGS = 50;

export function checkTags(tags: Tag[] | undefined): Tag[] {
  const list = tags ?? [];
  if (list.length > MAX_TAGS) throw invalidParameter(`The number of tags must not be more than ${MAX_TAGS}.`);
  for (const tag of list) {
    if (!tag.key || tag.key.length > 128)
      throw invalidParameter('Tag keys must be between 1 and 128 characters in length.');
    if ((tag.value ?? '').length > 256)
      throw invalidParameter('Tag values must be at most 256 characters in length.');
    if (tag.key.toLowerCase().startsWith('aws:'))
      throw invalidParameter('Tag keys with the aws: prefix are reserved for use by AWS.');
  }
  return list;
}

/** Tags after adding `added` (same keys replaced) to `current`. */
export function mergeTags(current: Tag[], added: Tag[]): Tag[] {
  const byKey = new Map(current.map((tag) => [tag.key, tag]));
  for (const tag of added) byKey.set(tag.key, { key: tag.key, value: tag.value ?? '' });
  return checkTags([...byKey.values()]);
}

export function removeTags(current: Tag[], keys: string[]): Tag[] {
  const removed = new Set(keys);
  return current.filter((tag) => !removed.has(tag.key ?? ''));
}
