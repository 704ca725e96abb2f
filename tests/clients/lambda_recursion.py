"""Recursive loop detection through boto3 against a running Squall.

Functions that keep triggering themselves, as a bug would: one sends each message it gets
back to the queue that invokes it, one publishes to the topic it is subscribed to, one
invokes itself asynchronously. boto3 inside each passes on the X-Ray trace header Squall gives
the function (as on Lambda), and each chain is stopped after 16 invocations of the function:
the queue's message is deleted (no dead-letter queue), the topic's and the asynchronous
invocation's events go to the function's dead-letter queue. With PutFunctionRecursionConfig
Allow, the queue loop runs until the function itself stops it. Every invocation is counted
by a message on a tally queue.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure.
"""

import io
import json
import sys
import time
import zipfile

import boto3

lam = boto3.client("lambda")
sqs = boto3.client("sqs")
sns = boto3.client("sns")
iam = boto3.client("iam")
ROLE = "arn:aws:iam::000000000000:role/looper"
QUEUE_ARN = "arn:aws:sqs:us-east-1:000000000000:"
# Far past Lambda's 16: only loop detection ends these chains before the function does.
OWN_LIMIT = 40

APP = """
import json, os
import boto3

sqs = boto3.client("sqs")
sns = boto3.client("sns")
lam = boto3.client("lambda")
LIMIT = int(os.environ["OWN_LIMIT"])


def tally(n):
    url = sqs.get_queue_url(QueueName=os.environ["TALLY"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))


def queue_loop(event, context):
    for r in event["Records"]:
        n = json.loads(r["body"])["n"]
        tally(n)
        if n < LIMIT:
            url = sqs.get_queue_url(QueueName=os.environ["LOOP"])["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n + 1}))


def topic_loop(event, context):
    n = json.loads(event["Records"][0]["Sns"]["Message"])["n"]
    tally(n)
    if n < LIMIT:
        sns.publish(TopicArn=os.environ["TOPIC"], Message=json.dumps({"n": n + 1}))


def invoke_loop(event, context):
    n = event["n"]
    tally(n)
    if n < LIMIT:
        lam.invoke(FunctionName=context.function_name, InvocationType="Event", Payload=json.dumps({"n": n + 1}))
"""


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def code():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", APP)
    return buf.getvalue()


def queue(name):
    return sqs.create_queue(QueueName=name)["QueueUrl"]


def function(name, handler, env, **kwargs):
    env = dict(env, OWN_LIMIT=str(OWN_LIMIT))
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE, Handler=handler, Timeout=30,
                        Code={"ZipFile": code()}, Environment={"Variables": env}, **kwargs)


def settled_count(url, at_least, limit_s=90):
    """The tally once it has reached `at_least` and then not moved for three seconds."""
    deadline = time.time() + limit_s
    last, since = -1, time.time()
    while time.time() < deadline:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        n = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
        if n != last:
            last, since = n, time.time()
        elif n >= at_least and time.time() - since >= 3:
            return n
        time.sleep(0.25)
    return last


def numbers(url):
    seen = []
    for _ in range(20):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            break
        seen += [json.loads(m["Body"])["n"] for m in got]
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
    return sorted(seen)


def queue_loop():
    loop, tally = queue("rec-loop"), queue("rec-tally")
    function("rec-queue", "app.queue_loop", {"LOOP": "rec-loop", "TALLY": "rec-tally"})
    lam.create_event_source_mapping(FunctionName="rec-queue", EventSourceArn=QUEUE_ARN + "rec-loop", BatchSize=1)
    sqs.send_message(QueueUrl=loop, MessageBody=json.dumps({"n": 0}))
    count = settled_count(tally, 16)
    check(count == 16, f"a queue loop runs the function 16 times, then stops (ran {count})")
    check(numbers(tally) == list(range(16)), "each hop once, in order")
    left = sqs.get_queue_attributes(QueueUrl=loop, AttributeNames=["ApproximateNumberOfMessages",
                                                                 "ApproximateNumberOfMessagesNotVisible"])
    check(all(v == "0" for v in left["Attributes"].values()), f"the looping message is deleted ({left})")

    lam.put_function_recursion_config(FunctionName="rec-queue", RecursiveLoop="Allow")
    sqs.send_message(QueueUrl=loop, MessageBody=json.dumps({"n": 0}))
    count = settled_count(tally, OWN_LIMIT + 1)
    check(count == OWN_LIMIT + 1, f"with Allow the loop goes on until the function ends it (ran {count})")
    numbers(tally)


