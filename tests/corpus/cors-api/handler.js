'use strict';

const allowed = process.env.ALLOWED_ORIGINS.split(',');

// API Gateway answers the preflight; the actual response needs the headers too.
function corsHeaders(event, credentials) {
  const origin = (event.headers || {}).Origin || (event.headers || {}).origin;
  if (!credentials) return { 'Access-Control-Allow-Origin': '*' };
  if (!allowed.includes(origin)) return {};
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
}

exports.catalogue = async (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', ...corsHeaders(event, false) },
  body: JSON.stringify([{ sku: 'tea', price: 4.5 }, { sku: 'mug', price: 12 }]),
});

exports.basket = async (event) => {
  const basketId = event.headers['X-Basket-Id'] || event.headers['x-basket-id'];
  if (!basketId) {
    return { statusCode: 400, headers: corsHeaders(event, true), body: JSON.stringify({ message: 'X-Basket-Id required' }) };
  }
  if (event.httpMethod === 'DELETE') return { statusCode: 204, headers: corsHeaders(event, true), body: '' };
  const item = JSON.parse(event.body || '{}');
  return {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', ...corsHeaders(event, true) },
    body: JSON.stringify({ basketId, added: item.sku }),
  };
};

exports.report = async (event) => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/csv', 'Access-Control-Allow-Origin': '*' },
  body: `report,${event.pathParameters.name}\n`,
});
