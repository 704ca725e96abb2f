"""The app-style services of the corpus (tests/corpus: express-style-node, wsgi-app-python,
httpapi-catchall-node, site-and-api-python), deployed at stage dev: whole applications
behind `{proxy+}` or `*` routes, driven over HTTP as a browser would (cookies, redirects,
forms, binary files, CORS) with the answers API Gateway gives.

Usage: corpus_routers.py HTTP_BASE. Exits non-zero with the failing check on the first
failure."""
import json
import sys
import urllib.error
import urllib.request
import zlib
from corpus_common import check

BASE = sys.argv[1].rstrip("/")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(method, url, body=None, headers=None):
    """(status, headers, body bytes), without following redirects."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def jcall(method, url, value=None, headers=None):
    data = json.dumps(value).encode() if value is not None else None
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    status, h, raw = call(method, url, data, hdrs)
    return status, h, json.loads(raw) if raw else None


# --- express-style-node: REST API, ANY / and ANY /{proxy+} into one Node.js app ---------
app = f"{BASE}/express-style-node/dev"
status, h, body = call("GET", app + "/")
check(status == 200 and body == b"<h1>express-style-node</h1><p>stage dev</p>", f"express: GET / ({status} {body[:80]})")
check(h["Content-Type"] == "text/html; charset=utf-8", "express: the app's content type")
status, h, body = call("GET", app)
check(status == 200 and body.startswith(b"<h1>"), "express: the stage root without a slash is the / resource")
status, _, body = jcall("GET", f"{app}/api/users?limit=1")
check(status == 200 and body == [{"id": "1", "name": "Ada Lovelace"}], "express: query strings reach the router")
status, _, body = jcall("GET", f"{app}/api/users/2")
check(status == 200 and body == {"id": "2", "name": "Alan Turing"}, "express: path parameters of the app's routes")
status, h, body = jcall("POST", f"{app}/api/users", {"name": "Grace Hopper"})
check(status == 201 and body == {"id": "3", "name": "Grace Hopper"} and h["Location"] == "/api/users/3",
      "express: POST with a JSON body, 201 and Location")
status, _, body = jcall("GET", f"{app}/api/users/3")
check(status == 200 and body["name"] == "Grace Hopper", "express: module state survives in the warm process")
status, _, body = call("POST", f"{app}/api/users", b"{oops", {"Content-Type": "application/json"})
check(status == 400 and json.loads(body) == {"error": "malformed JSON"}, "express: middleware refuses bad JSON")
status, _, body = jcall("POST", f"{app}/api/users", {})
check(status == 422, "express: validation 422")
status, _, body = call("DELETE", f"{app}/api/users/3")
check(status == 204 and body == b"", "express: DELETE 204 with no body")
status, _, body = jcall("PATCH", f"{app}/api/users/1", {})
check(status == 405, "express: the app's own 405 for a known path")
status, _, body = jcall("GET", f"{app}/no/such/page")
check(status == 404 and body == {"error": "Cannot GET /no/such/page"}, "express: the app's own 404")
status, _, body = jcall("GET", f"{app}/api/echo?tag=a&tag=b&q=x%20y", headers={"X-Request-Id": "r-1"})
check(body["path"] == "/api/echo" and body["resource"] == "/{proxy+}" and body["requestPath"] == "/dev/api/echo",
      f"express: path, resource and requestContext.path of a greedy route ({body})")
check(body["query"] == {"tag": "b", "q": "x y"} and body["multi"] == {"tag": ["a", "b"], "q": ["x y"]},
      "express: single- and multi-value query strings, decoded")
check(body["headers"]["x-request-id"] == "r-1", "express: request headers")
status, h, body = call("POST", f"{app}/login", json.dumps({"user": "ada"}).encode(), {"Content-Type": "application/json"})
check(status == 303 and h["Location"] == "/dashboard", f"express: a redirect is passed through ({status})")
cookies = h.get_all("Set-Cookie")
check(cookies == ["session=s-ada; Path=/; HttpOnly; Max-Age=3600", "theme=dark; Path=/"],
      f"express: multiValueHeaders send both Set-Cookie headers ({cookies})")
jar = "; ".join(c.split(";")[0] for c in cookies)
status, _, body = jcall("GET", f"{app}/dashboard", headers={"Cookie": jar})
check(status == 200 and body == {"session": "s-ada", "theme": "dark"}, "express: cookies come back in the Cookie header")
status, h, _ = call("OPTIONS", f"{app}/api/users", headers={"Origin": "https://x.example",
                                                             "Access-Control-Request-Method": "POST"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "*", "express: cors: true answers the preflight of a greedy path")

# --- wsgi-app-python: a WSGI app through a serverless-wsgi style handler ------------------
wsgi = f"{BASE}/wsgi-app-python/dev"
status, h, body = call("GET", wsgi + "/")
check(status == 200 and b"It works" in body and h["Content-Type"] == "text/html", "wsgi: index")
status, _, body = jcall("GET", f"{wsgi}/hello/Ada?lang=fr")
check(status == 200 and body == {"message": "Bonjour, Ada!"}, "wsgi: a route with a parameter and a query")
form = b"email=ada%40example.com&topic=billing&topic=api"
status, h, body = call("POST", f"{wsgi}/contact", form, {"Content-Type": "application/x-www-form-urlencoded"})
check(status == 201 and json.loads(body) == {"email": "ada@example.com", "topics": ["billing", "api"]}
      and h["X-Form-Fields"] == "2", "wsgi: a urlencoded form")
status, _, body = call("POST", f"{wsgi}/contact", b"{}", {"Content-Type": "application/json"})
check(status == 400, "wsgi: 400 from the app")
status, h, body = jcall("DELETE", f"{wsgi}/hello/x")
check(status == 405 and h["Allow"] == "GET", "wsgi: 405 with Allow")
status, _, body = jcall("GET", f"{wsgi}/whoami", headers={"User-Agent": "corpus-client/1.0"})
check(body == {"remote": "127.0.0.1", "agent": "corpus-client/1.0", "stage": "dev", "resource": "/{proxy+}",
               "proxy": "whoami", "function": "wsgi-app-python-dev-web"}, f"wsgi: environ from the event ({body})")
status, h, body = call("GET", f"{wsgi}/pixel.gif", headers={"Accept": "image/gif"})
check(status == 200 and body[:6] == b"GIF89a" and len(body) == 43 and h["Content-Type"] == "image/gif",
      f"wsgi: a binary answer of a binary media type goes out as bytes ({body[:10]!r})")
blob = bytes(range(256)) * 8
status, _, body = call("POST", f"{wsgi}/checksum", blob, {"Content-Type": "application/octet-stream"})
check(status == 200 and json.loads(body) == {"bytes": 2048, "crc32": zlib.crc32(blob)},
      "wsgi: a binary request body arrives intact (base64 in the event)")
status, _, body = jcall("GET", f"{wsgi}/missing")
check(status == 404 and body == {"error": "/missing not found"}, "wsgi: the app's 404")

# --- httpapi-catchall-node: `*` catches everything but the explicit route ----------------
site = f"{BASE}/httpapi-catchall-node/dev"
status, h, body = call("GET", site + "/")
check(status == 200 and b"route $default" in body, f"catchall: GET / reaches the $default route ({body[:100]})")
status, _, body = jcall("GET", f"{site}/version")
check(status == 200 and body == {"node": body["node"], "runtime": "AWS_Lambda_nodejs22.x"},
      "catchall: an explicit route wins over *")
status, h, body = jcall("GET", f"{site}/debug/a/b?x=1&x=2&y=%2F", headers={"X-Custom-Header": "v"})
check(status == 200 and body["version"] == "2.0" and body["routeKey"] == "$default",
      f"catchall: payload 2.0 with routeKey $default ({body})")
check(body["rawPath"] == "/debug/a/b" and body["path"] == "/debug/a/b" and body["rawQueryString"] == "x=1&x=2&y=%2F",
      "catchall: rawPath and rawQueryString as sent")
check(body["query"] == {"x": "1,2", "y": "/"} and body["pathParameters"] is None,
      "catchall: repeated query values joined with commas, no path parameters")
check(body["method"] == "GET" and body["sourceIp"] == "127.0.0.1" and body["stage"] == "$default"
      and body["header"] == "v", "catchall: requestContext.http and lower-cased headers")
status, h, body = jcall("POST", f"{site}/session", {"user": "ada"})
check(status == 201 and body == {"user": "ada"}, "catchall: POST /session")
cookies = h.get_all("Set-Cookie")
check(len(cookies) == 2 and cookies[0].startswith("sid=sess-") and cookies[0].endswith("; HttpOnly; Path=/")
      and cookies[1] == "seen=1; Path=/", f"catchall: the cookies array becomes Set-Cookie headers ({cookies})")
sid = cookies[0].split(";")[0]
status, h, body = jcall("GET", f"{site}/me", headers={"Cookie": f"{sid}; seen=1"})
check(status == 200 and body == {"user": "ada", "cookies": ["seen", "sid"]} and h["Content-Type"] == "application/json",
      "catchall: event.cookies, and an object without statusCode is a 200 JSON answer")
status, _, body = jcall("GET", f"{site}/me")
check(status == 401, "catchall: no session cookie, 401")
status, _, body = call("DELETE", f"{site}/whatever")
check(status == 404 and b"DELETE /whatever" in body, "catchall: every method reaches *")
status, h, _ = call("OPTIONS", f"{site}/me", headers={"Origin": "https://x.example", "Access-Control-Request-Method": "GET"})
check(status == 204 and h["Access-Control-Allow-Origin"] == "*", f"catchall: httpApi.cors: true answers preflights ({status})")

# --- site-and-api-python: static files, greedy API, explicit route precedence -------------
sa = f"{BASE}/site-and-api-python/dev"
status, h, body = call("GET", sa + "/")
check(status == 200 and b"<h1>Corpus site</h1>" in body and h["content-type"] == "text/html", "site: index.html")
status, h, body = call("GET", f"{sa}/static/site.css")
check(status == 200 and body.startswith(b"body {") and h["content-type"] == "text/css"
      and h["cache-control"] == "public, max-age=300", "site: a stylesheet")
status, h, body = call("GET", f"{sa}/static/img/dot.png")
check(status == 200 and body.startswith(b"\x89PNG\r\n\x1a\n") and h["content-type"] == "image/png",
      "site: isBase64Encoded answers are decoded by an HTTP API, whatever the content type")
status, _, body = call("GET", f"{sa}/static/../api.py")
check(status in (400, 403, 404), f"site: no escaping the public directory ({status})")
status, _, body = jcall("GET", f"{sa}/api/status")
check(status == 200 and body["ok"] is True and body["route"] == "GET /api/status",
      "site: the explicit route beats ANY /api/{proxy+}")
status, _, body = jcall("GET", f"{sa}/api/items")
check(status == 200 and [i["name"] for i in body] == ["kettle", "teapot"], "site: greedy API route")
status, _, body = jcall("POST", f"{sa}/api/items", {"name": "cup"})
check(status == 201 and body == {"name": "cup", "id": "3"}, "site: POST through ANY")
status, _, body = jcall("GET", f"{sa}/api/items/3")
check(status == 200 and body["name"] == "cup", "site: nested greedy path")
status, _, body = jcall("GET", f"{sa}/api/files")
check("public/img/dot.png" in body and "api.py" in body and "tests/test_api.py" not in body and "README.md" not in body,
      f"site: package.patterns left tests and the README out ({body})")
status, _, body = jcall("GET", f"{sa}/elsewhere")
check(status == 404 and body == {"message": "Not Found"}, "site: a path no route matches is the HTTP API's 404")

print("all corpus router checks passed")
