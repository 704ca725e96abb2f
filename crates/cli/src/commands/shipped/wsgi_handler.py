"""Squall's WSGI adapter: what serverless-wsgi's `wsgi_handler.handler` does for Flask,
Django or any WSGI app behind API Gateway, written for Squall.

The app is `module.attribute` from `.serverless-wsgi` (`{"app": "app.app"}`). API
Gateway's REST (payload 1.0) and HTTP API (payload 2.0) events become a PEP 3333 environ;
the app's answer becomes the proxy response of the same payload version.
"""
import base64
import importlib
import io
import json
import os
import sys
from urllib.parse import urlencode

TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml", "+json", "+xml")


def _load_app():
    root = os.environ.get("LAMBDA_TASK_ROOT", os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, ".serverless-wsgi")) as f:
        spec = json.load(f)["app"]
    module_name, _, attribute = spec.rpartition(".")
    if root not in sys.path:
        sys.path.insert(0, root)
    return getattr(importlib.import_module(module_name), attribute)


APP = _load_app()


def _environ(event, context):
    v2 = event.get("version") == "2.0"
    body = event.get("body") or ""
    body = base64.b64decode(body) if event.get("isBase64Encoded") else body.encode("utf-8")
    if v2:
        method = event["requestContext"]["http"]["method"]
        path = event.get("rawPath") or "/"
        query = event.get("rawQueryString") or ""
        headers = dict(event.get("headers") or {})
        if event.get("cookies"):
            headers["cookie"] = "; ".join(event["cookies"])
        source_ip = event["requestContext"]["http"].get("sourceIp", "")
    else:
        method = event["httpMethod"]
        path = event.get("path") or "/"
        multi = event.get("multiValueQueryStringParameters") or {}
        query = urlencode([(k, v) for k, vs in multi.items() for v in vs])
        headers = {k: ",".join(vs) for k, vs in (event.get("multiValueHeaders") or {}).items()}
        headers.update({k: v for k, v in (event.get("headers") or {}).items() if k not in headers})
        source_ip = (event.get("requestContext") or {}).get("identity", {}).get("sourceIp", "")
    headers = {k.lower(): v for k, v in headers.items()}
    host = headers.get("host", "localhost")
    environ = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": headers.get("x-forwarded-port", "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": source_ip,
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
    for name, value in headers.items():
        if name == "content-type":
            environ["CONTENT_TYPE"] = value
        elif name != "content-length":
            environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ, v2


def handler(event, context):
    environ, v2 = _environ(event, context)
    status_headers = {}

    def start_response(status, headers, exc_info=None):
        status_headers["status"] = int(status.split(" ", 1)[0])
        status_headers["headers"] = headers

    result = APP(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = status_headers.get("headers", [])
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    text = not body or any(t in content_type for t in TEXT_TYPES)
    response = {
        "statusCode": status_headers.get("status", 500),
        "body": body.decode("utf-8") if text else base64.b64encode(body).decode("ascii"),
        "isBase64Encoded": not text,
    }
    if v2:
        response["headers"] = {}
        for k, v in headers:
            if k.lower() == "set-cookie":
                response.setdefault("cookies", []).append(v)
            else:
                response["headers"][k] = v
    else:
        multi = {}
        for k, v in headers:
            multi.setdefault(k, []).append(v)
        response["multiValueHeaders"] = multi
    return response
