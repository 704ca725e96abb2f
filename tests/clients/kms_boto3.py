"""KMS through boto3 against a running Squall (awsJson1.1, X-Amz-Target TrentService.*).

Covers CreateKey (Description, Tags, the key kinds and members Squall refuses by name),
DescribeKey (by id, key ARN, alias name, alias ARN; an AWS managed key's alias made on first
use), ListKeys (paging), CreateAlias, UpdateAlias, DeleteAlias, ListAliases (paging, by KeyId),
Encrypt, Decrypt (KeyId checked, encryption context, tampering), GenerateDataKey (KeySpec,
NumberOfBytes), GenerateDataKeyWithoutPlaintext, ReEncrypt, GenerateRandom, DryRun, EnableKey,
DisableKey, ScheduleKeyDeletion, CancelKeyDeletion, TagResource, UntagResource,
ListResourceTags, UpdateKeyDescription, GetKeyPolicy, ListKeyPolicies and the rotation
operations, with the error codes of botocore's kms model; and every other operation of that
model, refused with UnsupportedOperationException naming it. With the argument `dev` (a server
started with --dev), also moves the platform clock past a deletion date and sees the key and
its alias gone.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure. Every wait is bounded.
"""
import base64
import datetime
import json
import os
import sys
import time
import urllib.request

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError

kms = boto3.client("kms", config=Config(retries={"total_max_attempts": 1}))
# Without botocore's own checks, for inputs it would refuse before sending.
raw = boto3.client("kms", config=Config(retries={"total_max_attempts": 1}, parameter_validation=False))
ARN = "arn:aws:kms:us-east-1:000000000000:"
SERVED = {
    "CancelKeyDeletion", "CreateAlias", "CreateKey", "Decrypt", "DeleteAlias", "DescribeKey", "DisableKey",
    "DisableKeyRotation", "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext", "GenerateRandom", "GetKeyPolicy", "GetKeyRotationStatus", "ListAliases",
    "ListKeyPolicies", "ListKeys", "ListResourceTags", "ReEncrypt", "ScheduleKeyDeletion", "TagResource",
    "UntagResource", "UpdateAlias", "UpdateKeyDescription",
}


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def refused(code, what, fn, status=400, **kwargs):
    """`fn(**kwargs)` fails with `code` and `status`; the error's message."""
    try:
        fn(**kwargs)
    except ClientError as e:
        got, http = e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(got == code and http == status, f"{what} ({got}, HTTP {http}: {e.response['Error'].get('Message')})")
        return e.response["Error"].get("Message", "")
    check(False, f"{what}: no error")


# CreateKey and DescribeKey.
created = kms.create_key(Description="app data", Tags=[{"TagKey": "team", "TagValue": "core"}])["KeyMetadata"]
key_id, key_arn = created["KeyId"], created["Arn"]
check(key_arn == f"{ARN}key/{key_id}" and len(key_id) == 36, f"a key has a UUID and its ARN ({key_arn})")
check(created["KeyState"] == "Enabled" and created["Enabled"] and created["KeyManager"] == "CUSTOMER",
      "a new key is enabled and customer managed")
check((created["KeySpec"], created["KeyUsage"], created["Origin"], created["EncryptionAlgorithms"],
       created["MultiRegion"], created["AWSAccountId"]) ==
      ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "AWS_KMS", ["SYMMETRIC_DEFAULT"], False, "000000000000"),
      "KeyMetadata describes a symmetric key Squall made")
check(isinstance(created["CreationDate"], datetime.datetime), "CreationDate is a date")
check(created["Description"] == "app data", "the description is kept")
other = kms.create_key(KeySpec="SYMMETRIC_DEFAULT", KeyUsage="ENCRYPT_DECRYPT", Origin="AWS_KMS")["KeyMetadata"]
check(other["Description"] == "", "a key without a description has an empty one")

