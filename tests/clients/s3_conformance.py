"""S3 details third-party conformance suites check, through boto3 against a running Squall:
checksum errors, CompleteMultipartUpload repeated, with a part sent twice and with the
object's checksum, tag limits and order, conditional writes with ETags, ListObjects (v1)
echoing its prefix, non-ASCII metadata, expired presigned URLs, ListBuckets paging,
GetObjectAttributes, and the bucket settings answered in their default state (accelerate,
request payment, replication).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import base64
import hashlib
import http.client
import time
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from s3_common import check, error

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
bucket = f"conform-{RUN}"
MIB = 1 << 20


s3.create_bucket(Bucket=bucket)

# --- checksums --------------------------------------------------------------------------------
check(error(s3.put_object, Bucket=bucket, Key="c", Body=b"A" * 1024, ChecksumSHA256="bad") == ("BadDigest", 400),
      "a checksum that is no digest is BadDigest")
wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
check(error(s3.put_object, Bucket=bucket, Key="c", Body=b"A" * 1024, ChecksumSHA256=wrong) == ("BadDigest", 400),
      "a checksum of other bytes is BadDigest")
check(error(s3.head_object, Bucket=bucket, Key="c")[1] == 404, "and nothing was stored")

# --- CompleteMultipartUpload -------------------------------------------------------------------
key = "mp.bin"
up = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="SHA256")["UploadId"]
p1 = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"1" * (5 * MIB), ChecksumAlgorithm="SHA256")
p2_old = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=2, Body=b"old", ChecksumAlgorithm="SHA256")
p2 = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=2, Body=b"two", ChecksumAlgorithm="SHA256")
parts = [{"PartNumber": 1, "ETag": p1["ETag"], "ChecksumSHA256": p1["ChecksumSHA256"]},
         {"PartNumber": 2, "ETag": p2_old["ETag"]},
         {"PartNumber": 2, "ETag": p2["ETag"], "ChecksumSHA256": p2["ChecksumSHA256"]}]
check(error(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts},
            ChecksumSHA256="bad") == ("BadDigest", 400), "Complete with a checksum the parts do not make is BadDigest")
done = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
check(s3.get_object(Bucket=bucket, Key=key, Range="bytes=-3")["Body"].read() == b"two",
      "a part number listed twice counts as its last listing (the part sent again)")
again = s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload={"Parts": parts})
check(again["ETag"] == done["ETag"], "completing the same upload again answers with the object it made")
check(error(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId="0" * 64,
            MultipartUpload={"Parts": parts}) == ("NoSuchUpload", 404), "an upload that never was is NoSuchUpload")
check(error(s3.get_object, Bucket=bucket, Key=key, PartNumber=3) == ("InvalidPartNumber", 400),
      "a part number past the last is InvalidPartNumber (400)")
up = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
p = s3.upload_part(Bucket=bucket, Key=key, UploadId=up, PartNumber=1, Body=b"x")
one = {"Parts": [{"PartNumber": 1, "ETag": p["ETag"]}]}
check(error(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload=one,
            IfNoneMatch="*") == ("PreconditionFailed", 412), "Complete with If-None-Match * on an existing key")
check(error(s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=up, MultipartUpload=one,
            IfMatch='"0000"') == ("PreconditionFailed", 412), "Complete with If-Match of another ETag")
s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=up, MultipartUpload=one, IfMatch=done["ETag"])
check(s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == 1, "Complete with If-Match of the current ETag")

# --- tags ---------------------------------------------------------------------------------------
s3.put_object(Bucket=bucket, Key="t", Body=b"t", Tagging="foo=bar&bar")
check(s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "bar", "Value": ""}, {"Key": "foo", "Value": "bar"}],
      "tags come back in key order (a tag without = has an empty value)")
eleven = {"TagSet": [{"Key": str(i), "Value": "v"} for i in range(11)]}
check(error(s3.put_object_tagging, Bucket=bucket, Key="t", Tagging=eleven) == ("InvalidTag", 400), "11 tags are InvalidTag")
ten = {"TagSet": [{"Key": str(i), "Value": "v"} for i in range(10)]}
s3.put_object_tagging(Bucket=bucket, Key="t", Tagging=ten)
check(s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == ten["TagSet"], "10 tags are kept")

# --- conditional writes with ETags -------------------------------------------------------------
etag = s3.put_object(Bucket=bucket, Key="cond", Body=b"v1")["ETag"]
check(error(s3.put_object, Bucket=bucket, Key="cond", Body=b"v2", IfNoneMatch=etag) == ("PreconditionFailed", 412),
      "If-None-Match with the current ETag fails")
s3.put_object(Bucket=bucket, Key="cond", Body=b"v2", IfNoneMatch='"badetag"')
check(s3.get_object(Bucket=bucket, Key="cond")["Body"].read() == b"v2", "If-None-Match with another ETag writes")
s3.put_object(Bucket=bucket, Key="fresh", Body=b"x", IfNoneMatch=etag)
check(s3.head_object(Bucket=bucket, Key="fresh")["ContentLength"] == 1, "If-None-Match with an ETag writes a new key")
check(error(s3.put_object, Bucket=bucket, Key="missing", Body=b"x", IfMatch="*") == ("NoSuchKey", 404),
      "If-Match * on a missing key is NoSuchKey")

# --- ListObjects (v1) echoes its prefix as sent --------------------------------------------------
s3.put_object(Bucket=bucket, Key="a b/c+d", Body=b"x")
r = s3.list_objects(Bucket=bucket, Prefix="a b/", EncodingType="url")
check(r["Prefix"] == "a b/" and [o["Key"] for o in r["Contents"]] == ["a%20b/c%2Bd"],
      f"v1 keeps Prefix raw and encodes keys ({r['Prefix']!r}, {[o['Key'] for o in r['Contents']]})")
r = s3.list_objects(Bucket=bucket, Prefix="a b/")
check(r["Prefix"] == "a b/" and [o["Key"] for o in r["Contents"]] == ["a b/c+d"], "and boto3's own decoding agrees")

# --- non-ASCII metadata --------------------------------------------------------------------------
# boto3 refuses non-ASCII metadata itself; a raw header goes out as ISO-8859-1 bytes, signed.
raw = boto3.client("s3", config=cfg)
raw.meta.events.register("before-sign.s3.PutObject",
                         lambda request, **kw: request.headers.__setitem__("x-amz-meta-accent", "Hello World\xe9"))
raw.put_object(Bucket=bucket, Key="meta", Body=b"x", Metadata={"plain": "ascii"})
meta = s3.head_object(Bucket=bucket, Key="meta")["Metadata"]
check(meta["plain"] == "ascii" and meta["accent"] == "=?UTF-8?B?" + base64.b64encode("Hello World\xe9".encode()).decode() + "?=",
      f"a non-ASCII value is kept and returned RFC 2047-encoded, as S3 does ({meta})")

# --- expired presigned URLs ------------------------------------------------------------------------
v4 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
for client, kind in ((s3, "SigV2"), (v4, "SigV4")):
    for expires in (-1000, 0):
        url = urlsplit(client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "late"}, ExpiresIn=expires))
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        conn.request("PUT", f"{url.path}?{url.query}", body=b"x")
        reply = conn.getresponse()
        check(reply.status == 403 and b"<Code>AccessDenied</Code>" in reply.read(),
              f"a {kind} presigned PUT valid for {expires} s is 403 AccessDenied ({reply.status})")
check(error(s3.head_object, Bucket=bucket, Key="late")[1] == 404, "and stored nothing")

# --- ListBuckets paging ------------------------------------------------------------------------------
names = [f"page-{RUN}-{i}" for i in range(3)]
for n in names:
    s3.create_bucket(Bucket=n)
r = s3.list_buckets(Prefix=f"page-{RUN}-", MaxBuckets=2)
check([b["Name"] for b in r["Buckets"]] == names[:2] and r.get("ContinuationToken") and r.get("Prefix") == f"page-{RUN}-",
      "ListBuckets: a page of MaxBuckets, a continuation token, the prefix")
r = s3.list_buckets(Prefix=f"page-{RUN}-", MaxBuckets=2, ContinuationToken=r["ContinuationToken"])
check([b["Name"] for b in r["Buckets"]] == names[2:] and "ContinuationToken" not in r, "and the last page")
pages = s3.get_paginator("list_buckets").paginate(Prefix=f"page-{RUN}-", PaginationConfig={"PageSize": 1})
check([b["Name"] for p in pages for b in p["Buckets"]] == names, "boto3's paginator walks them")
check(error(s3.list_buckets, ContinuationToken="!!")[0] == "InvalidArgument", "a token Squall did not make is InvalidArgument")
check(s3.create_bucket(Bucket=names[0])["ResponseMetadata"]["HTTPStatusCode"] == 200,
      "creating a bucket you own again is 200 in us-east-1")
for n in names:
    s3.delete_bucket(Bucket=n)

# --- GetObjectAttributes -------------------------------------------------------------------------
plain = s3.put_object(Bucket=bucket, Key="attrs", Body=b"abc", ChecksumAlgorithm="SHA256")
attrs = s3.get_object_attributes(Bucket=bucket, Key="attrs",
                                 ObjectAttributes=["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"])
check(attrs["ETag"] == plain["ETag"].strip('"') and attrs["ObjectSize"] == 3 and attrs["StorageClass"] == "STANDARD"
      and attrs["Checksum"]["ChecksumSHA256"] == plain["ChecksumSHA256"] and "ObjectParts" not in attrs
      and "VersionId" not in attrs, f"GetObjectAttributes of a plain object ({attrs})")
mp = s3.get_object_attributes(Bucket=bucket, Key=key, ObjectAttributes=["ObjectParts", "ObjectSize"])
check(mp["ObjectParts"]["TotalPartsCount"] == 1 and mp["ObjectParts"]["Parts"] == [{"PartNumber": 1, "Size": 1}],
      f"and of a multipart object, its parts ({mp['ObjectParts']})")
up = s3.create_multipart_upload(Bucket=bucket, Key="three")["UploadId"]
etags = [s3.upload_part(Bucket=bucket, Key="three", UploadId=up, PartNumber=n, Body=bytes([n]) * (5 * MIB if n < 3 else 1))["ETag"]
         for n in (1, 2, 3)]
s3.complete_multipart_upload(Bucket=bucket, Key="three", UploadId=up,
                             MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in zip((1, 2, 3), etags)]})
page = s3.get_object_attributes(Bucket=bucket, Key="three", ObjectAttributes=["ObjectParts"], MaxParts=1, PartNumberMarker=1)
op = page["ObjectParts"]
check(op["IsTruncated"] and op["NextPartNumberMarker"] == 2 and [p["PartNumber"] for p in op["Parts"]] == [2],
      f"its parts page by MaxParts and PartNumberMarker ({op})")
check(error(s3.get_object_attributes, Bucket=bucket, Key="attrs", ObjectAttributes=["Colour"])[0] == "InvalidArgument",
      "an unknown attribute is InvalidArgument")
check(error(s3.get_object_attributes, Bucket=bucket, Key="nope", ObjectAttributes=["ETag"])[1] == 404, "a missing key is 404")

# --- settings in their default state -------------------------------------------------------------
check("Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket), "transfer acceleration is off")
check(s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner", "the owner pays")
s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "BucketOwner"})
check(error(s3.put_bucket_request_payment, Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
      == ("NotImplemented", 501), "Requester Pays is refused by name")
check(error(s3.get_bucket_replication, Bucket=bucket) == ("ReplicationConfigurationNotFoundError", 404),
      "no replication configuration")
check(error(s3.put_bucket_accelerate_configuration, Bucket=bucket,
            AccelerateConfiguration={"Status": "Enabled"}) == ("NotImplemented", 501), "acceleration cannot be turned on")

for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
    s3.delete_object(Bucket=bucket, Key=o["Key"])
s3.delete_bucket(Bucket=bucket)
print("all S3 conformance checks passed")
