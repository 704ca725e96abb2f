// Squall's runtime interface loop for Node.js handlers (`file.export`).
//
// Speaks the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, one invocation at a time.
// Handlers may be async, return a promise, or take a callback. Module state survives
// between invocations of a warm process. `awslambda.streamifyResponse` handlers stream
// their response through the API's streaming mode, as on Lambda.
"use strict";
const fs = require("fs");
const http = require("http");
const path = require("path");
const { Writable } = require("stream");

const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
const HTTP_INTEGRATION = "application/vnd.awslambda.http-integration-response";

// The global Lambda's Node.js runtimes give handlers.
globalThis.awslambda = {
  streamifyResponse(handler) {
    const wrapped = handler;
    wrapped[STREAMING] = "response";
    return wrapped;
  },
  HttpResponseStream: {
    // An HTTP response (status, headers, cookies) ahead of the body: the metadata as JSON,
    // then eight zero bytes, as Lambda's function URLs read it.
    from(stream, metadata) {
      stream.setContentType(HTTP_INTEGRATION);
      stream.write(JSON.stringify(metadata || {}));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

// The invocation running now, for log records.
let currentRequestId = undefined;

// With AWS_LAMBDA_LOG_FORMAT=JSON, console methods write one JSON record per call (as
// Lambda's Node.js runtimes do) and those below AWS_LAMBDA_LOG_LEVEL write nothing.
function installJsonConsole() {
  if ((process.env.AWS_LAMBDA_LOG_FORMAT || "").toUpperCase() !== "JSON") return;
  const util = require("util");
  const order = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
  const min = Math.max(0, order.indexOf((process.env.AWS_LAMBDA_LOG_LEVEL || "INFO").toUpperCase()));
  const write = (level) => (...args) => {
    if (order.indexOf(level) < min) return;
    const record = { timestamp: new Date().toISOString(), level, requestId: currentRequestId };
    const only = args.length === 1 ? args[0] : undefined;
    if (only instanceof Error) {
      Object.assign(record, { message: only.message, errorType: only.name, errorMessage: only.message, stackTrace: (only.stack || "").split("\n") });
    } else if (only !== null && typeof only === "object") {
      record.message = only;
    } else {
      record.message = util.format(...args);
    }
    let line;
    try {
      line = JSON.stringify(record);
    } catch (_) {
      record.message = util.inspect(record.message);
      line = JSON.stringify(record);
    }
    process.stdout.write(line + "\n");
  };
  console.trace = write("TRACE");
  console.debug = write("DEBUG");
  console.log = write("INFO");
  console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.fatal = write("FATAL");
}
installJsonConsole();

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const PREFIX = "/2018-06-01/runtime";

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: PREFIX + p, agent, headers: headers || {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// The response stream a streaming handler writes: its bytes go out as they are written,
// in one chunked POST begun at the first write (after which the content type is fixed).
function responseStream(id) {
  let req = null;
  let done = null;
  let contentType = "application/octet-stream";
  const open = () => {
    if (req) return;
    req = http.request({
      host, port, method: "POST", path: `${PREFIX}/invocation/${id}/response`, agent,
      headers: {
        "Lambda-Runtime-Function-Response-Mode": "streaming",
        "Transfer-Encoding": "chunked",
        "Content-Type": contentType,
        Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
      },
    });
    done = new Promise((resolve, reject) => {
      req.on("response", (res) => { res.resume(); res.on("end", resolve); });
      req.on("error", reject);
    });
  };
  const stream = new Writable({
    // Straight into the request (which keeps the order), so what was written before an
    // error is sent before the error's trailers.
    write(chunk, encoding, cb) {
      open();
      req.write(chunk);
      cb();
    },
    final(cb) {
      open();
      req.end(cb);
    },
  });
  stream.setContentType = (t) => { contentType = t; };
  stream.started = () => req !== null;
  // Ends the response with the error in its trailers (the handler failed mid-stream).
  stream.fail = (err) => {
    open();
    req.addTrailers({
      "Lambda-Runtime-Function-Error-Type": (err && err.name) || "Error",
      "Lambda-Runtime-Function-Error-Body": Buffer.from(errorBody(err)).toString("base64"),
    });
    req.end();
  };
  stream.finished = () => done || Promise.resolve();
  return stream;
}

function errorBody(err) {
  const e = err instanceof Error ? err : new Error(String(err));
  return JSON.stringify({
    errorType: e.name || "Error",
    errorMessage: e.message,
    stackTrace: (e.stack || "").split("\n").slice(1).map((s) => s.trim()),
  });
}

async function load(handler) {
  const dot = handler.lastIndexOf(".");
  if (dot < 1) throw new Error(`Bad handler '${handler}': expected file.export`);
  const file = path.resolve(process.env.LAMBDA_TASK_ROOT || ".", handler.slice(0, dot));
  const name = handler.slice(dot + 1);
  const ext = [".js", ".cjs", ".mjs"].find((e) => fs.existsSync(file + e));
  if (!ext) throw Object.assign(new Error(`Cannot find module '${file}'`), { name: "Runtime.ImportModuleError" });
  let mod;
  try {
    try {
      mod = ext === ".mjs" ? await import(file + ext) : require(file + ext);
    } catch (e) {
      // A `.js` file of an ES module package.
      if (e.code !== "ERR_REQUIRE_ESM") throw e;
      mod = await import(file + ext);
    }
  } catch (e) {
    // What the handler's file could not find (a package it requires), named as Lambda names it.
    if (e.code === "MODULE_NOT_FOUND" || e.code === "ERR_MODULE_NOT_FOUND") {
      throw Object.assign(new Error(`Error: ${e.message.split("\n")[0]}`), { name: "Runtime.ImportModuleError" });
    }
    throw e;
  }
  const fn = mod[name] || (mod.default && mod.default[name]);
  if (typeof fn !== "function") throw Object.assign(new Error(`${handler} is undefined or not exported`), { name: "Runtime.HandlerNotFound" });
  return fn;
}

async function main() {
  let fn;
  try {
    fn = await load(process.argv[2]);
  } catch (e) {
    await call("POST", "/init/error", errorBody(e), { "Lambda-Runtime-Function-Error-Type": e.name || "Runtime.InitError" });
    process.exit(1);
  }
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    const deadline = Number(next.headers["lambda-runtime-deadline-ms"] || 0);
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    const context = {
      awsRequestId: id,
      invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      callbackWaitsForEmptyEventLoop: true,
    };
    if (fn[STREAMING] === "response") {
      const stream = responseStream(id);
      try {
        const event = next.body.length ? JSON.parse(next.body.toString()) : null;
        await fn(event, stream, context);
        if (!stream.writableEnded) await new Promise((resolve) => stream.end(resolve));
        await stream.finished();
      } catch (e) {
        if (stream.started()) {
          stream.fail(e);
          await stream.finished().catch(() => {});
        } else {
          await call("POST", `/invocation/${id}/error`, errorBody(e), { "Lambda-Runtime-Function-Error-Type": "Unhandled" });
        }
      }
      continue;
    }
    try {
      const event = next.body.length ? JSON.parse(next.body.toString()) : null;
      const result = await new Promise((resolve, reject) => {
        const r = fn(event, context, (err, value) => (err ? reject(err) : resolve(value)));
        if (r && typeof r.then === "function") r.then(resolve, reject);
        else if (fn.length < 3) resolve(r);
      });
      await call("POST", `/invocation/${id}/response`, JSON.stringify(result === undefined ? null : result));
    } catch (e) {
      await call("POST", `/invocation/${id}/error`, errorBody(e), { "Lambda-Runtime-Function-Error-Type": "Unhandled" });
    }
  }
}

main();