kms.create_alias(AliasName="alias/app", TargetKeyId=key_id)
for ref in (key_id, key_arn, "alias/app", f"{ARN}alias/app"):
    check(kms.describe_key(KeyId=ref)["KeyMetadata"]["Arn"] == key_arn, f"DescribeKey by {ref}")
msg = refused("NotFoundException", "DescribeKey of a key that does not exist", kms.describe_key,
              KeyId="11111111-2222-3333-4444-555555555555")
check("does not exist" in msg, "the message says the key does not exist")
refused("NotFoundException", "DescribeKey of an alias that does not exist", kms.describe_key, KeyId="alias/nope")
refused("NotFoundException", "another region's key is not here", kms.describe_key,
        KeyId=f"arn:aws:kms:eu-west-1:000000000000:key/{key_id}")
refused("ValidationException", "KeyId is required", raw.describe_key)

# What CreateKey refuses, by name.
for what, kwargs, code in [
    ("an RSA key", {"KeySpec": "RSA_2048"}, "UnsupportedOperationException"),
    ("an HMAC key", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}, "UnsupportedOperationException"),
    ("a signing key", {"KeyUsage": "SIGN_VERIFY"}, "UnsupportedOperationException"),
    ("imported material", {"Origin": "EXTERNAL"}, "UnsupportedOperationException"),
    ("a multi-Region key", {"MultiRegion": True}, "UnsupportedOperationException"),
    ("a key policy", {"Policy": json.dumps({"Version": "2012-10-17", "Statement": []})},
     "UnsupportedOperationException"),
    ("a custom key store", {"CustomKeyStoreId": "cks-1234567890abcdef0"}, "CustomKeyStoreNotFoundException"),
    ("both KeySpec and CustomerMasterKeySpec",
     {"KeySpec": "SYMMETRIC_DEFAULT", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT"}, "ValidationException"),
    ("a reserved tag key", {"Tags": [{"TagKey": "aws:owner", "TagValue": "x"}]}, "TagException"),
]:
    msg = refused(code, f"CreateKey refuses {what}", kms.create_key, **kwargs)
    named = list(kwargs)[0]
    check(code != "UnsupportedOperationException" or named in msg, f"the refusal names {named}")
before = {k["KeyId"] for k in kms.list_keys()["Keys"]}
check(before == {key_id, other["KeyId"]}, "nothing refused was made")

# ListKeys pages.
more = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
seen, marker = [], None
while True:
    page = kms.list_keys(Limit=2, **({"Marker": marker} if marker else {}))
    check(len(page["Keys"]) <= 2, "a page holds at most Limit keys")
    seen += [k["KeyId"] for k in page["Keys"]]
    if not page["Truncated"]:
        break
    marker = page["NextMarker"]
check(sorted(seen) == sorted(before | set(more)) and len(seen) == 5, "the pages list every key once")
listed = [k["KeyId"] for p in kms.get_paginator("list_keys").paginate(PaginationConfig={"PageSize": 2}) for k in p["Keys"]]
check(sorted(listed) == sorted(seen), "boto3's paginator follows the markers")
refused("InvalidMarkerException", "a marker Squall did not give", kms.list_keys, Marker="nonsense")
refused("ValidationException", "Limit above 1000", raw.list_keys, Limit=1001)

# Aliases.
refused("AlreadyExistsException", "an alias taken", kms.create_alias, AliasName="alias/app", TargetKeyId=other["KeyId"])
refused("NotAuthorizedException", "alias/aws/ is reserved", kms.create_alias, AliasName="alias/aws/mine",
        TargetKeyId=key_id)
refused("ValidationException", "an alias must start with alias/", kms.create_alias, AliasName="app2",
        TargetKeyId=key_id)
refused("ValidationException", "an alias cannot point to an alias", kms.create_alias, AliasName="alias/app2",
        TargetKeyId="alias/app")
refused("NotFoundException", "an alias for a key that does not exist", kms.create_alias, AliasName="alias/app2",
        TargetKeyId="11111111-2222-3333-4444-555555555555")
kms.create_alias(AliasName="alias/app/old", TargetKeyId=key_arn)
kms.update_alias(AliasName="alias/app/old", TargetKeyId=other["Arn"])
check(kms.describe_key(KeyId="alias/app/old")["KeyMetadata"]["KeyId"] == other["KeyId"],
      "UpdateAlias points the alias to another key")
refused("NotFoundException", "UpdateAlias of an alias that does not exist", kms.update_alias,
        AliasName="alias/none", TargetKeyId=key_id)
aliases = kms.list_aliases()["Aliases"]
names = [a["AliasName"] for a in aliases]
check(names == ["alias/app", "alias/app/old"], f"ListAliases lists them in name order ({names})")
entry = aliases[0]
check(entry["AliasArn"] == f"{ARN}alias/app" and entry["TargetKeyId"] == key_id
      and isinstance(entry["LastUpdatedDate"], datetime.datetime), "an alias entry has its ARN, key and dates")
check([a["AliasName"] for a in kms.list_aliases(KeyId=key_arn)["Aliases"]] == ["alias/app"],
      "ListAliases by KeyId lists that key's aliases")
first = kms.list_aliases(Limit=1)
check(first["Truncated"] and len(first["Aliases"]) == 1, "ListAliases pages")
check([a["AliasName"] for a in kms.list_aliases(Marker=first["NextMarker"])["Aliases"]] == ["alias/app/old"],
      "the next page follows")
kms.delete_alias(AliasName="alias/app/old")
refused("NotFoundException", "DeleteAlias of an alias already deleted", kms.delete_alias, AliasName="alias/app/old")

# Encrypt and Decrypt.
context = {"purpose": "test", "tenant": "a"}
enc = kms.encrypt(KeyId="alias/app", Plaintext=b"attack at dawn", EncryptionContext=context)
blob = enc["CiphertextBlob"]
check(enc["KeyId"] == key_arn and enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT", "Encrypt answers the key's ARN")
check(b"attack at dawn" not in blob, "the ciphertext does not hold the plaintext")
dec = kms.decrypt(CiphertextBlob=blob, EncryptionContext={"tenant": "a", "purpose": "test"})
check(dec["Plaintext"] == b"attack at dawn" and dec["KeyId"] == key_arn, "Decrypt needs no KeyId")
check(kms.decrypt(CiphertextBlob=blob, EncryptionContext=context, KeyId="alias/app")["Plaintext"] == b"attack at dawn",
      "Decrypt with the right KeyId, by alias")
refused("IncorrectKeyException", "Decrypt with another key's KeyId", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext=context, KeyId=other["KeyId"])
refused("InvalidCiphertextException", "Decrypt with another encryption context", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext={"purpose": "test"})
tampered = bytearray(blob)
tampered[-1] ^= 1
refused("InvalidCiphertextException", "a tampered ciphertext", kms.decrypt, CiphertextBlob=bytes(tampered),
        EncryptionContext=context)
refused("InvalidCiphertextException", "bytes Squall never made", kms.decrypt, CiphertextBlob=b"x" * 64)
refused("ValidationException", "Plaintext over 4096 bytes", kms.encrypt, KeyId=key_id, Plaintext=b"x" * 4097)
refused("InvalidKeyUsageException", "an RSA algorithm with a symmetric key", kms.encrypt, KeyId=key_id,
        Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
msg = refused("InvalidGrantTokenException", "grant tokens (Squall makes no grants)", kms.encrypt, KeyId=key_id,
              Plaintext=b"x", GrantTokens=["token"])
check("GrantTokens" in msg, "the refusal names GrantTokens")
refused("DryRunOperationException", "a dry run that would have succeeded", kms.encrypt, status=412, KeyId=key_id,
        Plaintext=b"x", DryRun=True)
refused("NotFoundException", "Encrypt under an alias that does not exist", kms.encrypt, KeyId="alias/nope",
        Plaintext=b"x")

# Data keys, ReEncrypt, random bytes.
dk = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext={"bucket": "photos"})
check(len(dk["Plaintext"]) == 32 and dk["KeyId"] == key_arn, "GenerateDataKey AES_256 gives 32 bytes")
check(kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext={"bucket": "photos"})["Plaintext"]
      == dk["Plaintext"], "the data key's ciphertext decrypts to it")
check(len(kms.generate_data_key(KeyId="alias/app", KeySpec="AES_128")["Plaintext"]) == 16, "AES_128 gives 16 bytes")
check(len(kms.generate_data_key(KeyId=key_arn, NumberOfBytes=7)["Plaintext"]) == 7, "NumberOfBytes gives that many")
refused("ValidationException", "NumberOfBytes over 1024", raw.generate_data_key, KeyId=key_id, NumberOfBytes=1025)
refused("ValidationException", "neither KeySpec nor NumberOfBytes", kms.generate_data_key, KeyId=key_id)
refused("ValidationException", "both KeySpec and NumberOfBytes", kms.generate_data_key, KeyId=key_id,
        KeySpec="AES_256", NumberOfBytes=32)
bare = kms.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_256")
check("Plaintext" not in bare and len(kms.decrypt(CiphertextBlob=bare["CiphertextBlob"])["Plaintext"]) == 32,
      "GenerateDataKeyWithoutPlaintext gives only the ciphertext")
re = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=context, DestinationKeyId=other["Arn"],
                    DestinationEncryptionContext={"moved": "yes"})
