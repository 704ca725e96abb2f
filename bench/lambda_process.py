#!/usr/bin/env python3
"""Benchmark of the process runtime (issue 3): unmodified Lambda functions.

Prints, in one run on this machine:
  - cold start, spawn to first response, for a Python handler and a Rust `lambda_runtime`
    bootstrap (the first invoke of each of N functions), beside a baseline: starting the same
    process directly (python3 importing the handler; the bootstrap started with no Runtime API);
  - warm invoke latency through the HTTP gateway (p50/p99 at one connection, trivial handler),
    beside a bare hyper server on the same machine;
  - Squall's share of a warm invocation: the leanest runtime through Squall, beside the same
    runtime behind a bare Runtime API relay (the protocol's own floor) and a bare hyper hello;
  - warm concurrency: 100 warm processes of one function serving at once, with the error count.

Usage: python3 bench/lambda_process.py [--functions N]
"""

import argparse
import concurrent.futures
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_http import ROOT, Squall, free_port, firsts, log, run, wait_http  # noqa: E402

PY = os.path.join(ROOT, "tests", "guests", "lambda", "python")
RUST = os.path.join(ROOT, "tests", "guests", "lambda", "rust")


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall, the bench tools and the Rust bootstrap (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall", "-p", "squall-bench"], cwd=ROOT)
    run(["sh", "-c", "cargo build --quiet --release --target-dir target && cp target/release/bootstrap bootstrap"], cwd=RUST)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall"), os.path.join(target, "release", "squall-bench")


def service(base, name, runtime, handler, files_from, n):
    d = os.path.join(base, name)
    shutil.copytree(files_from, d, ignore=shutil.ignore_patterns("target", "serverless.yml", "src", "Cargo.*"))
    lines = [f"service: {name}", "provider:", "  name: aws", f"  runtime: {runtime}", "  timeout: 10", "functions:"]
    for i in range(n):
        lines += [f"  f{i}:", f"    handler: {handler}", "    events:", f"      - httpApi: 'GET /f{i}/hello/{{name}}'"]
    with open(os.path.join(d, "serverless.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return d


def pct(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(p * len(s) + 0.5)) - 1))]


