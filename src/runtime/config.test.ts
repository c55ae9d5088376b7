import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

test('flags win over the environment, which wins over defaults', () => {
  const defaults = loadConfig({}, {});
  assert.equal(defaults.host, '127.0.0.1');
  assert.equal(defaults.port, 4566);
  assert.match(defaults.dataDir, /\.eddy$/);
  assert.equal(defaults.inMemory, false);
  assert.deepEqual(defaults.accessKeys, []);

  const fromEnv = loadConfig({}, { EDDY_PORT: '5000', EDDY_LOG_LEVEL: 'debug', EDDY_IN_MEMORY: '1' });
  assert.deepEqual([fromEnv.port, fromEnv.logLevel, fromEnv.inMemory], [5000, 'debug', true]);

  const fromFlags = loadConfig({ port: 6000 }, { EDDY_PORT: '5000' });
  assert.equal(fromFlags.port, 6000);
});

test('the SQLite driver is auto unless EDDY_SQLITE_DRIVER or --sqlite-driver names one', () => {
  assert.equal(loadConfig({}, {}).sqliteDriver, 'auto');
  assert.equal(loadConfig({}, { EDDY_SQLITE_DRIVER: 'node' }).sqliteDriver, 'node');
  assert.equal(
    loadConfig({ sqliteDriver: 'better-sqlite3' }, { EDDY_SQLITE_DRIVER: 'node' }).sqliteDriver,
    'better-sqlite3',
  );
  assert.throws(
    () => loadConfig({}, { EDDY_SQLITE_DRIVER: 'sqlite3' }),
    /SQLite driver \(EDDY_SQLITE_DRIVER, --sqlite-driver\) must be one of/,
  );
});

test('access keys name their account, defaulting to 000000000000', () => {
  const config = loadConfig({}, { EDDY_ACCESS_KEYS: 'AK1:secret1, AK2:secret2:123456789012' });
  assert.deepEqual(config.accessKeys, [
    { accessKeyId: 'AK1', secretAccessKey: 'secret1', accountId: '000000000000' },
    { accessKeyId: 'AK2', secretAccessKey: 'secret2', accountId: '123456789012' },
  ]);
});

test('bad values are refused with messages that say what is wrong', () => {
  assert.throws(() => loadConfig({ port: '99999' }, {}), /port must be an integer from 0 to 65535/);
  assert.throws(() => loadConfig({ logLevel: 'loud' }, {}), /log level must be one of/);
  assert.throws(() => loadConfig({ accessKeys: 'only-an-id' }, {}), /AKID:SECRET/);
  assert.throws(() => loadConfig({ accessKeys: 'a:b:notanaccount' }, {}), ConfigError);
  assert.throws(() => loadConfig({ host: '0.0.0.0' }, {}), /configure access keys first/);
  assert.equal(loadConfig({ host: '0.0.0.0', accessKeys: 'a:b' }, {}).host, '0.0.0.0');
});

test('the store is the embedded SQLite file unless a postgres:// URL is given', () => {
  assert.equal(loadConfig({}, {}).store, undefined);
  assert.equal(loadConfig({}, { EDDY_STORE: 'sqlite' }).store, undefined);
  const url = 'postgres://eddy@db.internal:5432/eddy';
  assert.equal(loadConfig({}, { EDDY_STORE: url }).store, url);
  assert.equal(loadConfig({ store: 'postgresql://a@b/c' }, { EDDY_STORE: url }).store, 'postgresql://a@b/c');
  assert.throws(() => loadConfig({ store: 'mysql://x' }, {}), /postgres:\/\/ URL/);
  assert.throws(
    () => loadConfig({ store: 'postgres://u:secret@[bad/d' }, {}),
    (error: Error) => !error.message.includes('secret'),
  );
});

test('a public URL is an origin without a path', () => {
  assert.equal(
    loadConfig({}, { EDDY_PUBLIC_URL: 'https://eddy.example.com/' }).publicUrl,
    'https://eddy.example.com',
  );
  assert.throws(() => loadConfig({ publicUrl: 'eddy.example.com' }, {}), /public URL/);
});

test('logs are pretty with a line per request in a terminal, JSON without request lines otherwise; either can be chosen', () => {
  const terminal = loadConfig({ terminal: true }, {});
  assert.equal(terminal.logFormat, 'pretty');
  assert.equal(terminal.requestLog, true);
  const piped = loadConfig({}, {});
  assert.equal(piped.logFormat, 'json');
  assert.equal(piped.requestLog, false);
  const chosen = loadConfig({ terminal: true }, { EDDY_LOG_FORMAT: 'json', EDDY_REQUEST_LOG: 'off' });
  assert.equal(chosen.logFormat, 'json');
  assert.equal(chosen.requestLog, false);
  assert.throws(
    () => loadConfig({ logFormat: 'xml' }, {}),
    /log format \(EDDY_LOG_FORMAT, --log-format\) must be one of pretty, json, got 'xml'/,
  );
});
