"""Server-side encryption through boto3 against a running Squall: SSE-S3 (AES256) and SSE-C
(the caller's key) on PutObject, GetObject and HeadObject with ranges across the sealed
chunks, CopyObject between them, multipart uploads and UploadPartCopy, the errors S3 gives
(no key, another key, a key with a wrong MD5, two kinds at once,
an encryption header where it does not belong) and a bucket's default encryption.

With `disk BUCKET`, it leaves objects whose plaintext the test then looks for on disk:
`disk/sse-s3`, `disk/sse-c` and `disk/small-sse-s3` encrypted, `disk/plain` and
`disk/small-plain` not (the control that shows the search finds plaintext).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import base64
import hashlib
import json
import os
import sys
import time

import boto3
from botocore.config import Config
from s3_common import check, error

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
MIB = 1 << 20


def marker(name, size):
    """`size` bytes that say `name` over and over: easy to find on disk."""
    unit = f"<squall plaintext {name}>".encode()
    return (unit * (size // len(unit) + 1))[:size]


KEY = os.urandom(32)
SSEC = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": KEY}  # boto3 adds the key's MD5
OTHER = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": os.urandom(32)}

if len(sys.argv) > 2 and sys.argv[1] == "disk":
    bucket = sys.argv[2]
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="disk/sse-s3", Body=marker("sse-s3", 300_000), ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="disk/sse-c", Body=marker("sse-c", 300_000), **SSEC)
    s3.put_object(Bucket=bucket, Key="disk/small-sse-s3", Body=marker("small-sse-s3", 20_000), ServerSideEncryption="AES256")
    s3.put_object(Bucket=bucket, Key="disk/sse-kms", Body=marker("sse-kms", 300_000), ServerSideEncryption="aws:kms")
    s3.put_object(Bucket=bucket, Key="disk/plain", Body=marker("plain", 300_000))
    s3.put_object(Bucket=bucket, Key="disk/small-plain", Body=marker("small-plain", 20_000))
    got = s3.get_object(Bucket=bucket, Key="disk/sse-c", **SSEC)["Body"].read()
    check(got == marker("sse-c", 300_000), "the SSE-C object reads back")
    print("all S3 encryption disk objects written")
    sys.exit(0)

bucket = f"sse-{RUN}"
s3.create_bucket(Bucket=bucket)
data = bytes(range(256)) * 1200  # 300 KiB: several sealed chunks

# --- SSE-S3 ---------------------------------------------------------------------------------------
put = s3.put_object(Bucket=bucket, Key="s3", Body=data, ServerSideEncryption="AES256")
check(put["ServerSideEncryption"] == "AES256" and put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"',
      "SSE-S3 PUT reports AES256 and the MD5 ETag")
got = s3.get_object(Bucket=bucket, Key="s3")
check(got["Body"].read() == data and got["ServerSideEncryption"] == "AES256", "SSE-S3 GET decrypts and reports AES256")
check(s3.head_object(Bucket=bucket, Key="s3")["ServerSideEncryption"] == "AES256", "HEAD reports it")
for lo, hi in [(0, 0), (65530, 131080), (65536, 65536), (299_990, len(data) - 1), (1000, 70000)]:
    part = s3.get_object(Bucket=bucket, Key="s3", Range=f"bytes={lo}-{hi}")["Body"].read()
    check(part == data[lo:hi + 1], f"SSE-S3 range {lo}-{hi}")
small = s3.put_object(Bucket=bucket, Key="s3-small", Body=b"tiny", ServerSideEncryption="AES256")
check(s3.get_object(Bucket=bucket, Key="s3-small")["Body"].read() == b"tiny", "a small SSE-S3 object (kept in its record)")
s3.put_object(Bucket=bucket, Key="s3-empty", Body=b"", ServerSideEncryption="AES256")
check(s3.get_object(Bucket=bucket, Key="s3-empty")["Body"].read() == b"", "an empty SSE-S3 object")
check(error(s3.get_object, Bucket=bucket, Key="s3", **SSEC) == ("InvalidRequest", 400),
      "a customer key for an SSE-S3 object is InvalidRequest")

# --- SSE-C ----------------------------------------------------------------------------------------
put = s3.put_object(Bucket=bucket, Key="c", Body=data, **SSEC)
key_md5 = base64.b64encode(hashlib.md5(KEY).digest()).decode()
check(put["SSECustomerAlgorithm"] == "AES256" and put["SSECustomerKeyMD5"] == key_md5, "SSE-C PUT echoes the algorithm and key MD5")
check(put["ETag"] != f'"{hashlib.md5(data).hexdigest()}"', "an SSE-C ETag is no MD5 of the plaintext")
check(error(s3.get_object, Bucket=bucket, Key="c") == ("InvalidRequest", 400), "SSE-C GET without the key: 400 InvalidRequest")
check(error(s3.head_object, Bucket=bucket, Key="c")[1] == 400, "SSE-C HEAD without the key: 400")
check(error(s3.get_object, Bucket=bucket, Key="c", **OTHER) == ("AccessDenied", 403), "SSE-C GET with another key: 403")
got = s3.get_object(Bucket=bucket, Key="c", **SSEC)
check(got["Body"].read() == data and got["SSECustomerKeyMD5"] == key_md5, "SSE-C GET with the key decrypts")
part = s3.get_object(Bucket=bucket, Key="c", Range="bytes=65000-200000", **SSEC)["Body"].read()
check(part == data[65000:200001], "an SSE-C range")
check(s3.head_object(Bucket=bucket, Key="c", **SSEC)["ContentLength"] == len(data), "SSE-C HEAD with the key")
# botocore encodes the key itself for most operations, not for GetObjectAttributes.
SSEC_ENCODED = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(KEY).decode(),
                "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(KEY).digest()).decode()}
attrs = s3.get_object_attributes(Bucket=bucket, Key="c", ObjectAttributes=["ObjectSize"], **SSEC_ENCODED)
check(attrs["ObjectSize"] == len(data), "GetObjectAttributes of an SSE-C object with the key")
check(error(s3.get_object_attributes, Bucket=bucket, Key="c", ObjectAttributes=["ObjectSize"])[1] == 400,
      "and without it: 400")

# --- what is refused --------------------------------------------------------------------------------
bad_md5 = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": base64.b64encode(KEY).decode(),
           "SSECustomerKeyMD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()}
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", **bad_md5) == ("InvalidArgument", 400),
      "a key whose MD5 does not match: InvalidArgument")
short = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": b"short"}
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", **short) == ("InvalidArgument", 400), "a key of another size")
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="AES256", **SSEC)[0] == "InvalidArgument",
      "SSE-S3 and SSE-C at once")
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", SSEKMSKeyId="alias/nope")[0] == "InvalidArgument",
      "a KMS key id without aws:kms")
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId="alias/nope")
      == ("KMS.NotFoundException", 400), "a KMS key that does not exist: KMS.NotFoundException")
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="aws:kms:dsse")[0] == "NotImplemented",
      "dual-layer SSE-KMS is refused by name")
check(error(s3.head_object, Bucket=bucket, Key="x")[1] == 404, "none of them stored anything")


def sse_header_on_get(request, **kwargs):
    request.headers["x-amz-server-side-encryption"] = "AES256"


odd = boto3.client("s3", config=cfg)
odd.meta.events.register("before-sign.s3.GetObject", sse_header_on_get)
check(error(odd.get_object, Bucket=bucket, Key="s3") == ("InvalidArgument", 400), "x-amz-server-side-encryption on a GET")

# --- copies -------------------------------------------------------------------------------------------
copied = s3.copy_object(Bucket=bucket, Key="c-to-s3", CopySource={"Bucket": bucket, "Key": "c"},
                        CopySourceSSECustomerAlgorithm="AES256", CopySourceSSECustomerKey=KEY, ServerSideEncryption="AES256")
check(copied["ServerSideEncryption"] == "AES256", "CopyObject from SSE-C to SSE-S3")
check(s3.get_object(Bucket=bucket, Key="c-to-s3")["Body"].read() == data, "the copy reads without a key")
check(error(s3.copy_object, Bucket=bucket, Key="nope", CopySource={"Bucket": bucket, "Key": "c"})[1] == 400,
      "copying an SSE-C object without its key: 400")
s3.copy_object(Bucket=bucket, Key="s3-to-c", CopySource={"Bucket": bucket, "Key": "s3"}, **SSEC)
check(error(s3.get_object, Bucket=bucket, Key="s3-to-c")[1] == 400, "a copy to SSE-C needs the key")
check(s3.get_object(Bucket=bucket, Key="s3-to-c", **SSEC)["Body"].read() == data, "and reads with it")
s3.copy_object(Bucket=bucket, Key="s3", CopySource={"Bucket": bucket, "Key": "s3"}, **SSEC)
check(s3.get_object(Bucket=bucket, Key="s3", **SSEC)["Body"].read() == data, "an object copied onto itself to change its encryption")

# --- multipart uploads -----------------------------------------------------------------------------
p1, p2 = os.urandom(5 * MIB), os.urandom(100_000)
up = s3.create_multipart_upload(Bucket=bucket, Key="mp-c", **SSEC)
check(up["SSECustomerKeyMD5"] == key_md5, "CreateMultipartUpload with SSE-C")
uid = up["UploadId"]
check(error(s3.upload_part, Bucket=bucket, Key="mp-c", UploadId=uid, PartNumber=1, Body=b"x")[1] == 400,
      "an SSE-C upload's part without the key: 400")
check(error(s3.upload_part, Bucket=bucket, Key="mp-c", UploadId=uid, PartNumber=1, Body=b"x", **OTHER)[1] == 403,
      "with another key: 403")
e1 = s3.upload_part(Bucket=bucket, Key="mp-c", UploadId=uid, PartNumber=1, Body=p1, **SSEC)["ETag"]
e2 = s3.upload_part_copy(Bucket=bucket, Key="mp-c", UploadId=uid, PartNumber=3, CopySource={"Bucket": bucket, "Key": "c"},
                         CopySourceRange="bytes=0-99999", CopySourceSSECustomerAlgorithm="AES256",
                         CopySourceSSECustomerKey=KEY, **SSEC)["CopyPartResult"]["ETag"]
done = s3.complete_multipart_upload(Bucket=bucket, Key="mp-c", UploadId=uid, MultipartUpload={"Parts": [
    {"PartNumber": 1, "ETag": e1}, {"PartNumber": 3, "ETag": e2}]})
check(done["ResponseMetadata"]["HTTPHeaders"].get("x-amz-server-side-encryption-customer-key-md5") == key_md5,
      "CompleteMultipartUpload reports SSE-C")
whole = p1 + data[:100_000]
check(s3.get_object(Bucket=bucket, Key="mp-c", **SSEC)["Body"].read() == whole, "the SSE-C multipart object reads whole")
lo = 5 * MIB - 10
check(s3.get_object(Bucket=bucket, Key="mp-c", Range=f"bytes={lo}-{lo + 70000}", **SSEC)["Body"].read() == whole[lo:lo + 70001],
      "and by a range across its parts")
part2 = s3.get_object(Bucket=bucket, Key="mp-c", PartNumber=2, **SSEC)["Body"].read()
check(part2 == data[:100_000], "and by part number")
up = s3.create_multipart_upload(Bucket=bucket, Key="mp-s3", ServerSideEncryption="AES256")
check(up["ServerSideEncryption"] == "AES256", "CreateMultipartUpload with SSE-S3")
part = s3.upload_part(Bucket=bucket, Key="mp-s3", UploadId=up["UploadId"], PartNumber=1, Body=p2)
check(part["ServerSideEncryption"] == "AES256", "UploadPart reports it")
s3.complete_multipart_upload(Bucket=bucket, Key="mp-s3", UploadId=up["UploadId"],
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
check(s3.get_object(Bucket=bucket, Key="mp-s3")["Body"].read() == p2, "the SSE-S3 multipart object reads back")

# --- default encryption ------------------------------------------------------------------------------
check(error(s3.get_bucket_encryption, Bucket=bucket) == ("ServerSideEncryptionConfigurationNotFoundError", 404),
      "a bucket has no default encryption until one is set")
s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
check(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", "GetBucketEncryption reads it back")
check(s3.put_object(Bucket=bucket, Key="by-default", Body=b"d")["ServerSideEncryption"] == "AES256",
      "an object written without headers gets the default")
check(s3.head_object(Bucket=bucket, Key="by-default")["ServerSideEncryption"] == "AES256", "and keeps it")
check(s3.put_object(Bucket=bucket, Key="c2", Body=b"d", **SSEC).get("SSECustomerKeyMD5") == key_md5,
      "a customer key still wins over the default")
check(error(s3.put_bucket_encryption, Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/missing"}}]})[0]
      == "KMS.NotFoundException", "a KMS default naming no key is refused")
s3.delete_bucket_encryption(Bucket=bucket)
check("ServerSideEncryption" not in s3.put_object(Bucket=bucket, Key="plain", Body=b"p"), "deleted, objects are plain again")

# --- SSE-KMS ---------------------------------------------------------------------------------------
kms = boto3.client("kms")
key = kms.create_key(Description=f"s3 objects {RUN}")["KeyMetadata"]
kms.create_alias(AliasName=f"alias/objects-{RUN}", TargetKeyId=key["KeyId"])
put = s3.put_object(Bucket=bucket, Key="kms", Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=f"alias/objects-{RUN}")
check(put["ServerSideEncryption"] == "aws:kms" and put["SSEKMSKeyId"] == key["Arn"],
      f"PutObject with SSE-KMS reports aws:kms and the key's ARN ({put.get('SSEKMSKeyId')})")
got = s3.get_object(Bucket=bucket, Key="kms", Range="bytes=70000-140000")
check(got["Body"].read() == data[70000:140001] and got["SSEKMSKeyId"] == key["Arn"], "it reads back by range, naming its key")
check(put["ETag"].strip('"') != hashlib.md5(data).hexdigest(), "its ETag is no MD5 of the plaintext, as on S3")
managed = s3.put_object(Bucket=bucket, Key="kms-managed", Body=b"m", ServerSideEncryption="aws:kms")
aws_s3 = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
check(managed["SSEKMSKeyId"] == aws_s3["Arn"] and aws_s3["KeyManager"] == "AWS",
      "without a key id, S3's AWS-managed key alias/aws/s3 (made on first use)")
ctx = base64.b64encode(json.dumps({"project": "squall"}).encode()).decode()
bk = s3.put_object(Bucket=bucket, Key="kms-ctx", Body=b"c", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["KeyId"],
                   SSEKMSEncryptionContext=ctx, BucketKeyEnabled=True)
check(bk.get("BucketKeyEnabled") is True, "BucketKeyEnabled is reported")
check(s3.get_object(Bucket=bucket, Key="kms-ctx")["Body"].read() == b"c", "an object with a context of its own reads back")
s3.copy_object(Bucket=bucket, Key="kms-to-s3", CopySource={"Bucket": bucket, "Key": "kms"}, ServerSideEncryption="AES256")
check(s3.get_object(Bucket=bucket, Key="kms-to-s3")["Body"].read() == data, "CopyObject from SSE-KMS to SSE-S3")
up = s3.create_multipart_upload(Bucket=bucket, Key="mp-kms", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["Arn"])
check(up["SSEKMSKeyId"] == key["Arn"], "CreateMultipartUpload with SSE-KMS")
part = s3.upload_part(Bucket=bucket, Key="mp-kms", UploadId=up["UploadId"], PartNumber=1, Body=p2)
s3.complete_multipart_upload(Bucket=bucket, Key="mp-kms", UploadId=up["UploadId"],
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
check(s3.get_object(Bucket=bucket, Key="mp-kms")["Body"].read() == p2, "the SSE-KMS multipart object reads back")
# The key's state is the object's: disabled, its objects do not open.
kms.disable_key(KeyId=key["KeyId"])
check(error(s3.get_object, Bucket=bucket, Key="kms")[0] == "KMS.DisabledException", "a disabled key's object does not read")
check(error(s3.put_object, Bucket=bucket, Key="x", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["KeyId"])[0]
      == "KMS.DisabledException", "nor can it encrypt")
kms.enable_key(KeyId=key["KeyId"])
check(s3.get_object(Bucket=bucket, Key="kms")["Body"].read() == data, "enabled again, it does")
# SSE-KMS takes SigV4: a SigV2 request is refused, as on S3.
v2 = boto3.client("s3", config=Config(signature_version="s3", retries={"max_attempts": 1}, s3={"addressing_style": "path"}))
got = error(v2.put_object, Bucket=bucket, Key="v2-kms", Body=b"x", ServerSideEncryption="aws:kms")
check(got == ("InvalidArgument", 400), f"a SigV2 request with SSE-KMS: InvalidArgument ({got})")
check(error(v2.get_object, Bucket=bucket, Key="kms")[0] == "InvalidArgument", "and so is a SigV2 read of an SSE-KMS object")
# A bucket's default SSE-KMS key.
s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [
    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}, "BucketKeyEnabled": True}]})
rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
check(rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key["Arn"]}
      and rule["BucketKeyEnabled"] is True, f"GetBucketEncryption reads the KMS default back ({rule})")
d = s3.put_object(Bucket=bucket, Key="kms-default", Body=b"d")
check(d["ServerSideEncryption"] == "aws:kms" and d["SSEKMSKeyId"] == key["Arn"], "objects written plainly take it")
s3.delete_bucket_encryption(Bucket=bucket)
# An IAM user may use the key only as its policy says (kms:GenerateDataKey to write, kms:Decrypt to read).
iam = boto3.client("iam")
user = f"kms-user-{RUN}"
iam.create_user(UserName=user)
iam.put_user_policy(UserName=user, PolicyName="s3", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
ak = iam.create_access_key(UserName=user)["AccessKey"]
as_user = boto3.client("s3", config=cfg, aws_access_key_id=ak["AccessKeyId"], aws_secret_access_key=ak["SecretAccessKey"])
for _ in range(50):  # a new key is usable once the server has it
    if error(as_user.put_object, Bucket=bucket, Key="u-plain", Body=b"p")[0] != "InvalidAccessKeyId":
        break
    time.sleep(0.1)
check(error(as_user.put_object, Bucket=bucket, Key="u", Body=b"u", ServerSideEncryption="aws:kms",
            SSEKMSKeyId=key["Arn"])[0] == "AccessDenied", "without kms:GenerateDataKey a user cannot write with the key")
check(error(as_user.get_object, Bucket=bucket, Key="kms")[0] == "AccessDenied", "without kms:Decrypt nor read its objects")
kms.disable_key(KeyId=key["KeyId"])
check(error(as_user.get_object, Bucket=bucket, Key="kms")[0] == "AccessDenied",
      "nor learn the key's state (AccessDenied, not KMS.DisabledException)")
kms.enable_key(KeyId=key["KeyId"])
root_upload = s3.create_multipart_upload(Bucket=bucket, Key="mp-kms-2", ServerSideEncryption="aws:kms",
                                         SSEKMSKeyId=key["Arn"])["UploadId"]
check(error(as_user.upload_part, Bucket=bucket, Key="mp-kms-2", UploadId=root_upload, PartNumber=1, Body=b"p")[0]
      == "AccessDenied", "nor add a part to an upload under the key")
s3.abort_multipart_upload(Bucket=bucket, Key="mp-kms-2", UploadId=root_upload)
check(as_user.put_object(Bucket=bucket, Key="u-managed", Body=b"u", ServerSideEncryption="aws:kms")["SSEKMSKeyId"]
      == aws_s3["Arn"], "S3's AWS-managed key needs no grant")
iam.put_user_policy(UserName=user, PolicyName="kms", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key["Arn"]}]}))
for _ in range(50):
    if error(as_user.get_object, Bucket=bucket, Key="kms")[0] is None:
        break
    time.sleep(0.1)
check(as_user.get_object(Bucket=bucket, Key="kms")["Body"].read() == data, "granted kms:Decrypt, it reads")
check(as_user.put_object(Bucket=bucket, Key="u", Body=b"u", ServerSideEncryption="aws:kms", SSEKMSKeyId=key["Arn"])
      ["SSEKMSKeyId"] == key["Arn"], "granted kms:GenerateDataKey, it writes")
for name in ("s3", "kms"):
    iam.delete_user_policy(UserName=user, PolicyName=name)
iam.delete_access_key(UserName=user, AccessKeyId=ak["AccessKeyId"])
iam.delete_user(UserName=user)

for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
    s3.delete_object(Bucket=bucket, Key=o["Key"])
s3.delete_bucket(Bucket=bucket)
print("all S3 encryption checks passed")
