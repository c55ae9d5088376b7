import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distribute, isFargateSize, parseCpu, parseMemory } from './fargate.ts';

test('task sizes are read as ECS reads them and checked against Fargate’s table', () => {
  assert.equal(parseCpu('1 vCPU'), 1024);
  assert.equal(parseCpu('0.25 vcpu'), 256);
  assert.equal(parseCpu('512'), 512);
  assert.equal(parseCpu('lots'), undefined);
  assert.equal(parseMemory('2 GB'), 2048);
  assert.equal(parseMemory('0.5gb'), 512);
  assert.equal(parseMemory('1024'), 1024);
  assert.ok(isFargateSize(256, 512));
  assert.ok(!isFargateSize(256, 4096));
  assert.ok(isFargateSize(4096, 30 * 1024));
  assert.ok(isFargateSize(8192, 20 * 1024));
  assert.ok(!isFargateSize(8192, 17 * 1024), '8 vCPU memory goes in 4 GB steps');
  assert.ok(isFargateSize(16384, 120 * 1024));
});

test('capacity provider strategies place the base first, then split the rest by weight', () => {
  const count = (placed: string[], name: string) => placed.filter((item) => item === name).length;
  const mixed = distribute(
    [
      { capacityProvider: 'FARGATE', base: 2, weight: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
    ],
    10,
  );
  assert.deepEqual(mixed.slice(0, 2), ['FARGATE', 'FARGATE']);
  assert.equal(count(mixed, 'FARGATE'), 4);
  assert.equal(count(mixed, 'FARGATE_SPOT'), 6);
  assert.deepEqual(distribute([{ capacityProvider: 'FARGATE', base: 5, weight: 1 }], 3), [
    'FARGATE',
    'FARGATE',
    'FARGATE',
  ]);
  const spotOnly = distribute(
    [
      { capacityProvider: 'FARGATE', weight: 0, base: 1 },
      { capacityProvider: 'FARGATE_SPOT', weight: 1 },
    ],
    4,
  );
  assert.deepEqual(spotOnly, ['FARGATE', 'FARGATE_SPOT', 'FARGATE_SPOT', 'FARGATE_SPOT']);
});
