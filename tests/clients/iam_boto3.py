"""IAM through boto3 against a running Squall, and its policies enforced on the other services.

As the account root (the key in the environment): users, access keys (two at most, Inactive,
deleted), inline user and group policies, managed policies with versions and attachments, roles
with trust policies, tags, paging, the policy simulator, and IAM's errors. Then as users signing
with their own keys: a matrix of principals x actions x resources over DynamoDB, SQS, SNS, S3,
SSM, Secrets Manager and Lambda — allowed and denied in each service's own error shape and with
AWS's message, an explicit deny winning over an allow, NotAction and NotResource, conditions
(aws:SourceIp, a policy variable ${aws:username} in a resource), a managed policy's new default
version taking effect at once, and a disabled or deleted key refused.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in the
environment; exits non-zero with the failing check on the first failure.
"""

import boto3
from iam_common import ACCOUNT, CONFIG, check, policy
from iam_common import failure as error_of

REGION = "us-east-1"
iam = boto3.client("iam", config=CONFIG)


def refused(code, status, what, fn, **kwargs):
    got, got_status, message = error_of(fn, **kwargs)
    check(got == code and got_status == status, f"{what} ({got}, HTTP {got_status}: {message})")
    return message


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def as_user(service, key):
    return boto3.client(
        service,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
        config=CONFIG,
    )


def denied_message(user, action, resource):
    return (
        f"User: arn:aws:iam::{ACCOUNT}:user/{user} is not authorized to perform: {action} "
        f"on resource: {resource} because no identity-based policy allows the {action} action"
    )


