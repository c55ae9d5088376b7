// Account policies' selection criteria: which of the account's log groups a policy applies to.

/**
 * Whether an account policy's selection criteria take a group in: `LogGroupNamePrefix IN ["a", "b"]`,
 * `LogGroupName NOT IN ["c"]`; no criteria take every group.
 */
export function selects(criteria: string | undefined, groupName: string): boolean {
  if (criteria === undefined || criteria.trim() === '') return true;
  const match = /^\s*(LogGroupName|LogGroupNamePrefix)\s+(NOT\s+IN|IN)\s*\[(.*)\]\s*$/i.exec(criteria);
  if (!match) return false;
  const values = [...match[3]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((value) => value[1]!);
  const byPrefix = match[1]!.toLowerCase() === 'loggroupnameprefix';
  const found = values.some((value) => (byPrefix ? groupName.startsWith(value) : groupName === value));
  return /^not/i.test(match[2]!) ? !found : found;
}
