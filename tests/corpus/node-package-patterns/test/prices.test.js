'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { priceOf } = require('../src/lib/prices');

test('VAT is added by default', () => {
  assert.equal(priceOf('mug').amount, '14.40');
});
