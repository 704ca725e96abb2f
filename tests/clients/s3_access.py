"""ACLs, object ownership and the public access block through boto3 against a running Squall,
as S3 runs them since 2023: a new bucket has BucketOwnerEnforced ownership (ACLs disabled),
its ACLs are the owner's full control, an ACL granting more is refused
(AccessControlListNotSupported, InvalidBucketAclWithObjectOwnership at creation, or by name
with ACLs enabled), ownership controls and the public access block are set, read and
deleted, BlockPublicPolicy refuses a public policy, RestrictPublicBuckets keeps anonymous
requests out of a public one, and GetBucketPolicyStatus says whether a policy is public.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import json
import os
import time
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from s3_common import check, error

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
bucket = f"access-{RUN}"


def anonymous_get(key):
    try:
        return urllib.request.urlopen(f"{ENDPOINT}/{bucket}/{key}").status
    except urllib.error.HTTPError as e:
        return e.code


s3.create_bucket(Bucket=bucket)
rule = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]
check(rule["ObjectOwnership"] == "BucketOwnerEnforced", "a new bucket has BucketOwnerEnforced ownership")
acl = s3.get_bucket_acl(Bucket=bucket)
check(acl["Owner"]["ID"] and [(g["Grantee"]["ID"], g["Grantee"]["Type"], g["Permission"]) for g in acl["Grants"]]
      == [(acl["Owner"]["ID"], "CanonicalUser", "FULL_CONTROL")], f"GetBucketAcl: the owner's full control ({acl['Grants']})")
s3.put_object(Bucket=bucket, Key="o", Body=b"o", ACL="bucket-owner-full-control")
check(s3.get_object_acl(Bucket=bucket, Key="o")["Grants"][0]["Permission"] == "FULL_CONTROL", "GetObjectAcl")
check(error(s3.get_object_acl, Bucket=bucket, Key="missing")[1] == 404, "GetObjectAcl of a missing key")
check(error(s3.put_object, Bucket=bucket, Key="p", Body=b"p", ACL="public-read") == ("AccessControlListNotSupported", 400),
      "a public ACL with ACLs disabled: AccessControlListNotSupported")
check(error(s3.put_bucket_acl, Bucket=bucket, ACL="public-read") == ("AccessControlListNotSupported", 400),
      "PutBucketAcl public-read likewise")
s3.put_bucket_acl(Bucket=bucket, ACL="private")
s3.put_object_acl(Bucket=bucket, Key="o", AccessControlPolicy={"Owner": {"ID": acl["Owner"]["ID"]}, "Grants": [
    {"Grantee": {"Type": "CanonicalUser", "ID": acl["Owner"]["ID"]}, "Permission": "FULL_CONTROL"}]})
check(True, "an ACL that is the owner's full control is accepted")
other = f"{bucket}-acl"
check(error(s3.create_bucket, Bucket=other, ACL="public-read") == ("InvalidBucketAclWithObjectOwnership", 400),
      "CreateBucket with a public ACL and enforced ownership")
s3.create_bucket(Bucket=other, ObjectOwnership="ObjectWriter")
check(s3.get_bucket_ownership_controls(Bucket=other)["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "ObjectWriter",
      "CreateBucket with x-amz-object-ownership")
check(error(s3.put_object, Bucket=other, Key="p", Body=b"p", ACL="public-read") == ("NotImplemented", 501),
      "with ACLs enabled, a public ACL is refused by name")
s3.delete_bucket_ownership_controls(Bucket=other)
check(error(s3.get_bucket_ownership_controls, Bucket=other) == ("OwnershipControlsNotFoundError", 404),
      "DeleteBucketOwnershipControls")
s3.put_bucket_ownership_controls(Bucket=other, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
check(s3.get_bucket_ownership_controls(Bucket=other)["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerPreferred",
      "PutBucketOwnershipControls")
s3.delete_bucket(Bucket=other)

# --- the public access block ------------------------------------------------------------------
public = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                             "Resource": f"arn:aws:s3:::{bucket}/*"}]})
check(error(s3.get_public_access_block, Bucket=bucket) == ("NoSuchPublicAccessBlockConfiguration", 404),
      "no public access block until one is set")
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
check(all(got.values()) and len(got) == 4, f"GetPublicAccessBlock ({got})")
check(error(s3.put_bucket_policy, Bucket=bucket, Policy=public) == ("AccessDenied", 403), "BlockPublicPolicy refuses a public policy")
s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": True})
s3.put_bucket_policy(Bucket=bucket, Policy=public)
check(s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True, "GetBucketPolicyStatus: public")
check(anonymous_get("o") == 403, "RestrictPublicBuckets keeps anonymous requests out of a public policy")
s3.delete_public_access_block(Bucket=bucket)
check(anonymous_get("o") == 200, "without it, the public policy lets them in")
pinned = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                             "Resource": f"arn:aws:s3:::{bucket}/*",
                                                             "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.1/32"}}}]})
s3.put_bucket_policy(Bucket=bucket, Policy=pinned)
check(s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False, "a policy pinned to an address is not public")

s3.delete_bucket_policy(Bucket=bucket)
s3.delete_object(Bucket=bucket, Key="o")
s3.delete_bucket(Bucket=bucket)
print("all S3 access checks passed")
