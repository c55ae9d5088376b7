// SMS: the account's SMS settings, its sandbox of destination numbers, opt-outs and origination
// numbers. eddy sends no SMS. Settings are kept and shown; the sandbox keeps its numbers and their
// one-time passwords, which eddy writes to its log instead of texting them; no number can opt out
// (that takes replying STOP to a text), and the account owns no origination numbers.
import { randomInt } from 'node:crypto';
import { type Handlers, type RequestContext, ServiceError, type Sns } from '../../contract/index.ts';
import type { Logger } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { E164 } from './attributes.ts';
import { invalidParameter, snsError } from './errors.ts';
import { page } from './paging.ts';

type SmsOperations =
  | 'SetSMSAttributes'
  | 'GetSMSAttributes'
  | 'CheckIfPhoneNumberIsOptedOut'
  | 'ListPhoneNumbersOptedOut'
  | 'OptInPhoneNumber'
  | 'ListOriginationNumbers'
  | 'GetSMSSandboxAccountStatus'
  | 'CreateSMSSandboxPhoneNumber'
  | 'VerifySMSSandboxPhoneNumber'
  | 'DeleteSMSSandboxPhoneNumber'
  | 'ListSMSSandboxPhoneNumbers';

const SMS_ATTRIBUTES = new Set([
  'MonthlySpendLimit',
  'DeliveryStatusIAMRole',
  'DeliveryStatusSuccessSamplingRate',
  'DefaultSenderID',
  'DefaultSMSType',
  'UsageReportS3Bucket',
]);
/** What an account that never set anything is shown: SNS's default monthly spend limit, USD 1. */
const DEFAULT_SMS_ATTRIBUTES = { MonthlySpendLimit: '1' };
/** 1 to 11 letters and digits, at least one of them a letter. */
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{1,11}$/;
/** The sandbox holds up to 10 destination phone numbers. */
const SANDBOX_NUMBERS = 10;

function checkSmsAttributes(attributes: Record<string, string>): void {
  for (const [name, value] of Object.entries(attributes)) {
    if (!SMS_ATTRIBUTES.has(name)) throw snsError('InvalidParameter', `${name} is not a valid attribute`);
    const invalid = () => snsError('InvalidParameter', `${name} is invalid`);
    switch (name) {
      case 'DefaultSMSType':
        if (value !== 'Promotional' && value !== 'Transactional') throw invalid();
        break;
      case 'DefaultSenderID':
        if (!SENDER_ID.test(value)) throw invalid();
        break;
      case 'MonthlySpendLimit':
        if (!/^\d+$/.test(value)) throw invalid();
        break;
      case 'DeliveryStatusSuccessSamplingRate':
        if (!/^\d+$/.test(value) || Number(value) > 100) throw invalid();
        break;
    }
  }
}

function checkPhoneNumber(phoneNumber: string): void {
  if (!E164.test(phoneNumber)) throw invalidParameter('PhoneNumber Reason: input incorrectly formatted');
}

interface SandboxRow {
  phone_number: string;
  status: 'Pending' | 'Verified';
  one_time_password: string | null;
}

export class Sms {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  private async attributes(context: RequestContext): Promise<Record<string, string>> {
    const row = await this.store.read((tx) =>
      tx.get<{ attributes: string }>(
        'SELECT attributes FROM sns_sms_attributes WHERE account = ? AND region = ?',
        [context.accountId, context.region],
      ),
    );
    return {
      ...DEFAULT_SMS_ATTRIBUTES,
      ...(row ? (JSON.parse(row.attributes) as Record<string, string>) : {}),
    };
  }

  private sandboxNumber(context: RequestContext, phoneNumber: string): Promise<SandboxRow | undefined> {
    return this.store.read((tx) =>
      tx.get<SandboxRow>(
        'SELECT phone_number, status, one_time_password FROM sns_sms_sandbox WHERE account = ? AND region = ? AND phone_number = ?',
        [context.accountId, context.region, phoneNumber],
      ),
    );
  }

