'use strict';

exports.welcome = async (event) => {
  const messages = event.Records.map((record) => {
    const user = JSON.parse(record.Sns.Message);
    if (!/^[^@\s]+@[^@\s]+$/.test(user.email || '')) {
      throw new Error(`cannot welcome ${user.name}: no valid email`);
    }
    return {
      to: user.email,
      subject: `Welcome, ${user.name}!`,
      topic: record.Sns.TopicArn.split(':').pop(),
    };
  });
  return { sent: messages };
};