check(re["SourceKeyId"] == key_arn and re["KeyId"] == other["Arn"], "ReEncrypt names both keys")
check(kms.decrypt(CiphertextBlob=re["CiphertextBlob"], EncryptionContext={"moved": "yes"})["Plaintext"]
      == b"attack at dawn", "the re-encrypted ciphertext decrypts under the other key")
refused("IncorrectKeyException", "ReEncrypt with the wrong SourceKeyId", kms.re_encrypt, CiphertextBlob=blob,
        SourceEncryptionContext=context, SourceKeyId=other["KeyId"], DestinationKeyId=key_id)
r1, r2 = kms.generate_random(NumberOfBytes=32)["Plaintext"], kms.generate_random(NumberOfBytes=32)["Plaintext"]
check(len(r1) == 32 and r1 != r2, "GenerateRandom gives fresh bytes")
refused("ValidationException", "GenerateRandom of 0 bytes", raw.generate_random, NumberOfBytes=0)
refused("CustomKeyStoreNotFoundException", "GenerateRandom in a custom key store", kms.generate_random,
        NumberOfBytes=8, CustomKeyStoreId="cks-1234567890abcdef0")

# Disabled keys.
kms.disable_key(KeyId=key_id)
check(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled", "DisableKey disables")
refused("DisabledException", "Encrypt under a disabled key", kms.encrypt, KeyId="alias/app", Plaintext=b"x")
refused("DisabledException", "Decrypt under a disabled key", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext=context)
refused("DisabledException", "GenerateDataKey under a disabled key", kms.generate_data_key, KeyId=key_id,
        KeySpec="AES_256")
refused("NotFoundException", "DisableKey takes a key id or ARN, not an alias", kms.disable_key, KeyId="alias/app")
kms.enable_key(KeyId=key_arn)
check(kms.decrypt(CiphertextBlob=blob, EncryptionContext=context)["Plaintext"] == b"attack at dawn",
      "enabled again, it decrypts")

# Tags, description, policy, rotation.
kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "web"}])
tags = kms.list_resource_tags(KeyId=key_arn)["Tags"]
check(tags == [{"TagKey": "env", "TagValue": "prod"}, {"TagKey": "team", "TagValue": "web"}],
      f"TagResource adds and replaces ({tags})")
