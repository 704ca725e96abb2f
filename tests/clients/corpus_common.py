"""What the corpus clients share: `check` (print the check, exit non-zero on the first
failure), `wait_for` (poll until something is there, bounded), `call` and `post` (JSON
requests to a deployed route) and `drain` (receive and delete a queue's messages, bounded)."""
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


def call(method, url, value=None):
    """A request with `value` as its JSON body (if any); the status and the decoded JSON
    answer (errors included; None for an empty one)."""
    data = json.dumps(value).encode() if value is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw = r.read()
            return r.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        raw = e.read()
        return e.code, json.loads(raw) if raw else None


def post(url, value):
    """POSTs `value` as JSON: `call("POST", url, value)`."""
    return call("POST", url, value)


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
