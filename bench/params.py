#!/usr/bin/env python3
"""Benchmark of Squall's parameters and secrets: GetParameter and GetSecretValue throughput from
boto3, beside moto's server, measured in the same run.

For each server, PROCESSES client processes (one boto3 client each, keep-alive, SigV4) call in
a closed loop for DURATION seconds:
  - GetParameter of a String parameter;
  - GetParameter WithDecryption of a SecureString (Squall opens an AES-256-GCM value per read);
  - GetSecretValue of a secret (AWSCURRENT; also sealed at rest in Squall).
and it prints ops/s and p50/p99 latency per operation, with the ratio to moto. boto3 itself costs
most of a request's time on this machine, so the figures are bounded by the client: they say
what a Python application sees, not the server's ceiling. Both servers answer from memory;
Squall's values are durable (written before the put answered) and encrypted.

Usage: python3 bench/params.py [--squall-bin PATH] [--duration S] [--processes N]
Without --squall-bin it builds Squall in release mode and uses target/release/squall.
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import moto_command, settle  # noqa: E402
from lambda_process import pct  # noqa: E402
from wasm_http import Squall, build_squall, free_port, log, run, wait_http  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OPERATIONS = ["GetParameter", "GetParameter (SecureString, decrypted)", "GetSecretValue"]


def clients(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
              aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))
    return boto3.client("ssm", **kw), boto3.client("secretsmanager", **kw)


def populate(endpoint, key_id, secret):
    ssm, sm = clients(endpoint, key_id, secret)
    ssm.put_parameter(Name="/bench/plain", Value="x" * 64, Type="String", Overwrite=True)
    ssm.put_parameter(Name="/bench/secure", Value="s" * 64, Type="SecureString", Overwrite=True)
    sm.create_secret(Name="bench/secret", SecretString='{"user":"app","password":"' + "p" * 40 + '"}')


def call(op, ssm, sm):
    if op == OPERATIONS[0]:
        return ssm.get_parameter(Name="/bench/plain")["Parameter"]["Value"]
    if op == OPERATIONS[1]:
        return ssm.get_parameter(Name="/bench/secure", WithDecryption=True)["Parameter"]["Value"]
    return sm.get_secret_value(SecretId="bench/secret")["SecretString"]


def worker(args):
    """One client process: calls `op` until `until`; its latencies in ms."""
    endpoint, key_id, secret, op, start, until = args
    ssm, sm = clients(endpoint, key_id, secret)
    for _ in range(20):  # connections and botocore's caches warm
        call(op, ssm, sm)
    while time.time() < start:
        time.sleep(0.001)
    out = []
    while time.time() < until:
        t0 = time.perf_counter()
        call(op, ssm, sm)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def measure(pool, endpoint, key_id, secret, op, processes, duration):
    start = time.time() + 2.0
    results = pool.map(worker, [(endpoint, key_id, secret, op, start, start + duration)] * processes)
    lat = [x for r in results for x in r]
    return {"ops": len(lat) / duration, "p50": pct(lat, 0.5), "p99": pct(lat, 0.99)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squall-bin", help="the squall binary to measure (default: build target/release/squall)")
    ap.add_argument("--duration", type=float, default=5, help="seconds per measurement (default 5)")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                    help="client processes, one boto3 client each (default: one per core)")
    args = ap.parse_args()

    squall_bin = args.squall_bin or build_squall()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-params-")
    squall, moto = None, None
    results = {op: {} for op in OPERATIONS}
    try:
        log("starting squall and moto's server")
        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        targets = [("squall", f"http://127.0.0.1:{squall.api_port}", creds["squall"]["aws_access_key_id"],
                    creds["squall"]["aws_secret_access_key"])]
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{moto_port}/", 60)
        targets.append(("moto", f"http://127.0.0.1:{moto_port}", "AKIABENCHMARK0000000", "bench-secret"))
        for _, endpoint, key_id, secret in targets:
            populate(endpoint, key_id, secret)
        with multiprocessing.Pool(args.processes) as pool:
            for op in OPERATIONS:
                for name, endpoint, key_id, secret in targets:
                    settle([squall.proc.pid, moto.pid])
                    log(f"{name}: {op}, {args.processes} clients, {args.duration:g} s")
                    results[op][name] = measure(pool, endpoint, key_id, secret, op, args.processes, args.duration)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall parameters and secrets: boto3 throughput ({os.cpu_count()} cores, loopback, "
          f"{args.processes} client processes, closed loop, {args.duration:g} s each)\n")
    print(f"    {'':40} | {'squall ops/s':>12} {'p50 ms':>7} {'p99 ms':>7} | {'moto ops/s':>10} {'p50 ms':>7} "
          f"{'p99 ms':>7} | {'ratio':>6}")
    for op, row in results.items():
        s, m = row["squall"], row["moto"]
        print(f"    {op:40} | {s['ops']:12.0f} {s['p50']:7.2f} {s['p99']:7.2f} | {m['ops']:10.0f} {m['p50']:7.2f} "
              f"{m['p99']:7.2f} | {s['ops'] / m['ops']:5.1f}x")


if __name__ == "__main__":
    main()
