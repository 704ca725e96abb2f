"""S3 presigned URLs, CORS and object tagging through boto3 against a running Squall: SigV4
presigned GET and PUT used without credentials (tampered, re-targeted and over-long ones
refused), a bucket's CORS rules (stored, answering preflights, decorating GETs, deleted), and
object tags (on PutObject, put, get, delete, copied, limits).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import hashlib
import os
import sys
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, signature_version="s3v4")
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
ORIGIN = "http://app.example"


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def fetch(url, method="GET", data=None, headers=None):
    """(status, lower-cased headers, body) of a request made without credentials."""
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def presign(op, expires=300, **params):
    return s3.generate_presigned_url(op, Params={"Bucket": bucket, **params}, ExpiresIn=expires)


def tampered(url):
    """url with the first character of its X-Amz-Signature changed."""
    start = url.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    return url[:start] + ("0" if url[start] != "0" else "1") + url[start + 1:]


def cors_rules():
    """The bucket's CORS rules, or the error code."""
    try:
        return s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    except ClientError as e:
        return e.response["Error"]["Code"]


def tags(key):
    return sorted((t["Key"], t["Value"]) for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"])


bucket = f"presign-{RUN}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"presigned body", ContentType="text/plain")
s3.put_object(Bucket=bucket, Key="other.txt", Body=b"another body")

# --- presigned URLs --------------------------------------------------------------------------
url = presign("get_object", Key="doc.txt")
check("X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "X-Amz-Expires=300" in url, "generate_presigned_url gives a SigV4 URL")
status, headers, body = fetch(url)
check(status == 200 and body == b"presigned body" and headers.get("content-type") == "text/plain",
      "a presigned GET fetches the object without credentials")
status, headers, body = fetch(url, headers={"Range": "bytes=0-8"})
check(status == 206 and body == b"presigned", "a presigned GET takes a Range header (not signed)")
# moto differs: moto does not authenticate requests at all, so it takes the next three
# (and performs the DELETE).
status, headers, body = fetch(tampered(url))
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, f"a tampered signature is 403 SignatureDoesNotMatch ({status})")
status, headers, body = fetch(url.replace("/doc.txt?", "/other.txt?"))
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, "a presigned URL pointed at another key is SignatureDoesNotMatch")
status, headers, body = fetch(presign("get_object", Key="other.txt"), method="DELETE")
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, "a presigned GET used for DELETE is SignatureDoesNotMatch")
check(code(s3.head_object, Bucket=bucket, Key="other.txt") is None, "and the object is still there")
# moto differs: moto ignores response-* parameters.
status, headers, body = fetch(presign("get_object", Key="doc.txt", ResponseContentDisposition="attachment; filename=x.txt"))
check(status == 200 and headers.get("content-disposition") == "attachment; filename=x.txt",
      "a presigned GET honours response-content-disposition")
# moto differs: moto does not check X-Amz-Expires, nor refuse an unsigned GET of a private object.
status, headers, body = fetch(presign("get_object", expires=604801, Key="doc.txt"))
check(status == 400 and b"<Code>AuthorizationQueryParametersError</Code>" in body,
      f"X-Amz-Expires over a week is 400 AuthorizationQueryParametersError ({status})")
status, headers, body = fetch(url.split("?")[0])
check(status == 403 and b"<Code>AccessDenied</Code>" in body, "the same URL without the signature is 403 AccessDenied")

put_url = presign("put_object", Key="uploaded.txt", ContentType="text/x-uploaded")
check("X-Amz-SignedHeaders=content-type%3Bhost" in put_url, "botocore signs the presigned PUT's content type")
status, headers, body = fetch(put_url, method="PUT", data=b"sent with a presigned PUT", headers={"Content-Type": "text/x-uploaded"})
check(status == 200 and headers.get("etag") == '"' + hashlib.md5(b"sent with a presigned PUT").hexdigest() + '"',
      "a presigned PUT stores the body and answers its ETag")
h = s3.head_object(Bucket=bucket, Key="uploaded.txt")
check(h["ContentType"] == "text/x-uploaded" and s3.get_object(Bucket=bucket, Key="uploaded.txt")["Body"].read() == b"sent with a presigned PUT",
      "the presigned PUT's object reads back with its content type")
# moto differs: moto does not authenticate requests.
status, headers, body = fetch(put_url, method="PUT", data=b"x", headers={"Content-Type": "text/other"})
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, "a presigned PUT with another (signed) content type is refused")
# moto differs: moto does not authenticate requests.
status, headers, body = fetch(put_url, method="PUT", data=b"", headers={"Content-Type": "text/x-uploaded",
                                                                       "x-amz-copy-source": f"{bucket}/uploaded.txt"})
