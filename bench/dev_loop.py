#!/usr/bin/env python3
"""Benchmark of `squall dev` (issue 18): from saving a file to the new answer over HTTP.

Runs `squall dev` on two services in one run on this machine and edits them N times each,
timing from the write to the first HTTP answer carrying the edit:
  - a Python function (a Lambda runtime): the edit is packaged, uploaded and swapped in;
    target: at most 300 ms;
  - the WebAssembly example (examples/hello, copied): the edit is rebuilt by its
    `custom.squall.build` (cargo, incremental, release, wasm32-wasip2) and compiled by the
    server; target: at most 2 s including the build.
Beside them, the same Python edit deployed by hand (`squall deploy` run once per edit, then the
first new answer): what `squall dev` saves besides the typing.

Usage: python3 bench/dev_loop.py [--edits N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from events import build, summary  # noqa: E402
from wasm_http import Squall, log  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_YAML = "service: devbench\nprovider:\n  name: aws\n  runtime: python3.12\nfunctions:\n  hello:\n    handler: app.handler\n    events:\n      - httpApi: 'GET /hello'\n"
PY_APP = "def handler(event, context):\n    return {'statusCode': 200, 'body': %r}\n"


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()
    except Exception:  # noqa: BLE001 - a failed request is just not the answer yet
        return None


def until(url, want, limit=120):
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if want in (get(url) or ""):
            return
        time.sleep(0.005)
    raise RuntimeError(f"{url} never answered {want!r}")


def timed_edits(edits, write, url, expect):
    out = []
    for i in range(edits):
        token = f"edit-{i}-{time.time_ns()}"
        t = time.perf_counter()
        write(token)
        until(url, expect(token))
        out.append((time.perf_counter() - t) * 1000)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=10, help="edits per case (default 10)")
    args = ap.parse_args()
    squall_bin = build()
    tmp = tempfile.mkdtemp(prefix="squall-bench-dev-")
    squall, devs = None, []
    try:
        squall = Squall(squall_bin, os.path.join(tmp, "data")).start()
        env = {**os.environ, "SQUALL_ENDPOINT": f"http://127.0.0.1:{squall.api_port}", "SQUALL_DATA_DIR": squall.data_dir}

        py = os.path.join(tmp, "py")
        os.makedirs(py)
        with open(os.path.join(py, "serverless.yml"), "w") as f:
            f.write(PY_YAML)
        write_py = lambda token: open(os.path.join(py, "app.py"), "w").write(PY_APP % token)  # noqa: E731
        write_py("first")
        wasm = os.path.join(tmp, "hello")
        shutil.copytree(os.path.join(ROOT, "examples", "hello"), wasm, ignore=shutil.ignore_patterns("target"))
        main_rs = os.path.join(wasm, "src", "main.rs")
        source = open(main_rs).read()
        marker = 'format!("{greeting}, {name}!")'

        def write_wasm(token):
            with open(main_rs, "w") as f:
                f.write(source.replace(marker, 'format!("{greeting}, {name}! ' + token + '")'))

        log("deploying by hand, once per edit")
        url = f"{squall.http}/devbench/dev/hello"

        def by_hand(token):
            write_py(token)
            subprocess.run([squall_bin, "deploy", py], env=env, check=True, stdout=subprocess.DEVNULL)

        write_py("warm")
        subprocess.run([squall_bin, "deploy", py], env=env, check=True, stdout=subprocess.DEVNULL)
        until(url, "warm")
        hand = timed_edits(args.edits, by_hand, url, lambda t: t)

        log("starting squall dev on both services (the first wasm build takes a while)")
        for d in (py, wasm):
            devs.append(subprocess.Popen([squall_bin, "dev", d], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        write_py("first")
        until(url, "first")
        wasm_url = f"{squall.http}/hello/dev/greet/ada"
        until(wasm_url, "Hello, ada!", limit=600)
        log("editing the Python function")
        python = timed_edits(args.edits, write_py, url, lambda t: t)
        log("editing the WebAssembly function")
        component = timed_edits(args.edits, write_wasm, wasm_url, lambda t: t)
    finally:
        for d in devs:
            d.terminate()
            d.wait(timeout=30)
        if squall:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nFrom saving a file to the new answer over HTTP, {args.edits} edits each (ms)\n")
    print(f"{'case':<52}{'p50':>9}{'p99':>9}{'mean':>9}")
    for label, runs in [
        ("squall dev, Python function (target <= 300)", python),
        ("squall dev, WebAssembly with its build (target <= 2000)", component),
        ("squall deploy by hand, Python function", hand),
    ]:
        s = summary(runs)
        print(f"{label:<52}{s['p50']:>9.1f}{s['p99']:>9.1f}{s['mean']:>9.1f}")


if __name__ == "__main__":
    main()
