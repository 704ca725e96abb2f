#!/usr/bin/env python3
"""What authorization adds to a request, measured in one run on one server.

One release `squall` on a fresh data dir; table `bench` loaded as bench/dynamodb.py does. Then
GetItem of random items (`squall-bench ddb … get`, hyper keep-alive connections, every request
SigV4-signed, closed loop) signed:

  - by the account root, whose requests are not evaluated: enforcement off, the peer;
  - by IAM users whose inline and attached policies hold 1, 10 and 100 statements, each with
    a wildcard action, a resource with a policy variable and a condition, only the last one
    allowing `dynamodb:GetItem` on the table, so every statement is looked at.

Each case runs WARMUP seconds unrecorded, then DURATION seconds, ROUNDS times (cases
interleaved); prints per case the best round's ops/s and p50/p99 latency, and the p50 added
over the root's beside the issue's ceiling: 5 us at p50 with 100 statements.

Usage: python3 bench/authz.py [--duration S] [--rounds R] [--warmup S] [--connections N]
"""

import argparse
import configparser
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_overhead import LOAD_CONNECTIONS, load_generator  # noqa: E402
from dynamodb import Target, build, create_table, settle  # noqa: E402
from wasm_http import Squall, wait_http  # noqa: E402

CEILING_US = 5.0
STATEMENT_COUNTS = [1, 10, 100]


def statements(n):
    """`n` statements; only the last allows GetItem on the table."""
    out = [
        {
            "Effect": "Allow",
            "Action": [f"sqs:Send*{i}", f"dynamodb:Query{i}*"],
            "Resource": f"arn:aws:dynamodb:*:*:table/${{aws:username}}-{i}",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"}},
        }
        for i in range(n - 1)
    ]
    out.append({"Effect": "Allow", "Action": "dynamodb:Get*", "Resource": "arn:aws:dynamodb:*:*:table/bench",
                "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}})
    return out


def make_user(iam, n):
    """A user holding `n` statements (in chunks: inline policies are limited in size, so the
    rest go in managed policies); its key."""
    name = f"bench{n}"
    iam.create_user(UserName=name)
    chunk = 10
    parts = [statements(n)[i:i + chunk] for i in range(0, n, chunk)]
    for i, part in enumerate(parts):
        doc = json.dumps({"Version": "2012-10-17", "Statement": part})
        arn = iam.create_policy(PolicyName=f"{name}-{i}", PolicyDocument=doc)["Policy"]["Arn"]
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    return iam.create_access_key(UserName=name)["AccessKey"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--warmup", type=float, default=1)
    ap.add_argument("--connections", type=int, default=1)
    args = ap.parse_args()
    squall_bin, bench = build()
    tmp = tempfile.mkdtemp(prefix="squall-bench-authz-")
    server = Squall(squall_bin, os.path.join(tmp, "data"))
    try:
        server.start()
        endpoint = f"http://127.0.0.1:{server.api_port}"
        wait_http(f"{endpoint}/", 30)
        creds = configparser.ConfigParser()
        creds.read(os.path.join(tmp, "data", "credentials"))
        root = Target("root", endpoint, creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"])
        create_table(endpoint, root.key_id, root.secret)
        loaded = load_generator(bench, root, ["ddb", endpoint, "load", str(LOAD_CONNECTIONS)], 0)
        if loaded["errors"]:
            raise RuntimeError(f"{loaded['errors']} errors while loading the table")
        import boto3

        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id=root.key_id, aws_secret_access_key=root.secret)
        targets = [("enforcement off (root)", root)]
        for n in STATEMENT_COUNTS:
            key = make_user(iam, n)
            targets.append((f"{n} statements", Target(f"{n}", endpoint, key["AccessKeyId"], key["SecretAccessKey"])))
        best = {}
        get = ["ddb", endpoint, "get", str(args.connections)]
        for _ in range(args.rounds):
            for label, t in targets:
                settle([server.proc.pid])
                if args.warmup > 0:
                    load_generator(bench, t, [*get, f"{args.warmup:g}"], args.warmup)
                r = load_generator(bench, t, [*get, f"{args.duration:g}"], args.duration)
                if r["errors"]:
                    raise RuntimeError(f"{label}: {r['errors']} errors (denied?)")
                if label not in best or r["rps"] > best[label]["rps"]:
                    best[label] = r
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    base = best[targets[0][0]]
    print(f"\nGetItem, {args.connections} connection(s), best of {args.rounds} rounds of {args.duration:g} s "
          "(release build, load generator on the same machine)\n")
    print(f"    {'signed by':<24} | {'ops/s':>8} {'p50 us':>7} {'p99 us':>7} | {'p50 added us':>12} {'ceiling us':>10}")
    for label, _ in targets:
        r = best[label]
        added = r["p50"] - base["p50"]
        ceiling = f"{CEILING_US:>10.1f}" if label != targets[0][0] else f"{'':>10}"
        print(f"    {label:<24} | {r['rps']:>8.0f} {r['p50']:>7} {r['p99']:>7} | {added:>12} {ceiling}")


if __name__ == "__main__":
    main()
