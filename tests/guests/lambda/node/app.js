// Test handlers for the process runtime (Node.js).
let calls = 0;

exports.http = async (event, context) => {
  calls += 1;
  console.log(`node http call ${calls}`);
  return { statusCode: 200, headers: { "content-type": "text/plain" }, body: `Hi ${event.pathParameters.name} from node, call ${calls}` };
};

exports.callback = (event, context, callback) => {
  callback(null, { got: event, fn: context.functionName });
};