# --- IAM's own API, as the root ---------------------------------------------------------------
user = iam.create_user(UserName="ada", Path="/team/", Tags=[{"Key": "team", "Value": "blue"}])["User"]
check(user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/ada" and user["UserId"].startswith("AIDA"), "CreateUser")
check(iam.get_user(UserName="ada")["User"]["Tags"] == [{"Key": "team", "Value": "blue"}], "GetUser with tags")
refused("EntityAlreadyExists", 409, "a second user called ADA", iam.create_user, UserName="ADA")
refused("NoSuchEntity", 404, "GetUser of nobody", iam.get_user, UserName="nobody")
refused("ValidationError", 400, "a name outside IAM's pattern", iam.create_user, UserName="no spaces")
check(iam.get_user()["User"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:root", "GetUser without a name is the root")
for n in range(3):
    iam.create_user(UserName=f"extra{n}")
page = iam.list_users(MaxItems=2)
check(page["IsTruncated"] and len(page["Users"]) == 2, "ListUsers pages")
names = [u["UserName"] for p in iam.get_paginator("list_users").paginate(PaginationConfig={"PageSize": 2}) for u in p["Users"]]
check(sorted(names) == ["ada", "extra0", "extra1", "extra2"], f"the paginator reads every user: {names}")
check([u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]] == ["ada"], "ListUsers PathPrefix")

key = iam.create_access_key(UserName="ada")["AccessKey"]
check(key["AccessKeyId"].startswith("AKIA") and len(key["SecretAccessKey"]) == 40 and key["Status"] == "Active", "CreateAccessKey")
spare = iam.create_access_key(UserName="ada")["AccessKey"]
refused("LimitExceeded", 409, "a third access key", iam.create_access_key, UserName="ada")
listed = iam.list_access_keys(UserName="ada")["AccessKeyMetadata"]
check({k["AccessKeyId"] for k in listed} == {key["AccessKeyId"], spare["AccessKeyId"]}, "ListAccessKeys")
check(all("SecretAccessKey" not in k for k in listed), "ListAccessKeys shows no secrets")

refused(
    "MalformedPolicyDocument", 400, "a policy without statements",
    iam.put_user_policy, UserName="ada", PolicyName="p", PolicyDocument='{"Version": "2012-10-17"}',
)
refused(
    "MalformedPolicyDocument", 400, "an inline policy with a Principal",
    iam.put_user_policy, UserName="ada", PolicyName="p",
    PolicyDocument=policy(allow("s3:GetObject", Principal={"AWS": "*"})),
)
refused("DeleteConflict", 409, "deleting a user with keys", iam.delete_user, UserName="ada")

# --- Enforcement ------------------------------------------------------------------------------
ddb = boto3.client("dynamodb", config=CONFIG)
for t in ("tab1", "tab2"):
    ddb.create_table(
        TableName=t,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(TableName=t, Item={"id": {"S": "1"}})
table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/tab1"
queue_url = boto3.client("sqs", config=CONFIG).create_queue(QueueName="q1")["QueueUrl"]
topic_arn = boto3.client("sns", config=CONFIG).create_topic(Name="t1")["TopicArn"]
s3 = boto3.client("s3", config=CONFIG)
s3.create_bucket(Bucket="bkt1")
s3.put_object(Bucket="bkt1", Key="ada/own.txt", Body=b"mine")
s3.put_object(Bucket="bkt1", Key="bo/theirs.txt", Body=b"theirs")
boto3.client("ssm", config=CONFIG).put_parameter(Name="/app/x", Value="1", Type="String")

a_ddb, a_sqs, a_sns, a_s3 = (as_user(s, key) for s in ("dynamodb", "sqs", "sns", "s3"))
a_ssm, a_secrets, a_lambda, a_iam = (as_user(s, key) for s in ("ssm", "secretsmanager", "lambda", "iam"))
me = as_user("sts", key).get_caller_identity()
check(me["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/ada" and me["UserId"] == user["UserId"], "GetCallerIdentity as a user")

# Nothing is allowed until a policy says so: each service denies in its own shape, with AWS's message.
message = refused("AccessDeniedException", 400, "DynamoDB denies", a_ddb.get_item, TableName="tab1", Key={"id": {"S": "1"}})
check(message == denied_message("team/ada", "dynamodb:GetItem", table_arn), f"DynamoDB's message: {message}")
refused("AccessDenied", 403, "SQS denies", a_sqs.send_message, QueueUrl=queue_url, MessageBody="m")
refused("AuthorizationError", 403, "SNS denies", a_sns.publish, TopicArn=topic_arn, Message="m")
message = refused("AccessDenied", 403, "S3 denies", a_s3.get_object, Bucket="bkt1", Key="ada/own.txt")
check("s3:GetObject on resource: arn:aws:s3:::bkt1/ada/own.txt" in message, f"S3's message: {message}")
refused("AccessDeniedException", 400, "SSM denies", a_ssm.get_parameter, Name="/app/x")
refused("AccessDeniedException", 400, "Secrets Manager denies", a_secrets.list_secrets)
refused("AccessDeniedException", 403, "Lambda denies", a_lambda.list_functions)
refused("AccessDenied", 403, "IAM denies", a_iam.list_users)

# An inline policy allows exactly what it names.
iam.put_user_policy(UserName="ada", PolicyName="read-t1", PolicyDocument=policy(allow("dynamodb:GetItem", table_arn)))
check(a_ddb.get_item(TableName="tab1", Key={"id": {"S": "1"}})["Item"]["id"]["S"] == "1", "an allowed GetItem")
refused("AccessDeniedException", 400, "the other table", a_ddb.get_item, TableName="tab2", Key={"id": {"S": "1"}})
refused("AccessDeniedException", 400, "another action", a_ddb.put_item, TableName="tab1", Item={"id": {"S": "2"}})
got = iam.get_user_policy(UserName="ada", PolicyName="read-t1")["PolicyDocument"]
check(got["Statement"][0]["Action"] == "dynamodb:GetItem", "GetUserPolicy gives the document back")
check(iam.list_user_policies(UserName="ada")["PolicyNames"] == ["read-t1"], "ListUserPolicies")

# A group's explicit deny wins over the user's allow.
iam.create_group(GroupName="locked")
iam.put_group_policy(GroupName="locked", PolicyName="no-t1", PolicyDocument=policy(deny("dynamodb:*", table_arn)))
iam.add_user_to_group(GroupName="locked", UserName="ada")
message = refused("AccessDeniedException", 400, "an explicit deny wins", a_ddb.get_item, TableName="tab1", Key={"id": {"S": "1"}})
check("with an explicit deny in an identity-based policy" in message, f"the explicit deny's message: {message}")
check([g["GroupName"] for g in iam.list_groups_for_user(UserName="ada")["Groups"]] == ["locked"], "ListGroupsForUser")
check([u["UserName"] for u in iam.get_group(GroupName="locked")["Users"]] == ["ada"], "GetGroup lists members")
iam.remove_user_from_group(GroupName="locked", UserName="ada")
a_ddb.get_item(TableName="tab1", Key={"id": {"S": "1"}})
check(True, "removed from the group, the allow holds again")

# NotAction and NotResource.
iam.put_user_policy(UserName="ada", PolicyName="all-but-iam", PolicyDocument=policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}))
a_sqs.send_message(QueueUrl=queue_url, MessageBody="m")
a_sns.publish(TopicArn=topic_arn, Message="m")
check(a_ssm.get_parameter(Name="/app/x")["Parameter"]["Value"] == "1", "NotAction iam:* allows the rest")
refused("AccessDenied", 403, "NotAction still leaves IAM denied", a_iam.list_users)
iam.put_user_policy(
    UserName="ada", PolicyName="all-but-iam",
    PolicyDocument=policy({"Effect": "Allow", "Action": "sqs:*", "NotResource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q1"}),
)
refused("AccessDenied", 403, "NotResource excludes the queue", a_sqs.send_message, QueueUrl=queue_url, MessageBody="m")
iam.delete_user_policy(UserName="ada", PolicyName="all-but-iam")

# Conditions: the caller's address, and a policy variable in the resource.
iam.put_user_policy(
    UserName="ada", PolicyName="s3",
    PolicyDocument=policy(
        allow("s3:GetObject", "arn:aws:s3:::bkt1/${aws:username}/*"),
        allow("s3:ListBucket", "arn:aws:s3:::bkt1", Condition={"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}),
        allow("s3:PutObject", "arn:aws:s3:::bkt1/*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
    ),
)
check(a_s3.get_object(Bucket="bkt1", Key="ada/own.txt")["Body"].read() == b"mine", "${aws:username} in a resource")
refused("AccessDenied", 403, "another user's prefix", a_s3.get_object, Bucket="bkt1", Key="bo/theirs.txt")
check(len(a_s3.list_objects_v2(Bucket="bkt1")["Contents"]) == 2, "aws:SourceIp matches loopback")
refused("AccessDenied", 403, "aws:SourceIp outside the range", a_s3.put_object, Bucket="bkt1", Key="ada/new", Body=b"x")

# Managed policies: versions, the default in force at once, attachments.
doc_v1 = policy(allow("sqs:GetQueueAttributes"))
created = iam.create_policy(PolicyName="queues", Path="/app/", PolicyDocument=doc_v1, Description="queue access")["Policy"]
arn = created["Arn"]
check(arn == f"arn:aws:iam::{ACCOUNT}:policy/app/queues" and created["DefaultVersionId"] == "v1", "CreatePolicy")
refused("EntityAlreadyExists", 409, "a policy name twice", iam.create_policy, PolicyName="queues", PolicyDocument=doc_v1)
iam.attach_user_policy(UserName="ada", PolicyArn=arn)
check(iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1, "AttachmentCount")
a_sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
refused("AccessDenied", 403, "v1 allows no receive", a_sqs.receive_message, QueueUrl=queue_url)
iam.create_policy_version(PolicyArn=arn, PolicyDocument=policy(allow("sqs:ReceiveMessage")), SetAsDefault=True)
a_sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)
refused("AccessDenied", 403, "v2 in force: v1's grant is gone", a_sqs.get_queue_attributes, QueueUrl=queue_url)
versions = iam.list_policy_versions(PolicyArn=arn)["Versions"]
check([(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v2", True), ("v1", False)], "ListPolicyVersions")
v1 = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
check(v1["Document"]["Statement"][0]["Action"] == "sqs:GetQueueAttributes", "GetPolicyVersion's document")
refused("DeleteConflict", 409, "deleting the default version", iam.delete_policy_version, PolicyArn=arn, VersionId="v2")
refused("DeleteConflict", 409, "deleting an attached policy", iam.delete_policy, PolicyArn=arn)
attached = iam.list_attached_user_policies(UserName="ada")["AttachedPolicies"]
check(attached == [{"PolicyName": "queues", "PolicyArn": arn}], "ListAttachedUserPolicies")
check([u["UserName"] for u in iam.list_entities_for_policy(PolicyArn=arn)["PolicyUsers"]] == ["ada"], "ListEntitiesForPolicy")
check([p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]] == [arn], "ListPolicies")
refused("NoSuchEntity", 404, "attaching a missing policy", iam.attach_user_policy, UserName="ada",
        PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/missing")

# The simulator answers from the same evaluator.
results = iam.simulate_principal_policy(
    PolicySourceArn=user["Arn"],
    ActionNames=["sqs:ReceiveMessage", "dynamodb:GetItem", "dynamodb:PutItem"],
    ResourceArns=[f"arn:aws:sqs:{REGION}:{ACCOUNT}:q1", table_arn],
)["EvaluationResults"]
decisions = {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}
check(decisions[("dynamodb:GetItem", table_arn)] == "allowed", "simulated allow")
check(decisions[("dynamodb:PutItem", table_arn)] == "implicitDeny", "simulated implicit deny")
custom = iam.simulate_custom_policy(
    PolicyInputList=[policy(allow("s3:*"), deny("s3:DeleteObject"))], ActionNames=["s3:GetObject", "s3:DeleteObject"]
)["EvaluationResults"]
check([r["EvalDecision"] for r in custom] == ["allowed", "explicitDeny"], "SimulateCustomPolicy")

# Roles: trust policies checked, policies held (assuming them comes with STS).
trust = policy({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
role = iam.create_role(RoleName="worker", AssumeRolePolicyDocument=trust, Description="runs jobs")["Role"]
check(role["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/worker" and role["RoleId"].startswith("AROA"), "CreateRole")
check(iam.get_role(RoleName="worker")["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == "lambda.amazonaws.com", "GetRole's trust policy")
refused("MalformedPolicyDocument", 400, "a trust policy without a principal", iam.create_role, RoleName="bad",
        AssumeRolePolicyDocument=policy(allow("sts:AssumeRole")))
iam.put_role_policy(RoleName="worker", PolicyName="p", PolicyDocument=policy(allow("s3:GetObject")))
refused("DeleteConflict", 409, "deleting a role with policies", iam.delete_role, RoleName="worker")

# A disabled key, then a deleted one, signs nothing.
iam.update_access_key(UserName="ada", AccessKeyId=key["AccessKeyId"], Status="Inactive")
code, status, _ = error_of(as_user("sts", key).get_caller_identity)
check(code == "InvalidClientTokenId" and status == 403, f"an inactive key is refused ({code})")
code, _, _ = error_of(as_user("dynamodb", key).list_tables)
check(code == "UnrecognizedClientException", f"... on every service ({code})")
check(as_user("sts", spare).get_caller_identity()["Arn"].endswith("user/team/ada"), "the other key still signs")
iam.delete_access_key(UserName="ada", AccessKeyId=spare["AccessKeyId"])
code, _, _ = error_of(as_user("s3", spare).list_buckets)
check(code == "InvalidAccessKeyId", f"a deleted key is refused by S3 ({code})")

# AWS's own managed policies that scripts attach are there, read-only.
s3_read = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
got = iam.get_policy(PolicyArn=s3_read)["Policy"]
check(got["Arn"] == s3_read and got["PolicyId"].startswith("ANPA") and got["DefaultVersionId"].startswith("v"),
      f"GetPolicy of an AWS managed policy ({got})")
version = iam.get_policy_version(PolicyArn=s3_read, VersionId=got["DefaultVersionId"])["PolicyVersion"]
check(any("s3:Get*" in st["Action"] for st in version["Document"]["Statement"]), "its document, as AWS publishes it")
aws_listed = [p["Arn"] for p in iam.list_policies(Scope="AWS")["Policies"]]
check(s3_read in aws_listed and f"arn:aws:iam::{ACCOUNT}:policy/reads" not in aws_listed, "ListPolicies Scope=AWS")
local = [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]]
check(s3_read not in local, "... and Scope=Local leaves them out")
refused("AccessDenied", 403, "an AWS managed policy cannot be deleted", iam.delete_policy, PolicyArn=s3_read)
refused("AccessDenied", 403, "... nor given a version", iam.create_policy_version, PolicyArn=s3_read,
        PolicyDocument=policy(allow("s3:*")))
refused("NoSuchEntity", 404, "one Squall does not ship does not exist", iam.get_policy,
        PolicyArn="arn:aws:iam::aws:policy/AmazonEC2FullAccess")
iam.create_user(UserName="auditor")
iam.attach_user_policy(UserName="auditor", PolicyArn=s3_read)
auditor = iam.create_access_key(UserName="auditor")["AccessKey"]
as_user("s3", auditor).list_buckets()
check(True, "attached, AmazonS3ReadOnlyAccess lets the user list buckets")
code, _, _ = error_of(as_user("s3", auditor).create_bucket, Bucket="auditor-made")
check(code == "AccessDenied", "... and not create one")
print("done")
