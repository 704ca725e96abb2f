#!/usr/bin/env python3
"""Benchmark of Lambda response streaming (issue 18): time to first byte, streamed vs buffered.

One Node.js handler, wrapped in `awslambda.streamifyResponse`, writes 5 chunks 100 ms apart
(about 400 ms of work). Prints, in one run on this machine (boto3, warm process, one call at a
time), p50/p99 of:
  - InvokeWithResponseStream: time to the first `PayloadChunk`, and to `InvokeComplete`;
  - Invoke of the same function (the buffered ceiling: the first byte comes with the last);
  - InvokeWithResponseStream of a buffered Python handler (one chunk): what the event stream's
    framing costs over Invoke's.
Target: the streamed first byte arrives in a small fraction of the function's run time.

Usage: python3 bench/lambda_streaming.py [--samples N]
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

STREAMER = """
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  for (let i = 0; i < 5; i++) {
    stream.write("chunk " + i + "\\n");
    if (i < 4) await sleep(100);
  }
  stream.end();
});
"""
PLAIN = "def handler(event, context):\n    return {'ok': True}\n"


def zipped(name, text):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, text)
    return buf.getvalue()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=50, help="invocations per measurement (default 50)")
    args = ap.parse_args()
    squall_bin = build()
    tmp = tempfile.mkdtemp(prefix="squall-bench-streaming-")
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
            config=Config(retries={"max_attempts": 1}, read_timeout=60),
        )
        role = "arn:aws:iam::000000000000:role/squall-default"
        lam.create_function(FunctionName="streamer", Runtime="nodejs20.x", Handler="index.handler", Role=role,
                            Code={"ZipFile": zipped("index.js", STREAMER)}, Timeout=30)
        lam.create_function(FunctionName="plain", Runtime="python3.12", Handler="app.handler", Role=role,
                            Code={"ZipFile": zipped("app.py", PLAIN)})

        def streamed(name):
            t = time.perf_counter()
            first = None
            for ev in lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}")["EventStream"]:
                if "PayloadChunk" in ev and first is None:
                    first = time.perf_counter() - t
            return first * 1000, (time.perf_counter() - t) * 1000

        def buffered(name):
            t = time.perf_counter()
            lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
            return (time.perf_counter() - t) * 1000

        for _ in range(3):
            streamed("streamer")
            buffered("plain")
            streamed("plain")
        log("measuring the streaming handler")
        stream_runs = [streamed("streamer") for _ in range(args.samples)]
        buffered_runs = [buffered("streamer") for _ in range(args.samples)]
        log("measuring the buffered handler")
        plain_invoke = [buffered("plain") for _ in range(args.samples * 10)]
        plain_stream = [streamed("plain")[1] for _ in range(args.samples * 10)]
    finally:
        if squall:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    rows = [
        ("streamed: first byte", summary([f for f, _ in stream_runs])),
        ("streamed: complete", summary([t for _, t in stream_runs])),
        ("Invoke (buffered): first byte", summary(buffered_runs)),
        ("one-chunk handler: Invoke", summary(plain_invoke)),
        ("one-chunk handler: InvokeWithResponseStream", summary(plain_stream)),
    ]
    print(f"\nA handler writing 5 chunks 100 ms apart, {args.samples} calls each; "
          f"a one-chunk Python handler, {args.samples * 10} calls each (ms, boto3, warm)\n")
    print(f"{'measured':<46}{'p50':>9}{'p99':>9}{'mean':>9}")
    for label, s in rows:
        print(f"{label:<46}{s['p50']:>9.2f}{s['p99']:>9.2f}{s['mean']:>9.2f}")
    ratio = rows[0][1]["p50"] / rows[2][1]["p50"]
    print(f"\nstreamed first byte / buffered first byte (p50): {ratio:.3f}")


if __name__ == "__main__":
    main()
