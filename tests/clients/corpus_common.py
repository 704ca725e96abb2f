"""What the corpus clients share: `check` (print the check, exit non-zero on the first
failure), `wait_for` (poll until something is there, bounded), `post` (a JSON POST to a
deployed route) and `drain` (receive and delete a queue's messages, bounded)."""
import json
import sys
import time
import urllib.error
import urllib.request


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def wait_for(what, fn, seconds=20):
    """Polls fn() until it returns something truthy, or fails the check after `seconds`."""
    deadline = time.time() + seconds
    while True:
        got = fn()
        if got or time.time() > deadline:
            check(got, what)
            return got
        time.sleep(0.25)


def post(url, value):
    """POSTs `value` as JSON; the status and the decoded JSON answer (errors included)."""
    req = urllib.request.Request(url, data=json.dumps(value).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def drain(sqs, url, want, seconds=20):
    """Messages of queue `url` (through boto3 client `sqs`) until `want` arrived or
    `seconds` passed, each deleted once received."""
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"]).get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got
