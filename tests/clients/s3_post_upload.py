"""Browser form uploads (POST object) through forms boto3's generate_presigned_post signs,
posted with urllib3 as a browser would post them: SigV2 (boto3's default in us-east-1) and
SigV4 policies, their conditions (exact, starts-with, ${filename}, content-length-range,
extra fields), expiry, success_action_status and success_action_redirect, metadata,
tagging, SSE and the anonymous forms a bucket policy allows; and the errors S3 gives.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import json
import os
import time
import xml.etree.ElementTree as ET

import urllib3
from botocore.config import Config
from s3_common import check, client

RUN = str(int(time.time() * 1000))[-7:]
s3 = client()
v4 = client(config=Config(signature_version="s3v4", retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
http = urllib3.PoolManager(retries=False, timeout=30)
bucket = f"post-{RUN}"
s3.create_bucket(Bucket=bucket)


def post(fields, body=b"hello form", filename="photo.png", url=None):
    """POSTs `fields` then the file, as a browser's multipart form does."""
    form = list(fields.items()) + [("file", (filename, body, "application/octet-stream"))]
    r = http.request("POST", url or f"{endpoint}/{bucket}", fields=form, redirect=False)
    return r.status, r.headers, r.data.decode("utf-8", "replace")


def code(data):
    try:
        return ET.fromstring(data).findtext("Code")
    except ET.ParseError:
        return None


# SigV2, boto3's default for presigned posts in us-east-1: 204 and the object.
p = s3.generate_presigned_post(bucket, "v2/plain.txt", ExpiresIn=300)
check("AWSAccessKeyId" in p["fields"] and "signature" in p["fields"], "boto3 signs this form with SigV2")
status, headers, _ = post(p["fields"], b"signed the old way")
check(status == 204, f"a SigV2 form uploads with 204 ({status})")
check(headers.get("ETag", "").startswith('"'), "the answer carries the ETag")
check(headers.get("Location", "").endswith(f"/{bucket}/v2/plain.txt"), f"and the Location ({headers.get('Location')})")
got = s3.get_object(Bucket=bucket, Key="v2/plain.txt")
check(got["Body"].read() == b"signed the old way", "the object holds the file's bytes")
check(got["ETag"] == headers["ETag"], "with the ETag the form was given")

# SigV4 with conditions, ${filename}, metadata, content type and 201's document.
fields = {
    "Content-Type": "image/png",
    "x-amz-meta-owner": "ada",
    "success_action_status": "201",
    "tagging": "<Tagging><TagSet><Tag><Key>kind</Key><Value>upload</Value></Tag></TagSet></Tagging>",
    "x-amz-server-side-encryption": "AES256",
}
conditions = [
    ["starts-with", "$key", "uploads/"],
    ["starts-with", "$Content-Type", "image/"],
    {"x-amz-meta-owner": "ada"},
    {"success_action_status": "201"},
    ["starts-with", "$tagging", ""],
    {"x-amz-server-side-encryption": "AES256"},
    ["content-length-range", 1, 64],
]
p = v4.generate_presigned_post(bucket, "uploads/${filename}", Fields=fields, Conditions=conditions, ExpiresIn=300)
check(p["fields"].get("x-amz-algorithm") == "AWS4-HMAC-SHA256", "the second form is signed with SigV4")
status, headers, data = post(p["fields"], b"\x89PNG pixels", filename="cat.png")
check(status == 201, f"success_action_status 201 answers 201 ({status}: {data})")
doc = ET.fromstring(data)
ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/"}
check(doc.tag.endswith("PostResponse"), "with a PostResponse document")
check(doc.findtext("s3:Key", namespaces=ns) == "uploads/cat.png", "${filename} became the file's name")
check(doc.findtext("s3:Bucket", namespaces=ns) == bucket, "the document names the bucket")
check(doc.findtext("s3:ETag", namespaces=ns) == headers.get("ETag"), "and the ETag")
head = s3.head_object(Bucket=bucket, Key="uploads/cat.png")
check(head["ContentType"] == "image/png", "Content-Type came from its field")
check(head["Metadata"] == {"owner": "ada"}, f"metadata came from x-amz-meta-* ({head['Metadata']})")
check(head.get("ServerSideEncryption") == "AES256", "the form asked for SSE-S3 and got it")
tags = s3.get_object_tagging(Bucket=bucket, Key="uploads/cat.png")["TagSet"]
check(tags == [{"Key": "kind", "Value": "upload"}], f"the tagging field tagged it ({tags})")