check(status == 403 and b"HeadersNotSigned" in body, f"a presigned PUT cannot add an unsigned x-amz-* header such as a copy source ({status})")

# --- CORS ------------------------------------------------------------------------------------
obj_url = f"{ENDPOINT}/{bucket}/doc.txt"
preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type, x-amz-meta-a"}
check(code(s3.get_bucket_cors, Bucket=bucket) == "NoSuchCORSConfiguration", "a bucket without CORS rules is NoSuchCORSConfiguration")
status, headers, body = fetch(obj_url, method="OPTIONS", headers=preflight)
check(status == 403, f"a preflight to a bucket without CORS rules is 403 ({status})")

rules = [{"ID": "app", "AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
          "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600},
         {"AllowedOrigins": ["https://*.example.org"], "AllowedMethods": ["GET"]}]
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})
check(cors_rules() == rules, "get_bucket_cors returns the rules as put")
check(code(s3.put_bucket_cors, Bucket=bucket, CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["PATCH"]}]})
      == "InvalidRequest", "a rule with an unsupported method (PATCH) is InvalidRequest")
# moto differs: moto drops the bucket's rules when it refuses new ones.
check(cors_rules() == rules, "and the rules are unchanged")
s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": rules})

# moto differs: moto answers every preflight 403 and adds CORS headers for any origin to every
# response (flask-cors), whatever the rules; of the checks down to delete_bucket_cors only the
# ones expecting a 403 pass on moto.
status, headers, body = fetch(obj_url, method="OPTIONS", headers=preflight)
check(status == 200 and headers.get("access-control-allow-origin") == ORIGIN, f"an allowed preflight is 200 with Allow-Origin ({status}, {headers})")
methods = {m.strip() for m in headers.get("access-control-allow-methods", "").split(",")}
check(methods == {"GET", "PUT"}, f"the preflight lists the rule's methods ({methods})")
allowed = {h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")}
check({"content-type", "x-amz-meta-a"} <= allowed, f"the preflight allows the requested headers ({allowed})")
check(headers.get("access-control-max-age") == "600", "the preflight carries Max-Age")
status, headers, body = fetch(f"{ENDPOINT}/{bucket}/no-such-key", method="OPTIONS", headers=preflight)
check(status == 200 and headers.get("access-control-allow-origin") == ORIGIN, "a preflight does not need the object to exist")
status, headers, body = fetch(obj_url, method="OPTIONS",
                              headers={"Origin": "https://cdn.example.org", "Access-Control-Request-Method": "GET"})
check(status == 200 and headers.get("access-control-allow-origin") == "https://cdn.example.org",
      "a wildcard origin rule matches and echoes the origin")
status, headers, body = fetch(obj_url, method="OPTIONS", headers=dict(preflight, Origin="http://evil.example"))
check(status == 403 and "access-control-allow-origin" not in headers, f"a preflight from another origin is 403 ({status})")
check(b"AccessForbidden" in body, "with the AccessForbidden code")
status, headers, body = fetch(obj_url, method="OPTIONS", headers=dict(preflight, **{"Access-Control-Request-Method": "DELETE"}))
check(status == 403, "a preflight for a method no rule allows is 403")
status, headers, body = fetch(obj_url, method="OPTIONS", headers={"Origin": "https://cdn.example.org",
                                                                  "Access-Control-Request-Method": "GET",
                                                                  "Access-Control-Request-Headers": "x-custom"})
check(status == 403, "a preflight asking for a header its rule does not allow is 403")
status, headers, body = fetch(obj_url, method="OPTIONS", headers={"Origin": ORIGIN})
check(status == 400, f"a preflight without Access-Control-Request-Method is 400 ({status})")

status, headers, body = fetch(url, headers={"Origin": ORIGIN})
check(status == 200 and headers.get("access-control-allow-origin") == ORIGIN, "a GET with an allowed Origin gets Allow-Origin")
check("etag" in headers.get("access-control-expose-headers", "").lower(), "and Expose-Headers ETag")
status, headers, body = fetch(url, headers={"Origin": "http://evil.example"})
check(status == 200 and "access-control-allow-origin" not in headers, "a GET from another origin still works but gets no CORS headers")
status, headers, body = fetch(url)
check(status == 200 and "access-control-allow-origin" not in headers, "a GET without Origin gets no CORS headers")

check(s3.delete_bucket_cors(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204, "DeleteBucketCors is 204")
check(code(s3.get_bucket_cors, Bucket=bucket) == "NoSuchCORSConfiguration", "after delete_bucket_cors, get is NoSuchCORSConfiguration")
status, headers, body = fetch(obj_url, method="OPTIONS", headers=preflight)
check(status == 403, "and preflights are refused again")

# --- object tagging --------------------------------------------------------------------------
s3.put_object(Bucket=bucket, Key="tagged", Body=b"t", Tagging="a=1&b=2")
check(tags("tagged") == [("a", "1"), ("b", "2")], "PutObject's Tagging is stored")
check(s3.get_object(Bucket=bucket, Key="tagged").get("TagCount") == 2, "GetObject reports TagCount")
s3.put_object(Bucket=bucket, Key="tagged-enc", Body=b"t", Tagging="team=core%20squad&path=a%2Fb")
check(tags("tagged-enc") == [("path", "a/b"), ("team", "core squad")], "PutObject's Tagging is URL-decoded")
r = s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "env", "Value": "prod"}, {"Key": "empty", "Value": ""}]})
check(r["ResponseMetadata"]["HTTPStatusCode"] == 200, "PutObjectTagging is 200")
check(tags("tagged") == [("empty", ""), ("env", "prod")], "PutObjectTagging replaces the whole set")
s3.copy_object(Bucket=bucket, Key="tag-copy", CopySource={"Bucket": bucket, "Key": "tagged"})
check(tags("tag-copy") == [("empty", ""), ("env", "prod")], "a copy keeps the tags by default")
s3.copy_object(Bucket=bucket, Key="tag-copy", CopySource={"Bucket": bucket, "Key": "tagged"},
               TaggingDirective="REPLACE", Tagging="fresh=yes")
