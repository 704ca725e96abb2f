#!/usr/bin/env python3
"""Benchmark of the IAM policy evaluator: the time to decide one request against an
identity policy of 1, 10 and 100 statements (wildcard actions, resources with a policy
variable, a condition each; only the last applies, so every statement is looked at), from
`squall-bench iam` (release build, one thread). Beside it, the issue's ceiling for what
authorization may add to a request: 5 us at p50 with 100 statements. (The end-to-end figure,
a request with enforcement on against the same request with it off: bench/authz.py.)

Usage: python3 bench/iam.py [--iterations N] [--bench-bin PATH]
"""

import argparse
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import build  # noqa: E402

CEILING_NS = 5_000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200_000)
    ap.add_argument("--bench-bin")
    args = ap.parse_args()
    bench = args.bench_bin or build()[1]
    print(f"\nIAM policy evaluation, one request, {args.iterations} evaluations per row (release build, one thread)\n")
    print(f"    {'statements':>10} | {'p50 ns':>8} {'p99 ns':>8} | {'ceiling p50 ns':>14} {'p50/ceiling':>11}")
    for n in (1, 10, 100):
        out = subprocess.run([bench, "iam", str(n), str(args.iterations)], capture_output=True, text=True, check=True)
        p50, p99 = (int(x) for x in out.stdout.split())
        print(f"    {n:>10} | {p50:>8} {p99:>8} | {CEILING_NS:>14} {p50 / CEILING_NS:>10.2f}x")


if __name__ == "__main__":
    main()