# Conditions refuse what they do not allow, naming the condition.
bad = dict(p["fields"], key="elsewhere/cat.png")
status, _, data = post(bad, b"\x89PNG")
check(status == 403 and code(data) == "AccessDenied", f"a key outside starts-with is refused ({status})")
check("$key" in data and "Policy Condition failed" in data, f"naming the failed condition ({data})")
status, _, data = post(dict(p["fields"], **{"Content-Type": "text/html"}), b"\x89PNG")
check(status == 403 and "$Content-Type" in data, "a content type outside starts-with is refused")
status, _, data = post(p["fields"], b"x" * 65)
check(status == 400 and code(data) == "EntityTooLarge", f"a file over content-length-range: EntityTooLarge ({status})")
check(not any(o["Key"] == "uploads/photo.png" for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])),
      "and nothing was written")
status, _, data = post(p["fields"], b"")
check(status == 400 and code(data) == "EntityTooSmall", f"an empty file under the range: EntityTooSmall ({status})")
status, _, data = post(dict(p["fields"], **{"x-amz-meta-extra": "1"}), b"\x89PNG")
check(status == 403 and "Extra input fields: x-amz-meta-extra" in data, f"a field the policy does not name is refused ({data})")
status, _, data = post(dict(p["fields"], **{"x-ignore-note": "1"}), b"\x89PNG", filename="ok.png")
check(status == 201, f"x-ignore-* fields need no condition ({status}: {data})")
status, _, data = post(dict(p["fields"], **{"x-amz-signature": "0" * 64}), b"\x89PNG")
check(status == 403 and code(data) == "SignatureDoesNotMatch", f"a wrong signature: SignatureDoesNotMatch ({status})")
status, _, data = post(dict(p["fields"], policy=p["fields"]["policy"][:-4] + "AAA="), b"\x89PNG")
check(status in (400, 403) and code(data) in ("SignatureDoesNotMatch", "InvalidPolicyDocument"),
      f"a changed policy does not verify ({code(data)})")

# Expiry, success_action_redirect and fields Squall does not honour.
expired = v4.generate_presigned_post(bucket, "late.txt", ExpiresIn=-60)
status, _, data = post(expired["fields"])
check(status == 403 and "Policy expired" in data, f"an expired policy is refused ({status}: {data})")
redirect = "http://127.0.0.1:9/done?from=form"
p = v4.generate_presigned_post(bucket, "r/${filename}", Fields={"success_action_redirect": redirect},
                               Conditions=[["starts-with", "$key", "r/"], {"success_action_redirect": redirect}])
status, headers, _ = post(p["fields"], filename="a b.txt")
check(status == 303, f"success_action_redirect answers 303 ({status})")
loc = headers.get("Location", "")
check(loc.startswith(redirect + "&bucket=" + bucket) and "key=r%2Fa+b.txt" in loc and "etag=%22" in loc,
      f"to the page, with bucket, key and ETag ({loc})")
p = v4.generate_presigned_post(bucket, "f.txt", Fields={"foo": "bar"}, Conditions=[{"foo": "bar"}])
status, _, data = post(p["fields"])
check(status == 400 and code(data) == "InvalidArgument" and "foo" in data, f"an unknown field is refused by name ({data})")
p = v4.generate_presigned_post(bucket, "none.txt")
form = list(p["fields"].items())
r = http.request("POST", f"{endpoint}/{bucket}", fields=form, redirect=False)
check(r.status == 400 and code(r.data) == "InvalidArgument", f"a form without a file is refused ({r.status})")

# Unsigned forms do what the bucket's policy grants everyone, no more.
status, _, data = post({"key": "anon.txt"}, b"anonymous")
check(status == 403 and code(data) == "AccessDenied", f"an unsigned form to a private bucket: AccessDenied ({status})")
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
    "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{bucket}/drop/*"}]}))
status, _, data = post({"key": "drop/anon.txt"}, b"anonymous")
check(status == 204, f"an unsigned form where the policy allows everyone: 204 ({status}: {data})")
check(s3.get_object(Bucket=bucket, Key="drop/anon.txt")["Body"].read() == b"anonymous", "and its object is there")
status, _, data = post({"key": "elsewhere.txt"}, b"anonymous")
check(status == 403, "but not outside what the policy grants")

# A larger file streams through.
p = s3.generate_presigned_post(bucket, "big.bin")
big = os.urandom(12 << 20)
status, headers, data = post(p["fields"], big)
check(status == 204, f"a 12 MiB form uploads ({status}: {data[:200]})")
check(s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == big, "every byte of it")

print("all S3 POST upload checks passed")
