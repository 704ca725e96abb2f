"""S3 versioning through boto3 against a running Squall: Put/GetBucketVersioning (MFA delete
refused), version ids on PUT, copies, multipart completions and deletes, reads and tagging by
version id, delete markers (404 as the current version, 405 by id), ListObjectVersions with
versions and markers and its paginator, DeleteObjects with version ids, copies from a version,
Suspended versioning's null version, and the cleanup helper people use to empty a versioned
bucket (`bucket.object_versions.delete()`) before deleting it.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from s3_common import check

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]


def failure(fn, **kwargs):
    """The ClientError fn raises: (code, HTTP status, response headers)."""
    try:
        fn(**kwargs)
    except ClientError as e:
        meta = e.response["ResponseMetadata"]
        return e.response["Error"]["Code"], meta["HTTPStatusCode"], meta["HTTPHeaders"]
    return None, None, {}


bucket = f"versions-{RUN}"
s3.create_bucket(Bucket=bucket)
s3.put_object(Bucket=bucket, Key="doc", Body=b"before")
check("VersionId" not in s3.head_object(Bucket=bucket, Key="doc"), "no version id before versioning")

# --- the bucket's setting -------------------------------------------------------------------
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
check(s3.get_bucket_versioning(Bucket=bucket).get("Status") == "Enabled", "GetBucketVersioning says Enabled")
code, status, _ = failure(s3.put_bucket_versioning, Bucket=bucket,
                          VersioningConfiguration={"Status": "Enabled", "MFADelete": "Enabled"}, MFA="dev 123456")
check((code, status) == ("NotImplemented", 501), f"MFA delete is refused by name ({code} {status})")
code, status, _ = failure(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration={"Status": "Sometimes"})
check((code, status) == ("MalformedXML", 400), f"an unknown status is MalformedXML ({code})")
code, _, _ = failure(s3.put_bucket_versioning, Bucket=f"missing-{RUN}", VersioningConfiguration={"Status": "Enabled"})
check(code == "NoSuchBucket", "versioning a missing bucket")

# --- versions -------------------------------------------------------------------------------
check(s3.head_object(Bucket=bucket, Key="doc")["VersionId"] == "null", "the object from before is the null version")
v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"one")["VersionId"]
v2 = s3.put_object(Bucket=bucket, Key="doc", Body=b"two")["VersionId"]
check(v1 != v2 and len(v1) == 32 and v1 != "null", f"each PUT returns a new version id ({v1}, {v2})")
got = s3.get_object(Bucket=bucket, Key="doc")
check(got["Body"].read() == b"two" and got["VersionId"] == v2, "GET reads the newest version and names it")
for version, body in [(v1, b"one"), ("null", b"before"), (v2, b"two")]:
    got = s3.get_object(Bucket=bucket, Key="doc", VersionId=version)
    check(got["Body"].read() == body and got["VersionId"] == version, f"GET by version id {version}")
check(s3.head_object(Bucket=bucket, Key="doc", VersionId=v1)["ContentLength"] == 3, "HEAD by version id")
code, status, _ = failure(s3.get_object, Bucket=bucket, Key="doc", VersionId="0" * 32)
check((code, status) == ("NoSuchVersion", 404), f"an unknown version is NoSuchVersion ({code})")
code, status, _ = failure(s3.get_object, Bucket=bucket, Key="doc", VersionId="not-an-id")
check((code, status) == ("InvalidArgument", 400), f"a malformed version id is InvalidArgument ({code})")

# --- tagging by version ---------------------------------------------------------------------
tagged = s3.put_object_tagging(Bucket=bucket, Key="doc", VersionId=v1, Tagging={"TagSet": [{"Key": "k", "Value": "old"}]})
check(tagged["VersionId"] == v1, "PutObjectTagging names the version")
check(s3.get_object_tagging(Bucket=bucket, Key="doc", VersionId=v1)["TagSet"] == [{"Key": "k", "Value": "old"}],
      "a version's own tags")
check(s3.get_object_tagging(Bucket=bucket, Key="doc")["TagSet"] == [], "the current version's tags are its own")

# --- delete markers -------------------------------------------------------------------------
deleted = s3.delete_object(Bucket=bucket, Key="doc")
marker = deleted.get("VersionId")
check(deleted.get("DeleteMarker") is True and marker not in (None, "null", v1, v2), f"DELETE makes a delete marker ({deleted})")
code, status, headers = failure(s3.get_object, Bucket=bucket, Key="doc")
check((code, status) == ("NoSuchKey", 404) and headers.get("x-amz-delete-marker") == "true"
      and headers.get("x-amz-version-id") == marker, f"GET of a deleted key: 404 naming the marker ({code}, {headers})")
code, status, headers = failure(s3.get_object, Bucket=bucket, Key="doc", VersionId=marker)
check((code, status) == ("MethodNotAllowed", 405) and headers.get("x-amz-delete-marker") == "true",
      f"GET of a delete marker by id: 405 ({code})")
code, status, _ = failure(s3.head_object, Bucket=bucket, Key="doc", VersionId=marker)
check(status == 405, f"HEAD of a delete marker by id: 405 ({status})")
check(s3.get_object(Bucket=bucket, Key="doc", VersionId=v2)["Body"].read() == b"two", "older versions stay readable")
check("Contents" not in s3.list_objects_v2(Bucket=bucket), "a deleted key is not listed")
code, _, _ = failure(s3.copy_object, Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "doc", "VersionId": marker})
check(code == "InvalidRequest", f"copying a delete marker by id is refused ({code})")

listing = s3.list_object_versions(Bucket=bucket)
versions = [(v["Key"], v["VersionId"], v["IsLatest"]) for v in listing["Versions"]]
markers = [(m["Key"], m["VersionId"], m["IsLatest"]) for m in listing["DeleteMarkers"]]
check(versions == [("doc", v2, False), ("doc", v1, False), ("doc", "null", False)], f"ListObjectVersions: versions newest first ({versions})")
check(markers == [("doc", marker, True)], f"and the delete marker, latest ({markers})")
check(all("ETag" not in m and "Size" not in m for m in listing["DeleteMarkers"]), "markers have no ETag or size")

# Paging one version at a time walks the same versions in the same order.
pages = s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 1})
walked = []
for page in pages:
    walked += [(v["VersionId"], v.get("ETag") is None) for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
check(walked == [(marker, True), (v2, False), (v1, False), ("null", False)], f"the paginator walks every version once ({walked})")

# Removing the marker brings the key back.
undone = s3.delete_object(Bucket=bucket, Key="doc", VersionId=marker)
check(undone.get("DeleteMarker") is True and undone.get("VersionId") == marker, "removing a marker by id says it was one")
check(s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"two", "the newest version is current again")
gone = s3.delete_object(Bucket=bucket, Key="doc", VersionId=v1)
check(gone.get("VersionId") == v1 and "DeleteMarker" not in gone, "removing a version for good")
code, _, _ = failure(s3.get_object, Bucket=bucket, Key="doc", VersionId=v1)
check(code == "NoSuchVersion", "a removed version is gone")

# --- copies and multipart uploads make versions ----------------------------------------------
copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "doc", "VersionId": "null"})
check(copied["CopySourceVersionId"] == "null" and len(copied["VersionId"]) == 32, f"a copy from a version ({copied.get('VersionId')})")
check(s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"before", "copies that version's bytes")
up = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
part = s3.upload_part(Bucket=bucket, Key="big", UploadId=up, PartNumber=1, Body=b"p" * 10)
done = s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=up,
                                    MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
check(len(done.get("VersionId", "")) == 32, "CompleteMultipartUpload returns the version id")
up = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
part = s3.upload_part_copy(Bucket=bucket, Key="big", UploadId=up, PartNumber=1,
                           CopySource={"Bucket": bucket, "Key": "doc", "VersionId": v2})
check(part["CopySourceVersionId"] == v2, "UploadPartCopy from a version names it")
s3.abort_multipart_upload(Bucket=bucket, Key="big", UploadId=up)

# --- DeleteObjects with version ids ---------------------------------------------------------
extra = [s3.put_object(Bucket=bucket, Key=f"bulk/{i}", Body=b"x")["VersionId"] for i in range(3)]
r = s3.delete_objects(Bucket=bucket, Delete={"Objects": [
    {"Key": "bulk/0", "VersionId": extra[0]},
    {"Key": "bulk/1"},
    {"Key": "bulk/2", "VersionId": "bogus"},
]})
deleted = {d["Key"]: d for d in r["Deleted"]}
check(deleted["bulk/0"].get("VersionId") == extra[0] and "DeleteMarker" not in deleted["bulk/0"], "a version removed in bulk")
check(deleted["bulk/1"].get("DeleteMarker") is True and len(deleted["bulk/1"].get("DeleteMarkerVersionId", "")) == 32,
      "a key deleted in bulk gets a marker")
check([(e["Key"], e["Code"]) for e in r["Errors"]] == [("bulk/2", "InvalidArgument")], f"a bad version id is that key's error ({r['Errors']})")

# --- Suspended: writes make and replace the null version -------------------------------------
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
check(s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Suspended", "GetBucketVersioning says Suspended")
check("VersionId" not in s3.put_object(Bucket=bucket, Key="doc", Body=b"s1"), "a PUT while suspended names no version (S3)")
check(s3.head_object(Bucket=bucket, Key="doc")["VersionId"] == "null", "it is the null version")
s3.put_object(Bucket=bucket, Key="doc", Body=b"s2")
doc_versions = [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix="doc")["Versions"]]
check(doc_versions == ["null", v2], f"and replaces the old null version; the others stay ({doc_versions})")
check(s3.get_object(Bucket=bucket, Key="doc", VersionId="null")["Body"].read() == b"s2", "the null version is the last write")

# --- emptying and deleting a versioned bucket, as cleanup scripts do --------------------------
code, status, _ = failure(s3.delete_bucket, Bucket=bucket)
check((code, status) == ("BucketNotEmpty", 409), "a bucket with versions is not empty")
boto3.resource("s3", config=cfg).Bucket(bucket).object_versions.delete()
check("Versions" not in s3.list_object_versions(Bucket=bucket), "object_versions.delete() removes every version and marker")
s3.delete_bucket(Bucket=bucket)
check(bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]], "then the bucket can go")

print("all S3 versioning checks passed")
