#!/usr/bin/env python3
"""Benchmark of Lambda versions and aliases (issue 18): what a qualifier costs an invocation.

Prints, in one run on this machine, warm `Invoke` latency (boto3, keep-alive, one call at a
time, a trivial Python handler) p50/p99/mean for:
  - `$LATEST` (the ceiling: no qualifier to resolve);
  - a published version (`Qualifier=1`);
  - an alias naming that version;
  - an alias sending 10% of its invocations to another version (both versions warm).
Target (issue 18): no measurable difference between an alias and `$LATEST`.

Usage: python3 bench/lambda_versions.py [--samples N]
"""

import argparse
import configparser
import io
import os
import shutil
import sys
import tempfile
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from events import build, summary  # noqa: E402
from wasm_http import Squall, log  # noqa: E402

HANDLER = "def handler(event, context):\n    return {'ok': %r}\n"


def package(tag):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("app.py", HANDLER % tag)
    return buf.getvalue()


def timed(fn, samples):
    out = []
    for _ in range(samples):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2000, help="invocations per measurement (default 2000)")
    args = ap.parse_args()
    squall_bin = build()
    tmp = tempfile.mkdtemp(prefix="squall-bench-versions-")
    squall = None
    try:
        import boto3
        from botocore.config import Config

        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        lam = boto3.client(
            "lambda",
            endpoint_url=f"http://127.0.0.1:{squall.api_port}",
            region_name="us-east-1",
            aws_access_key_id=creds["squall"]["aws_access_key_id"],
            aws_secret_access_key=creds["squall"]["aws_secret_access_key"],
            config=Config(retries={"max_attempts": 1}),
        )
        log("creating the function, two versions and two aliases")
        lam.create_function(FunctionName="bench", Runtime="python3.12", Handler="app.handler",
                            Role="arn:aws:iam::000000000000:role/squall-default", Code={"ZipFile": package("one")})
        lam.publish_version(FunctionName="bench")
        lam.update_function_code(FunctionName="bench", ZipFile=package("two"), Publish=True)
        lam.create_alias(FunctionName="bench", Name="live", FunctionVersion="1")
        lam.create_alias(FunctionName="bench", Name="canary", FunctionVersion="1",
                         RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}})
        cases = [("$LATEST", None), ("version 1", "1"), ("alias -> 1", "live"), ("alias -> 1, 10% to 2", "canary")]
        results = []
        for label, qualifier in cases:
            kwargs = {"FunctionName": "bench", "Payload": b"{}"}
            if qualifier:
                kwargs["Qualifier"] = qualifier
            timed(lambda: lam.invoke(**kwargs)["Payload"].read(), 50)  # warm every version it reaches
            log(f"measuring {label}")
            results.append((label, summary(timed(lambda: lam.invoke(**kwargs)["Payload"].read(), args.samples))))
    finally:
        if squall:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nWarm Invoke through boto3, {args.samples} calls each (ms)\n")
    print(f"{'invoked':<24}{'p50':>8}{'p99':>8}{'mean':>8}   vs $LATEST p50")
    base = results[0][1]["p50"]
    for label, s in results:
        print(f"{label:<24}{s['p50']:>8.2f}{s['p99']:>8.2f}{s['mean']:>8.2f}   {s['p50'] - base:+.2f}")


if __name__ == "__main__":
    main()
