"""Squall's runtime interface loop for Python handlers (`module.function`).

Speaks the Lambda Runtime API at $AWS_LAMBDA_RUNTIME_API, one invocation at a time, like
AWS's awslambdaric. Module-level state survives between invocations of a warm process.
"""
import decimal
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
PREFIX = "/2018-06-01/runtime"
REQUEST_ID = ""


def _decimal(obj):
    # boto3 hands DynamoDB numbers back as Decimal; Lambda writes them as JSON numbers.
    if isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return float("nan")
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


class _RequestId(logging.Filter):
    def filter(self, record):
        record.aws_request_id = REQUEST_ID
        return True


class _JsonFormatter(logging.Formatter):
    """Lambda's JSON log record (LogFormat JSON): timestamp, level, message, logger,
    requestId, and the exception's type, message and stack when there is one."""

    LEVELS = {"WARNING": "WARN", "CRITICAL": "FATAL"}

    def format(self, record):
        doc = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": self.LEVELS.get(record.levelname, record.levelname),
            "message": record.getMessage(),
            "logger": record.name,
            "requestId": getattr(record, "aws_request_id", REQUEST_ID),
        }
        if record.exc_info and record.exc_info[0]:
            kind, value, tb = record.exc_info
            doc["errorType"] = kind.__name__
            doc["errorMessage"] = str(value)
            doc["stackTrace"] = traceback.format_tb(tb)
        return json.dumps(doc, default=str)


# Lambda's application levels as Python's logging names them (TRACE is finer than DEBUG).
_PY_LEVELS = {"TRACE": 5, "DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARN": logging.WARNING,
              "ERROR": logging.ERROR, "FATAL": logging.CRITICAL}


def _install_log_handler():
    """The root logger's handler Lambda's runtime installs. As text:
    `[LEVEL]\t<time>\t<request id>\t<msg>` on stdout, the level staying the root logger's
    (WARNING unless the handler raises it). With AWS_LAMBDA_LOG_FORMAT=JSON: one JSON record
    per line, the root level set from AWS_LAMBDA_LOG_LEVEL."""
    handler = logging.StreamHandler(sys.stdout)
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        handler.setFormatter(_JsonFormatter())
        logging.addLevelName(5, "TRACE")
        level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "INFO").upper()
        logging.getLogger().setLevel(_PY_LEVELS.get(level, logging.INFO))
    else:
        formatter = logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s", "%Y-%m-%dT%H:%M:%S")
        formatter.converter = time.gmtime
        handler.setFormatter(formatter)
    handler.addFilter(_RequestId())
    logging.getLogger().addHandler(handler)


class Context:
    def __init__(self, headers):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_body(exc):
    return json.dumps({
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }).encode()


def call(conn, method, path, body=None, headers=None):
    conn.request(method, PREFIX + path, body=body, headers=headers or {})
    resp = conn.getresponse()
    return resp, resp.read()


def main():
    global REQUEST_ID
    conn = http.client.HTTPConnection(API)
    handler = sys.argv[1]
    try:
        module_name, _, function_name = handler.rpartition(".")
        if not module_name:
            raise ValueError(f"Bad handler '{handler}': expected module.function")
        module = importlib.import_module(module_name.replace("/", "."))
        function = getattr(module, function_name)
    except Exception as exc:  # noqa: BLE001 - every init failure is reported
        kind = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else "Runtime.HandlerNotFound"
        call(conn, "POST", "/init/error", error_body(exc), {"Lambda-Runtime-Function-Error-Type": kind})
        sys.exit(1)
    while True:
        resp, body = call(conn, "GET", "/invocation/next")
        # Header names are case-insensitive; keep them lower-case.
        headers = {k.lower(): v for k, v in resp.getheaders()}
        request_id = headers["lambda-runtime-aws-request-id"]
        REQUEST_ID = request_id
        if "lambda-runtime-trace-id" in headers:
            os.environ["_X_AMZN_TRACE_ID"] = headers["lambda-runtime-trace-id"]
        try:
            event = json.loads(body) if body else None
            result = function(event, Context(headers))
            out = json.dumps(result, default=_decimal).encode()
        except Exception as exc:  # noqa: BLE001 - the handler's errors go back to the caller
            call(conn, "POST", f"/invocation/{request_id}/error", error_body(exc),
                 {"Lambda-Runtime-Function-Error-Type": "Unhandled"})
            continue
        call(conn, "POST", f"/invocation/{request_id}/response", out)


if __name__ == "__main__":
    sys.path.insert(0, os.environ.get("LAMBDA_TASK_ROOT", "."))
    _install_log_handler()
    main()