kms.untag_resource(KeyId=key_id, TagKeys=["env", "absent"])
check(kms.list_resource_tags(KeyId=key_id)["Tags"] == [{"TagKey": "team", "TagValue": "web"}], "UntagResource")
refused("TagException", "a reserved tag key", kms.tag_resource, KeyId=key_id,
        Tags=[{"TagKey": "aws:x", "TagValue": "y"}])
refused("LimitExceededException", "more than 50 tags", kms.tag_resource, KeyId=key_id,
        Tags=[{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)])
kms.update_key_description(KeyId=key_id, Description="renamed")
check(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"] == "renamed", "UpdateKeyDescription")
policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")
doc = json.loads(policy["Policy"])
check(doc["Statement"][0]["Action"] == "kms:*"
      and doc["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::000000000000:root",
      "the default key policy lets the account's IAM policies decide")
check(kms.get_key_policy(KeyId=key_id)["PolicyName"] == "default", "GetKeyPolicy without PolicyName")
refused("NotFoundException", "a policy name other than default", kms.get_key_policy, KeyId=key_id,
        PolicyName="other")
check(kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"], "ListKeyPolicies")
check(kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False, "rotation is off")
msg = refused("UnsupportedOperationException", "EnableKeyRotation", kms.enable_key_rotation, KeyId=key_id)
check("rotat" in msg, "the refusal says rotation is not supported")
kms.disable_key_rotation(KeyId=key_id)
check(True, "DisableKeyRotation leaves it off")

# The AWS managed key of S3, made on first use; only S3 uses it, no one changes it.
managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
check(managed["KeyManager"] == "AWS"
      and managed["Description"] == "Default key that protects my S3 objects when no other key is defined",
      "DescribeKey of alias/aws/s3 makes S3's AWS managed key")
check(kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"] == managed["KeyId"], "made once")
check("alias/aws/s3" in [a["AliasName"] for a in kms.list_aliases()["Aliases"]], "its alias is listed")
refused("AccessDeniedException", "an AWS managed key is not used directly", kms.encrypt, KeyId="alias/aws/s3",
        Plaintext=b"x")
refused("AccessDeniedException", "nor disabled", kms.disable_key, KeyId=managed["KeyId"])
refused("NotAuthorizedException", "nor its alias deleted", kms.delete_alias, AliasName="alias/aws/s3")
check("kms:ViaService" in kms.get_key_policy(KeyId=managed["Arn"])["Policy"], "its policy says why")

# Deletion.
doomed = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
kms.create_alias(AliasName="alias/doomed", TargetKeyId=doomed)
doomed_blob = kms.encrypt(KeyId=doomed, Plaintext=b"bye")["CiphertextBlob"]
refused("ValidationException", "a waiting period under 7 days", kms.schedule_key_deletion, KeyId=doomed,
        PendingWindowInDays=6)
refused("KMSInvalidStateException", "CancelKeyDeletion of a key not pending deletion", kms.cancel_key_deletion,
        KeyId=doomed)
scheduled = kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
check(scheduled["KeyState"] == "PendingDeletion" and scheduled["PendingWindowInDays"] == 7
      and scheduled["KeyId"].endswith(doomed), "ScheduleKeyDeletion")
wait = scheduled["DeletionDate"] - datetime.datetime.now(datetime.timezone.utc)
check(datetime.timedelta(days=6, hours=23) < wait <= datetime.timedelta(days=7, minutes=1),
      f"the deletion date is seven days ahead ({wait})")
meta = kms.describe_key(KeyId=doomed)["KeyMetadata"]
check(meta["KeyState"] == "PendingDeletion" and "DeletionDate" in meta and not meta["Enabled"],
      "DescribeKey shows the deletion date")
refused("KMSInvalidStateException", "Decrypt under a key pending deletion", kms.decrypt, CiphertextBlob=doomed_blob)
refused("KMSInvalidStateException", "EnableKey of a key pending deletion", kms.enable_key, KeyId=doomed)
refused("KMSInvalidStateException", "scheduled twice", kms.schedule_key_deletion, KeyId=doomed)
kms.cancel_key_deletion(KeyId=doomed)
check(kms.describe_key(KeyId=doomed)["KeyMetadata"]["KeyState"] == "Disabled", "a cancelled deletion leaves it disabled")
kms.enable_key(KeyId=doomed)
check(kms.decrypt(CiphertextBlob=doomed_blob)["Plaintext"] == b"bye", "and enabled it decrypts again")

# IAM decides on the key's ARN: an alias is resolved to its key, Decrypt is checked on the key
# its ciphertext names, a tag condition reads the key's tags.
iam = boto3.client("iam")
iam.create_user(UserName="kms-user")
access = iam.create_access_key(UserName="kms-user")["AccessKey"]
iam.put_user_policy(UserName="kms-user", PolicyName="one-key", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": key_arn},
        {"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/team": "web"}}},
    ],
}))
user = boto3.Session(aws_access_key_id=access["AccessKeyId"], aws_secret_access_key=access["SecretAccessKey"],
                     region_name="us-east-1").client("kms", config=Config(retries={"total_max_attempts": 1}))
