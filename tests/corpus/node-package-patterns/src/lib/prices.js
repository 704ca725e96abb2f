'use strict';

const CATALOGUE = { 'tea-100g': 450, 'coffee-250g': 899, 'mug': 1200 };
const VAT = 0.2;

function priceOf(sku, { currency = 'GBP', withVat = true } = {}) {
  const pence = CATALOGUE[sku];
  if (pence === undefined) return null;
  const gross = withVat ? Math.round(pence * (1 + VAT)) : pence;
  return { sku, currency, amount: (gross / 100).toFixed(2), vatIncluded: withVat };
}

module.exports = { priceOf, CATALOGUE };
