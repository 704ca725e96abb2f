"""STS AssumeRole through boto3 against a running `squall server --dev`: roles' temporary
credentials, signed with their session token on every request.

A user allowed sts:AssumeRole by its own policy assumes a role whose trust policy names the
account; a role whose trust policy names the user directly needs no such policy; a role trusted
only by a service, and the root, are refused. The session acts with its role's policies, narrowed
by a session policy when one is passed; GetCallerIdentity names the assumed role. A token
tampered with or sent with another key is refused, and once the platform clock (moved with the
dev server's clock endpoint) passes its expiry the session's requests fail with ExpiredToken;
a deleted role's sessions end at once.

Run by the end-to-end tests with AWS_ENDPOINT_URL, the root's key and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""
import json
import os
import urllib.request

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from iam_common import ACCOUNT, CONFIG, check, error_of, policy

ENDPOINT = os.environ["AWS_ENDPOINT_URL"].rstrip("/")
iam = boto3.client("iam", config=CONFIG)
root_sts = boto3.client("sts", config=CONFIG)
root_ddb = boto3.client("dynamodb", config=CONFIG)


def client(service, creds):
    return boto3.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds.get("SessionToken"),
        config=CONFIG,
    )


def advance(seconds):
    """Moves the dev server's platform clock forward."""
    body = json.dumps({"advanceSeconds": seconds}).encode()
    req = AWSRequest(method="POST", url=ENDPOINT + "/squall/v1/clock", data=body,
                     headers={"Content-Type": "application/json"})
    SigV4Auth(botocore.session.get_session().get_credentials(), "squall", "us-east-1").add_auth(req)
    p = req.prepare()
    with urllib.request.urlopen(urllib.request.Request(p.url, data=body, method="POST", headers=dict(p.headers))) as r:
        check(r.status == 200, f"the clock moves {seconds} s forward")


root_ddb.create_table(
    TableName="orders",
    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
root_ddb.put_item(TableName="orders", Item={"id": {"S": "1"}})
account_trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
app = iam.create_role(RoleName="app", AssumeRolePolicyDocument=account_trust, MaxSessionDuration=7200)["Role"]
iam.put_role_policy(RoleName="app", PolicyName="tables",
                    PolicyDocument=policy({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}))
iam.create_user(UserName="bo")
bo_key = iam.create_access_key(UserName="bo")["AccessKey"]
bo_sts = client("sts", bo_key)

# The account is trusted: the user's own policy must allow the assumption too.
code, message = error_of(bo_sts.assume_role, RoleArn=app["Arn"], RoleSessionName="s1")
check(code == "AccessDenied" and "sts:AssumeRole" in message, f"no identity policy, no session ({message})")
iam.put_user_policy(UserName="bo", PolicyName="assume",
                    PolicyDocument=policy({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": app["Arn"]}))
out = bo_sts.assume_role(RoleArn=app["Arn"], RoleSessionName="s1", DurationSeconds=3600)
creds = out["Credentials"]
check(creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"], "AssumeRole gives temporary credentials")
check(out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1", "the assumed role's ARN")
me = client("sts", creds).get_caller_identity()
check(me["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1" and me["UserId"] == f"{app['RoleId']}:s1",
      f"GetCallerIdentity names the session ({me['Arn']})")
session_ddb = client("dynamodb", creds)
session_ddb.put_item(TableName="orders", Item={"id": {"S": "2"}})
check(session_ddb.get_item(TableName="orders", Key={"id": {"S": "2"}})["Item"]["id"]["S"] == "2",
      "the session acts with its role's policies")
code, message = error_of(client("s3", creds).list_buckets)
check(code == "AccessDenied" and f"assumed-role/app/s1 is not authorized to perform: s3:ListAllMyBuckets" in message,
      f"... and only those ({message})")

# A session policy narrows the role's.
narrow = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"})
narrowed = client("dynamodb", bo_sts.assume_role(RoleArn=app["Arn"], RoleSessionName="s2", Policy=narrow)["Credentials"])
narrowed.get_item(TableName="orders", Key={"id": {"S": "1"}})
code, _ = error_of(narrowed.put_item, TableName="orders", Item={"id": {"S": "3"}})
check(code == "AccessDeniedException", "a session policy narrows what the role allows")

# A trust policy naming the user grants the assumption by itself; one naming a service does not.
direct_trust = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bo"}, "Action": "sts:AssumeRole"})
direct = iam.create_role(RoleName="direct", AssumeRolePolicyDocument=direct_trust)["Role"]
bo_sts.assume_role(RoleArn=direct["Arn"], RoleSessionName="d1")
check(True, "a trust policy naming the user lets it assume the role")
service_trust = policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
lambda_role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=service_trust)["Role"]
code, _ = error_of(bo_sts.assume_role, RoleArn=lambda_role["Arn"], RoleSessionName="x1")
check(code == "AccessDenied", "a role trusting only a service is refused")
code, message = error_of(root_sts.assume_role, RoleArn=app["Arn"], RoleSessionName="r1")
check(code == "AccessDenied" and "root" in message, f"the root may not assume roles ({message})")
code, _ = error_of(bo_sts.assume_role, RoleArn=app["Arn"], RoleSessionName="long", DurationSeconds=8000)
check(code == "ValidationError", "a duration past the role's maximum is refused")

# A token tampered with, or sent with another key, is refused.
forged = dict(creds, SessionToken=creds["SessionToken"][:-8] + "AAAAAAA=")
code, _ = error_of(client("sts", forged).get_caller_identity)
check(code == "InvalidClientTokenId", f"a tampered token is refused ({code})")
other = bo_sts.assume_role(RoleArn=app["Arn"], RoleSessionName="s3")["Credentials"]
swapped = dict(creds, SessionToken=other["SessionToken"])
code, _ = error_of(client("dynamodb", swapped).list_tables)
check(code == "UnrecognizedClientException", f"another session's token is refused ({code})")
code, _ = error_of(client("s3", swapped).list_buckets)
check(code == "InvalidToken", f"... by S3 in its own words ({code})")

# Sessions end with the clock, and with their role.
advance(3700)
code, _ = error_of(client("sts", creds).get_caller_identity)
check(code == "ExpiredToken", f"an expired session is refused ({code})")
code, _ = error_of(session_ddb.list_tables)
check(code == "ExpiredTokenException", f"... on every service ({code})")
code, _ = error_of(client("s3", creds).list_buckets)
check(code == "ExpiredToken", f"... and by S3 ({code})")
fresh = client("dynamodb", bo_sts.assume_role(RoleArn=direct["Arn"], RoleSessionName="d2")["Credentials"])
iam.put_role_policy(RoleName="direct", PolicyName="t", PolicyDocument=policy({"Effect": "Allow", "Action": "dynamodb:ListTables", "Resource": "*"}))
fresh.list_tables()
check(True, "a role's new policy applies to its live sessions at once")
iam.delete_role_policy(RoleName="direct", PolicyName="t")
iam.delete_role(RoleName="direct")
code, _ = error_of(fresh.list_tables)
check(code == "UnrecognizedClientException", f"a deleted role's session is refused ({code})")
print("done")
