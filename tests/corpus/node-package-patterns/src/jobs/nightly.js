'use strict';
const { CATALOGUE, priceOf } = require('../lib/prices');
const { packaged } = require('../lib/files');

exports.run = async (event) => ({
  repriced: Object.keys(CATALOGUE).map((sku) => priceOf(sku, { withVat: event.withVat !== false })),
  files: packaged(),
});
