'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { run } = require('./nightly');

test('reprices the catalogue', async () => {
  process.env.LAMBDA_TASK_ROOT = __dirname;
  const out = await run({});
  assert.equal(out.repriced.length, 3);
});