def baseline(cmd, cwd, env, n=20):
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--functions", type=int, default=30, help="functions per runtime for cold starts")
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of the warm-overhead comparison")
    args = ap.parse_args()
    squall_bin, bench_bin = build()
    tmp = tempfile.mkdtemp(prefix="squall-bench-")
    server = Squall(squall_bin, os.path.join(tmp, "data"), ["--max-concurrency", "200"]).start()
    results = {}
    try:
        for name, runtime, handler, src in [("py", "python3.11", "handler.http", PY), ("rs", "provided.al2023", "bootstrap", RUST)]:
            log(f"cold starts: {args.functions} {runtime} functions")
            server.cli("deploy", service(tmp, name, runtime, handler, src, args.functions))
            cold = firsts(bench_bin, server.http, f"/{name}/dev/f{{i}}/hello/ada", args.functions)
            warm = firsts(bench_bin, server.http, f"/{name}/dev/f0/hello/ada?{{i}}", 2000)
            results[name] = (cold, warm)

        log("our share: the leanest runtime (squall-bench runtime-echo) as a provided bootstrap")
        lean = os.path.join(tmp, "lean")
        os.makedirs(lean)
        with open(os.path.join(lean, "bootstrap"), "w") as f:
            f.write(f"#!/bin/sh\nexec {bench_bin} runtime-echo\n")
        os.chmod(os.path.join(lean, "bootstrap"), 0o755)
        with open(os.path.join(lean, "serverless.yml"), "w") as f:
            f.write("service: lean\nprovider:\n  name: aws\n  runtime: provided.al2023\nfunctions:\n  f:\n"
                    "    handler: bootstrap\n    events:\n      - httpApi: 'GET /x'\n")
        server.cli("deploy", lean)
        # The floor of the protocol: the same runtime behind a bare Runtime API relay.
        relay_port = free_port()
        relay = subprocess.Popen([bench_bin, "runtime-relay", f"127.0.0.1:{relay_port}", bench_bin, "runtime-echo"],
                                 stdout=subprocess.DEVNULL)
        hy_port = free_port()
        hy = subprocess.Popen([bench_bin, "hyper-hello", f"127.0.0.1:{hy_port}"], stdout=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{hy_port}/")
            firsts(bench_bin, f"http://127.0.0.1:{relay_port}", "/x?{i}", 100)
            # Alternating rounds, medians of their p50s: this machine's noise is larger than
            # the differences measured.
            rounds = {"squall": [], "relay": [], "bare": []}
            for _ in range(args.rounds):
                rounds["squall"].append(firsts(bench_bin, server.http, "/lean/x?{i}", 5000))
                rounds["relay"].append(firsts(bench_bin, f"http://127.0.0.1:{relay_port}", "/x?{i}", 5000))
                rounds["bare"].append(firsts(bench_bin, f"http://127.0.0.1:{hy_port}", "/x?{i}", 5000))
        finally:
            for p in (relay, hy):
                p.terminate()
                p.wait()
        share = {k: (statistics.median(r["p50"] for r in v), statistics.median(r["p99"] for r in v))
                 for k, v in rounds.items()}

        log("warm concurrency: 100 processes of one function at once")
        server.cli("deploy", service(tmp, "conc", "python3.11", "handler.nap", PY, 1))
        import urllib.request

        def call(_):
            with urllib.request.urlopen(f"{server.http}/conc/dev/f0/hello/x", timeout=60) as r:
                return r.status

        errors, statuses = 0, []
        with concurrent.futures.ThreadPoolExecutor(100) as pool:
            for attempt in range(2):  # the first round starts the processes, the second finds them warm
                t0 = time.perf_counter()
                try:
                    statuses = list(pool.map(call, range(100)))
                except Exception as e:  # noqa: BLE001
                    errors += 1
                    log(f"concurrency error: {e}")
                took = time.perf_counter() - t0
        errors += sum(1 for s in statuses if s != 200)
    finally:
        server.stop()

    env = {"PATH": os.environ["PATH"]}
    py_base = baseline(["python3", "-c", "import handler"], PY, env)
    rs_base = baseline([os.path.join(RUST, "bootstrap")], RUST, {**env, "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9",
                        "AWS_LAMBDA_FUNCTION_NAME": "x", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST"})
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall process runtime benchmark ({os.cpu_count()} cores)\n")
    for name, label, base in [("py", "Python 3.11 handler", py_base), ("rs", "Rust lambda_runtime bootstrap", rs_base)]:
        cold, warm = results[name]
        print(f"{label}")
        print(f"    cold start, spawn to first response ({cold['n']} functions): p50 {cold['p50'] / 1000:.1f} ms, "
              f"p99 {cold['p99'] / 1000:.1f} ms; baseline, the same process started directly: {base / 1000:.1f} ms")
        print(f"    warm request through the gateway (1 connection, {warm['n']} requests): p50 {warm['p50']} us, p99 {warm['p99']} us")
        print(f"    over a bare hyper round trip (p50 {share['bare'][0]:.0f} us): {warm['p50'] - share['bare'][0]:.0f} us "
              f"(includes the handler and its runtime loop)")
    (sq50, sq99), (re50, re99), (ba50, ba99) = share["squall"], share["relay"], share["bare"]
    print(f"Warm invocation overhead, the leanest runtime (no handler work), median of {args.rounds} alternating rounds "
          f"of 5000 requests")
    print(f"    squall: p50 {sq50:.0f} us, p99 {sq99:.0f} us")
    print(f"    bare Runtime API relay, same runtime (the protocol's floor): p50 {re50:.0f} us, p99 {re99:.0f} us")
    print(f"    bare hyper hello: p50 {ba50:.0f} us, p99 {ba99:.0f} us")
    print(f"    added over bare hyper: {sq50 - ba50:.0f} us, of which the Runtime API exchange itself {re50 - ba50:.0f} us "
          f"and Squall's own share (gateway, event, hand-off, limits, logs, response mapping) {sq50 - re50:.0f} us")
    print(f"\n100 concurrent requests, one Python function (1 s handler each): second round {took:.2f} s, errors {errors}")


if __name__ == "__main__":
    main()
