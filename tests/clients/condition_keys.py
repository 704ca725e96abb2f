"""Condition keys a request carries, through boto3 against a running Squall: the tags it sets
(aws:RequestTag/*, aws:TagKeys) and the tags of the resource it acts on (aws:ResourceTag/*),
DynamoDB's dynamodb:LeadingKeys (the partition keys of each item, of a Query, of a batch)
with a policy variable, S3's s3:prefix on listings and s3:RequestObjectTagKeys on uploads;
a policy testing a key Squall does not supply is refused naming it.

Run by the end-to-end tests with AWS_ENDPOINT_URL, the root's key and AWS_DEFAULT_REGION=us-east-1
in the environment; exits non-zero with the failing check on the first failure.
"""
import io
import zipfile

import boto3
from iam_common import ACCOUNT, CONFIG, check, error_of, policy

iam, sqs, ddb, s3 = (boto3.client(s, config=CONFIG) for s in ("iam", "sqs", "dynamodb", "s3"))
REGION = "us-east-1"


def user(name, *statements):
    """A user with one inline policy of `statements`, and clients signed with its key."""
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda service: boto3.client(  # noqa: E731
        service, aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"], config=CONFIG
    )


# aws:RequestTag and aws:TagKeys: queues may be made and tagged only as team blue, with
# no tag keys but team and env.
as_tagger = user(
    "tagger",
    {
        "Effect": "Allow",
        "Action": ["sqs:CreateQueue", "sqs:TagQueue"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"aws:RequestTag/team": "blue"},
            "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]},
        },
    },
    {"Effect": "Allow", "Action": "sqs:UntagQueue", "Resource": "*",
     "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}},
)
t_sqs = as_tagger("sqs")
url = t_sqs.create_queue(QueueName="blue-jobs", tags={"team": "blue", "env": "dev"})["QueueUrl"]
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "blue", "env": "dev"}, "created with the tags the policy requires")
code, message = error_of(t_sqs.create_queue, QueueName="red-jobs", tags={"team": "red"})
check(code == "AccessDenied" and "sqs:CreateQueue" in message, f"another team's tag is denied ({code})")
code, _ = error_of(t_sqs.create_queue, QueueName="untagged")
check(code == "AccessDenied", "no tags at all: aws:RequestTag/team is absent, denied")
code, _ = error_of(t_sqs.tag_queue, QueueUrl=url, Tags={"team": "blue", "owner": "x"})
check(code == "AccessDenied", "a tag key outside the allowed set is denied")
t_sqs.tag_queue(QueueUrl=url, Tags={"team": "blue"})
t_sqs.untag_queue(QueueUrl=url, TagKeys=["env"])
check(sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "blue"}, "untagging an allowed key")
code, _ = error_of(t_sqs.untag_queue, QueueUrl=url, TagKeys=["team"])
check(code == "AccessDenied", "untagging another key is denied (aws:TagKeys of UntagQueue)")

# aws:ResourceTag: send only to queues tagged team=blue; the tag is read as it is now.
as_sender = user(
    "sender",
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*",
     "Condition": {"StringEquals": {"aws:ResourceTag/team": "blue"}}},
)
s_sqs = as_sender("sqs")
s_sqs.send_message(QueueUrl=url, MessageBody="m")
check(True, "a queue tagged team=blue accepts the user's message")
other = sqs.create_queue(QueueName="other", tags={"team": "red"})["QueueUrl"]
code, message = error_of(s_sqs.send_message, QueueUrl=other, MessageBody="m")
check(code == "AccessDenied" and f"arn:aws:sqs:{REGION}:{ACCOUNT}:other" in message, f"a red queue denies it ({message})")
sqs.tag_queue(QueueUrl=other, Tags={"team": "blue"})
s_sqs.send_message(QueueUrl=other, MessageBody="m")
check(True, "retagged blue, it accepts")

# aws:ResourceTag on tables (the same key, another service).
for name, env in (("DevTable", "dev"), ("ProdTable", "prod")):
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "env", "Value": env}])
as_dev = user("dev", {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                      "Condition": {"StringEquals": {"aws:ResourceTag/env": "dev"}}})
d_ddb = as_dev("dynamodb")
d_ddb.get_item(TableName="DevTable", Key={"pk": {"S": "a"}})
check(True, "a table tagged env=dev is readable")
code, _ = error_of(d_ddb.get_item, TableName="ProdTable", Key={"pk": {"S": "a"}})
check(code == "AccessDeniedException", f"a prod table is not ({code})")

# dynamodb:LeadingKeys with ${aws:username}: each user reaches only the items whose
# partition key is its own name.
ddb.create_table(TableName="Notes", KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"},
                                               {"AttributeName": "n", "KeyType": "RANGE"}],
                 AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"},
                                       {"AttributeName": "n", "AttributeType": "N"}],
                 BillingMode="PAY_PER_REQUEST")
notes = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/Notes"
as_ann = user("ann", {
    "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchGetItem",
               "dynamodb:BatchWriteItem", "dynamodb:DeleteItem"],
    "Resource": notes,
    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}},
})
a_ddb = as_ann("dynamodb")
ddb.put_item(TableName="Notes", Item={"owner": {"S": "bob"}, "n": {"N": "1"}})
a_ddb.put_item(TableName="Notes", Item={"owner": {"S": "ann"}, "n": {"N": "1"}, "text": {"S": "hi"}})
check(a_ddb.get_item(TableName="Notes", Key={"owner": {"S": "ann"}, "n": {"N": "1"}})["Item"]["text"]["S"] == "hi",
      "ann writes and reads her own item")
