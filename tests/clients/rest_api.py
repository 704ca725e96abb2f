"""A REST API (serverless.yml `http` events, tests/guests/lambda/rest) from a client's side:
the Lambda proxy event (payload 1.0) field by field as API Gateway's documentation gives it,
response mapping (multiValueHeaders, string status codes, base64 bodies for binary media
types), CORS preflights as the Serverless Framework configures them, API keys on private
routes, required request parameters, and API Gateway's error answers.

Usage: rest_api.py BASE_URL API_KEY STAGE, where BASE_URL is the stage's URL
(http://127.0.0.1:PORT/restsvc/dev). Exits non-zero with the failing check on the first
failure."""
import base64
import json
import sys
import urllib.error
import urllib.request

BASE, KEY, STAGE = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def call(method, path, body=None, headers=None):
    """(status, headers, body bytes)."""
    req = urllib.request.Request(BASE + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def event_of(body):
    return json.loads(body)["event"]


# The proxy event, field by field.
status, headers, body = call("GET", "/items/42?verbose=1&tag=a&tag=b", headers={"X-Custom": "yes"})
check(status == 200, f"GET /items/42 answers 200 ({status} {body[:200]})")
e = event_of(body)
check(e["resource"] == "/items/{id}", "resource is the path template")
check(e["path"] == "/items/42", "path is the resource path, without the stage")
check(e["httpMethod"] == "GET", "httpMethod")
check(e["pathParameters"] == {"id": "42"}, "pathParameters")
check(e["queryStringParameters"] == {"verbose": "1", "tag": "b"}, "queryStringParameters keep the last value")
check(e["multiValueQueryStringParameters"] == {"verbose": ["1"], "tag": ["a", "b"]},
      "multiValueQueryStringParameters keep every value")
check(e["headers"].get("X-Custom") == "yes" and "User-Agent" in e["headers"], "headers as clients capitalize them")
check(e["multiValueHeaders"]["X-Custom"] == ["yes"], "multiValueHeaders")
check(e["stageVariables"] is None, "stageVariables is null")
check(e["body"] is None and e["isBase64Encoded"] is False, "no body: null, not base64")
rc = e["requestContext"]
check(rc["stage"] == STAGE, "requestContext.stage")
check(rc["path"] == f"/{STAGE}/items/42", "requestContext.path includes the stage")
check(rc["resourcePath"] == "/items/{id}" and rc["httpMethod"] == "GET", "requestContext.resourcePath and httpMethod")
check(rc["identity"]["sourceIp"] == "127.0.0.1", "requestContext.identity.sourceIp")
check(rc["identity"]["apiKey"] is None, "no API key on a public route")
check(len(rc["requestId"]) > 0 and rc["requestTimeEpoch"] > 1_600_000_000_000, "requestId and requestTimeEpoch")
check(rc["accountId"] == "000000000000", "requestContext.accountId")
check("version" not in e and "routeKey" not in rc, "REST events have no version or routeKey")
check(json.loads(body)["function"] == f"restsvc-{STAGE}-getItem", "functions are named <service>-<stage>-<key>")
check(headers.get_all("X-Seen") == ["one", "two"], "multiValueHeaders in a response send every value")
check(headers["Content-Type"] == "application/json", "headers in a response")

status, headers, body = call("POST", "/items", json.dumps({"name": "lamp"}).encode(),
                             {"Content-Type": "application/json"})
check(status == 201 and headers["Location"] == "/items/7", "POST /items answers 201 with its Location")
check(json.loads(body) == {"name": "lamp", "id": "7"}, "the function read the JSON body")

# CORS: `cors: true`, then the object form with several origins.
status, headers, body = call("OPTIONS", "/items/42", headers={
    "Origin": "https://any.example", "Access-Control-Request-Method": "GET"})
check(status == 200, f"a preflight answers 200 ({status})")
check(headers["Access-Control-Allow-Origin"] == "*", "cors: true allows any origin")
check(headers["Access-Control-Allow-Methods"] == "OPTIONS,GET", "the resource's methods are listed")
check("X-Api-Key" in headers["Access-Control-Allow-Headers"].split(","), "the framework's default headers")
status, headers, _ = call("OPTIONS", "/items", headers={
    "Origin": "https://admin.example", "Access-Control-Request-Method": "POST"})
check(headers["Access-Control-Allow-Origin"] == "https://admin.example", "a listed origin is echoed")
check(headers["Access-Control-Allow-Credentials"] == "true" and headers["Access-Control-Max-Age"] == "600",
      "allowCredentials and maxAge")
check(headers["Access-Control-Allow-Headers"] == "Content-Type,X-Trace", "the configured headers")
check(headers["Access-Control-Allow-Methods"] == "OPTIONS,POST", "POST /items's methods")
_, headers, _ = call("OPTIONS", "/items", headers={"Origin": "https://evil.example",
                                                   "Access-Control-Request-Method": "POST"})
check(headers["Access-Control-Allow-Origin"] == "https://app.example", "an unlisted origin gets the first")

# Required request parameters.
status, headers, body = call("GET", "/search?page=2")
check(status == 400, f"missing required parameters: 400 ({status})")
check(headers["Access-Control-Allow-Origin"] == "*", "DEFAULT_4XX's gateway response adds its headers")
check(json.loads(body) == {"message": "Missing required request parameters: [q, X-Tenant]"},
      f"API Gateway's message ({body!r})")
status, _, body = call("GET", "/search?q=lamp", headers={"X-Tenant": "t1"})
check(status == 200 and event_of(body)["queryStringParameters"] == {"q": "lamp"}, "with them, the function runs")

# API keys on a private route; the service's gateway response for INVALID_API_KEY.
status, headers, body = call("GET", "/admin/stats")
check((status, json.loads(body)) == (401, {"error": "Forbidden", "kind": "INVALID_API_KEY"}),
      f"no API key: the INVALID_API_KEY gateway response ({status} {body!r})")
check(headers.get("Access-Control-Allow-Origin") is None, "a type's own response replaces DEFAULT_4XX")
status, _, _ = call("GET", "/admin/stats", headers={"x-api-key": "not-a-key-of-this-api-0000"})
check(status == 401, "a wrong API key: the same")
for key in [KEY, "fixed-key-value-0123456789"]:
    status, _, body = call("GET", "/admin/stats", headers={"x-api-key": key})
    check(status == 200 and event_of(body)["requestContext"]["identity"]["apiKey"] == key,
          "a key of the API lets the call in and reaches the event")

# Response mapping.
status, _, body = call("GET", "/health")
check((status, body) == (200, b"ok"), "a string statusCode is taken")
png = b"\x89PNG\r\n\x1a\n\x00\xff"
status, headers, body = call("GET", "/picture", headers={"Accept": "image/png"})
check(status == 200 and body == png, "a base64 body of a binary media type goes out as bytes")
status, _, body = call("POST", "/picture", png, {"Content-Type": "image/png"})
got = json.loads(body)
check(got["b64"] is True and base64.b64decode(got["body"]) == png, "a binary request body arrives base64-encoded")
for path in ["/malformed", "/crash"]:
    status, _, body = call("GET", path)
    check((status, json.loads(body)) == (502, {"message": "Internal server error"}),
          f"{path}: API Gateway's 502 for a failed or malformed integration")

# The Node.js catch-all.
status, _, body = call("DELETE", "/anything/deep?x=1&x=2", b"hi", {"Content-Type": "text/plain"})
got = json.loads(body)
check(status == 200 and got["method"] == "DELETE" and got["resource"] == "/{proxy+}", "ANY /{proxy+} in Node.js")
check(got["proxy"] == "anything/deep" and got["path"] == "/anything/deep", "the greedy parameter")
check(got["query"] == {"x": ["1", "2"]} and got["body"] == "hi" and got["stage"] == STAGE, "query, body, stage")

# What no route serves.
status, headers, body = call("GET", "/")
check((status, json.loads(body)) == (403, {"message": "Missing Authentication Token"}),
      "a path no route has: REST APIs' 403 Missing Authentication Token")
check(headers["Access-Control-Allow-Headers"] == "*", "with DEFAULT_4XX's headers")

print("all REST API checks passed")
