// SMS through @aws-sdk/client-sns: the account's SMS settings are kept and shown; the sandbox keeps
// destination numbers and verifies them with the one-time password eddy logs instead of texting;
// no number is opted out and the account owns no origination numbers, since eddy sends no SMS.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  CheckIfPhoneNumberIsOptedOutCommand,
  CreateSMSSandboxPhoneNumberCommand,
  DeleteSMSSandboxPhoneNumberCommand,
  GetSMSAttributesCommand,
  GetSMSSandboxAccountStatusCommand,
  ListOriginationNumbersCommand,
  ListPhoneNumbersOptedOutCommand,
  ListSMSSandboxPhoneNumbersCommand,
  OptInPhoneNumberCommand,
  ResourceNotFoundException,
  SetSMSAttributesCommand,
  SNSClient,
  VerificationException,
  VerifySMSSandboxPhoneNumberCommand,
} from '@aws-sdk/client-sns';
import { startTestEddy, type TestEddy } from './harness.ts';

let eddy: TestEddy;
let sns: SNSClient;

before(async () => {
  eddy = await startTestEddy();
  sns = eddy.client(SNSClient);
});
after(() => eddy.stop());

async function rejectsWith(promise: Promise<unknown>, name: string, message: string) {
  await assert.rejects(promise, (error: Error) => {
    assert.equal(error.name, name);
    assert.equal(error.message, message);
    return true;
  });
}

describe('SMS attributes', () => {
  test('start with the default spend limit, are kept, merged and filtered by name', async () => {
    const other = eddy.client(SNSClient, { region: 'eu-west-1' });
    assert.deepEqual((await other.send(new GetSMSAttributesCommand({}))).attributes, {
      MonthlySpendLimit: '1',
    });
    await sns.send(
      new SetSMSAttributesCommand({
        attributes: {
          DeliveryStatusSuccessSamplingRate: '100',
          DefaultSenderID: 'eddyTest',
          DefaultSMSType: 'Promotional',
        },
      }),
    );
    await sns.send(new SetSMSAttributesCommand({ attributes: { DefaultSMSType: 'Transactional' } }));
    assert.deepEqual((await sns.send(new GetSMSAttributesCommand({}))).attributes, {
      MonthlySpendLimit: '1',
      DeliveryStatusSuccessSamplingRate: '100',
      DefaultSenderID: 'eddyTest',
      DefaultSMSType: 'Transactional',
    });
    assert.deepEqual(
      (await sns.send(new GetSMSAttributesCommand({ attributes: ['DefaultSenderID', 'DefaultSMSType'] })))
        .attributes,
      { DefaultSenderID: 'eddyTest', DefaultSMSType: 'Transactional' },
    );
    assert.deepEqual((await other.send(new GetSMSAttributesCommand({}))).attributes, {
      MonthlySpendLimit: '1',
    });
    other.destroy();
  });

  test('refuse unknown names and bad values in SNS words', async () => {
    const set = (attributes: Record<string, string>) => sns.send(new SetSMSAttributesCommand({ attributes }));
    await rejectsWith(
      set({ InvalidAttribute: 'x' }),
      'InvalidParameterException',
      'InvalidAttribute is not a valid attribute',
    );
    await rejectsWith(
      set({ DefaultSMSType: 'invalid' }),
      'InvalidParameterException',
      'DefaultSMSType is invalid',
    );
    await rejectsWith(
      set({ DefaultSenderID: '123456789' }),
      'InvalidParameterException',
      'DefaultSenderID is invalid',
    );
  });
});

describe('opt-outs and origination numbers', () => {
  test('no number is opted out and none is owned; badly formed numbers are refused', async () => {
    assert.equal(
      (await sns.send(new CheckIfPhoneNumberIsOptedOutCommand({ phoneNumber: '+15555550100' }))).isOptedOut,
      false,
    );
    assert.deepEqual((await sns.send(new ListPhoneNumbersOptedOutCommand({}))).phoneNumbers, []);
    await sns.send(new OptInPhoneNumberCommand({ phoneNumber: '+15555550100' }));
    await rejectsWith(
      sns.send(new OptInPhoneNumberCommand({ phoneNumber: 'invalid' })),
      'InvalidParameterException',
      'Invalid parameter: PhoneNumber Reason: input incorrectly formatted',
    );
    assert.deepEqual((await sns.send(new ListOriginationNumbersCommand({}))).PhoneNumbers, []);
  });
});

describe('the SMS sandbox', () => {
  const otpOf = async (phoneNumber: string) =>
    (
      await eddy.runtime.store.read((tx) =>
        tx.get<{ one_time_password: string }>(
          'SELECT one_time_password FROM sns_sms_sandbox WHERE phone_number = ?',
          [phoneNumber],
        ),
      )
    )?.one_time_password;

  test('the account is in it; numbers are added pending, verified with their one-time password, deleted', async () => {
    assert.equal((await sns.send(new GetSMSSandboxAccountStatusCommand({}))).IsInSandbox, true);
    assert.deepEqual((await sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers, []);
    const PhoneNumber = '+15555550123';
    await sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber, LanguageCode: 'en-GB' }));
    assert.deepEqual((await sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers, [
      { PhoneNumber, Status: 'Pending' },
    ]);
    const password = await otpOf(PhoneNumber);
    assert.match(password ?? '', /^\d{6}$/);
    const wrong = password === '000000' ? '111111' : '000000';
    await assert.rejects(
      sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber, OneTimePassword: wrong })),
      VerificationException,
    );
    await sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber, OneTimePassword: password! }));
    assert.deepEqual((await sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers, [
      { PhoneNumber, Status: 'Verified' },
    ]);
    await sns.send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber }));
    assert.deepEqual((await sns.send(new ListSMSSandboxPhoneNumbersCommand({}))).PhoneNumbers, []);
    await assert.rejects(
      sns.send(new DeleteSMSSandboxPhoneNumberCommand({ PhoneNumber })),
      ResourceNotFoundException,
    );
    await assert.rejects(
      sns.send(new VerifySMSSandboxPhoneNumberCommand({ PhoneNumber, OneTimePassword: '123456' })),
      ResourceNotFoundException,
    );
  });

  test('holds at most 10 numbers, and the model refuses badly formed ones', async () => {
    for (let index = 0; index < 10; index++) {
      await sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: `+1555555020${index}` }));
    }
    await assert.rejects(
      sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: '+15555550299' })),
      (error: Error) => error.name === 'UserErrorException',
    );
    const { PhoneNumbers, NextToken } = await sns.send(
      new ListSMSSandboxPhoneNumbersCommand({ MaxResults: 4 }),
    );
    assert.equal(PhoneNumbers?.length, 4);
    assert.ok(NextToken);
    await assert.rejects(
      sns.send(new CreateSMSSandboxPhoneNumberCommand({ PhoneNumber: 'not-a-number' })),
      (error: Error) => /at 'phoneNumber' failed to satisfy constraint/.test(error.message),
    );
  });
});
