'use strict';
// Adapts API Gateway's REST proxy events (payload 1.0) to the app and back, as
// serverless-http does for Express.
const app = require('./app');

function lowerHeaders(headers) {
  return Object.fromEntries(Object.entries(headers || {}).map(([k, v]) => [k.toLowerCase(), v]));
}

module.exports.handler = async (event, context) => {
  const req = {
    method: event.httpMethod,
    path: event.path,
    resource: event.resource,
    requestPath: event.requestContext.path,
    stage: event.requestContext.stage,
    headers: lowerHeaders(event.headers),
    query: event.queryStringParameters || {},
    multiQuery: event.multiValueQueryStringParameters || {},
    rawBody: event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString() : event.body,
    requestId: context.awsRequestId,
  };
  const res = await app.handle(req);
  const multiValueHeaders = {};
  if (res.cookies.length) multiValueHeaders['Set-Cookie'] = res.cookies;
  return { statusCode: res.statusCode, headers: res.headers, multiValueHeaders, body: res.body };
};
