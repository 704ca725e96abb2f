#!/usr/bin/env python3
"""Benchmark of WebAssembly functions behind the HTTP gateway (issue 2).

Prints, in one run on this machine:
  (a) cold start: time to the first response of a deployed function with nothing of it in
      memory (compiled code on disk, no instance, no pre-instantiation), p50/p99 over 200
      functions after a server restart; and deploy-to-first-response including compilation;
  (b) warm throughput and latency of examples/hello through the gateway under wrk;
  (c) the same component under `wasmtime serve -O pooling-allocator=y` and a bare hyper
      hello world, measured the same way in the same run, with our ratio to each;
  plus the server's RSS when idle, right after the load, and a few seconds later.

Usage: python3 bench/wasm_http.py [--duration SECONDS]
Installs what it needs when missing: wrk (apt), wasmtime-cli 48.0.8 (cargo, into bench/.tools).
"""

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "bench", ".tools")
WASMTIME_VERSION = "48.0.8"


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, limit=30.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{url} did not answer within {limit}s")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def ensure_tools():
    if not shutil.which("wrk"):
        log("installing wrk (apt)")
        run(["apt-get", "install", "-y", "-qq", "wrk"], stdout=subprocess.DEVNULL)
    wasmtime = os.path.join(TOOLS, "bin", "wasmtime")
    if not os.path.exists(wasmtime):
        log(f"installing wasmtime-cli {WASMTIME_VERSION} into bench/.tools (one-time; slow on 2 cores)")
        run(["cargo", "install", "--locked", "--quiet", "wasmtime-cli", "--version", WASMTIME_VERSION, "--root", TOOLS])
    return wasmtime


def build_squall():
    """Squall alone, release: the binary's path."""
    log("building squall (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall")


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall and the bench tools (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall", "-p", "squall-bench"], cwd=ROOT)
    hello = os.path.join(ROOT, "examples", "hello")
    run(["cargo", "build", "--release", "--quiet", "--target", "wasm32-wasip2", "--target-dir", "target"], cwd=hello)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return (
        os.path.join(target, "release", "squall"),
        os.path.join(target, "release", "squall-bench"),
        os.path.join(hello, "target", "wasm32-wasip2", "release", "hello.wasm"),
    )


class Squall:
    def __init__(self, binary, data_dir, extra=()):
        self.binary, self.data_dir, self.extra = binary, data_dir, list(extra)
        self.api_port, self.http_port = free_port(), free_port()
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [self.binary, "server", "--data-dir", self.data_dir,
             "--api", f"127.0.0.1:{self.api_port}", "--http", f"127.0.0.1:{self.http_port}", *self.extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "RUST_LOG": "warn"})
        wait_http(f"http://127.0.0.1:{self.http_port}/")
        return self

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)

    def cli(self, *args):
        env = {**os.environ, "SQUALL_ENDPOINT": f"http://127.0.0.1:{self.api_port}", "SQUALL_DATA_DIR": self.data_dir}
        return run([self.binary, *args], env=env, stdout=subprocess.DEVNULL)

    @property
    def http(self):
        return f"http://127.0.0.1:{self.http_port}"


def with_custom_section(wasm, payload):
    """The component with a custom section appended: same behaviour, new digest, so the
    server must compile it afresh."""
    name = b"squall-bench"

    def leb(n):
        out = bytearray()
        while True:
            b = n & 0x7F
            n >>= 7
            out.append(b | (0x80 if n else 0))
            if not n:
                return bytes(out)

    body = leb(len(name)) + name + payload
    return wasm + b"\x00" + leb(len(body)) + body


