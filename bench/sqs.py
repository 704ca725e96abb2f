#!/usr/bin/env python3
"""Benchmark of Squall's SQS API (JSON 1.0 on the api port) against moto's server.

Prints, in one run on this machine, for one message at a time and for batches of ten:
messages per second and p50/p99 latency of a whole send-receive-delete cycle, over loopback
from the same native load generator (`squall-bench sqs`: hyper HTTP/1.1 keep-alive
connections, every request SigV4-signed with service `sqs`) against Squall and against
moto's server (`moto_server`, the usual local SQS stand-in), with the ratio.

Workload (the same on both): one standard queue `bench` (VisibilityTimeout 30, every other
attribute at its default), created with boto3 and shared by every connection. Closed loop:
each of CONNECTIONS connections runs cycles back to back for DURATION seconds.
  - `single`: SendMessage of a ~100-byte body; ReceiveMessage with MaxNumberOfMessages 1 and
    WaitTimeSeconds 0, sent again at once while it comes back empty (at most 100 times, then
    the cycle is an error); DeleteMessage with the receipt handle.
  - `batch`: SendMessageBatch of ten ~100-byte bodies; ReceiveMessage with
    MaxNumberOfMessages 10 (then as many as are still missing), WaitTimeSeconds 0, until ten
    messages are in hand (at most 100 receives); DeleteMessageBatch of what was received.
A connection takes whichever messages the queue hands it, its own or another connection's.
A message counts when its delete succeeds; messages/s is deleted messages over the run's
wall time. Latency is per cycle (three requests for `single`, at least three for `batch`).
`single` runs first, then `batch`, each on Squall then on moto, with the servers left to go
idle before every run. A message Squall acknowledges is durable (written to messages.db
before the answer, surviving kill -9); moto keeps its messages in memory.

Targets: Squall >= 20x moto's messages/s on both, and >= 10,000 messages/s (durable) batched.

Notes on the peer: moto's server (werkzeug) answers HTTP/1.0 and closes every connection,
so the client opens one per request there (it says so on stderr).

Usage: python3 bench/sqs.py [--duration S] [--connections N]
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import Target, build, moto_command, settle  # noqa: E402
from wasm_http import Squall, free_port, log, wait_http  # noqa: E402

OPS = ["single", "batch"]
NAMES = {"single": "one message at a time", "batch": "batches of 10"}
THROUGHPUT_TARGET = 20.0  # times moto's messages/s, on both ops
BATCH_TARGET = 10_000  # Squall's batched messages/s


def create_queue(t):
    """Creates queue `bench` on `t`; its URL."""
    import boto3
    from botocore.config import Config

    client = boto3.client("sqs", endpoint_url=t.endpoint, region_name="us-east-1",
                          aws_access_key_id=t.key_id, aws_secret_access_key=t.secret,
                          config=Config(retries={"max_attempts": 1}))
    return client.create_queue(QueueName="bench", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]


def sqs(t, bench, queue_url, op, connections, seconds):
    """One run of `squall-bench sqs` against `t`."""
    p = subprocess.run([bench, "sqs", t.endpoint, queue_url, op, str(connections), str(seconds)],
                       env=t.env, capture_output=True, text=True)
    for line in p.stderr.splitlines():
        log(f"{t.name} {op}: {line}")
    if p.returncode != 0:
        raise RuntimeError(f"{t.name} {op}: squall-bench sqs failed: {p.stderr.strip()}")
    messages, rate, p50, p99, errors = p.stdout.split()
    return {"messages": int(messages), "rate": float(rate), "p50": int(p50), "p99": int(p99), "errors": int(errors)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    args = ap.parse_args()

    squall_bin, bench = build()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-sqs-")
    squall, moto = None, None
    results = {}
    try:
        log("starting squall and moto's server")
        squall = Squall(squall_bin, os.path.join(tmp, "data")).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(tmp, "data", "credentials"))
        sq = Target("squall", f"http://127.0.0.1:{squall.api_port}",
                    creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"])
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mt = Target("moto", f"http://127.0.0.1:{moto_port}", "AKIABENCHMARK0000000", "bench-secret")
        wait_http(f"{mt.endpoint}/", 60)

        urls = {}
        for t in (sq, mt):
            urls[t.name] = create_queue(t)
            log(f"{t.name}: created queue bench at {urls[t.name]}")

        for op in OPS:
            for t in (sq, mt):
                settle([squall.proc.pid, moto.pid])
                log(f"{t.name}: {op}, {args.connections} connections, {args.duration:g} s")
                results[(op, t.name)] = sqs(t, bench, urls[t.name], op, args.connections, args.duration)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall SQS API vs moto's server ({os.cpu_count()} cores, loopback, squall-bench sqs, "
          f"{args.connections} keep-alive connections, closed loop, {args.duration:g} s per run; "
          f"latency of a send-receive-delete cycle)\n")
    print(f"    {'':22} | {'squall msgs/s':>13} {'p50 us':>8} {'p99 us':>8} {'err':>5} | "
          f"{'moto msgs/s':>11} {'p50 us':>8} {'p99 us':>8} {'err':>5} | {'ratio':>7}")
    ratios = {}
    for op in OPS:
        s, m = results[(op, "squall")], results[(op, "moto")]
        ratios[op] = s["rate"] / m["rate"] if m["rate"] else float("inf")
        print(f"    {NAMES[op]:22} | {s['rate']:13.0f} {s['p50']:8} {s['p99']:8} {s['errors']:5} | "
              f"{m['rate']:11.0f} {m['p50']:8} {m['p99']:8} {m['errors']:5} | {ratios[op]:6.1f}x")
    lowest = min(ratios.values())
    print(f"\n    throughput target >= {THROUGHPUT_TARGET:g}x moto, one at a time and batched: "
          f"{'met' if lowest >= THROUGHPUT_TARGET else 'NOT met'} (lowest {lowest:.1f}x)")
    batched = results[("batch", "squall")]
    verdict = "met" if batched["rate"] >= BATCH_TARGET and not batched["errors"] else "NOT met"
    print(f"    batched squall >= {BATCH_TARGET:,} messages/s, durable: {verdict} ({batched['rate']:,.0f} messages/s)")
    errors = sum(r["errors"] for r in results.values())
    if errors:
        print(f"\n    {errors} cycles failed (first error of each run above, on stderr); their runs are not comparable")


if __name__ == "__main__":
    main()