mine = user.encrypt(KeyId="alias/app", Plaintext=b"user data")["CiphertextBlob"]
check(user.decrypt(CiphertextBlob=mine)["Plaintext"] == b"user data", "a user allowed one key uses it by its alias")
msg = refused("AccessDeniedException", "and not another key", user.encrypt, KeyId=other["KeyId"], Plaintext=b"x")
check(f"kms:Encrypt on resource: {other['Arn']}" in msg, "the denial names the action and the key's ARN")
theirs = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"x")["CiphertextBlob"]
msg = refused("AccessDeniedException", "nor decrypt what another key encrypted", user.decrypt, CiphertextBlob=theirs)
check(other["Arn"] in msg, "Decrypt is checked on the key the ciphertext names")
check(user.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id, "a tag condition reads the key's tags")
refused("AccessDeniedException", "and denies a key without the tag", user.describe_key, KeyId=other["KeyId"])

# Every other operation of the model is refused by name, never a 5xx or silence.
names = {api: method for method, api in raw.meta.method_to_api_mapping.items()}
for op in raw.meta.service_model.operation_names:
    if op in SERVED:
        continue
    shape = raw.meta.service_model.operation_model(op).input_shape
    params = {m: ("x" if shape.members[m].type_name == "string" else
                  b"x" if shape.members[m].type_name == "blob" else
                  [] if shape.members[m].type_name == "list" else
                  {} if shape.members[m].type_name in ("map", "structure") else 1)
              for m in (shape.required_members if shape else [])}
    msg = refused("UnsupportedOperationException", f"{op} is refused", getattr(raw, names[op]), **params)
    check(op in msg, f"the refusal of {op} names it")

