'use strict';

const { randomUUID } = require('node:crypto');
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
const {
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  DeleteCommand,
} = require('@aws-sdk/lib-dynamodb');

const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const TableName = process.env.TODOS_TABLE;

const json = (statusCode, body) => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

module.exports.create = async (event) => {
  let input;
  try {
    input = JSON.parse(event.body || '{}');
  } catch {
    return json(400, { message: 'invalid JSON' });
  }
  if (typeof input.title !== 'string' || input.title.trim() === '') {
    return json(400, { message: 'title is required' });
  }
  const todo = {
    listId: event.pathParameters.listId,
    todoId: randomUUID(),
    title: input.title.trim(),
    done: false,
    createdAt: new Date().toISOString(),
  };
  await db.send(new PutCommand({ TableName, Item: todo }));
  return json(201, todo);
};

module.exports.list = async (event) => {
  const out = await db.send(new QueryCommand({
    TableName,
    KeyConditionExpression: 'listId = :l',
    ExpressionAttributeValues: { ':l': event.pathParameters.listId },
  }));
  return json(200, { count: out.Count, todos: out.Items });
};

module.exports.remove = async (event) => {
  const { listId, todoId } = event.pathParameters;
  const out = await db.send(new DeleteCommand({ TableName, Key: { listId, todoId }, ReturnValues: 'ALL_OLD' }));
  if (!out.Attributes) return json(404, { message: 'not found' });
  return { statusCode: 204 };
};
