'use strict';
const { priceOf } = require('../lib/prices');
const { packaged } = require('../lib/files');
const { version } = require('../../package.json');

exports.handler = async (event) => {
  if (event.routeKey === 'GET /package') {
    return { version, label: process.env.BUILD_LABEL, files: packaged() };
  }
  const withVat = (event.queryStringParameters || {}).vat !== 'false';
  const price = priceOf(event.pathParameters.sku, { withVat });
  if (!price) {
    return { statusCode: 404, body: JSON.stringify({ message: `unknown sku ${event.pathParameters.sku}` }) };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(price) };
};