if sys.argv[1:] == ["dev"]:
    endpoint = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
    creds = botocore.session.get_session().get_credentials()

    def advance(seconds):
        body = json.dumps({"advanceSeconds": seconds}).encode()
        req = AWSRequest(method="POST", url=endpoint + "/squall/v1/clock", data=body,
                         headers={"Content-Type": "application/json"})
        SigV4Auth(creds, "squall", "us-east-1").add_auth(req)
        p = req.prepare()
        with urllib.request.urlopen(urllib.request.Request(p.url, data=body, method="POST",
                                                           headers=dict(p.headers)), timeout=30) as r:
            check(r.status == 200, f"the clock moves {seconds} s")

    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    advance(6 * 86400)
    check(kms.describe_key(KeyId=doomed)["KeyMetadata"]["KeyState"] == "PendingDeletion",
          "six days later it is still pending deletion")
    advance(86400 + 1)
    deadline = time.time() + 10
    while doomed in {k["KeyId"] for k in kms.list_keys()["Keys"]}:
        check(time.time() < deadline, "the key is deleted once its waiting period ended")
        time.sleep(0.05)
    refused("NotFoundException", "once the clock passes the deletion date, the key is gone", kms.describe_key,
            KeyId=doomed)
    check("alias/doomed" not in [a["AliasName"] for a in kms.list_aliases()["Aliases"]], "and so is its alias")
    refused("InvalidCiphertextException", "its ciphertexts no longer decrypt", kms.decrypt,
            CiphertextBlob=doomed_blob)

print("all KMS checks passed")
