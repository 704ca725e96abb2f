#!/usr/bin/env python3
"""Benchmark of Squall's topics: publish -> delivered latency, beside moto's server.

Prints, in one run on this machine, p50/p99/mean latency over SAMPLES messages, one at a
time (a message is published only after the previous one arrived, so this is latency, not
queueing), from the same boto3 client (keep-alive connections, SigV4):
  - `publish -> function`: Publish to a topic a Python function (Lambda Runtime API, warm
    process) is subscribed to; the function computes now - the publish time written in the
    message, with the publisher's clock (same machine), before doing anything else. Squall
    only: moto runs Lambda functions in Docker, which this machine does not have.
  - `async Invoke -> function` (the ceiling of the above): the same function invoked with
    InvocationType Event, the path SNS deliveries to functions take, without SNS.
  - `publish -> queue`: Publish to a topic a queue is subscribed to; a long-polling
    ReceiveMessage (WaitTimeSeconds 5, already waiting when Publish is sent) gets it;
    latency from just before Publish to the receive's answer. Squall and moto, with the ratio.
Every message Squall acknowledges is durable before the answer (the queue's store, or the
asynchronous invocation queue); moto keeps messages in memory.

Target: publish -> function p50 <= 5 ms.

Usage: python3 bench/sns.py [--samples N]
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import moto_command, settle  # noqa: E402
from lambda_process import pct  # noqa: E402
from wasm_http import Squall, free_port, log, run, wait_http  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
P50_TARGET_MS = 5.0

HANDLER = '''
import json, os, time
import boto3
sqs = boto3.client("sqs")

def handle(event, context):
    now = time.time()
    if "Records" in event:
        sent = float(event["Records"][0]["Sns"]["Message"])
    else:
        sent = float(event["sent"])
    sqs.send_message(QueueUrl=os.environ["OUT_URL"], MessageBody=json.dumps({"ms": (now - sent) * 1000}))
'''

MANIFEST = '''service: snsbench
provider:
  name: aws
  runtime: python3.11
  timeout: 10
  environment:
    OUT_URL: !Ref Results
functions:
  sink:
    handler: handler.handle
    events:
      - sns:
          arn: !Ref Fanout
resources:
  Resources:
    Fanout:
      Type: AWS::SNS::Topic
      Properties:
        TopicName: snsbench-fanout
    Results:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: snsbench-results
'''


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall")


def clients(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
              aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, max_pool_connections=4))
    return boto3.client("sns", **kw), boto3.client("sqs", **kw), boto3.client("lambda", **kw)


def summary(samples):
    return {"p50": pct(samples, 0.5), "p99": pct(samples, 0.99), "mean": sum(samples) / len(samples), "n": len(samples)}


def function_latency(sqs, results_url, send, samples):
    """Latencies reported by the function, one message at a time; `send(t)` triggers it."""
    out = []
    for _ in range(samples + 5):
        send(time.time())
        deadline = time.time() + 10
        got = []
        while not got and time.time() < deadline:
            got = sqs.receive_message(QueueUrl=results_url, WaitTimeSeconds=2).get("Messages", [])
        if not got:
            raise RuntimeError("the function did not report within 10 s")
        sqs.delete_message(QueueUrl=results_url, ReceiptHandle=got[0]["ReceiptHandle"])
        out.append(json.loads(got[0]["Body"])["ms"])
    return out[5:]  # the first ones warm the process and the connections


def queue_latency(sns, sqs, topic, queue_url, samples):
    """Publish -> received by a long poll already waiting, one at a time."""
    out = []
    for i in range(samples + 5):
        box = {}

        def receive():
            box["r"] = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5)
            box["t"] = time.perf_counter()

        poller = threading.Thread(target=receive)
        poller.start()
        time.sleep(0.01)  # the long poll is waiting
        t0 = time.perf_counter()
        sns.publish(TopicArn=topic, Message=str(i))
        poller.join()
        msgs = box["r"].get("Messages", [])
        if not msgs:
            raise RuntimeError("a published message did not arrive within 5 s")
        out.append((box["t"] - t0) * 1000)
        for m in msgs:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return out[5:]


def topic_with_queue(sns, sqs, name):
    topic = sns.create_topic(Name=name)["TopicArn"]
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
    return topic, url


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=300, help="messages per measurement (default 300)")
    args = ap.parse_args()

    squall_bin = build()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-sns-")
    squall, moto = None, None
    results = {}
    try:
        log("starting squall and moto's server")
        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        key_id, secret = creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"]
        endpoint = f"http://127.0.0.1:{squall.api_port}"
        svc = os.path.join(tmp, "svc")
        os.makedirs(svc)
        with open(os.path.join(svc, "serverless.yml"), "w") as f:
            f.write(MANIFEST)
        with open(os.path.join(svc, "handler.py"), "w") as f:
            f.write(HANDLER)
        squall.cli("deploy", svc)
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{moto_port}/", 60)

        sns, sqs, lam = clients(endpoint, key_id, secret)
        topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":snsbench-fanout"))
        results_url = sqs.get_queue_url(QueueName="snsbench-results")["QueueUrl"]

        settle([squall.proc.pid, moto.pid])
        log(f"squall: publish -> function, {args.samples} messages")
        results["publish -> function"] = {"squall": summary(function_latency(
            sqs, results_url, lambda t: sns.publish(TopicArn=topic, Message=repr(t)), args.samples))}
        log(f"squall: async Invoke -> function, {args.samples} invocations")
        results["async Invoke -> function"] = {"squall": summary(function_latency(
            sqs, results_url,
            lambda t: lam.invoke(FunctionName="snsbench-dev-sink", InvocationType="Event",
                                 Payload=json.dumps({"sent": repr(t)})), args.samples))}
        row = {}
        for name, ep, kid, sec in (("squall", endpoint, key_id, secret),
                                   ("moto", f"http://127.0.0.1:{moto_port}", "AKIABENCHMARK0000000", "bench-secret")):
            s, q, _ = clients(ep, kid, sec)
            t, url = topic_with_queue(s, q, "latency")
            settle([squall.proc.pid, moto.pid])
            log(f"{name}: publish -> queue, {args.samples} messages")
            row[name] = summary(queue_latency(s, q, t, url, args.samples))
        results["publish -> queue"] = row
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall topics: delivery latency ({os.cpu_count()} cores, loopback, boto3 keep-alive, "
          f"one message at a time, {args.samples} samples each; ms)\n")
    print(f"    {'':26} | {'squall p50':>10} {'p99':>7} {'mean':>7} | {'moto p50':>8} {'p99':>7} {'mean':>7} | {'ratio p50':>9}")
    for what, row in results.items():
        s = row["squall"]
        line = f"    {what:26} | {s['p50']:10.2f} {s['p99']:7.2f} {s['mean']:7.2f} |"
        if "moto" in row:
            m = row["moto"]
            line += f" {m['p50']:8.2f} {m['p99']:7.2f} {m['mean']:7.2f} | {m['p50'] / s['p50']:8.1f}x"
        else:
            line += f" {'(no Lambda without Docker)':>24} |"
        print(line)
    p50 = results["publish -> function"]["squall"]["p50"]
    print(f"\n    publish -> function p50 <= {P50_TARGET_MS:g} ms: {'met' if p50 <= P50_TARGET_MS else 'NOT met'} ({p50:.2f} ms)")


if __name__ == "__main__":
    main()
