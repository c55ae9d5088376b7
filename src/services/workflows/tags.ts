// Tags of state machines and activities (up to 50 a resource, as Step Functions allows).
import type { StepFunctions } from '../../contract/index.ts';
import type { Tx } from '../../store/index.ts';
import { tooManyTags } from './errors.ts';

const MAX_TAGS = 50;

export async function tagsOf(tx: Tx, arn: string): Promise<StepFunctions.Tag[]> {
  const rows = await tx.all<{ tag_key: string; tag_value: string }>(
    'SELECT tag_key, tag_value FROM sfn_tags WHERE resource_arn = ? ORDER BY tag_key',
    [arn],
  );
  return rows.map((row) => ({ key: row.tag_key, value: row.tag_value }));
}

export async function addTags(tx: Tx, arn: string, tags: StepFunctions.Tag[] | undefined): Promise<void> {
  if (!tags || tags.length === 0) return;
  const existing = new Set((await tagsOf(tx, arn)).map((tag) => tag.key));
  const added = new Set(tags.map((tag) => tag.key ?? ''));
  const total = new Set([...existing, ...added]).size;
  if (total > MAX_TAGS)
    throw tooManyTags(`Too many tags: a resource can have at most ${MAX_TAGS} tags.`, arn);
  for (const tag of tags) {
    await tx.run(
      `INSERT INTO sfn_tags (resource_arn, tag_key, tag_value) VALUES (?, ?, ?)
       ON CONFLICT (resource_arn, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      [arn, tag.key ?? '', tag.value ?? ''],
    );
  }
}

export async function removeTags(tx: Tx, arn: string, keys: string[]): Promise<void> {
  for (const key of keys)
    await tx.run('DELETE FROM sfn_tags WHERE resource_arn = ? AND tag_key = ?', [arn, key]);
}