def service_dir(base, name, handlers):
    """A service with one function per handler (bytes), f0, f1, ... on GET /f{i}/greet/{name}."""
    d = os.path.join(base, name)
    os.makedirs(d, exist_ok=True)
    lines = [f"service: {name}", "provider:", "  name: aws", "  runtime: wasm", "  memorySize: 128", "functions:"]
    for i, code in enumerate(handlers):
        with open(os.path.join(d, f"f{i}.wasm"), "wb") as f:
            f.write(code)
        lines += [f"  f{i}:", f"    handler: f{i}.wasm", "    events:", f"      - httpApi: 'GET /f{i}/greet/{{name}}'"]
    with open(os.path.join(d, "serverless.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return d


def wrk(url, connections, seconds):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses under load")

    def pct(p):
        v, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(v) * {"us": 1, "ms": 1000, "s": 1e6}[unit]

    return {"rps": rps, "p50": pct(50), "p99": pct(99)}


def firsts(bench, base, template, count):
    out = subprocess.run([bench, "firsts", base, template, str(count)], check=True, capture_output=True, text=True).stdout
    n, p50, p99, lo, hi = map(int, out.split())
    return {"n": n, "p50": p50, "p99": p99, "min": lo, "max": hi}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10, help="seconds per load run")
    args = ap.parse_args()
    wasmtime = ensure_tools()
    squall_bin, bench_bin, hello = build()
    hello_bytes = open(hello, "rb").read()
    tmp = tempfile.mkdtemp(prefix="squall-bench-")
    server = Squall(squall_bin, os.path.join(tmp, "data")).start()
    results = {}
    try:
        idle_rss = rss_kib(server.proc.pid)

        log("(a) deploy to first response, including compilation")
        deploys = []
        for i in range(5):
            d = service_dir(tmp, f"fresh{i}", [with_custom_section(hello_bytes, random.randbytes(16))])
            t0 = time.perf_counter()
            server.cli("deploy", d)
            wait_http(f"{server.http}/fresh{i}/dev/f0/greet/ada")
            deploys.append((time.perf_counter() - t0) * 1000)

        log("(a) cold start: 200 functions, first request after a restart (compiling 200 variants first)")
        # Distinct code per function: functions with the same code share what is loaded.
        d = service_dir(tmp, "cold", [with_custom_section(hello_bytes, random.randbytes(16)) for _ in range(200)])
        server.cli("deploy", d)
        server.stop()
        server.start()
        cold = firsts(bench_bin, server.http, "/cold/dev/f{i}/greet/ada", 200)
        warm_seq = firsts(bench_bin, server.http, "/cold/dev/f{i}/greet/ada", 200)

        log("(b) warm load on examples/hello through the gateway")
        for name in ["cold"] + [f"fresh{i}" for i in range(5)]:
            server.cli("remove", name)
        server.cli("deploy", os.path.join(ROOT, "examples", "hello"))
        url = f"{server.http}/hello/dev/greet/ada"
        wait_http(url)
        base_rss = rss_kib(server.proc.pid)
        results["squall"] = (wrk(url, 32, args.duration), wrk(url, 1, max(3, args.duration // 2)))
        loaded_rss = rss_kib(server.proc.pid)
        time.sleep(5)
        after_rss = rss_kib(server.proc.pid)
    finally:
        server.stop()

    log("(b) pricing timeouts: 3 alternating runs with and without enforcing them")
    priced = {True: [], False: []}
    for enforce in [True, False] * 3:
        extra = [] if enforce else ["--bench-no-timeouts"]
        srv = Squall(squall_bin, os.path.join(tmp, "data"), extra).start()
        try:
            url = f"{srv.http}/hello/dev/greet/ada"
            wait_http(url)
            wrk(url, 32, 2)  # warm up
            priced[enforce].append(wrk(url, 32, args.duration)["rps"])
        finally:
            srv.stop()

    log("(c) wasmtime serve -O pooling-allocator=y, same component")
    port = free_port()
    ws = subprocess.Popen([wasmtime, "serve", "-O", "pooling-allocator=y", "-Scli", "--addr", f"127.0.0.1:{port}", hello],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/greet/ada"
        wait_http(url, 120)
        results["wasmtime serve"] = (wrk(url, 32, args.duration), wrk(url, 1, max(3, args.duration // 2)))
    finally:
        ws.terminate()
        ws.wait()

    log("(c) bare hyper hello world")
    port = free_port()
    hy = subprocess.Popen([bench_bin, "hyper-hello", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/greet/ada"
        wait_http(url)
        results["bare hyper"] = (wrk(url, 32, args.duration), wrk(url, 1, max(3, args.duration // 2)))
    finally:
        hy.terminate()
        hy.wait()
    shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall wasm + HTTP gateway benchmark ({os.cpu_count()} cores, wrk -t1, {args.duration}s runs)\n")
    print("(a) cold start, first request to a function with nothing in memory (200 functions, after a restart)")
    print(f"    p50 {cold['p50']} us   p99 {cold['p99']} us   (min {cold['min']}, max {cold['max']})")
    print(f"    same requests once warm: p50 {warm_seq['p50']} us   p99 {warm_seq['p99']} us")
    print(f"    deploy to first response, with compilation (squall deploy + first GET, 5 runs): "
          f"p50 {statistics.median(deploys):.0f} ms  (runs: {', '.join(f'{x:.0f}' for x in deploys)} ms)")
    print("\n(b, c) warm load, GET /greet/ada on examples/hello")
    print(f"    {'':16} {'req/s (32 conn)':>16} {'p50 us':>8} {'p99 us':>8} | {'1 conn p50 us':>13} {'p99 us':>8}")
    for name, (many, one) in results.items():
        print(f"    {name:16} {many['rps']:16.0f} {many['p50']:8.0f} {many['p99']:8.0f} | {one['p50']:13.0f} {one['p99']:8.0f}")
    s, w, h = results["squall"][0], results["wasmtime serve"][0], results["bare hyper"][0]
    print(f"\n    throughput: squall / wasmtime serve = {s['rps'] / w['rps']:.2f}x   "
          f"squall / bare hyper = {s['rps'] / h['rps']:.2f}x   (wasmtime serve / bare hyper = {w['rps'] / h['rps']:.2f}x)")
    with_t, without_t = statistics.mean(priced[True]), statistics.mean(priced[False])
    print(f"    enforcing timeouts costs {(1 - with_t / without_t) * 100:.1f}% of throughput "
          f"(mean of 3 runs: {with_t:.0f} req/s with, {without_t:.0f} without; "
          f"runs with: {', '.join(f'{x:.0f}' for x in priced[True])}; without: {', '.join(f'{x:.0f}' for x in priced[False])})")
    added = results["squall"][1]["p50"] - results["bare hyper"][1]["p50"]
    print(f"    latency added over bare hyper at one connection, p50: {added:.0f} us")
    print(f"\n    server RSS: idle {idle_rss / 1024:.1f} MiB, before load {base_rss / 1024:.1f} MiB, "
          f"right after load {loaded_rss / 1024:.1f} MiB, 5 s later {after_rss / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
