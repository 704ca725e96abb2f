'use strict';

const SIZES = new Set([64, 128, 256, 512]);

function validate(job) {
  if (typeof job.key !== 'string' || !job.key.match(/\.(png|jpe?g)$/)) throw new Error(`not an image: ${job.key}`);
  if (!SIZES.has(job.width)) throw new Error(`unsupported width ${job.width}`);
}

exports.handler = async (event, context) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    try {
      const job = JSON.parse(record.body);
      validate(job);
      // The real work would happen here; the log line is the test's witness.
      console.log(JSON.stringify({
        done: job.key, width: job.width, receive: Number(record.attributes.ApproximateReceiveCount),
        queue: record.eventSourceARN.split(':').pop(), fn: context.functionName,
      }));
    } catch (err) {
      console.error(`job ${record.messageId} failed: ${err.message}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
};