  handlers(): Pick<Handlers<Sns.Operations>, SmsOperations> {
    return {
      SetSMSAttributes: async (input, context) => {
        checkSmsAttributes(input.attributes);
        const attributes = { ...(await this.attributes(context)), ...input.attributes };
        await this.store.write((tx) =>
          tx.run(
            `INSERT INTO sns_sms_attributes (account, region, attributes) VALUES (?, ?, ?)
             ON CONFLICT (account, region) DO UPDATE SET attributes = excluded.attributes`,
            [context.accountId, context.region, JSON.stringify(attributes)],
          ),
        );
        return {};
      },

      GetSMSAttributes: async (input, context) => {
        const attributes = await this.attributes(context);
        const wanted = input.attributes ?? [];
        return {
          attributes:
            wanted.length === 0
              ? attributes
              : Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted.includes(name))),
        };
      },

      CheckIfPhoneNumberIsOptedOut: (input) => {
        checkPhoneNumber(input.phoneNumber);
        return { isOptedOut: false };
      },

      ListPhoneNumbersOptedOut: () => ({ phoneNumbers: [] }),

      OptInPhoneNumber: (input) => {
        checkPhoneNumber(input.phoneNumber);
        return {};
      },

      ListOriginationNumbers: () => ({ PhoneNumbers: [] }),

      GetSMSSandboxAccountStatus: () => ({ IsInSandbox: true }),

      CreateSMSSandboxPhoneNumber: async (input, context) => {
        const existing = await this.sandboxNumber(context, input.PhoneNumber);
        if (existing?.status === 'Verified') return {};
        const password = String(randomInt(0, 1_000_000)).padStart(6, '0');
        await this.store.write(async (tx) => {
          if (!existing) {
            const held = await tx.get<{ count: number }>(
              'SELECT COUNT(*) AS count FROM sns_sms_sandbox WHERE account = ? AND region = ?',
              [context.accountId, context.region],
            );
            if (Number(held?.count ?? 0) >= SANDBOX_NUMBERS)
              throw snsError(
                'UserError',
                `The SMS sandbox holds at most ${SANDBOX_NUMBERS} destination phone numbers.`,
              );
          }
          await tx.run(
            `INSERT INTO sns_sms_sandbox (account, region, phone_number, status, one_time_password, language_code)
             VALUES (?, ?, ?, 'Pending', ?, ?)
             ON CONFLICT (account, region, phone_number) DO UPDATE SET one_time_password = excluded.one_time_password`,
            [context.accountId, context.region, input.PhoneNumber, password, input.LanguageCode ?? 'en-US'],
          );
        });
        this.log.info(
          { phoneNumber: input.PhoneNumber, oneTimePassword: password, account: context.accountId },
          'eddy sends no SMS: the one-time password for this sandbox phone number is logged instead',
        );
        return {};
      },

      VerifySMSSandboxPhoneNumber: async (input, context) => {
        const number = await this.sandboxNumber(context, input.PhoneNumber);
        if (!number) throw snsError('ResourceNotFound', 'Phone number does not exist in the sandbox', 404);
        if (number.status === 'Verified') return {};
        if (number.one_time_password !== input.OneTimePassword)
          throw new ServiceError('VerificationException', 'Invalid one-time password', {
            fields: { Status: 'Pending' },
          });
        await this.store.write((tx) =>
          tx.run(
            `UPDATE sns_sms_sandbox SET status = 'Verified', one_time_password = NULL
             WHERE account = ? AND region = ? AND phone_number = ?`,
            [context.accountId, context.region, input.PhoneNumber],
          ),
        );
        return {};
      },

      DeleteSMSSandboxPhoneNumber: async (input, context) => {
        const deleted = await this.store.write((tx) =>
          tx.run('DELETE FROM sns_sms_sandbox WHERE account = ? AND region = ? AND phone_number = ?', [
            context.accountId,
            context.region,
            input.PhoneNumber,
          ]),
        );
        if (deleted.changes === 0)
          throw snsError('ResourceNotFound', 'Phone number does not exist in the sandbox', 404);
        return {};
      },

      ListSMSSandboxPhoneNumbers: async (input, context) => {
        const rows = await this.store.read((tx) =>
          tx.all<SandboxRow>(
            'SELECT phone_number, status FROM sns_sms_sandbox WHERE account = ? AND region = ? ORDER BY phone_number',
            [context.accountId, context.region],
          ),
        );
        const { items, NextToken } = page(rows, input.NextToken, input.MaxResults ?? 100);
        return {
          PhoneNumbers: items.map((row) => ({ PhoneNumber: row.phone_number, Status: row.status })),
          NextToken,
        };
      },
    };
  }
}