def topic_loop():
    topic = sns.create_topic(Name="rec-topic")["TopicArn"]
    tally, dlq = queue("rec-topic-tally"), queue("rec-topic-dlq")
    function("rec-topic-fn", "app.topic_loop", {"TOPIC": topic, "TALLY": "rec-topic-tally"},
             DeadLetterConfig={"TargetArn": QUEUE_ARN + "rec-topic-dlq"})
    fn_arn = lam.get_function(FunctionName="rec-topic-fn")["Configuration"]["FunctionArn"]
    lam.add_permission(FunctionName="rec-topic-fn", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
    sns.publish(TopicArn=topic, Message=json.dumps({"n": 0}))
    count = settled_count(tally, 16)
    check(count == 16, f"a topic loop runs the function 16 times, then stops (ran {count})")
    stopped = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5).get("Messages", [])
    check(len(stopped) == 1, "the stopped event goes to the function's dead-letter queue")
    body = json.loads(stopped[0]["Body"])
    check(json.loads(body["Records"][0]["Sns"]["Message"])["n"] == 16, "the event of the 17th invocation")


def invoke_loop():
    tally, dlq = queue("rec-invoke-tally"), queue("rec-invoke-dlq")
    function("rec-invoke-fn", "app.invoke_loop", {"TALLY": "rec-invoke-tally"},
             DeadLetterConfig={"TargetArn": QUEUE_ARN + "rec-invoke-dlq"})
    lam.invoke(FunctionName="rec-invoke-fn", InvocationType="Event", Payload=json.dumps({"n": 0}))
    count = settled_count(tally, 16)
    check(count == 16, f"a function invoking itself runs 16 times, then stops (ran {count})")
    stopped = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5).get("Messages", [])
    check(len(stopped) == 1 and json.loads(stopped[0]["Body"]) == {"n": 16},
          "the stopped event goes to the dead-letter queue")

    # A synchronous call carrying a chain that has run the function 16 times is refused.
    def chain_of(name, count):
        h = 0x811C9DC5
        for b in name.encode():
            h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
        return f"Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1;Lineage={h:08x}:{count}"

    def with_chain(count):
        def add(request, **_):
            request.headers["X-Amzn-Trace-Id"] = chain_of("rec-invoke-fn", count)
        return add

    caller = boto3.client("lambda")
    caller.meta.events.register("before-sign.lambda.Invoke", with_chain(16))
    try:
        caller.invoke(FunctionName="rec-invoke-fn", Payload=json.dumps({"n": OWN_LIMIT}))
        check(False, "a 17th synchronous invocation is refused")
    except caller.exceptions.RecursiveInvocationException as e:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 400, "RecursiveInvocationException, 400")
    caller = boto3.client("lambda")
    caller.meta.events.register("before-sign.lambda.Invoke", with_chain(15))
    r = caller.invoke(FunctionName="rec-invoke-fn", Payload=json.dumps({"n": OWN_LIMIT}))
    check("FunctionError" not in r, "the 16th runs")
    numbers(tally)


# The functions' role: they read and send to queues, publish, and invoke themselves.
iam.create_role(RoleName="looper", AssumeRolePolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}))
iam.put_role_policy(RoleName="looper", PolicyName="loop", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
        "sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
        "sns:Publish", "lambda:InvokeFunction"]}],
}))
queue_loop()
topic_loop()
invoke_loop()
print("all recursive loop checks passed")
