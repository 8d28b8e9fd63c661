import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeUrl, redactSecrets } from '../../db/redact.ts';

test('redactSecrets hides the password of a postgres URL', () => {
  const out = redactSecrets('failed: postgres://alice:s3cr%40t@db.example:5432/app');
  assert.not.match(out, 's3cr');
  assert.match(out, 'postgres://alice:***@db.example:5432/app');
});

test('redactSecrets hides key=value passwords', () => {
  assert.is(redactSecrets('host=x password=hunter2 user=y'), 'host=x password=*** user=y');
});

test('describeUrl drops the password and keeps host and database', () => {
  assert.is(describeUrl('postgresql://bob:pw@localhost:6543/bench?sslmode=disable'), 'postgresql://bob@localhost:6543/bench');
});

test.run();
