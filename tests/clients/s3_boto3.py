"""S3 core operations through boto3 against a running Squall: buckets and their names, objects
with their headers and awkward keys, ranges, conditional reads and writes, response-* overrides,
Content-MD5 and flexible checksums, deletes, copies, listings (v2 and v1), virtual-host
addressing, and a 20 MiB object in one request.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import base64
import datetime
import hashlib
import io
import os
import socket
import sys
import time
import zlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def error(fn, *args, **kwargs):
    """(code, HTTP status) of the ClientError fn raises, or (None, None)."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def status(resp):
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def md5_etag(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


def b64(raw):
    return base64.b64encode(raw).decode()


def crc32_b64(data):
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC32C_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for byte in data:
        c = CRC32C_TABLE[(c ^ byte) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def crc32c_b64(data):
    return b64(crc32c(data).to_bytes(4, "big"))


def body(bucket, key, **kwargs):
    """The object's bytes, or the error code (a str) if GetObject fails."""
    try:
        return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()
    except ClientError as e:
        return e.response["Error"]["Code"]


def empty_bucket(bucket):
    for _ in range(100):
        page = s3.list_objects_v2(Bucket=bucket)
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if not keys:
            return
        s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


now = datetime.datetime.now(datetime.timezone.utc)
bucket = f"core-{RUN}"
other = f"core-other-{RUN}"
listing = f"core-list-{RUN}"
empty = f"core-empty-{RUN}"

# --- buckets ---------------------------------------------------------------------------------
r = s3.create_bucket(Bucket=bucket)
check(status(r) == 200 and r.get("Location") == f"/{bucket}", "CreateBucket answers 200 with Location /<bucket>")
s3.create_bucket(Bucket=other)
s3.create_bucket(Bucket=listing)
s3.create_bucket(Bucket=empty)
check(status(s3.head_bucket(Bucket=bucket)) == 200, "HeadBucket on an existing bucket is 200")
check(error(s3.head_bucket, Bucket=f"missing-{RUN}") == ("404", 404), "HeadBucket on a missing bucket is a bare 404")
names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
check(bucket in names and other in names, "ListBuckets lists the new buckets")
# AWS: outside us-east-1 this is BucketAlreadyOwnedByYou (409); in us-east-1 S3 keeps a legacy
# 200 OK for re-creating your own bucket. Either is S3 behaviour; anything else is not.
check(code(s3.create_bucket, Bucket=bucket) is None, "creating a bucket you own again in us-east-1 is 200 (S3's legacy answer)")
check(code(s3.create_bucket, Bucket=f"loc-{RUN}", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
      == "InvalidLocationConstraint", "LocationConstraint us-east-1 is refused with InvalidLocationConstraint")
# moto differs: moto checks only the length of a bucket name.
for bad in ["A_B", "ab", "x" * 64, "192.168.1.1", "-abc", "abc-", "a..b", f"Upper-{RUN}", f"under_{RUN}"]:
    check(code(s3.create_bucket, Bucket=bad) == "InvalidBucketName", f"bucket name {bad!r} is InvalidBucketName")
check(code(s3.delete_bucket, Bucket=f"missing-{RUN}") == "NoSuchBucket", "DeleteBucket on a missing bucket is NoSuchBucket")
check(s3.get_bucket_location(Bucket=bucket).get("LocationConstraint") in (None, ""),
      "GetBucketLocation is empty (us-east-1) for a bucket made without a constraint")
check(code(s3.get_bucket_location, Bucket=f"missing-{RUN}") == "NoSuchBucket", "GetBucketLocation on a missing bucket")

# --- objects: headers --------------------------------------------------------------------------
data = b"hello, squall\n"
expires = datetime.datetime(2037, 1, 1, tzinfo=datetime.timezone.utc)
r = s3.put_object(Bucket=bucket, Key="greeting.txt", Body=data, ContentType="text/plain; charset=utf-8",
                  Metadata={"Color": "Blue", "x-Trace": "abc 123"}, CacheControl="max-age=60",
                  ContentDisposition='attachment; filename="g.txt"', ContentEncoding="identity",
                  ContentLanguage="en-GB", Expires=expires)
check(r["ETag"] == md5_etag(data), f"PutObject answers the quoted hex MD5 as ETag ({r['ETag']})")
h = s3.head_object(Bucket=bucket, Key="greeting.txt")
check(h["ETag"] == md5_etag(data) and h["ContentLength"] == len(data), "HeadObject: ETag and ContentLength")
check(h["ContentType"] == "text/plain; charset=utf-8", "HeadObject: ContentType")
check(h["Metadata"] == {"color": "Blue", "x-trace": "abc 123"}, f"user metadata names come back lower-cased ({h['Metadata']})")
check(h["CacheControl"] == "max-age=60", "HeadObject: CacheControl")
check(h["ContentDisposition"] == 'attachment; filename="g.txt"', "HeadObject: ContentDisposition")
check(h["ContentEncoding"] == "identity", "HeadObject: ContentEncoding")
check(h["ContentLanguage"] == "en-GB", "HeadObject: ContentLanguage")
check(h.get("ExpiresString") == "Thu, 01 Jan 2037 00:00:00 GMT", f"HeadObject: Expires as an HTTP date ({h.get('ExpiresString')})")
check(abs((h["LastModified"] - now).total_seconds()) < 120, "HeadObject: LastModified is about now")
check(h.get("AcceptRanges") == "bytes", "HeadObject: Accept-Ranges bytes")
g = s3.get_object(Bucket=bucket, Key="greeting.txt")
check(g["Body"].read() == data and g["ETag"] == h["ETag"] and g["Metadata"] == h["Metadata"]
      and g["ContentType"] == h["ContentType"] and g["LastModified"] == h["LastModified"],
      "GetObject returns the bytes and the same headers as HeadObject")

s3.put_object(Bucket=bucket, Key="empty", Body=b"")
h = s3.head_object(Bucket=bucket, Key="empty")
check(h["ContentLength"] == 0 and h["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"', "an empty object has length 0 and the empty MD5")
check(body(bucket, "empty") == b"", "an empty object reads back empty")
check(s3.head_object(Bucket=bucket, Key="empty")["ContentType"] in ("binary/octet-stream", "application/octet-stream"),
      "an object put without a content type gets binary/octet-stream")

odd_keys = ["with space.txt", "unicodé/日本語/ключ.txt", "a+b=c&d", "100%.txt", "100%25.txt", "what?x=1",
            "hash#tag", "a//b", "folder/", "folder/sub/", "tilde~star*(paren)'q'", "semi;colon:at@,comma$!",
            "/leading-slash", "trailing space "]
for i, key in enumerate(odd_keys):
    s3.put_object(Bucket=bucket, Key=key, Body=f"body {i}".encode())
for i, key in enumerate(odd_keys):
    check(body(bucket, key) == f"body {i}".encode(), f"key {key!r} round-trips")
listed = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
check(all(k in listed for k in odd_keys), "the odd keys are listed exactly as written")

s3.put_object(Bucket=bucket, Key="greeting.txt", Body=b"second", ContentType="text/x-second")
h = s3.head_object(Bucket=bucket, Key="greeting.txt")
check(body(bucket, "greeting.txt") == b"second" and h["ContentType"] == "text/x-second" and h["Metadata"] == {},
      "an overwrite replaces the bytes, the content type and the metadata")
check(error(s3.get_object, Bucket=bucket, Key="nope") == ("NoSuchKey", 404), "GetObject on a missing key is NoSuchKey (404)")
check(code(s3.get_object, Bucket=f"missing-{RUN}", Key="k") == "NoSuchBucket", "GetObject in a missing bucket is NoSuchBucket")
check(code(s3.put_object, Bucket=f"missing-{RUN}", Key="k", Body=b"x") == "NoSuchBucket", "PutObject in a missing bucket is NoSuchBucket")
check(error(s3.head_object, Bucket=bucket, Key="nope") == ("404", 404), "HeadObject on a missing key is a bare 404")

# --- ranges ----------------------------------------------------------------------------------
s3.put_object(Bucket=bucket, Key="digits", Body=b"0123456789")
for rng, want, content_range in [("bytes=0-4", b"01234", "bytes 0-4/10"), ("bytes=5-", b"56789", "bytes 5-9/10"),
                                 ("bytes=-3", b"789", "bytes 7-9/10"), ("bytes=8-100", b"89", "bytes 8-9/10"),
                                 ("bytes=-20", b"0123456789", "bytes 0-9/10"), ("bytes=3-3", b"3", "bytes 3-3/10")]:
    g = s3.get_object(Bucket=bucket, Key="digits", Range=rng)
    got = g["Body"].read()
    check(status(g) == 206 and got == want and g["ContentRange"] == content_range and g["ContentLength"] == len(want),
          f"Range {rng} is 206 with {want!r} and Content-Range {content_range} ({status(g)}, {got!r}, {g.get('ContentRange')})")
check(error(s3.get_object, Bucket=bucket, Key="digits", Range="bytes=100-200") == ("InvalidRange", 416),
      "a range starting past the end is InvalidRange (416)")
h = s3.head_object(Bucket=bucket, Key="digits", Range="bytes=2-5")
check(status(h) == 206 and h["ContentLength"] == 4 and h["ContentRange"] == "bytes 2-5/10", "HeadObject honours Range")

# --- conditionals ------------------------------------------------------------------------------
etag = md5_etag(b"0123456789")
lm = s3.head_object(Bucket=bucket, Key="digits")["LastModified"]
past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
future = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)
check(body(bucket, "digits", IfMatch=etag) == b"0123456789", "If-Match with the ETag reads the object")
check(body(bucket, "digits", IfMatch=etag.strip('"')) == b"0123456789", "If-Match with the unquoted ETag reads the object")
check(error(s3.get_object, Bucket=bucket, Key="digits", IfMatch='"0000"') == ("PreconditionFailed", 412),
      "If-Match with another ETag is PreconditionFailed (412)")
check(error(s3.head_object, Bucket=bucket, Key="digits", IfMatch='"0000"') == ("412", 412), "HeadObject: If-Match miss is a bare 412")
check(error(s3.get_object, Bucket=bucket, Key="digits", IfNoneMatch=etag) == ("304", 304), "If-None-Match with the ETag is 304")
check(error(s3.head_object, Bucket=bucket, Key="digits", IfNoneMatch=etag) == ("304", 304), "HeadObject: If-None-Match hit is 304")
check(body(bucket, "digits", IfNoneMatch='"0000"') == b"0123456789", "If-None-Match with another ETag reads the object")
# Not a date in the future: RFC 2616 calls that invalid (to be ignored), and servers differ.
check(error(s3.get_object, Bucket=bucket, Key="digits", IfModifiedSince=lm) == ("304", 304),
      "If-Modified-Since the object's Last-Modified is 304")
check(body(bucket, "digits", IfModifiedSince=past) == b"0123456789", "If-Modified-Since long ago reads the object")
check(error(s3.get_object, Bucket=bucket, Key="digits", IfUnmodifiedSince=past) == ("PreconditionFailed", 412),
      "If-Unmodified-Since long ago is PreconditionFailed")
check(body(bucket, "digits", IfUnmodifiedSince=future) == b"0123456789", "If-Unmodified-Since in the future reads the object")
# AWS documents both combinations: If-Match true wins over If-Unmodified-Since false, and
# If-None-Match false wins over If-Modified-Since true.
# moto differs: moto fails the first with PreconditionFailed.
check(body(bucket, "digits", IfMatch=etag, IfUnmodifiedSince=past) == b"0123456789",
      "If-Match true with If-Unmodified-Since false reads the object (AWS rule)")
check(error(s3.get_object, Bucket=bucket, Key="digits", IfNoneMatch=etag, IfModifiedSince=past) == ("304", 304),
      "If-None-Match false with If-Modified-Since true is 304 (AWS rule)")
check(error(s3.get_object, Bucket=bucket, Key="nope", IfMatch=etag) == ("NoSuchKey", 404), "If-Match on a missing key is NoSuchKey")

# Conditional writes (AWS since 2024): If-None-Match * creates only; If-Match needs the ETag.
check(error(s3.put_object, Bucket=bucket, Key="digits", Body=b"clobber", IfNoneMatch="*") == ("PreconditionFailed", 412),
      "PutObject If-None-Match * on an existing key is PreconditionFailed")
check(body(bucket, "digits") == b"0123456789", "and the object is unchanged")
s3.put_object(Bucket=bucket, Key="create-only", Body=b"new", IfNoneMatch="*")
check(body(bucket, "create-only") == b"new", "PutObject If-None-Match * creates a new key")
check(error(s3.put_object, Bucket=bucket, Key="create-only", Body=b"x", IfMatch='"0000"') == ("PreconditionFailed", 412),
      "PutObject If-Match with another ETag is PreconditionFailed")
s3.put_object(Bucket=bucket, Key="create-only", Body=b"newer", IfMatch=md5_etag(b"new"))
check(body(bucket, "create-only") == b"newer", "PutObject If-Match with the current ETag overwrites")
check(code(s3.put_object, Bucket=bucket, Key="never-was", Body=b"x", IfMatch=md5_etag(b"x")) == "NoSuchKey",
      "PutObject If-Match on a missing key is NoSuchKey")

# --- response-* overrides ----------------------------------------------------------------------
# moto differs: moto ignores the response-* parameters.
g = s3.get_object(Bucket=bucket, Key="digits", ResponseContentType="application/x-over",
                  ResponseContentDisposition="inline; filename=d.txt", ResponseCacheControl="no-store",
                  ResponseContentLanguage="fr", ResponseContentEncoding="identity",
                  ResponseExpires=datetime.datetime(2030, 6, 1, tzinfo=datetime.timezone.utc))
hdrs = g["ResponseMetadata"]["HTTPHeaders"]
check(g["ContentType"] == "application/x-over" and g["ContentDisposition"] == "inline; filename=d.txt"
      and g["CacheControl"] == "no-store" and g["ContentLanguage"] == "fr" and g["ContentEncoding"] == "identity",
      "response-* parameters override the GET's headers")
check(hdrs.get("expires") == "Sat, 01 Jun 2030 00:00:00 GMT", f"response-expires overrides Expires ({hdrs.get('expires')})")
check(g["Body"].read() == b"0123456789", "and the body is the object's")
check(s3.head_object(Bucket=bucket, Key="digits")["ContentType"] != "application/x-over", "the override is not stored")

# --- Content-MD5 -----------------------------------------------------------------------------
payload = b"integrity matters"
s3.put_object(Bucket=bucket, Key="md5-ok", Body=payload, ContentMD5=b64(hashlib.md5(payload).digest()))
check(body(bucket, "md5-ok") == payload, "a correct Content-MD5 is accepted")
# moto differs: moto does not verify Content-MD5 on PutObject (it stores md5-bad).
check(error(s3.put_object, Bucket=bucket, Key="md5-bad", Body=payload, ContentMD5=b64(hashlib.md5(b"other").digest()))
      == ("BadDigest", 400), "a wrong Content-MD5 is BadDigest (400)")
check(code(s3.head_object, Bucket=bucket, Key="md5-bad") == "404", "and nothing is stored")
check(error(s3.put_object, Bucket=bucket, Key="md5-bad", Body=payload, ContentMD5="not-an-md5")
      == ("InvalidDigest", 400), "a malformed Content-MD5 is InvalidDigest (400)")
check(code(s3.put_object, Bucket=bucket, Key="md5-bad", Body=payload, ContentMD5=b64(b"short"))
      == "InvalidDigest", "a Content-MD5 that is not 16 bytes is InvalidDigest")
check(code(s3.head_object, Bucket=bucket, Key="md5-bad") == "404", "still nothing stored")

# --- flexible checksums ------------------------------------------------------------------------
payload = os.urandom(3000) + "checksummed ✓".encode()
expected = {
    "CRC32": crc32_b64(payload),
    "CRC32C": crc32c_b64(payload),
    "SHA1": b64(hashlib.sha1(payload).digest()),
    "SHA256": b64(hashlib.sha256(payload).digest()),
}
for algo, value in expected.items():
    key = f"sum-{algo.lower()}"
    if algo == "CRC32C":  # botocore computes CRC32C only with awscrt: send the value as it would
        r = s3.put_object(Bucket=bucket, Key=key, Body=payload, ChecksumAlgorithm="CRC32C", ChecksumCRC32C=value)
    else:
        r = s3.put_object(Bucket=bucket, Key=key, Body=payload, ChecksumAlgorithm=algo)
    check(r.get(f"Checksum{algo}") == value, f"PutObject with {algo} echoes the checksum ({r.get(f'Checksum{algo}')})")
    h = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    check(h.get(f"Checksum{algo}") == value, f"HeadObject ChecksumMode ENABLED returns the {algo}")
    g = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    check(g.get(f"Checksum{algo}") == value and g["Body"].read() == payload, f"GetObject ChecksumMode ENABLED returns the {algo}")
h = s3.head_object(Bucket=bucket, Key="sum-sha256")
check("ChecksumSHA256" not in h, "without ChecksumMode no checksum is returned")
# A bare x-amz-checksum-sha256 header (no x-amz-sdk-checksum-algorithm) is a valid request on AWS.
# moto differs: moto ignores a checksum header without x-amz-sdk-checksum-algorithm.
s3.put_object(Bucket=bucket, Key="sum-explicit", Body=payload, ChecksumSHA256=expected["SHA256"])
check(s3.head_object(Bucket=bucket, Key="sum-explicit", ChecksumMode="ENABLED").get("ChecksumSHA256") == expected["SHA256"],
      "an explicit correct ChecksumSHA256 is accepted and stored")
# moto differs: moto stores whatever checksum it is sent without verifying it.
wrong = b64(hashlib.sha256(b"not the payload").digest())
check(error(s3.put_object, Bucket=bucket, Key="sum-wrong", Body=payload, ChecksumAlgorithm="SHA256", ChecksumSHA256=wrong)
      == ("BadDigest", 400), "a wrong ChecksumSHA256 is BadDigest (400)")
check(code(s3.head_object, Bucket=bucket, Key="sum-wrong") == "404", "and nothing is stored")
check(code(s3.put_object, Bucket=bucket, Key="sum-wrong", Body=payload, ChecksumSHA256=wrong) == "BadDigest",
      "a wrong bare x-amz-checksum-sha256 header is BadDigest")
check(code(s3.put_object, Bucket=bucket, Key="sum-wrong", Body=payload, ChecksumAlgorithm="CRC32",
           ChecksumCRC32=crc32_b64(b"other")) == "BadDigest", "a wrong ChecksumCRC32 is BadDigest")
check(code(s3.put_object, Bucket=bucket, Key="sum-wrong", Body=payload, ChecksumAlgorithm="CRC32C",
           ChecksumCRC32C=crc32c_b64(b"other")) == "BadDigest", "a wrong ChecksumCRC32C is BadDigest")
check(code(s3.head_object, Bucket=bucket, Key="sum-wrong") == "404", "still nothing stored")
# The default (flexible checksums on) put sends x-amz-checksum-crc32; S3 keeps and returns it.
s3.put_object(Bucket=bucket, Key="sum-default", Body=payload)
check(s3.head_object(Bucket=bucket, Key="sum-default", ChecksumMode="ENABLED").get("ChecksumCRC32") == expected["CRC32"],
      "a default boto3 put stores the CRC32 the SDK sent")

# --- deletes ---------------------------------------------------------------------------------
s3.put_object(Bucket=bucket, Key="doomed", Body=b"x")
check(status(s3.delete_object(Bucket=bucket, Key="doomed")) == 204, "DeleteObject is 204")
check(code(s3.head_object, Bucket=bucket, Key="doomed") == "404", "the object is gone")
check(status(s3.delete_object(Bucket=bucket, Key="doomed")) == 204, "DeleteObject on a missing key is 204 too")
check(code(s3.delete_object, Bucket=f"missing-{RUN}", Key="k") == "NoSuchBucket", "DeleteObject in a missing bucket is NoSuchBucket")
for k in ["d1", "d2", "d3", "d4"]:
    s3.put_object(Bucket=bucket, Key=k, Body=b"x")
r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d1"}, {"Key": "d2"}, {"Key": "d-missing"}]})
check(sorted(d["Key"] for d in r.get("Deleted", [])) == ["d-missing", "d1", "d2"] and not r.get("Errors"),
      "DeleteObjects reports every key Deleted, a missing one included")
# moto differs: moto lists the deleted keys even when Quiet.
r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d3"}, {"Key": "d4"}], "Quiet": True})
check(not r.get("Deleted") and not r.get("Errors"), "DeleteObjects Quiet reports nothing on success")
check(code(s3.head_object, Bucket=bucket, Key="d3") == "404" and code(s3.head_object, Bucket=bucket, Key="d4") == "404",
      "and the quiet deletes happened")

# --- copies ----------------------------------------------------------------------------------
src = "copy src/ü+%?.txt"
src_data = b"copy me"
s3.put_object(Bucket=bucket, Key=src, Body=src_data, ContentType="text/x-src", Metadata={"origin": "src"})
src_etag = md5_etag(src_data)
r = s3.copy_object(Bucket=bucket, Key="copy-same", CopySource={"Bucket": bucket, "Key": src})
check(r["CopyObjectResult"]["ETag"] == src_etag, "CopyObject's result ETag is the source's")
h = s3.head_object(Bucket=bucket, Key="copy-same")
check(body(bucket, "copy-same") == src_data and h["ContentType"] == "text/x-src" and h["Metadata"] == {"origin": "src"},
      "a copy (default COPY directive, key needing URL-encoding) keeps bytes, content type and metadata")
s3.copy_object(Bucket=other, Key="copied", CopySource={"Bucket": bucket, "Key": src}, MetadataDirective="COPY")
check(body(other, "copied") == src_data and s3.head_object(Bucket=other, Key="copied")["Metadata"] == {"origin": "src"},
      "a copy across buckets keeps bytes and metadata")
s3.copy_object(Bucket=bucket, Key="copy-replaced", CopySource=f"{bucket}/{src}", MetadataDirective="REPLACE",
               ContentType="text/x-new", Metadata={"fresh": "yes"})
h = s3.head_object(Bucket=bucket, Key="copy-replaced")
check(h["ContentType"] == "text/x-new" and h["Metadata"] == {"fresh": "yes"} and body(bucket, "copy-replaced") == src_data,
      "REPLACE takes the request's content type and metadata")
check(error(s3.copy_object, Bucket=bucket, Key=src, CopySource={"Bucket": bucket, "Key": src}) == ("InvalidRequest", 400),
      "copying an object onto itself without REPLACE is InvalidRequest")
s3.copy_object(Bucket=bucket, Key=src, CopySource={"Bucket": bucket, "Key": src}, MetadataDirective="REPLACE",
               Metadata={"origin": "self"}, ContentType="text/x-src")
check(s3.head_object(Bucket=bucket, Key=src)["Metadata"] == {"origin": "self"}, "copying onto itself with REPLACE updates metadata")
# moto differs: moto ignores CopySourceIfMatch (and so stores copy-x, failing "failed copies store nothing").
check(error(s3.copy_object, Bucket=bucket, Key="copy-x", CopySource={"Bucket": bucket, "Key": src}, CopySourceIfMatch='"0000"')
      == ("PreconditionFailed", 412), "CopySourceIfMatch with another ETag is PreconditionFailed")
s3.copy_object(Bucket=bucket, Key="copy-if", CopySource={"Bucket": bucket, "Key": src}, CopySourceIfMatch=src_etag)
check(body(bucket, "copy-if") == src_data, "CopySourceIfMatch with the ETag copies")
check(code(s3.copy_object, Bucket=bucket, Key="copy-x", CopySource={"Bucket": bucket, "Key": "nope"}) == "NoSuchKey",
      "copying a missing key is NoSuchKey")
check(code(s3.copy_object, Bucket=bucket, Key="copy-x", CopySource={"Bucket": f"missing-{RUN}", "Key": "k"}) == "NoSuchBucket",
      "copying from a missing bucket is NoSuchBucket")
check(code(s3.head_object, Bucket=bucket, Key="copy-x") == "404", "failed copies store nothing")

# --- listings --------------------------------------------------------------------------------
r = s3.list_objects_v2(Bucket=empty)
check(r["KeyCount"] == 0 and "Contents" not in r and r["IsTruncated"] is False, "an empty bucket lists nothing")
base_keys = ["a/1", "a/2", "a/b/3", "b/4", "c", "sp ace"]
page_keys = [f"page/{i:02d}" for i in range(25)]
order_keys = ["o/Z", "o/a", "o/é", "o/ß", "o/~", "o/日", "o/😀", "o/-", "o/0"]
for k in base_keys + page_keys + order_keys:
    s3.put_object(Bucket=listing, Key=k, Body=b"x")
everything = sorted(base_keys + page_keys + order_keys, key=lambda k: k.encode())

r = s3.list_objects_v2(Bucket=listing, Prefix="a/")
check([o["Key"] for o in r["Contents"]] == ["a/1", "a/2", "a/b/3"] and r["KeyCount"] == 3, "ListObjectsV2 with a prefix")
o = r["Contents"][0]
check(o["Size"] == 1 and o["ETag"] == md5_etag(b"x") and o["StorageClass"] == "STANDARD" and "LastModified" in o,
      "listed objects carry Size, ETag, StorageClass and LastModified")
check("Owner" not in o, "listed objects have no Owner without FetchOwner")
r = s3.list_objects_v2(Bucket=listing, Prefix="a/", FetchOwner=True)
check(all("Owner" in o and o["Owner"].get("ID") for o in r["Contents"]), "FetchOwner adds the Owner")

r = s3.list_objects_v2(Bucket=listing, Delimiter="/")
check([o["Key"] for o in r["Contents"]] == ["c", "sp ace"], "Delimiter / leaves only top-level keys in Contents")
check([p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "o/", "page/"], "and rolls the rest up into CommonPrefixes")
check(r["KeyCount"] == 6 and r["Delimiter"] == "/", "KeyCount counts keys and common prefixes")
r = s3.list_objects_v2(Bucket=listing, Prefix="a/", Delimiter="/")
check([o["Key"] for o in r["Contents"]] == ["a/1", "a/2"] and [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/b/"],
      "Prefix with Delimiter")

got, token, pages = [], None, 0
for _ in range(10):
    kw = {"ContinuationToken": token} if token else {}
    r = s3.list_objects_v2(Bucket=listing, Prefix="page/", MaxKeys=10, **kw)
    pages += 1
    got += [o["Key"] for o in r.get("Contents", [])]
    check(r["MaxKeys"] == 10 and r["KeyCount"] == len(r.get("Contents", [])), f"page {pages}: MaxKeys and KeyCount")
    if not r["IsTruncated"]:
        check("NextContinuationToken" not in r, "the last page has no NextContinuationToken")
        break
    token = r["NextContinuationToken"]
    check(bool(token), f"page {pages} is truncated with a NextContinuationToken")
check(pages == 3 and got == page_keys, f"MaxKeys 10 pages 25 keys in 3 pages, in order ({pages} pages)")
# ListObjectVersions on a bucket that never had versioning: each object is its one null version.
check(s3.get_bucket_versioning(Bucket=listing).get("Status") is None, "a new bucket has no versioning status")
r = s3.list_object_versions(Bucket=listing, Prefix="a/")
vs = r["Versions"]
check([v["Key"] for v in vs] == ["a/1", "a/2", "a/b/3"], f"ListObjectVersions lists each object ({r})")
check(all(v["VersionId"] == "null" and v["IsLatest"] and v["Size"] == 1 and v["ETag"] == md5_etag(b"x")
          and v["Owner"]["ID"] for v in vs), "as its null version, the latest")
check("DeleteMarkers" not in r and not r["IsTruncated"], "with no delete markers")
r = s3.list_object_versions(Bucket=listing, Delimiter="/")
check([p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/", "o/", "page/"], "ListObjectVersions with a delimiter")
r = s3.list_object_versions(Bucket=listing, Prefix="page/", MaxKeys=10)
check(r["IsTruncated"] and r["NextKeyMarker"] == "page/09" and r["NextVersionIdMarker"] == "null",
      "a truncated version listing names the next markers")
r = s3.list_object_versions(Bucket=listing, Prefix="page/", KeyMarker="page/09", VersionIdMarker="null")
check([v["Key"] for v in r["Versions"]][:2] == ["page/10", "page/11"], "and goes on after them")
pages = s3.get_paginator("list_object_versions").paginate(Bucket=listing, Prefix="page/", PaginationConfig={"PageSize": 7})
check([v["Key"] for p in pages for v in p.get("Versions", [])] == page_keys, "boto3's paginator walks every version")
check(error(s3.list_object_versions, Bucket=listing, VersionIdMarker="null") == ("InvalidArgument", 400),
      "a version-id marker without a key marker is refused")
check(code(s3.list_object_versions, Bucket=f"no-such-{RUN}") == "NoSuchBucket", "ListObjectVersions of a missing bucket")
r = s3.list_objects_v2(Bucket=listing, Prefix="page/", StartAfter="page/19")
check([o["Key"] for o in r["Contents"]] == page_keys[20:], "StartAfter starts after the key")
r = s3.list_objects_v2(Bucket=listing, StartAfter="zzz")
check(r["KeyCount"] == 0 and "Contents" not in r, "StartAfter past the last key lists nothing")
# boto3 asks for EncodingType url on every listing and decodes the keys itself (the listings above
# went through that); asked for explicitly, the keys come back still encoded. AWS form-encodes
# (a space as "+"); "%20" decodes the same way, so either is accepted.
s3.put_object(Bucket=listing, Key="sp ace+plus/é", Body=b"x")
r = s3.list_objects_v2(Bucket=listing, Prefix="sp", EncodingType="url")
raw = [o["Key"] for o in r["Contents"]]
check([unquote_plus(k) for k in raw] == ["sp ace", "sp ace+plus/é"] and " " not in "".join(raw) and r.get("EncodingType") == "url",
      f"EncodingType url encodes the keys ({raw})")
s3.delete_object(Bucket=listing, Key="sp ace+plus/é")
r = s3.list_objects_v2(Bucket=listing, MaxKeys=1000)
check([o["Key"] for o in r["Contents"]] == everything, "keys are listed in UTF-8 byte order")
r = s3.list_objects_v2(Bucket=listing, MaxKeys=0)
check(r["KeyCount"] == 0 and "Contents" not in r, "MaxKeys 0 lists nothing")
check(code(s3.list_objects_v2, Bucket=f"missing-{RUN}") == "NoSuchBucket", "listing a missing bucket is NoSuchBucket")

r = s3.list_objects(Bucket=listing, Prefix="page/", MaxKeys=10)
check(len(r["Contents"]) == 10 and r["IsTruncated"] is True, "ListObjects (v1) truncates at MaxKeys")
# AWS returns NextMarker only when a delimiter was given; otherwise the client uses the last key.
# moto differs: moto returns a NextMarker without a delimiter, ignores MaxKeys with a delimiter
# and gives no NextMarker then, and lists a Marker's own common prefix again.
check("NextMarker" not in r, "ListObjects without a delimiter has no NextMarker (AWS)")
r = s3.list_objects(Bucket=listing, Prefix="page/", Marker=r["Contents"][-1]["Key"], MaxKeys=100)
check([o["Key"] for o in r["Contents"]] == page_keys[10:] and r["IsTruncated"] is False, "Marker continues after the key")
r = s3.list_objects(Bucket=listing, Delimiter="/", MaxKeys=2)
check(r["IsTruncated"] is True and r.get("NextMarker") == "b/", f"ListObjects with a delimiter gives NextMarker ({r.get('NextMarker')})")
r = s3.list_objects(Bucket=listing, Delimiter="/", Marker="b/")
check([o["Key"] for o in r.get("Contents", [])] == ["c", "sp ace"] and [p["Prefix"] for p in r["CommonPrefixes"]] == ["o/", "page/"],
      "a Marker that is a common prefix skips that prefix's keys")

# --- bucket deletion rules ---------------------------------------------------------------------
check(error(s3.delete_bucket, Bucket=listing) == ("BucketNotEmpty", 409), "deleting a non-empty bucket is BucketNotEmpty (409)")

# --- a KMS key that does not exist (encryption at large: s3_encryption.py) ------------------------
check(error(s3.put_object, Bucket=bucket, Key="sse.txt", Body=b"x", ServerSideEncryption="aws:kms",
           SSEKMSKeyId="k")[0] == "KMS.NotFoundException", "SSE-KMS under a key that does not exist is refused")
check(code(s3.head_object, Bucket=bucket, Key="sse.txt") == "404", "a refused SSE-KMS put stores nothing")
check(error(s3.put_object, Bucket=bucket, Key="locked", Body=b"x", ObjectLockLegalHoldStatus="ON")[0] == "InvalidRequest",
      "object lock on a bucket made without it is InvalidRequest (s3_object_lock.py tests object lock)")
check(code(s3.head_object, Bucket=bucket, Key="locked") == "404", "and stores nothing")
locked = f"locked-{RUN}"
s3.create_bucket(Bucket=locked, ObjectLockEnabledForBucket=False)
check(s3.get_bucket_versioning(Bucket=locked).get("Status") is None, "ObjectLockEnabledForBucket=False asks for nothing")
s3.delete_bucket(Bucket=locked)

# --- S3's header limits: 2 KiB of user metadata, 8 KiB of headers ---------------------------------
check(error(s3.put_object, Bucket=bucket, Key="meta", Body=b"x", Metadata={"big": "v" * 2100}) == ("MetadataTooLarge", 400),
      "more than 2 KiB of user metadata is MetadataTooLarge")
s3.put_object(Bucket=bucket, Key="meta", Body=b"x", Metadata={"fits": "v" * 1900})
check(len(s3.head_object(Bucket=bucket, Key="meta")["Metadata"]["fits"]) == 1900, "1.9 KiB of user metadata is kept")
check(code(s3.head_object, Bucket=bucket, Key="meta", IfNoneMatch="x" * 9000) == "400",
      "a request whose headers pass 8 KiB is refused (HEAD: status only)")

# --- virtual-host addressing -------------------------------------------------------------------
parts = urlsplit(ENDPOINT)
port = parts.port or 80
vhost_endpoint = urlunsplit((parts.scheme, f"localhost:{port}", parts.path, "", ""))
try:
    socket.getaddrinfo(f"{bucket}.localhost", port)
except socket.gaierror:
    # <bucket>.localhost does not resolve here: resolve *.localhost to 127.0.0.1 in-process only,
    # so the request still carries Host: <bucket>.localhost:<port>.
    print(f"note: {bucket}.localhost does not resolve on this machine; resolving *.localhost in-process")
    _getaddrinfo = socket.getaddrinfo

    def _local_getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".localhost"):
            host = "127.0.0.1"
        return _getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = _local_getaddrinfo
vs3 = boto3.client("s3", endpoint_url=vhost_endpoint,
                   config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "virtual"}))
vs3.put_object(Bucket=bucket, Key="vhost/obj.txt", Body=b"virtual")
check(vs3.get_object(Bucket=bucket, Key="vhost/obj.txt")["Body"].read() == b"virtual", "virtual-host style put and get")
check(body(bucket, "vhost/obj.txt") == b"virtual", "a virtual-host put is visible path-style")
check([o["Key"] for o in vs3.list_objects_v2(Bucket=bucket, Prefix="vhost/")["Contents"]] == ["vhost/obj.txt"],
      "virtual-host style listing")

# --- a 20 MiB object in one request ------------------------------------------------------------
big = os.urandom(20 * 1024 * 1024)
big_md5 = hashlib.md5(big).hexdigest()
r = s3.put_object(Bucket=bucket, Key="big.bin", Body=big)
check(r["ETag"] == f'"{big_md5}"', "a 20 MiB PutObject answers its MD5")
check(hashlib.md5(body(bucket, "big.bin")).hexdigest() == big_md5, "a 20 MiB GetObject returns the same bytes")
single = TransferConfig(multipart_threshold=100 * 1024 * 1024)
s3.upload_fileobj(io.BytesIO(big), bucket, "big-managed.bin", Config=single)
check(s3.head_object(Bucket=bucket, Key="big-managed.bin")["ETag"] == f'"{big_md5}"',
      "upload_fileobj under the multipart threshold stores one plain object")
out = io.BytesIO()
s3.download_fileobj(bucket, "big-managed.bin", out, Config=single)
check(hashlib.md5(out.getvalue()).hexdigest() == big_md5, "download_fileobj returns the same bytes")

# --- clean up --------------------------------------------------------------------------------
for b in [bucket, other, listing, empty]:
    empty_bucket(b)
    s3.delete_bucket(Bucket=b)
check(code(s3.head_bucket, Bucket=bucket) == "404", "deleted buckets are gone")
print("all S3 core checks passed")
