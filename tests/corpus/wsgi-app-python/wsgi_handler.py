"""Runs the WSGI application named by WSGI_APP (`module.attribute`) for API Gateway's
REST proxy events, the way serverless-wsgi's handler does."""
import base64
import importlib
import io
import os
import sys
from urllib.parse import urlencode

_module, _attr = os.environ["WSGI_APP"].rsplit(".", 1)
application = getattr(importlib.import_module(_module), _attr)


def environ_for(event, context):
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    body = event.get("body") or ""
    body = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()
    query = event.get("multiValueQueryStringParameters") or {}
    environ = {
        "REQUEST_METHOD": event["httpMethod"],
        "SCRIPT_NAME": "",
        "PATH_INFO": event["path"],
        "QUERY_STRING": urlencode([(k, v) for k, vs in query.items() for v in vs]),
        "SERVER_NAME": headers.get("host", "lambda").split(":")[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": event["requestContext"]["identity"]["sourceIp"],
        "CONTENT_TYPE": headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": headers.get("x-forwarded-proto", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "serverless.event": event,
        "serverless.context": context,
    }
    for k, v in headers.items():
        if k not in ("content-type", "content-length"):
            environ["HTTP_" + k.upper().replace("-", "_")] = v
    return environ


def handler(event, context):
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = response_headers

    chunks = application(environ_for(event, context), start_response)
    try:
        body = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    multi = {}
    for k, v in captured["headers"]:
        multi.setdefault(k, []).append(v)
    content_type = next((v[0] for k, v in multi.items() if k.lower() == "content-type"), "")
    textual = content_type.startswith(("text/", "application/json", "application/xml"))
    out = {"statusCode": captured["status"], "multiValueHeaders": multi}
    if textual:
        out["body"] = body.decode("utf-8")
        out["isBase64Encoded"] = False
    else:
        out["body"] = base64.b64encode(body).decode()
        out["isBase64Encoded"] = True
    return out