check(tags("tag-copy") == [("fresh", "yes")], "TaggingDirective REPLACE takes the request's tags")
check(s3.delete_object_tagging(Bucket=bucket, Key="tagged")["ResponseMetadata"]["HTTPStatusCode"] == 204, "DeleteObjectTagging is 204")
check(tags("tagged") == [], "after DeleteObjectTagging the set is empty")
s3.put_object(Bucket=bucket, Key="tagged", Body=b"t2")
check(tags("tagged") == [], "an overwrite without Tagging has no tags")

eleven = {"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(11)]}
check(code(s3.put_object_tagging, Bucket=bucket, Key="tagged", Tagging=eleven) in ("BadRequest", "InvalidTag"),
      "more than 10 tags is refused (BadRequest)")
check(code(s3.put_object, Bucket=bucket, Key="tagged-11", Body=b"x", Tagging="&".join(f"k{i}=v" for i in range(11)))
      in ("BadRequest", "InvalidTag"), "more than 10 tags on PutObject is refused")
# moto differs: moto refuses the PutObject but stores the object anyway.
check(code(s3.head_object, Bucket=bucket, Key="tagged-11") == "404", "and nothing is stored")
ten = {"TagSet": [{"Key": f"k{i}", "Value": "v"} for i in range(10)]}
s3.put_object_tagging(Bucket=bucket, Key="tagged", Tagging=ten)
check(len(tags("tagged")) == 10, "10 tags are fine")
# moto differs: moto takes a repeated key (the last value wins), which then changes the tags.
check(code(s3.put_object_tagging, Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "d", "Value": "1"}, {"Key": "d", "Value": "2"}]})
      == "InvalidTag", "a repeated tag key is InvalidTag")
check(code(s3.put_object_tagging, Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "k" * 129, "Value": "v"}]})
      == "InvalidTag", "a tag key over 128 characters is InvalidTag")
check(code(s3.put_object_tagging, Bucket=bucket, Key="tagged", Tagging={"TagSet": [{"Key": "k", "Value": "v" * 257}]})
      == "InvalidTag", "a tag value over 256 characters is InvalidTag")
check(len(tags("tagged")) == 10, "refused tag sets leave the tags unchanged")
check(code(s3.get_object_tagging, Bucket=bucket, Key="nope") == "NoSuchKey", "GetObjectTagging on a missing key is NoSuchKey")
check(code(s3.put_object_tagging, Bucket=bucket, Key="nope", Tagging=ten) == "NoSuchKey", "PutObjectTagging on a missing key is NoSuchKey")

# --- clean up --------------------------------------------------------------------------------
keys = [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
s3.delete_bucket(Bucket=bucket)
print("all S3 presign and CORS checks passed")
