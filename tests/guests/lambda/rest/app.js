// A Node.js catch-all behind `ANY /{proxy+}`, as Express-style apps are routed.
exports.handler = async (event) => {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      method: event.httpMethod,
      resource: event.resource,
      path: event.path,
      proxy: event.pathParameters.proxy,
      query: event.multiValueQueryStringParameters,
      stage: event.requestContext.stage,
      body: event.body,
    }),
  };
};
