#!/usr/bin/env python3
"""Benchmark of Squall's DynamoDB API (JSON 1.0 on the api port) against moto's server.

Prints, in one run on this machine, for PutItem, GetItem and Query: throughput and p50/p99
latency over loopback from the same native load generator (`squall-bench ddb`: hyper
HTTP/1.1 keep-alive connections, every request SigV4-signed) against Squall and against
moto's server (`moto_server`, the usual local DynamoDB stand-in), with the ratio; and
GetItem latency on Squall at a fixed open-loop rate (default 1,000 ops/s).

Workload (the same on both): table `bench` (hash `pk` S, range `sk` N, PAY_PER_REQUEST),
created with boto3; a load phase writes 1,000 single items and 100 partitions of 10 items;
`get` reads random loaded items, `query` reads one random loaded partition with Limit 10,
both while the table holds just those 2,000 items; then `put` writes ~100-byte items under
fresh random keys; last, the table's stream is enabled (NEW_AND_OLD_IMAGES, on both
servers) and `put` runs again, so every write also appends a stream record. Closed loop, CONNECTIONS connections, DURATION seconds per run. The
fixed-rate GetItem run is made twice: before the put run and right after it (the table
then holds the put run's items too, and the server may still be absorbing the writes).

Notes on the peer: moto's server (werkzeug) answers HTTP/1.0 and closes every connection,
so the client opens one per request there (it says so on stderr); moto's Query scans the
whole table, so its Query figure falls as the table grows, which is why reads run first.

Usage: python3 bench/dynamodb.py [--duration S] [--connections N] [--rate OPS] [--rate-duration S]
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_http import ROOT, Squall, free_port, log, run, wait_http  # noqa: E402

OPS = ["put", "get", "query", "put+stream"]
NAMES = {"put": "PutItem", "get": "GetItem", "query": "Query", "put+stream": "PutItem, table with a stream"}
THROUGHPUT_TARGET = 20.0  # times moto's throughput
TARGET_OPS = ["put", "get", "query"]  # the ops the target is set on
P99_TARGET_US = 2000  # GetItem p99 at the fixed rate


def build():
    log("building squall and the bench tools (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall", "-p", "squall-bench"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall"), os.path.join(target, "release", "squall-bench")


def has_moto_module():
    return subprocess.run([sys.executable, "-c", "import moto.server, boto3"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def moto_command():
    """How to start moto's server, installing it when missing."""
    if not has_moto_module() and not shutil.which("moto_server"):
        log("installing moto[server] with pip")
        run([sys.executable, "-m", "pip", "install", "--quiet", "moto[server]"])
    if has_moto_module():
        return [sys.executable, "-m", "moto.server"]
    return [shutil.which("moto_server")]


def create_table(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key=secret,
                          config=Config(retries={"max_attempts": 1}))
    client.create_table(
        TableName="bench",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"}],
        BillingMode="PAY_PER_REQUEST")
    deadline = time.time() + 30
    while client.describe_table(TableName="bench")["Table"]["TableStatus"] != "ACTIVE":
        if time.time() > deadline:
            raise RuntimeError(f"{endpoint}: table bench is not ACTIVE after 30 s")
        time.sleep(0.1)


