// Account settings (PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting,
// ListAccountSettings): stored per account, region and principal. A principal's own setting wins;
// else the root user's, which is the account's default; else AWS's default. eddy's callers act as
// the account's root user. containerInsights sets new clusters' default.
import type { Ecs } from '../../contract/index.ts';
import type { Store } from '../../store/index.ts';
import { type EcsHandlers, rootArn, scopeOf } from './api.ts';
import { invalidParameter } from './errors.ts';
import type { Scope } from './names.ts';
import { page } from './paging.ts';

type Name = Ecs.SettingName;

/** AWS's value of each setting for an account that never changed it, and the values it accepts. */
const SETTINGS: Record<Name, { value: string; accepts: string[] }> = {
  serviceLongArnFormat: { value: 'enabled', accepts: ['enabled', 'disabled'] },
  taskLongArnFormat: { value: 'enabled', accepts: ['enabled', 'disabled'] },
  containerInstanceLongArnFormat: { value: 'enabled', accepts: ['enabled', 'disabled'] },
  awsvpcTrunking: { value: 'disabled', accepts: ['enabled', 'disabled'] },
  containerInsights: { value: 'disabled', accepts: ['enabled', 'disabled', 'enhanced'] },
  fargateFIPSMode: { value: 'disabled', accepts: ['enabled', 'disabled'] },
  tagResourceAuthorization: { value: 'on', accepts: ['on', 'off'] },
  fargateTaskRetirementWaitPeriod: { value: '7', accepts: ['0', '7', '14'] },
  guardDutyActivate: { value: 'off', accepts: [] },
  defaultLogDriverMode: { value: 'non-blocking', accepts: ['blocking', 'non-blocking'] },
  fargateEventWindows: { value: 'disabled', accepts: ['enabled', 'disabled'] },
};
const NAMES = (Object.keys(SETTINGS) as Name[]).sort();

interface Row {
  principal: string;
  name: Name;
  value: string;
}

export class AccountSettings {
  constructor(private readonly store: Store) {}

  async own(scope: Scope, principal: string): Promise<Row[]> {
    return this.store.read((tx) =>
      tx.all<Row>(
        'SELECT principal, name, value FROM ecs_account_settings WHERE account = ? AND region = ? AND principal = ? ORDER BY name',
        [scope.account, scope.region, principal],
      ),
    );
  }

  /** Each setting as it applies to `principal`: its own, else the root user's, else AWS's default. */
  async effective(scope: Scope, principal: string): Promise<Ecs.Setting[]> {
    const own = new Map((await this.own(scope, principal)).map((row) => [row.name, row]));
    const root = new Map((await this.own(scope, rootArn(scope.account))).map((row) => [row.name, row]));
    return NAMES.map((name) => {
      const row = own.get(name) ?? root.get(name);
      return {
        name,
        value: row?.value ?? SETTINGS[name].value,
        principalArn: row?.principal ?? rootArn(scope.account),
        type: name === 'guardDutyActivate' ? 'aws_managed' : 'user',
      };
    });
  }

  async value(scope: Scope, name: Name): Promise<string> {
    const setting = (await this.effective(scope, rootArn(scope.account))).find((item) => item.name === name);
    return setting?.value ?? SETTINGS[name].value;
  }

  async put(scope: Scope, principal: string, name: Name, value: string): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        `INSERT INTO ecs_account_settings (account, region, principal, name, value) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account, region, principal, name) DO UPDATE SET value = excluded.value`,
        [scope.account, scope.region, principal, name, value],
      ),
    );
  }

  async delete(scope: Scope, principal: string, name: Name): Promise<void> {
    await this.store.write((tx) =>
      tx.run(
        'DELETE FROM ecs_account_settings WHERE account = ? AND region = ? AND principal = ? AND name = ?',
        [scope.account, scope.region, principal, name],
      ),
    );
  }
}

/** A principal of the caller's account: its root user, an IAM user or a role. */
function principalOf(scope: Scope, principalArn: string | undefined): string {
  if (principalArn === undefined) return rootArn(scope.account);
  const match = /^arn:aws[\w-]*:iam::(\d{12}):(root|user\/.+|role\/.+)$/.exec(principalArn);
  if (!match) throw invalidParameter(`Principal ARN '${principalArn}' is not a valid IAM principal ARN.`);
  if (match[1] !== scope.account)
    throw invalidParameter('You can only change the account settings of principals in your own account.');
  return principalArn;
}

function checkValue(name: Name, value: string, principal: string, scope: Scope): void {
  if (name === 'guardDutyActivate')
    throw invalidParameter(
      'guardDutyActivate is managed by Amazon GuardDuty and is read-only in Amazon ECS.',
    );
  const { accepts } = SETTINGS[name];
  if (!accepts.includes(value))
    throw invalidParameter(`Invalid value '${value}' for ${name}. Valid values: ${accepts.join(', ')}.`);
  if (name === 'fargateTaskRetirementWaitPeriod' && principal !== rootArn(scope.account))
    throw invalidParameter('fargateTaskRetirementWaitPeriod can only be set for the root user.');
}

export function accountSettingHandlers(settings: AccountSettings) {
  const setting = (name: Name, value: string, principalArn: string): Ecs.Setting => ({
    name,
    value,
    principalArn,
    type: 'user',
  });
  return {
    async PutAccountSetting(input, context) {
      const scope = scopeOf(context);
      const principal = principalOf(scope, input.principalArn);
      checkValue(input.name, input.value, principal, scope);
      await settings.put(scope, principal, input.name, input.value);
      return { setting: setting(input.name, input.value, principal) };
    },

    async PutAccountSettingDefault(input, context) {
      const scope = scopeOf(context);
      const root = rootArn(scope.account);
      checkValue(input.name, input.value, root, scope);
      await settings.put(scope, root, input.name, input.value);
      return { setting: setting(input.name, input.value, root) };
    },

    async DeleteAccountSetting(input, context) {
      const scope = scopeOf(context);
      const principal = principalOf(scope, input.principalArn);
      if (input.name === 'guardDutyActivate') checkValue(input.name, '', principal, scope);
      const own = (await settings.own(scope, principal)).find((row) => row.name === input.name);
      await settings.delete(scope, principal, input.name);
      // What applies from now on: the root user's or AWS's default.
      const now = (await settings.effective(scope, principal)).find((item) => item.name === input.name);
      return { setting: setting(input.name, own?.value ?? now?.value ?? '', principal) };
    },

    async ListAccountSettings(input, context) {
      const scope = scopeOf(context);
      const principal = principalOf(scope, input.principalArn);
      if (input.value !== undefined && input.name === undefined)
        throw invalidParameter('You must specify a setting name when you filter by value.');
      if (input.maxResults !== undefined && (input.maxResults < 1 || input.maxResults > 10))
        throw invalidParameter('maxResults must be between 1 and 10.');
      const all = input.effectiveSettings
        ? await settings.effective(scope, principal)
        : (await settings.own(scope, principal)).map((row) => setting(row.name, row.value, row.principal));
      const matching = all.filter(
        (item) =>
          (input.name === undefined || item.name === input.name) &&
          (input.value === undefined || item.value === input.value),
      );
      const { items, nextToken } = page(
        matching,
        (item) => item.name ?? '',
        input.nextToken,
        input.maxResults ?? 10,
      );
      return { settings: items, nextToken };
    },
  } satisfies Partial<EcsHandlers>;
}
