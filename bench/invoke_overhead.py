#!/usr/bin/env python3
"""What an invocation pays for the functions service's own bookkeeping, before and after a
change, measured in the same run.

Every invocation now goes through: recursive loop detection (the `Lineage` of its trace
header read and written back), the copy kept of a small request until it is known whether
it failed (for `squall replay`), and the per-version invocation and error counts a canary
deployment reads. This measures a WebAssembly function, where such costs show most: GET
/hello/dev/greet/ada on examples/hello through the HTTP gateway under wrk (one thread), at 1
and at 32 connections, closed loop, DURATION seconds, against the current tree's `squall` and
a baseline `squall` built from a git ref (default 0ed63f5, before these were added), each
server started afresh, warmed up WARMUP seconds, alternating which goes first over ROUNDS
rounds. Prints per case each server's best and mean requests/s over the rounds, the p50/p99
of its best round, and the current/baseline ratio (above 1: the current tree is faster).

The baseline is built as bench/api_overhead.py builds its own (a temporary git worktree,
CARGO_TARGET_DIR ~/.cache/squall/bench-baseline-target); `--baseline-bin` skips the build.

Usage: python3 bench/invoke_overhead.py [--baseline REF | --baseline-bin PATH] [--duration S]
       [--rounds R] [--warmup S]
"""

import argparse
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_overhead import DEFAULT_CACHE, build_baseline, git  # noqa: E402
from wasm_http import ROOT, Squall, build, log, run, wrk  # noqa: E402

DEFAULT_BASELINE = "0ed63f5"
CASES = [1, 32]
SERVERS = ["baseline", "current"]


def measure(binary, name, connections, duration, warmup):
    """One fresh server with examples/hello deployed, warmed up, then measured."""
    tmp = tempfile.mkdtemp(prefix=f"squall-bench-invoke-{name}-")
    server = Squall(binary, os.path.join(tmp, "data"))
    try:
        server.start()
        server.cli("deploy", os.path.join(ROOT, "examples", "hello"))
        url = f"{server.http}/hello/dev/greet/ada"
        if warmup > 0:
            wrk(url, connections, warmup)
        return wrk(url, connections, duration)
    finally:
        if server.proc and server.proc.poll() is None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="invocation bookkeeping: a baseline squall against the current tree")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, help=f"git ref of the baseline (default {DEFAULT_BASELINE})")
    ap.add_argument("--baseline-bin", help="a baseline squall binary to use instead of building --baseline")
    ap.add_argument("--baseline-target", default=DEFAULT_CACHE, help="CARGO_TARGET_DIR of the baseline build")
    ap.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each case on each server (default 3)")
    ap.add_argument("--warmup", type=int, default=2, help="unrecorded seconds of the same load first (default 2)")
    args = ap.parse_args()
    if args.rounds < 1 or args.duration < 1 or args.warmup < 0:
        ap.error("--rounds and --duration must be at least 1, --warmup at least 0")

    if not shutil.which("wrk"):
        log("installing wrk (apt)")
        run(["apt-get", "install", "-y", "-qq", "wrk"])
    current_label = git("describe", "--always", "--dirty")
    current_bin, _, _ = build()
    if args.baseline_bin:
        baseline_bin, baseline_label = os.path.abspath(args.baseline_bin), os.path.basename(args.baseline_bin)
    else:
        baseline_bin, baseline_label = build_baseline(args.baseline, os.path.abspath(args.baseline_target))
    binaries = {"baseline": baseline_bin, "current": current_bin}

    results = {(c, name): [] for c in CASES for name in SERVERS}
    for r in range(args.rounds):
        for connections in CASES:
            for name in SERVERS if r % 2 == 0 else reversed(SERVERS):
                res = measure(binaries[name], name, connections, args.duration, args.warmup)
                results[(connections, name)].append(res)
                log(f"round {r + 1}/{args.rounds}: {connections} conn, {name}: {res['rps']:.0f} req/s, "
                    f"p50 {res['p50']:.0f} us, p99 {res['p99']:.0f} us")

    print(f"\nInvocation bookkeeping (loop detection, failure capture, version counts): baseline {baseline_label} "
          f"vs current {current_label} ({os.cpu_count()} cores, loopback, wrk -t1, GET on examples/hello, "
          f"{args.duration} s runs after {args.warmup} s of warm-up, {args.rounds} round(s), fresh server each run)\n")
    head = f"{'req/s':>13} {'p50':>6} {'p99':>6}"
    print(f"    {'connections':12} | {'baseline':^27} | {'current':^27} |")
    print(f"    {'':12} | {head:>27} | {head:>27} | {'ratio':>11}")
    for connections in CASES:
        cells, rates = [], {}
        for name in SERVERS:
            runs = results[(connections, name)]
            best = max(runs, key=lambda x: x["rps"])
            mean = sum(x["rps"] for x in runs) / len(runs)
            rates[name] = (best["rps"], mean)
            cells.append(f"{best['rps']:6.0f}/{mean:<6.0f} {best['p50']:6.0f} {best['p99']:6.0f}")
        (bb, bm), (cb, cm) = rates["baseline"], rates["current"]
        print(f"    {connections:<12} | {cells[0]:>27} | {cells[1]:>27} | {cb / bb:.2f}/{cm / bm:.2f}")
    print("\n    req/s: best/mean over the rounds; p50/p99 (us): of the best round; ratio: current/baseline, best/mean")


if __name__ == "__main__":
    main()