def enable_stream(endpoint, key_id, secret):
    import boto3
    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id=key_id, aws_secret_access_key=secret)
    client.update_table(TableName="bench",
                        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def settle(pids, limit=15.0):
    """Waits until the servers are idle (work left from the previous run, such as moto's
    threads finishing requests the client abandoned, would land on the next run)."""
    deadline = time.time() + limit
    while time.time() < deadline:
        before = [cpu_ticks(p) for p in pids]
        time.sleep(0.25)
        if all(cpu_ticks(p) - b <= 2 for p, b in zip(pids, before)):
            return
    log(f"the servers were still busy after {limit:g} s; measuring anyway")


class Target:
    """One server under test: its endpoint and the key the load generator signs with."""

    def __init__(self, name, endpoint, key_id, secret):
        self.name, self.endpoint = name, endpoint
        self.env = {**os.environ, "AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret}
        self.key_id, self.secret = key_id, secret

    def ddb(self, bench, op, connections, seconds=None, rate=None):
        cmd = [bench, "ddb", self.endpoint, op, str(connections)]
        cmd += [str(seconds)] if seconds is not None else []
        cmd += [str(rate)] if rate is not None else []
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True)
        for line in p.stderr.splitlines():
            log(f"{self.name} {op}: {line}")
        if p.returncode != 0:
            raise RuntimeError(f"{self.name} {op}: squall-bench ddb failed: {p.stderr.strip()}")
        ops, rate_, p50, p99, errors = p.stdout.split()
        return {"ops": int(ops), "rps": float(rate_), "p50": int(p50), "p99": int(p99), "errors": int(errors)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=10, help="seconds per closed-loop run (default 10)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    ap.add_argument("--rate", type=float, default=1000, help="GetItem ops/s of the fixed-rate run (default 1000)")
    ap.add_argument("--rate-duration", type=float, default=None, help="seconds of the fixed-rate run (default --duration)")
    args = ap.parse_args()
    rate_duration = args.rate_duration or args.duration

    squall_bin, bench = build()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-ddb-")
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

        for t in (sq, mt):
            log(f"{t.name}: creating table bench and loading 2,000 items")
            create_table(t.endpoint, t.key_id, t.secret)
            loaded = t.ddb(bench, "load", args.connections)
            if loaded["errors"]:
                raise RuntimeError(f"{t.name}: {loaded['errors']} errors while loading")

        fixed = {}
        for op in ["get", "query", "fixed", "put", "fixed after put", "put+stream"]:
            settle([squall.proc.pid, moto.pid])
            if op == "put+stream":
                for t in (sq, mt):
                    enable_stream(t.endpoint, t.key_id, t.secret)
            if op.startswith("fixed"):
                log(f"squall: GetItem at {args.rate:g} ops/s, {rate_duration:g} s ({op})")
                fixed[op] = sq.ddb(bench, "get", args.connections, rate_duration, args.rate)
                continue
            for t in (sq, mt):
                log(f"{t.name}: {NAMES[op]}, {args.connections} connections, {args.duration:g} s")
                results[(op, t.name)] = t.ddb(bench, op.removesuffix("+stream"), args.connections, args.duration)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall DynamoDB API vs moto's server ({os.cpu_count()} cores, loopback, squall-bench ddb, "
          f"{args.connections} keep-alive connections, closed loop, {args.duration:g} s per run)\n")
    print(f"    {'':28} | {'squall ops/s':>12} {'p50 us':>8} {'p99 us':>8} {'err':>5} | "
          f"{'moto ops/s':>10} {'p50 us':>8} {'p99 us':>8} {'err':>5} | {'ratio':>7}")
    ratios = {}
    for op in OPS:
        s, m = results[(op, "squall")], results[(op, "moto")]
        ratio = s["rps"] / m["rps"] if m["rps"] else float("inf")
        ratios[op] = ratio
        print(f"    {NAMES[op]:28} | {s['rps']:12.0f} {s['p50']:8} {s['p99']:8} {s['errors']:5} | "
              f"{m['rps']:10.0f} {m['p50']:8} {m['p99']:8} {m['errors']:5} | {ratio:6.1f}x")
    lowest = min(ratios[op] for op in TARGET_OPS)
    print(f"\n    throughput target >= {THROUGHPUT_TARGET:g}x moto on PutItem, GetItem and Query: "
          f"{'met' if lowest >= THROUGHPUT_TARGET else 'NOT met'} (lowest {lowest:.1f}x; the stream row is "
          f"for information: it shows what recording every change costs)")
    for label, when in [("fixed", "2,000 items"), ("fixed after put", "right after the put run")]:
        f = fixed[label]
        verdict = "met" if f["p99"] <= P99_TARGET_US and not f["errors"] else "NOT met"
        print(f"    GetItem on squall at {args.rate:g} ops/s (open loop, {rate_duration:g} s, {when}): "
              f"achieved {f['rps']:.0f} ops/s, p50 {f['p50']} us, p99 {f['p99']} us, {f['errors']} errors; "
              f"target p99 <= {P99_TARGET_US} us: {verdict}")
    errors = sum(r["errors"] for r in [*results.values(), *fixed.values()])
    if errors:
        print(f"\n    {errors} requests failed (first error of each run above, on stderr); their runs are not comparable")


if __name__ == "__main__":
    main()