code, message = error_of(a_ddb.get_item, TableName="Notes", Key={"owner": {"S": "bob"}, "n": {"N": "1"}})
check(code == "AccessDeniedException" and "dynamodb:GetItem" in message, f"bob's item is denied ({message})")
code, _ = error_of(a_ddb.put_item, TableName="Notes", Item={"owner": {"S": "bob"}, "n": {"N": "2"}})
check(code == "AccessDeniedException", "writing under bob's key is denied")
items = a_ddb.query(TableName="Notes", KeyConditionExpression="#o = :o",
                    ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":o": {"S": "ann"}})["Items"]
check(len(items) == 1, "a Query of her own partition")
code, _ = error_of(a_ddb.query, TableName="Notes", KeyConditionExpression="#o = :o AND n > :z",
                   ExpressionAttributeNames={"#o": "owner"},
                   ExpressionAttributeValues={":o": {"S": "bob"}, ":z": {"N": "0"}})
check(code == "AccessDeniedException", "a Query of bob's partition is denied")
got = a_ddb.batch_get_item(RequestItems={"Notes": {"Keys": [{"owner": {"S": "ann"}, "n": {"N": "1"}}]}})
check(len(got["Responses"]["Notes"]) == 1, "a batch of her own keys")
code, _ = error_of(a_ddb.batch_get_item, RequestItems={"Notes": {"Keys": [
    {"owner": {"S": "ann"}, "n": {"N": "1"}}, {"owner": {"S": "bob"}, "n": {"N": "1"}}]}})
check(code == "AccessDeniedException", "a batch with one of bob's keys is denied whole")
code, _ = error_of(a_ddb.batch_write_item, RequestItems={"Notes": [
    {"PutRequest": {"Item": {"owner": {"S": "ann"}, "n": {"N": "3"}}}},
    {"DeleteRequest": {"Key": {"owner": {"S": "bob"}, "n": {"N": "1"}}}}]})
check(code == "AccessDeniedException", "a batch write deleting bob's item is denied")
check("Item" in ddb.get_item(TableName="Notes", Key={"owner": {"S": "bob"}, "n": {"N": "1"}}), "bob's item is intact")

# s3:prefix: list only under one's own home; s3:RequestObjectTagKeys: uploads tagged only with
# a classification.
s3.create_bucket(Bucket="homes")
as_lister = user(
    "lister",
    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::homes",
     "Condition": {"StringLike": {"s3:prefix": ["", "home/${aws:username}/*"]}}},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::homes/home/${aws:username}/*",
     "Condition": {"ForAllValues:StringEquals": {"s3:RequestObjectTagKeys": ["class"]}}},
)
l_s3 = as_lister("s3")
l_s3.put_object(Bucket="homes", Key="home/lister/a.txt", Body=b"a", Tagging="class=public")
code, _ = error_of(l_s3.put_object, Bucket="homes", Key="home/lister/b.txt", Body=b"b", Tagging="owner=me")
check(code == "AccessDenied", f"an upload tagged with another key is denied ({code})")
keys = [o["Key"] for o in l_s3.list_objects_v2(Bucket="homes", Prefix="home/lister/").get("Contents", [])]
check(keys == ["home/lister/a.txt"], f"listing her own home ({keys})")
l_s3.list_objects_v2(Bucket="homes", Delimiter="/")
check(True, "listing the top level (the empty prefix)")
code, _ = error_of(l_s3.list_objects_v2, Bucket="homes", Prefix="home/other/")
check(code == "AccessDenied", "listing another home is denied")
code, _ = error_of(l_s3.list_objects, Bucket="homes", Prefix="home/")
check(code == "AccessDenied", "listing all homes is denied (ListObjects v1 too)")

# iam:PassRole: creating a function with a role passes the role on, and the key
# iam:PassedToService says to whom.
package = io.BytesIO()
with zipfile.ZipFile(package, "w") as z:
    z.writestr("handler.py", "def main(event, context):\n    return 1\n")
runner_role = f"arn:aws:iam::{ACCOUNT}:role/runner"
as_deployer = user("deployer", {"Effect": "Allow", "Action": "lambda:CreateFunction", "Resource": "*"})
make = dict(Runtime="python3.11", Handler="handler.main", Role=runner_role, Code={"ZipFile": package.getvalue()})
code, message = error_of(as_deployer("lambda").create_function, FunctionName="f1", **make)
check(code == "AccessDeniedException" and f"iam:PassRole on resource: {runner_role}" in message,
      f"creating a function with a role needs iam:PassRole on it ({message})")
iam.put_user_policy(UserName="deployer", PolicyName="pass", PolicyDocument=policy(
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": runner_role,
     "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}}))
as_deployer("lambda").create_function(FunctionName="f1", **make)
check(True, "with it (passed to lambda.amazonaws.com), the function is created")

# Keys Squall does not supply are refused by name, not accepted and never true.
unsupplied = policy({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                     "Condition": {"ForAllValues:StringEquals": {"dynamodb:Attributes": ["pk"]}}})
code, message = error_of(iam.put_user_policy, UserName="ann", PolicyName="attrs", PolicyDocument=unsupplied)
check(code == "MalformedPolicyDocument" and "dynamodb:Attributes" in message, f"dynamodb:Attributes is refused ({message})")
code, message = error_of(s3.put_bucket_policy, Bucket="homes", Policy=policy(
    {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::homes/*",
     "Condition": {"StringEquals": {"s3:ExistingObjectTag/secret": "yes"}}}))
check(code == "MalformedPolicy" and "s3:ExistingObjectTag/secret" in message, f"in a bucket policy too ({message})")
iam.put_user_policy(UserName="ann", PolicyName="ec2", PolicyDocument=policy(
    {"Effect": "Allow", "Action": "ec2:*", "Resource": "*", "Condition": {"StringEquals": {"ec2:Region": "x"}}}))
check(True, "a key of a service Squall does not serve is accepted (its requests never come)")

print("done")
