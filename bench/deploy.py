#!/usr/bin/env python3
"""Benchmark of `squall deploy` on a serverless.yml written for AWS: a 10-function Python
service with `serverless-python-requirements` and a requirements.txt, behind `http` events.

It measures, in the same run:
  - `pip install -r requirements.txt --target DIR` alone, with pip's cache empty (the floor
    of any cold deploy that installs the requirements);
  - a cold `squall deploy` (Squall's requirements cache and pip's cache empty: parse,
    pip install, zip, upload, reconcile);
  - a warm `squall deploy` with nothing changed (requirements cached by the file's hash, the
    same zip's digest already on the server, nothing uploaded), median and worst of ROUNDS;
  - a redeploy after one handler changed (a new zip uploaded, every function updated).
Target for the warm deploy: 300 ms.

Usage: python3 bench/deploy.py [--squall-bin PATH] [--requirements SPEC...] [--rounds N]
Without --squall-bin it builds Squall in release mode. The default requirement (`requests`)
comes from PyPI.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wasm_http import Squall, build_squall, log, run  # noqa: E402

FUNCTIONS = 10


def service(base, requirements):
    d = os.path.join(base, "svc")
    os.makedirs(d)
    lines = ["service: deploybench", "frameworkVersion: '3'", "plugins:", "  - serverless-python-requirements",
             "provider:", "  name: aws", "  runtime: python3.12", "  stage: ${opt:stage, 'dev'}",
             "  environment:", "    TABLE: ${self:service}-${sls:stage}-items", "functions:"]
    for i in range(FUNCTIONS):
        lines += [f"  f{i}:", f"    handler: handlers/f{i}.main", "    events:",
                  f"      - http:", f"          path: f{i}/{{id}}", "          method: get", "          cors: true"]
    with open(os.path.join(d, "serverless.yml"), "w") as f:
        f.write("\n".join(lines) + "\n")
    os.makedirs(os.path.join(d, "handlers"))
    for i in range(FUNCTIONS):
        with open(os.path.join(d, "handlers", f"f{i}.py"), "w") as f:
            f.write(f"def main(event, context):\n    return {{'statusCode': 200, 'body': 'f{i}'}}\n")
    with open(os.path.join(d, "requirements.txt"), "w") as f:
        f.write("\n".join(requirements) + "\n")
    return d


def timed(cmd, env, cwd=None):
    started = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - started) * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squall-bin")
    ap.add_argument("--requirements", nargs="+", default=["requests"])
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    binary = args.squall_bin or build_squall()
    with tempfile.TemporaryDirectory() as tmp:
        svc = service(tmp, args.requirements)
        clean = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

        log("pip install -r requirements.txt alone (no pip cache)")
        target = os.path.join(tmp, "pip-target")
        pip_ms = timed([sys.executable, "-m", "pip", "install", "--quiet", "-r", "requirements.txt",
                        "--target", target], clean, cwd=svc)

        server = Squall(binary, os.path.join(tmp, "data")).start()
        try:
            env = {**clean, "XDG_CACHE_HOME": os.path.join(tmp, "cache"),
                   "SQUALL_ENDPOINT": f"http://127.0.0.1:{server.api_port}", "SQUALL_DATA_DIR": server.data_dir}
            deploy = [binary, "deploy", svc]
            log("cold deploy")
            cold_ms = timed(deploy, env)
            log(f"warm deploys, nothing changed ({args.rounds} rounds)")
            warm = [timed(deploy, env) for _ in range(args.rounds)]
            with open(os.path.join(svc, "handlers", "f0.py"), "a") as f:
                f.write("# changed\n")
            log("redeploy after one handler changed")
            changed_ms = timed(deploy, env)
        finally:
            server.stop()
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(target) for f in fs)

    print(f"\nsquall deploy, {FUNCTIONS} Python functions behind http events, requirements: {' '.join(args.requirements)}"
          f" ({size / 1e6:.1f} MB installed)")
    print(f"  pip install -r alone (no cache)      {pip_ms:8.0f} ms   (the floor of a cold deploy)")
    print(f"  cold squall deploy                   {cold_ms:8.0f} ms   ({cold_ms / pip_ms:.2f}x pip alone)")
    print(f"  warm squall deploy, nothing changed  {statistics.median(warm):8.0f} ms   median of {len(warm)}"
          f" (worst {max(warm):.0f} ms; target 300 ms)")
    print(f"  redeploy, one handler changed        {changed_ms:8.0f} ms")


if __name__ == "__main__":
    main()
