'use strict';

const KEYS = ['APP_URL', 'SUPPORT_EMAIL', 'MAINTENANCE', 'RATE_LIMIT', 'ACCOUNT', 'REGION', 'PARTITION', 'TIER'];

module.exports.settings = async () => {
  if (process.env.MAINTENANCE === 'true') {
    return {
      statusCode: 503,
      headers: { 'retry-after': '120', 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'down for maintenance', settings: Object.fromEntries(KEYS.map((k) => [k, process.env[k]])) }),
    };
  }
  return Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
};
