"""A bucket served as a static website on Squall's http port (host
<bucket>.s3-website.localhost): index documents, the redirect of a "directory" without its
slash, the error document with status 404, content types, conditional and ranged reads,
HEAD, and what happens without (or after deleting) the website configuration.

Usage: s3_website.py HTTP_BASE_URL [S3_DOMAIN], with AWS_ENDPOINT_URL and a key in the environment;
exits non-zero with the failing check on the first failure."""
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HTTP = sys.argv[1].rstrip("/")
DOMAIN = sys.argv[2] if len(sys.argv) > 2 else None
PORT = HTTP.rsplit(":", 1)[1]
s3 = boto3.client("s3", config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
bucket = f"site-{str(int(time.time() * 1000))[-7:]}"


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(NoRedirect)


def fetch(path, method="GET", headers=None, domain="localhost"):
    """(status, headers, body) of a request to the bucket's website."""
    req = urllib.request.Request(f"{HTTP}{path}", method=method,
                                 headers=dict(headers or {}, Host=f"{bucket}.s3-website.{domain}:{PORT}"))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="index.html", Body=b"<h1>home</h1>", ContentType="text/html")
s3.put_object(Bucket=bucket, Key="docs/index.html", Body=b"<h1>docs</h1>", ContentType="text/html")
s3.put_object(Bucket=bucket, Key="app.js", Body=b"console.log('app')", ContentType="application/javascript")
s3.put_object(Bucket=bucket, Key="404.html", Body=b"<h1>spa shell</h1>", ContentType="text/html")

status, _, body = fetch("/")
check(status == 404 and b"NoSuchWebsiteConfiguration" in body, f"a bucket without a website configuration serves nothing ({status})")
try:
    s3.get_bucket_website(Bucket=bucket)
    check(False, "GetBucketWebsite without a configuration fails")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NoSuchWebsiteConfiguration", "GetBucketWebsite without one is NoSuchWebsiteConfiguration")
try:
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"RedirectAllRequestsTo": {"HostName": "example.com"}})
    check(False, "redirect-all websites are refused")
except ClientError as e:
    check(e.response["Error"]["Code"] == "NotImplemented", "a redirect-all website is refused as not implemented")

s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"},
                                                           "ErrorDocument": {"Key": "404.html"}})
w = s3.get_bucket_website(Bucket=bucket)
check(w["IndexDocument"]["Suffix"] == "index.html" and w["ErrorDocument"]["Key"] == "404.html", "GetBucketWebsite returns the configuration")

status, headers, body = fetch("/")
check(status == 200 and body == b"<h1>home</h1>" and headers["content-type"] == "text/html", "/ serves index.html as text/html")
if DOMAIN:
    status, _, body = fetch("/", domain=DOMAIN)
    check(status == 200 and body == b"<h1>home</h1>", f"the site answers under the configured domain too ({DOMAIN})")
    status, _, body = fetch("/", domain="elsewhere.test")
    check(status != 200 or body != b"<h1>home</h1>", "but not under another domain")
status, headers, body = fetch("/docs/")
check(status == 200 and body == b"<h1>docs</h1>", "a directory path serves its index document")
status, headers, body = fetch("/docs")
check(status == 302 and headers.get("location") == "/docs/", f"a directory without its slash redirects to it ({status}, {headers.get('location')})")
status, headers, body = fetch("/app.js")
check(status == 200 and headers["content-type"] == "application/javascript" and body == b"console.log('app')", "assets keep their content type")
status, headers, body = fetch("/settings/profile")
check(status == 404 and body == b"<h1>spa shell</h1>", f"a missing path gets the error document with 404 ({status})")
etag = fetch("/app.js")[1]["etag"]
status, _, body = fetch("/app.js", headers={"If-None-Match": etag})
check(status == 304 and body == b"", "If-None-Match with the current ETag is 304")
status, headers, body = fetch("/app.js", headers={"Range": "bytes=0-6"})
check(status == 206 and body == b"console" and headers["content-range"] == "bytes 0-6/18", "ranges are served")
status, headers, body = fetch("/app.js", method="HEAD")
check(status == 200 and body == b"" and headers["content-length"] == "18", "HEAD gives the length without the body")
status, _, _ = fetch("/app.js", method="PUT")
check(status == 405, "writes are not allowed through the website")

s3.delete_object(Bucket=bucket, Key="404.html")
status, headers, body = fetch("/missing.png")
check(status == 404 and b"NoSuchKey" in body and b"missing.png" in body, "without the error document a missing path gets S3's 404 page")

s3.delete_bucket_website(Bucket=bucket)
status, _, body = fetch("/")
check(status == 404 and b"NoSuchWebsiteConfiguration" in body, "after DeleteBucketWebsite the site is gone")

for key in ["index.html", "docs/index.html", "app.js"]:
    s3.delete_object(Bucket=bucket, Key=key)
s3.delete_bucket(Bucket=bucket)
print("all S3 website checks passed")
