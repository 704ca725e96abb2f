"""A small WSGI application with routes, a form, JSON and a binary download."""
import json
import re
import zlib
from urllib.parse import parse_qs

ROUTES = []


def route(pattern, methods=("GET",)):
    def register(fn):
        ROUTES.append((re.compile(f"^{pattern}$"), methods, fn))
        return fn
    return register


def respond(start_response, status, body, content_type="application/json", extra=()):
    data = body if isinstance(body, bytes) else (json.dumps(body) if content_type == "application/json" else body).encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data))), *extra])
    return [data]


@route("/")
def index(environ, start_response):
    return respond(start_response, "200 OK", "<!doctype html><title>wsgi</title><h1>It works</h1>", "text/html")


@route("/hello/(?P<name>[^/]+)")
def hello(environ, start_response, name):
    lang = parse_qs(environ["QUERY_STRING"]).get("lang", ["en"])[0]
    greeting = {"en": "Hello", "fr": "Bonjour", "de": "Hallo"}.get(lang, "Hello")
    return respond(start_response, "200 OK", {"message": f"{greeting}, {name}!"})


@route("/contact", methods=("POST",))
def contact(environ, start_response):
    size = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(size).decode())
    if environ["CONTENT_TYPE"] != "application/x-www-form-urlencoded" or "email" not in form:
        return respond(start_response, "400 BAD REQUEST", {"error": "a form with an email is required"})
    return respond(start_response, "201 CREATED", {"email": form["email"][0], "topics": form.get("topic", [])},
                   extra=[("X-Form-Fields", str(len(form)))])


@route("/whoami")
def whoami(environ, start_response):
    event = environ["serverless.event"]
    return respond(start_response, "200 OK", {
        "remote": environ["REMOTE_ADDR"], "agent": environ.get("HTTP_USER_AGENT"),
        "stage": event["requestContext"]["stage"], "resource": event["resource"],
        "proxy": (event.get("pathParameters") or {}).get("proxy"),
        "function": environ["serverless.context"].function_name,
    })


@route("/checksum", methods=("POST",))
def checksum(environ, start_response):
    data = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    return respond(start_response, "200 OK", {"bytes": len(data), "crc32": zlib.crc32(data)})


@route("/pixel.gif")
def pixel(environ, start_response):
    gif = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")
    return respond(start_response, "200 OK", gif, "image/gif", [("Cache-Control", "max-age=60")])


def app(environ, start_response):
    path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
    allowed = []
    for pattern, methods, fn in ROUTES:
        m = pattern.match(path)
        if m:
            if method in methods:
                return fn(environ, start_response, **m.groupdict())
            allowed += methods
    if allowed:
        return respond(start_response, "405 METHOD NOT ALLOWED", {"error": "method not allowed"},
                       extra=[("Allow", ", ".join(allowed))])
    return respond(start_response, "404 NOT FOUND", {"error": f"{path} not found"})
