"""The other ways clients sign S3 requests, through boto3 against a running Squall: SigV2 in
the Authorization header (`AWS <key>:<signature>`, botocore's signature_version "s3", which
legacy tools still use) for bucket and object requests, path and virtual-host style, with
S3's XML errors for a wrong secret, a skewed clock and a malformed header; and SigV4 carrying
its time in `Date` instead of `X-Amz-Date` (botocore does so whenever a caller sets Date).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import os
import time
import urllib.request
from email.utils import formatdate

import boto3
from botocore.config import Config
from s3_common import check, error

RUN = str(int(time.time() * 1000))[-7:]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
bucket = f"sigs-{RUN}"


v2 = boto3.client("s3", config=Config(signature_version="s3", s3={"addressing_style": "path"}))
v2.create_bucket(Bucket=bucket)
v2.put_object(Bucket=bucket, Key="dir/a b+c.txt", Body=b"hello", Metadata={"color": "blue"}, ContentType="text/plain")
got = v2.get_object(Bucket=bucket, Key="dir/a b+c.txt")
check(got["Body"].read() == b"hello" and got["Metadata"] == {"color": "blue"}, "SigV2: PUT and GET with metadata")
check([o["Key"] for o in v2.list_objects(Bucket=bucket)["Contents"]] == ["dir/a b+c.txt"], "SigV2: ListObjects")
v2.put_object_tagging(Bucket=bucket, Key="dir/a b+c.txt", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
check(v2.get_object_tagging(Bucket=bucket, Key="dir/a b+c.txt")["TagSet"] == [{"Key": "k", "Value": "v"}],
      "SigV2: subresources are signed (?tagging)")
check(error(v2.get_bucket_encryption, Bucket=bucket) == ("AccessDenied", 403),
      "a subresource SigV2 does not sign (?encryption) is refused, not served unsigned")
url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/a b+c.txt"})
check(urllib.request.urlopen(url).read() == b"hello", "SigV2: presigned URLs")
# Virtual-host style: the bucket is in the host name, and SigV2 signs it as /bucket/key.
from botocore.auth import HmacV1Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
import http.client  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

port = urlsplit(ENDPOINT).port
signed = AWSRequest(method="GET", url=f"http://{bucket}.localhost:{port}/dir/a%20b%2Bc.txt")
signed.auth_path = f"/{bucket}/dir/a%20b%2Bc.txt"
HmacV1Auth(boto3.Session().get_credentials()).add_auth(signed)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
conn.request("GET", "/dir/a%20b%2Bc.txt", headers={**dict(signed.headers), "Host": f"{bucket}.localhost:{port}"})
reply = conn.getresponse()
check(reply.status == 200 and reply.read() == b"hello", f"SigV2: virtual-host style ({reply.status})")

key_id = boto3.Session().get_credentials().access_key
wrong = boto3.client("s3", aws_access_key_id=key_id, aws_secret_access_key="not-the-secret",
                     config=Config(signature_version="s3", s3={"addressing_style": "path"}))
check(error(wrong.get_object, Bucket=bucket, Key="dir/a b+c.txt") == ("SignatureDoesNotMatch", 403),
      "SigV2 with a wrong secret: SignatureDoesNotMatch")


# botocore dates a SigV2 request as it signs it: an hour-old date must be refused.
import botocore.auth  # noqa: E402

fresh = botocore.auth.HmacV1Auth._get_date
botocore.auth.HmacV1Auth._get_date = lambda self: formatdate(time.time() - 3600, usegmt=True)
check(error(v2.get_object, Bucket=bucket, Key="dir/a b+c.txt") == ("RequestTimeTooSkewed", 403),
      "SigV2 an hour off: RequestTimeTooSkewed")
botocore.auth.HmacV1Auth._get_date = fresh

req = urllib.request.Request(f"{ENDPOINT}/{bucket}/x", headers={"Authorization": "AWS no-colon", "Date": formatdate(usegmt=True)})
try:
    urllib.request.urlopen(req)
    check(False, "a malformed SigV2 header is refused")
except urllib.error.HTTPError as e:
    body = e.read().decode()
    check(e.code == 400 and "<Code>InvalidArgument</Code>" in body and e.headers["content-type"] == "application/xml",
          f"a malformed SigV2 header: 400 InvalidArgument in S3's XML ({e.code} {body[:120]})")

# SigV4 with its time in Date.
v4 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}))
seen = {}


def add_date(request, **kwargs):
    request.headers["Date"] = formatdate(usegmt=True)


def record(request, **kwargs):
    seen.update({k.lower(): v for k, v in request.headers.items()})


v4.meta.events.register("before-sign.s3.*", add_date)
v4.meta.events.register("before-send.s3.*", record)
check(v4.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == b"hello", "SigV4 with Date instead of X-Amz-Date")
check("x-amz-date" not in seen and "date" in seen, f"(the request carried Date only: {sorted(seen)})")
v4.put_object(Bucket=bucket, Key="v4.txt", Body=b"x" * 100_000)
check(v4.head_object(Bucket=bucket, Key="v4.txt")["ContentLength"] == 100_000, "a SigV4 PUT with Date")

for key in ["dir/a b+c.txt", "v4.txt"]:
    v2.delete_object(Bucket=bucket, Key=key)
v2.delete_bucket(Bucket=bucket)
print("all S3 signature checks passed")
