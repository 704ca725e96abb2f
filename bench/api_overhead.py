#!/usr/bin/env python3
"""The api port's per-request overhead, before and after a change, measured in the same run.

Builds the current tree's `squall` and a baseline `squall` from a git ref (default 2ba0b76,
the parent of the change that classifies each request once into a service descriptor), then
measures both with the same native load generators (`squall-bench ddb` and `squall-bench sqs`:
hyper HTTP/1.1 keep-alive connections, every request SigV4-signed) over loopback:

  - GetItem (DynamoDB JSON 1.0) of random items of table `bench` (hash `pk` S, range `sk` N,
    PAY_PER_REQUEST, created with boto3 and loaded with 2,000 items as bench/dynamodb.py does);
  - SendMessage (SQS JSON 1.0) of a ~100-byte body to standard queue `bench`, one message per
    request and nothing else (`squall-bench sqs … send`; the queue grows during the run);

each at 1 and at 32 connections, closed loop, DURATION seconds. Every measurement starts its
server afresh on a new temporary data dir, creates and loads what the case needs, waits for
the server to go idle, runs the same load for WARMUP seconds unrecorded, then measures. For
each case the baseline and the current server run back to back (which goes first alternates
between rounds), and the whole is repeated ROUNDS times. Prints one table: per case, each
server's best and mean ops/s over the rounds and the p50/p99 latency of its best round, and
the current/baseline ratio of best and of mean ops/s (above 1: the current tree is faster).

The baseline is built in a temporary git worktree (`git worktree add --detach`, removed
afterwards) with CARGO_TARGET_DIR set to a cache outside the repository (default
~/.cache/squall/bench-baseline-target, so repeated runs rebuild only Squall's own crates);
the binary is copied next to that cache as squall-<commit>, which `--baseline-bin` takes to
skip the build. The load generator runs on one thread on the same machine as the server.

Usage: python3 bench/api_overhead.py [--baseline REF | --baseline-bin PATH] [--duration S]
       [--rounds R] [--warmup S] [--baseline-target DIR]
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
from dynamodb import Target, build, create_table, settle  # noqa: E402
from sqs import create_queue  # noqa: E402
from wasm_http import ROOT, Squall, log, run, wait_http  # noqa: E402

DEFAULT_BASELINE = "2ba0b76"
DEFAULT_CACHE = os.path.join(os.path.expanduser("~"), ".cache", "squall", "bench-baseline-target")
CASES = [("GetItem", 1), ("GetItem", 32), ("SendMessage", 1), ("SendMessage", 32)]
LOAD_CONNECTIONS = 8  # connections loading the table, as bench/dynamodb.py
SERVERS = ["baseline", "current"]


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def build_baseline(ref, cache):
    """Builds `squall` at `ref` in a temporary worktree; the path of a copy of the binary."""
    sha = git("rev-parse", "--verify", f"{ref}^{{commit}}")
    os.makedirs(cache, exist_ok=True)
    out = os.path.join(os.path.dirname(os.path.abspath(cache)), f"squall-{sha[:12]}")
    src = tempfile.mkdtemp(prefix="squall-baseline-src-")
    added = False
    try:
        run(["git", "worktree", "add", "--quiet", "--detach", src, sha], cwd=ROOT)
        added = True
        log(f"building the baseline squall at {sha[:12]} (release, CARGO_TARGET_DIR={cache}; "
            f"several minutes the first time)")
        run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=src,
            env={**os.environ, "CARGO_TARGET_DIR": cache})
        shutil.copy2(os.path.join(cache, "release", "squall"), out)
    finally:
        if added:
            removed = subprocess.run(["git", "worktree", "remove", "--force", src], cwd=ROOT,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            if not removed:
                log(f"could not remove the worktree {src}; `git worktree prune` forgets it once it is gone")
        shutil.rmtree(src, ignore_errors=True)
    log(f"baseline binary: {out} (--baseline-bin {out} skips the build next time)")
    return out, sha[:12]


def load_generator(bench, target, args, seconds):
    """One run of `squall-bench ARGS…` against `target`; its summary line, parsed."""
    p = subprocess.run([bench, *args], env=target.env, capture_output=True, text=True, timeout=seconds + 120)
    for line in p.stderr.splitlines():
        log(f"{target.name}: {line}")
    if p.returncode != 0:
        raise RuntimeError(f"{target.name}: squall-bench {' '.join(args[:1])} failed: {p.stderr.strip()}")
    count, rate, p50, p99, errors = p.stdout.split()
    return {"count": int(count), "rps": float(rate), "p50": int(p50), "p99": int(p99), "errors": int(errors)}


class Server:
    """One server under test, started afresh on a new data dir; stopped (killed if need be)
    by `close`."""

    def __init__(self, name, binary):
        self.name = name
        self.tmp = tempfile.mkdtemp(prefix=f"squall-bench-overhead-{name}-")
        self.squall = Squall(binary, os.path.join(self.tmp, "data"))

    def start(self):
        self.squall.start()
        endpoint = f"http://127.0.0.1:{self.squall.api_port}"
        wait_http(f"{endpoint}/", 30)
        creds = configparser.ConfigParser()
        creds.read(os.path.join(self.tmp, "data", "credentials"))
        self.target = Target(self.name, endpoint, creds["squall"]["aws_access_key_id"],
                             creds["squall"]["aws_secret_access_key"])
        return self

    def close(self):
        proc = self.squall.proc
        if proc and proc.poll() is None:
            try:
                self.squall.stop()
            except Exception:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def measure(server, bench, op, connections, duration, warmup):
    """Prepares `server` for `op`, warms it up and measures it."""
    t = server.target
    if op == "GetItem":
        create_table(t.endpoint, t.key_id, t.secret)
        loaded = load_generator(bench, t, ["ddb", t.endpoint, "load", str(LOAD_CONNECTIONS)], 0)
        if loaded["errors"]:
            raise RuntimeError(f"{t.name}: {loaded['errors']} errors while loading the table")
        args = ["ddb", t.endpoint, "get", str(connections)]
    else:
        args = ["sqs", t.endpoint, create_queue(t), "send", str(connections)]
    settle([server.squall.proc.pid])
    if warmup > 0:
        load_generator(bench, t, [*args, f"{warmup:g}"], warmup)
    return load_generator(bench, t, [*args, f"{duration:g}"], duration)


def main():
    ap = argparse.ArgumentParser(description="api port overhead: a baseline squall against the current tree")
    ap.add_argument("--baseline", default=DEFAULT_BASELINE, help=f"git ref of the baseline (default {DEFAULT_BASELINE})")
    ap.add_argument("--baseline-bin", help="a baseline squall binary to use instead of building --baseline")
    ap.add_argument("--baseline-target", default=DEFAULT_CACHE,
                    help=f"CARGO_TARGET_DIR of the baseline build (default {DEFAULT_CACHE})")
    ap.add_argument("--duration", type=float, default=10, help="seconds per measured run (default 10)")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each case on each server (default 2)")
    ap.add_argument("--warmup", type=float, default=1, help="unrecorded seconds of the same load before each run (default 1)")
    args = ap.parse_args()
    if args.rounds < 1 or args.duration <= 0 or args.warmup < 0:
        ap.error("--rounds must be at least 1, --duration above 0, --warmup at least 0")

    current_label = git("describe", "--always", "--dirty")  # before building: what is built
    current_bin, bench = build()
    if args.baseline_bin:
        baseline_bin, baseline_label = os.path.abspath(args.baseline_bin), os.path.basename(args.baseline_bin)
        if not os.access(baseline_bin, os.X_OK):
            sys.exit(f"--baseline-bin {args.baseline_bin}: not an executable file")
    else:
        baseline_bin, baseline_label = build_baseline(args.baseline, os.path.abspath(args.baseline_target))
    binaries = {"baseline": baseline_bin, "current": current_bin}

    results = {(case, name): [] for case in CASES for name in SERVERS}
    for r in range(args.rounds):
        for op, connections in CASES:
            for name in SERVERS if r % 2 == 0 else reversed(SERVERS):
                server = Server(name, binaries[name])
                try:
                    server.start()
                    res = measure(server, bench, op, connections, args.duration, args.warmup)
                finally:
                    server.close()
                results[((op, connections), name)].append(res)
                log(f"round {r + 1}/{args.rounds}: {op}, {connections} conn, {name}: {res['rps']:.0f} ops/s, "
                    f"p50 {res['p50']} us, p99 {res['p99']} us, {res['errors']} errors")

    print(f"\nSquall api port overhead: baseline {baseline_label} vs current {current_label} "
          f"({os.cpu_count()} cores, loopback, squall-bench ddb/sqs on one thread, closed loop, "
          f"{args.duration:g} s runs after {args.warmup:g} s of warm-up, {args.rounds} round(s), fresh server each run)\n")
    print(f"    ops/s: best/mean over the rounds; p50/p99 (us): of the best round; "
          f"ratio: current/baseline ops/s, best/mean\n")
    head = f"{'ops/s':>13} {'p50':>6} {'p99':>6} {'err':>4}"
    print(f"    {'case (op, connections)':24} | {'baseline':^32} | {'current':^32} |")
    print(f"    {'':24} | {head:>32} | {head:>32} | {'ratio':>11}")
    errors = 0
    for case in CASES:
        cells, rates = [], {}
        for name in SERVERS:
            runs = results[(case, name)]
            best = max(runs, key=lambda x: x["rps"])
            mean = sum(x["rps"] for x in runs) / len(runs)
            err = sum(x["errors"] for x in runs)
            errors += err
            rates[name] = (best["rps"], mean)
            cells.append(f"{best['rps']:6.0f}/{mean:<6.0f} {best['p50']:6} {best['p99']:6} {err:4}")
        (bb, bm), (cb, cm) = rates["baseline"], rates["current"]
        ratio = f"{cb / bb if bb else float('inf'):.2f}/{cm / bm if bm else float('inf'):.2f}"
        label = f"{case[0]}, {case[1]}"
        print(f"    {label:24} | {cells[0]:>32} | {cells[1]:>32} | {ratio:>11}")
    if errors:
        print(f"\n    {errors} requests failed (first error of each run above, on stderr); their runs are not comparable")


if __name__ == "__main__":
    main()
