"""What the table-stream mapping scripts share (stream_record_age.py, stream_windows.py): the
check helper, and a table with a stream read by a Python function under a role that may read
it and use queues.
"""

import io
import json
import sys
import zipfile

import boto3

lam = boto3.client("lambda")
sqs = boto3.client("sqs")
ddb = boto3.client("dynamodb")
iam = boto3.client("iam")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def streamed_function(name, table, code):
    """Role `name` (it may read streams and use queues), table `table` with a NEW_IMAGE
    stream, and Python function `name` running `code` as app.py; the stream's ARN."""
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))
    iam.put_role_policy(RoleName=name, PolicyName="streams", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream", "dynamodb:ListStreams",
            "sqs:SendMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}],
    }))
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", code)
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=f"arn:aws:iam::000000000000:role/{name}",
                        Handler="app.handler", Code={"ZipFile": buf.getvalue()})
    return ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
