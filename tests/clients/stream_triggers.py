"""Stream events delivered to functions (tests/guests/lambda/streams, deployed by the test).

`python3 stream_triggers.py deliver` writes to the Orders table and waits for the
consumers; `python3 stream_triggers.py after-restart` checks nothing was delivered twice
after a kill -9 and that delivery goes on. Exits non-zero on the first failed check.
"""
import sys
import time

import boto3

ddb = boto3.resource("dynamodb")
orders = ddb.Table("streamsvc-dev-Orders")
seen = ddb.Table("streamsvc-dev-Seen")


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        print({i["id"]: i for i in seen.scan()["Items"]}, file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def state():
    return {i["id"]: i for i in seen.scan(ConsistentRead=True)["Items"]}


def wait_for(cond, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = state()
        if cond(s):
            return s
        time.sleep(0.1)
    check(False, f"{what} (waited {timeout} s)")


def n(s, key):
    return int(s.get(key, {}).get("n", 0))


phase = sys.argv[1]
if phase == "deliver":
    for pk in ["a", "b", "c"]:
        orders.put_item(Item={"pk": pk})
    s = wait_for(lambda s: all(f"consume#{k}" in s for k in "abc"), "consume gets the first records")
    arn = s["consume#a"]["arn"]
    check(arn.startswith("arn:aws:dynamodb:") and ":table/streamsvc-dev-Orders/stream/" in arn,
          "records carry the stream's ARN")
    seqs = [s[f"consume#{k}"]["seqs"][0] for k in "abc"]
    check(seqs == sorted(seqs), "records arrive in order")

    # A poisoned batch is retried maximumRetryAttempts times, then skipped.
    orders.put_item(Item={"pk": "p", "poison": True})
    wait_for(lambda s: n(s, "poison#p") >= 2, "a failing batch is retried")
    orders.put_item(Item={"pk": "d"})
    s = wait_for(lambda s: "consume#d" in s, "after giving up, delivery goes on")
    check(n(s, "poison#p") == 2, f"a failing batch runs 1 + maximumRetryAttempts times (ran {n(s, 'poison#p')})")

    # Changes and removals arrive as MODIFY and REMOVE.
    orders.update_item(Key={"pk": "a"}, UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": 1})
    orders.delete_item(Key={"pk": "b"})
    s = wait_for(lambda s: len(s.get("consume#b", {}).get("events", [])) == 2, "REMOVE arrives")
    check(s["consume#a"]["events"] == ["INSERT", "MODIFY"] and s["consume#a"]["hadold"] is True,
          "an update arrives as MODIFY with the old image")
    check(s["consume#b"]["events"] == ["INSERT", "REMOVE"], "a delete arrives as REMOVE")
    check(all(n(s, f"consume#{k}") == len(s[f"consume#{k}"]["events"]) for k in "abcd"),
          "successful batches are not delivered twice")

    # ReportBatchItemFailures: the batch resumes at the first failed record.
    wait_for(lambda s: "partial#d#INSERT" in s and "partial#b#REMOVE" in s, "the second consumer catches up")
    orders.put_item(Item={"pk": "f", "flaky": True})
    orders.put_item(Item={"pk": "g"})
    s = wait_for(lambda s: "partial#f#INSERT" in s and "partial#g#INSERT" in s, "a reported failure is retried")
    check(n(s, "flaky#f") == 2, "the failed record is delivered again")
    done = [k for k in s if k.startswith("partial#")]
    check(all(n(s, k) == 1 for k in done), f"records before the failure are not delivered again: {done}")
    check("partial#p#INSERT" in s, "a record one consumer fails on still reaches the other")
    # Let the last checkpoints land before the test kills the server.
    time.sleep(1)
    print("all stream delivery checks passed")
elif phase == "after-restart":
    before = state()
    time.sleep(3)
    after = state()
    check(before == after, "nothing is delivered again after a restart")
    orders.put_item(Item={"pk": "h"})
    s = wait_for(lambda s: "consume#h" in s and "partial#h#INSERT" in s, "delivery goes on after a restart")
    check(n(s, "consume#a") == 2 and n(s, "partial#a#INSERT") == 1, "older records stay delivered once")
    print("all restart checks passed")
else:
    sys.exit(f"unknown phase {phase}")
