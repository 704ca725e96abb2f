"""Static files from the package's public/ directory."""
import base64
import mimetypes
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "public")
TEXT = ("text/", "application/javascript", "application/json", "image/svg+xml")


def pages(event, context):
    rel = (event.get("pathParameters") or {}).get("proxy", "index.html")
    path = os.path.normpath(os.path.join(ROOT, rel))
    if not path.startswith(ROOT + os.sep) or not os.path.isfile(path):
        return {"statusCode": 404, "headers": {"content-type": "text/plain"}, "body": f"no such file: {rel}"}
    kind = mimetypes.guess_type(path)[0] or "application/octet-stream"
    with open(path, "rb") as f:
        data = f.read()
    headers = {"content-type": kind, "cache-control": "public, max-age=300"}
    if kind.startswith(TEXT):
        return {"statusCode": 200, "headers": headers, "body": data.decode()}
    return {"statusCode": 200, "headers": headers, "body": base64.b64encode(data).decode(), "isBase64Encoded": True}
