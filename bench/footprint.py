#!/usr/bin/env python3
"""Benchmark of what state costs on the embedded backend: bytes on disk per byte of a 1 KiB
queued message and of a 1 KiB table item, and the server's RSS with an empty queue, with N
queued messages, and after a restart with them still queued.

For each server binary (this build, and with --baseline-bin an earlier one, measured in the
same run), a fresh data directory gets N messages of 1 KiB sent to one queue (SendMessageBatch,
10 at a time, from 8 client threads) and N items of 1 KiB put into one table (BatchWriteItem,
25 at a time), through boto3. Then the server is stopped (SIGTERM, which checkpoints) and the
sizes of the queues' database (queues.db, or messages.db before it) and tables.db (their WAL
checkpointed into them) are divided by the bytes the client sent: the ceiling is 1.0.
RSS is read from /proc while the server runs: before the messages are sent, after, and after a
restart with the backlog queued (plus one receive, so the queue is in use).

Usage: python3 bench/footprint.py [--squall-bin PATH] [--baseline-bin PATH] [--messages N] [--items N]
"""

import argparse
import configparser
import os
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_http import Squall, build_squall, log, rss_kib, run  # noqa: E402

SIZE = 1024
THREADS = 8


def on_disk(data, name):
    """The database's size at rest: its WAL checkpointed into it and truncated."""
    import sqlite3
    path = os.path.join(data, name)
    if not os.path.exists(path):
        return 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return sum(os.path.getsize(path + s) for s in ["", "-wal"] if os.path.exists(path + s))


def clients(server, data):
    import boto3
    from botocore.config import Config
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(data, "credentials"))
    key = cfg["squall"]
    kw = dict(endpoint_url=f"http://127.0.0.1:{server.api_port}", region_name="us-east-1",
              aws_access_key_id=key["aws_access_key_id"], aws_secret_access_key=key["aws_secret_access_key"],
              config=Config(max_pool_connections=THREADS))
    return boto3.client("sqs", **kw), boto3.client("dynamodb", **kw)


def messages_db(data):
    """Where this build keeps queues: queues.db, or messages.db before it had a store of its own."""
    return "queues.db" if os.path.exists(os.path.join(data, "queues.db")) else "messages.db"


def send_all(sqs, url, messages):
    body = "m" * SIZE

    def batch(start):
        sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "MessageBody": body} for i in range(start, min(start + 10, messages))])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(batch, range(0, messages, 10)))


def measure(binary, messages, items, kind):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        server = Squall(binary, data).start()
        sqs, ddb = clients(server, data)
        url = sqs.create_queue(QueueName="footprint")["QueueUrl"]
        queues_db = messages_db(data)
        ddb.create_table(TableName="footprint", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        empty_rss = rss_kib(server.proc.pid)
        before = {n: os.path.getsize(os.path.join(data, n)) for n in [queues_db, "tables.db"]}
        log(f"sending {messages} messages of {SIZE} bytes")
        started = time.monotonic()
        send_all(sqs, url, messages)
        send_s = time.monotonic() - started
        loaded_rss = rss_kib(server.proc.pid)
        # An item's size as DynamoDB counts it: attribute names and values, SIZE in all; a
        # string value, or a binary one (kept as base64 inside the stored DynamoDB JSON).
        log(f"putting {items} items of {SIZE} bytes ({kind})")
        value = "s" * (SIZE - 11) if kind == "S" else b"b" * (SIZE - 11)
        for start in range(0, items, 25):
            ddb.batch_write_item(RequestItems={"footprint": [
                {"PutRequest": {"Item": {"id": {"S": f"{i:08d}"}, "v": {kind: value}}}}
                for i in range(start, min(start + 25, items))]})
        server.stop()
        after = {n: on_disk(data, n) for n in [queues_db, "tables.db"]}
        restarted_rss = 0
        if messages:
            server = Squall(binary, data).start()
            sqs, _ = clients(server, data)
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
            assert len(got) == 10, "the backlog is there after the restart"
            restarted_rss = rss_kib(server.proc.pid)
            server.stop()
    return {
        "message": (after[queues_db] - before[queues_db]) / (max(messages, 1) * SIZE),
        "send_rate": messages / send_s if messages else 0,
        "restarted_rss": restarted_rss / 1024,
        "item": (after["tables.db"] - before["tables.db"]) / (items * SIZE),
        "empty_rss": empty_rss / 1024,
        "loaded_rss": loaded_rss / 1024,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squall-bin")
    ap.add_argument("--baseline-bin")
    ap.add_argument("--messages", type=int, default=50_000)
    ap.add_argument("--items", type=int, default=50_000)
    args = ap.parse_args()
    runs = [("this build", args.squall_bin or build_squall())]
    if args.baseline_bin:
        runs.append(("baseline", args.baseline_bin))
    results = []
    for name, b in runs:
        r = measure(b, args.messages, args.items, "S")
        r["binary_item"] = measure(b, 0, args.items, "B")["item"]
        results.append((name, r))
    print(f"\nembedded backend, {args.messages} queued messages and {args.items} table items of {SIZE} bytes")
    print(f"  {'':12s} {'disk/message':>13s} {'disk/item (S)':>14s} {'disk/item (B)':>14s} {'RSS empty':>10s}"
          f" {'RSS queued':>11s} {'after restart':>14s} {'sends/s':>8s}")
    for name, r in results:
        print(f"  {name:12s} {r['message']:12.2f}x {r['item']:13.2f}x {r['binary_item']:13.2f}x"
              f" {r['empty_rss']:6.0f} MiB {r['loaded_rss']:7.0f} MiB {r['restarted_rss']:10.0f} MiB"
              f" {r['send_rate']:8.0f}")
    print("  (disk: the ceiling is 1.00x, the bytes the client sent; target 1.5x."
          " RSS: target at most 64 MiB above empty with 1,000,000 queued."
          f" sends/s: messages per second from {THREADS} boto3 threads, batches of 10)")


if __name__ == "__main__":
    main()
