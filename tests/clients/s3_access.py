"""ACLs, object ownership and the public access block through boto3 against a running Squall,
as S3 runs them since 2023: a new bucket has BucketOwnerEnforced ownership (ACLs disabled),
its ACLs are the owner's full control, an ACL granting more is refused
(AccessControlListNotSupported, InvalidBucketAclWithObjectOwnership at creation); with ACLs
enabled (ObjectWriter), canned ACLs, grant headers and AccessControlPolicy documents set
bucket and object ACLs that let anonymous and signed callers in as they grant (and
IgnorePublicAcls, BlockPublicAcls and an explicit Deny as S3 has them); ownership controls
and the public access block are set, read and deleted, BlockPublicPolicy refuses a public policy, RestrictPublicBuckets keeps anonymous
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


def anonymous_get(key, in_bucket=None, method="GET"):
    """The status of an unsigned request for `key` (a listing when it is empty)."""
    try:
        req = urllib.request.Request(f"{ENDPOINT}/{in_bucket or bucket}/{key}", method=method,
                                     data=b"anon" if method == "PUT" else None)
        return urllib.request.urlopen(req).status
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
# With ACLs enabled, they grant: anonymous callers what AllUsers has, signed ones what
# AuthenticatedUsers has too.
s3.put_public_access_block(Bucket=other, PublicAccessBlockConfiguration={
    "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
s3.put_object(Bucket=other, Key="p", Body=b"p", ACL="public-read")
s3.put_object(Bucket=other, Key="private", Body=b"x")
check(anonymous_get("p", other) == 200, "a public-read object is read by anyone")
check(anonymous_get("private", other) == 403, "a private one is not")
check(anonymous_get("", other) == 403, "nor is the bucket listed")
grants = s3.get_object_acl(Bucket=other, Key="p")["Grants"]
check(any(g["Grantee"].get("URI", "").endswith("/AllUsers") and g["Permission"] == "READ" for g in grants),
      f"GetObjectAcl shows AllUsers READ ({grants})")
s3.put_bucket_acl(Bucket=other, ACL="public-read")
check(anonymous_get("", other) == 200, "a public-read bucket is listed by anyone")
check(anonymous_get("w", other, "PUT") == 403, "but not written")
s3.put_bucket_acl(Bucket=other, GrantRead=f'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
                  GrantWrite=f'uri="http://acs.amazonaws.com/groups/global/AllUsers"')
check(anonymous_get("w", other, "PUT") == 200, "granted WRITE by a header, anyone writes")
check(s3.get_object(Bucket=other, Key="w")["Body"].read() == b"anon", "and the object is there")
owner = acl["Owner"]["ID"]
s3.put_object_acl(Bucket=other, Key="private", AccessControlPolicy={"Owner": {"ID": owner}, "Grants": [
    {"Grantee": {"Type": "CanonicalUser", "ID": owner}, "Permission": "FULL_CONTROL"},
    {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"}, "Permission": "READ"}]})
check(anonymous_get("private", other) == 403, "an authenticated-users grant lets no anonymous caller in")
iam = boto3.client("iam")
iam.create_user(UserName=f"acl-{RUN}")
key = iam.create_access_key(UserName=f"acl-{RUN}")["AccessKey"]
user = boto3.client("s3", config=cfg, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
for _ in range(50):
    got = error(user.get_object, Bucket=other, Key="private")
    if got[0] != "InvalidAccessKeyId":
        break
    time.sleep(0.1)
check(got == (None, None), f"a signed user without any policy reads what AuthenticatedUsers may ({got})")
check(error(user.get_object, Bucket=other, Key="p")[0] is None, "and what AllUsers may")
check(error(user.delete_bucket, Bucket=other)[0] == "AccessDenied", "but nothing the ACLs do not grant")
s3.put_bucket_policy(Bucket=other, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{other}/p"}]}))
check(anonymous_get("p", other) == 403, "a bucket policy's explicit Deny wins over an ACL")
s3.delete_bucket_policy(Bucket=other)
check(error(s3.put_object_acl, Bucket=other, Key="p", GrantRead='id="0123456789abcdef"')[0] == "InvalidArgument",
      "a grant to an account that does not exist is InvalidArgument")
check(error(s3.put_object_acl, Bucket=other, Key="p", GrantRead='emailAddress="a@example.com"')[0]
      == "UnresolvableGrantByEmailAddress", "and to an e-mail address UnresolvableGrantByEmailAddress")
check(error(s3.put_object, Bucket=other, Key="q", Body=b"q", ACL="public-read", GrantRead=f'id="{owner}"')[0]
      == "InvalidRequest", "a canned ACL and grant headers together are refused")
s3.put_public_access_block(Bucket=other, PublicAccessBlockConfiguration={
    "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
check(anonymous_get("p", other) == 403, "IgnorePublicAcls: public ACLs let no one in")
check(error(s3.put_object_acl, Bucket=other, Key="p", ACL="public-read")[0] == "AccessDenied",
      "BlockPublicAcls: a public ACL is refused")
check(error(s3.put_bucket_ownership_controls, Bucket=other, OwnershipControls={
    "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})[0] == "InvalidBucketAclWithObjectOwnership",
      "ACLs cannot be disabled while the bucket's ACL grants others")
s3.put_bucket_acl(Bucket=other, ACL="private")
s3.delete_public_access_block(Bucket=other)
iam.delete_access_key(UserName=f"acl-{RUN}", AccessKeyId=key["AccessKeyId"])
iam.delete_user(UserName=f"acl-{RUN}")
for k in ("p", "private", "w"):
    s3.delete_object(Bucket=other, Key=k)
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
