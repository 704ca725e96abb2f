#!/usr/bin/env python3
"""Benchmark of Squall's Step Functions (awsJson1.0 on the api port) against moto's server.

Prints, in one run on this machine, with moto's server (`moto_server`, the usual local
Step Functions stand-in) measured with the same client and workload beside it where it can run
it, and the ratio:
  - Pass chain, durable (STANDARD): a machine of CHAIN (100) Pass states in a chain, each with
    `Parameters` (a literal and a `.$` path) and a `ResultPath`, so each state reads and writes
    the execution's data. Executions are started back to back from PROCESSES client processes
    x THREADS threads, each thread keeping INFLIGHT executions in flight (default 2 x 2 x 8 =
    32) for DURATION seconds, then waiting for those still running. A thread starts an
    execution whenever it has fewer than INFLIGHT, else polls DescribeExecution on its oldest
    one, sleeping 10% of that execution's age between polls (1 to 50 ms), so polling costs
    the servers little. transitions/s = states entered per second, from the server's own
    figures: (executions that SUCCEEDED x states each enters) / (the last stopDate - the first
    startDate) of the run's executions, as DescribeExecution reports them. The count of
    states entered per execution is checked once in GetExecutionHistory (its *StateEntered
    events). Beside it: each execution's stopDate - startDate under that load, StartExecution's
    round trip under it, the server's and the client's CPU, and the bytes the server wrote to
    the disk (/proc/PID/io). Target: >= 20,000 transitions/s.
  - Pass workflow latency: a 3-state Pass machine, one execution at a time: StartExecution,
    then DescribeExecution back to back (no sleep between polls: the next is sent as soon as
    the previous answer is read) until it is no longer RUNNING; p50/p99 of the client-observed
    time from sending StartExecution to reading SUCCEEDED, and of the server's stopDate -
    startDate (Squall keeps them to the millisecond).
  - Task chain of WebAssembly functions: examples/hello deployed with `squall deploy` (a
    wasm32-wasip2 component answering "Hello, world!" to any request, which a Task takes as
    a JSON string), called by 3 Task states in a chain (`Resource` the function's ARN, each
    result put at its own ResultPath), as a role trusting states.amazonaws.com allowed
    lambda:InvokeFunction. STANDARD: StartExecution -> SUCCEEDED p50/p99 measured as above
    (target p50 <= 5 ms end to end), and transitions/s under the same concurrency as the Pass
    chain (3 states entered per execution). EXPRESS: StartSyncExecution's round trip p50/p99,
    one at a time (target p50 <= 1 ms). For scale: the same 3 Pass states as EXPRESS through
    StartSyncExecution, and Lambda's Invoke of the function alone (one of the Task's calls).
  - AWS SDK integration: 3 Task states `aws-sdk:s3:putObject`, `getObject`, `deleteObject` of
    a key named after the execution, EXPRESS, StartSyncExecution's round trip p50/p99; beside
    it the same three S3 calls made directly by this script's client, one after another.
  - memory and disk: Squall's VmRSS after the runs (and moto's), and workflows.db + its -wal
    in the data directory, per STANDARD execution made (with the pages SQLite has in use,
    read with a read-only connection, beside the files' sizes).
Every request comes from this script's own client (bare HTTP/1.1 keep-alive sockets; each
request SigV4-signed as it is sent, service `states`, `X-Amz-Target: AWSStepFunctions.<Op>`;
only the day's signing key is derived once, as the SDKs do): boto3 costs about a millisecond
per call, which would hide the 1 ms target. Latency is from sending the request to reading the
answer's last byte.

What Squall does: a STANDARD execution's first state is written (with its ExecutionStarted
event) before StartExecution answers; its actor then runs up to 512 transitions before it
writes the batch (runs, history events, the record) in one store write, and writes each batch
before the Task calls and timers it leads to. The whole 100-state chain is one batch: two
store writes per execution. workflows.db is SQLite in WAL mode, synchronous=NORMAL, behind a
group-commit writer (an acknowledged write survives kill -9, not a power cut). EXPRESS
executions keep nothing.

What moto does (moto 5.x, read from moto/stepfunctions in its installed source): by default
it runs nothing. StartExecution records an execution that stays RUNNING forever
(`SF_EXECUTION_HISTORY_TYPE=FAILURE` makes it FAILED instead), and GetExecutionHistory
answers a canned four-event history. Only with its configuration
`{"stepfunctions": {"execute_state_machine": true}}` (set here through its server's
`POST /moto-api/config`) does it interpret the definition, with the ASL interpreter taken
from LocalStack (moto/stepfunctions/parser): each execution runs in a Python thread of the
server, all of it in memory: nothing is persisted, everything is lost when the process ends.
Measured limits of that mode, worked around here:
once an execution exists in an account (and region), every later StartExecution there fails
with 500, "cannot pickle '_thread.RLock' object" (StartExecution deep-copies the state machine,
which refers to the whole backend, earlier executions and their threads' locks included), so
every moto execution gets a state machine alone in an account of its own (picked with moto's
`x-moto-account-id` header), created before the measurement and not timed; executions must
be given a name (without one, moto names it "None"). An execution's 100 Pass states take moto
nearly 2 s of one core, and its executions share that core (one Python process), so its
throughput run gets as many executions as one alone runs in DURATION (at least 4, at most the
number in flight on Squall), all started at once: with Squall's 32 in flight, the first would
end after a minute. It has no StartSyncExecution (n/a), and it invokes Lambda functions only
through Docker, which cannot run a WebAssembly component, so the Task chain is n/a on moto.
Its server (werkzeug) answers HTTP/1.0 and closes every connection, so the client opens one
per request there.

Usage: python3 bench/stepfunctions.py [--squall-bin PATH] [--duration S] [--samples N]
                                      [--processes P] [--threads T] [--inflight K]
Without --squall-bin it builds Squall in release mode (CARGO_TARGET_DIR, else target/).
Installs moto's server with pip (`moto[server]`) when it is missing; `squall deploy` builds
examples/hello (the wasm32-wasip2 target is added by scripts/setup.sh when missing).
"""

import argparse
import collections
import configparser
import datetime
import hashlib
import hmac
import json
import math
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import cpu_ticks, moto_command, settle  # noqa: E402
from s3 import Closed, Conn, status_kib  # noqa: E402
from s3 import Signer as S3Signer  # noqa: E402
from wasm_http import ROOT, Squall, free_port, log, run, wait_http  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "000000000000"
CHAIN = 100  # Pass states in the durable chain
FUNCTION = "hello-dev-greet"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
TRANSITIONS_TARGET = 20_000  # per second, the Pass chain
TASK_P50_TARGET_MS = 5.0  # StartExecution -> SUCCEEDED, 3 Tasks, STANDARD
SYNC_P50_TARGET_MS = 1.0  # StartSyncExecution, 3 Tasks, EXPRESS
MOTO_KEY = ("AKIABENCHMARK0000000", "bench-secret")


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall")


# --- definitions -------------------------------------------------------------------------

def pass_chain(n):
    """`n` Pass states in a chain, each doing a little work on the execution's data."""
    states = {}
    for i in range(n):
        s = {"Type": "Pass", "Parameters": {"step": i, "tag.$": "$.tag"}, "ResultPath": "$.last"}
        if i == n - 1:
            s["End"] = True
        else:
            s["Next"] = f"S{i + 1}"
        states[f"S{i}"] = s
    return json.dumps({"Comment": f"{n} Pass states", "StartAt": "S0", "States": states})


def task_chain(n):
    """`n` Task states calling the WebAssembly function, each result at its own path."""
    states = {}
    for i in range(n):
        s = {"Type": "Task", "Resource": FUNCTION_ARN, "ResultPath": f"$.greeting{i}"}
        if i == n - 1:
            s["End"] = True
        else:
            s["Next"] = f"T{i + 1}"
        states[f"T{i}"] = s
    return json.dumps({"Comment": f"{n} Tasks", "StartAt": "T0", "States": states})


CHAIN_INPUT = json.dumps({"tag": "bench"})
SDK_BUCKET = "bench-sdk"


def sdk_chain():
    """3 AWS SDK integration Tasks on S3 (rest-xml): putObject, getObject and deleteObject of
    a key named after the execution."""
    key = {"Bucket": SDK_BUCKET, "Key.$": "$$.Execution.Name"}
    return json.dumps({"Comment": "3 S3 calls", "StartAt": "Put", "States": {
        "Put": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:putObject",
                "Parameters": {**key, "Body": "hello"}, "ResultPath": None, "Next": "Get"},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject", "Parameters": key,
                "ResultSelector": {"Body.$": "$.Body"}, "ResultPath": "$.got", "Next": "Delete"},
        "Delete": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:deleteObject", "Parameters": key,
                   "ResultPath": None, "End": True}}})


# --- the client --------------------------------------------------------------------------

class Target:
    """One server under test: where it listens and the key requests are signed with."""

    def __init__(self, name, port, key_id, secret, pid):
        self.name, self.port, self.key_id, self.secret, self.pid = name, port, key_id, secret, pid
        self.host = f"127.0.0.1:{port}"


class Signer:
    """SigV4, header auth; the signing key is derived once per day and service."""

    def __init__(self, t):
        self.host, self.key_id, self.secret = t.host, t.key_id, t.secret
        self.second, self.amz_date, self.keys = None, None, {}

    def _clock(self):
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        return self.amz_date

    def _key(self, day, service):
        k = self.keys.get((day, service))
        if k is None:
            k = ("AWS4" + self.secret).encode()
            for part in (day, REGION, service, "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self.keys[(day, service)] = k
        return k

    def request(self, method, path, body, service, extra=()):
        """The whole signed request as bytes; `extra` (lower-case name, value) headers signed too."""
        amz_date = self._clock()
        day = amz_date[:8]
        scope = f"{day}/{REGION}/{service}/aws4_request"
        payload = hashlib.sha256(body).hexdigest()
        signed = sorted([("host", self.host), ("x-amz-date", amz_date), *extra])
        names = ";".join(k for k, _ in signed)
        lines = "".join(f"{k}:{v}\n" for k, v in signed)
        canonical = f"{method}\n{path}\n\n{lines}\n{names}\n{payload}"
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.digest(self._key(day, service), to_sign.encode(), "sha256").hex()
        head = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in signed),
                f"authorization: AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, SignedHeaders={names}, "
                f"Signature={signature}", f"content-length: {len(body)}"]
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class ApiError(Exception):
    pass


class Client:
    """One keep-alive connection to a server, speaking Step Functions (and Lambda's Invoke)."""

    def __init__(self, t):
        self.t, self.conn, self.signer = t, Conn(t.port), Signer(t)

    def close(self):
        self.conn.close()

    def call(self, op, doc, account=None):
        """`op` with `doc`; `account` (moto only) picks moto's account with `x-moto-account-id`."""
        body = json.dumps(doc).encode()
        extra = [("content-type", "application/x-amz-json-1.0"), ("x-amz-target", f"AWSStepFunctions.{op}")]
        if account:
            extra.append(("x-moto-account-id", account))
        data = self.signer.request("POST", "/", body, "states", extra)
        status, _, answer = self.conn.request(data)
        if status != 200:
            raise ApiError(f"{self.t.name} {op}: status {status}: {answer[:400]!r}")
        return json.loads(answer) if answer else {}

    def invoke(self, function, payload=b"{}"):
        path = f"/2015-03-31/functions/{function}/invocations"
        status, headers, answer = self.conn.request(self.signer.request("POST", path, payload, "lambda"))
        if status != 200 or "x-amz-function-error" in headers:
            raise ApiError(f"{self.t.name} Invoke {function}: status {status}: {answer[:400]!r}")
        return answer

    def create_machine(self, name, definition, role, kind="STANDARD", account=None):
        """A new state machine: (its ARN, the moto account it is in or None)."""
        arn = self.call("CreateStateMachine", {"name": name, "definition": definition, "roleArn": role, "type": kind},
                        account)["stateMachineArn"]
        return arn, account

    def start(self, machine, name, doc=CHAIN_INPUT):
        """Starts an execution of `machine` (ARN, account): (its ARN, the account)."""
        arn, account = machine
        doc = {"stateMachineArn": arn, "name": name, "input": doc}
        return self.call("StartExecution", doc, account)["executionArn"], account

    def describe(self, execution):
        arn, account = execution
        return self.call("DescribeExecution", {"executionArn": arn}, account)


def epoch(v):
    """A date as the servers answer it (epoch seconds, or ISO 8601 text) in seconds."""
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    return datetime.datetime.fromisoformat(str(v).replace("Z", "+00:00")).timestamp()


def summary(samples):
    """p50/p99 (nearest rank) and mean of `samples`."""
    if not samples:
        return {"p50": None, "p99": None, "mean": None, "n": 0}
    s = sorted(samples)
    at = lambda p: s[min(len(s), max(1, math.ceil(len(s) * p))) - 1]  # noqa: E731
    return {"p50": at(0.5), "p99": at(0.99), "mean": sum(s) / len(s), "n": len(s)}


# --- the measurements --------------------------------------------------------------------

def chain_worker(index, threads, t, machines, inflight, start_at, seconds, drain_limit, prefix, out):
    """One client process of a throughput run: `threads` threads, each keeping `inflight`
    executions in flight. `machines` is one machine for all, or (moto) a list of machines,
    one per execution, shared out between the threads."""
    stats = []

    def loop(n):
        client = Client(t)
        mine = machines[n::threads] if isinstance(machines, list) else None
        running = collections.deque()  # (arn, client start)
        done, errors, first_error, polls, started, exhausted, accepted = [], 0, None, 0, 0, False, 0
        start_ms = []  # StartExecution round trips
        time.sleep(max(0.0, start_at - time.monotonic()))
        end = start_at + seconds
        while True:
            now = time.monotonic()
            stopping = now >= end
            if stopping and (not running or now >= end + drain_limit):
                break
            if not stopping and len(running) < inflight and not exhausted:
                if mine is not None and started >= len(mine):
                    exhausted = True
                    continue
                machine = machines if mine is None else mine[started]
                try:
                    t0 = time.perf_counter()
                    arn = client.start(machine, f"{prefix}{index}-{n}-{started}")
                    start_ms.append((time.perf_counter() - t0) * 1000)
                    running.append((arn, time.monotonic()))
                    accepted += 1
                except (ApiError, OSError, Closed, ValueError) as e:
                    errors += 1
                    first_error = first_error or f"StartExecution: {e}"
                    time.sleep(0.01)
                started += 1
                continue
            if not running:
                if exhausted and not stopping:
                    end = now  # nothing more to start: the run ends with what runs
                time.sleep(0.001)
                continue
            arn, began = running[0]
            try:
                d = client.describe(arn)
                polls += 1
            except (ApiError, OSError, Closed, ValueError) as e:
                errors += 1
                first_error = first_error or f"DescribeExecution: {e}"
                running.popleft()
                continue
            if d["status"] == "RUNNING":
                time.sleep(min(0.05, max(0.001, 0.1 * (time.monotonic() - began))))
                continue
            running.popleft()
            done.append((d["status"], epoch(d.get("startDate")), epoch(d.get("stopDate"))))
            if d["status"] != "SUCCEEDED":
                first_error = first_error or f"{arn}: {d['status']}: {d.get('error')} {d.get('cause')}"
        stats.append({"done": done, "errors": errors, "first_error": first_error, "polls": polls, "started": accepted,
                      "unfinished": len(running), "exhausted": exhausted, "start_ms": start_ms})
        client.close()

    cpu0 = time.process_time()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put({"stats": stats, "cpu": time.process_time() - cpu0})


def throughput(t, machines, states, args, prefix, drain_limit=60.0):
    """A concurrent run of executions; transitions/s from the servers' start and stop dates."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    if isinstance(machines, list):  # one machine per execution: share them out by process
        per = [machines[i::args.processes] for i in range(args.processes)]
    else:
        per = [machines] * args.processes
    start_at = time.monotonic() + 0.5
    ticks0, wall0, written0 = cpu_ticks(t.pid), time.monotonic(), written(t.pid)
    procs = [ctx.Process(target=chain_worker, daemon=True,
                         args=(i, args.threads, t, per[i], args.inflight, start_at, args.duration, drain_limit,
                               prefix, out)) for i in range(args.processes)]
    for p in procs:
        p.start()
    reports = []
    try:
        for _ in procs:
            reports.append(out.get(timeout=args.duration + drain_limit + 60))
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    wall = time.monotonic() - max(wall0, start_at)
    server_cpu = (cpu_ticks(t.pid) - ticks0) / os.sysconf("SC_CLK_TCK") / wall
    disk_bytes = written(t.pid) - written0
    stats = [s for r in reports for s in r["stats"]]
    done = [d for s in stats for d in s["done"]]
    ok = [d for d in done if d[0] == "SUCCEEDED" and d[1] is not None and d[2] is not None]
    first = next((s["first_error"] for s in stats if s["first_error"]), None)
    if first:
        log(f"{t.name}: first error: {first}")
    res = {"executions": len(ok), "failed": len(done) - len(ok), "errors": sum(s["errors"] for s in stats),
           "unfinished": sum(s["unfinished"] for s in stats), "polls": sum(s["polls"] for s in stats),
           "exhausted": any(s["exhausted"] for s in stats), "first_error": first,
           "started": sum(s["started"] for s in stats), "written": disk_bytes, "wall": wall,
           "start_ms": summary([x for s in stats for x in s["start_ms"]]),
           "client_cpu": sum(r["cpu"] for r in reports) / wall, "server_cpu": server_cpu}
    if ok:
        span = max(d[2] for d in ok) - min(d[1] for d in ok)
        res["span"] = span
        res["tps"] = len(ok) * states / span if span > 0 else float("inf")
        res["eps"] = len(ok) / span if span > 0 else float("inf")
        res["duration"] = summary([(d[2] - d[1]) * 1000 for d in ok])
    return res


def latency(t, machines, samples, limit_s, warmup=5, doc=CHAIN_INPUT, prefix="lat"):
    """One execution at a time: StartExecution, then DescribeExecution back to back until
    it ends. `machines` is one machine or a list, one per sample (moto). Client and server ms."""
    client = Client(t)
    client_ms, server_ms, polls, failures, first_error, started = [], [], 0, 0, None, 0
    deadline = time.monotonic() + limit_s
    try:
        for i in range(samples + warmup):
            if i >= warmup and time.monotonic() > deadline:
                break
            if isinstance(machines, list) and i >= len(machines):
                break
            machine = machines[i] if isinstance(machines, list) else machines
            t0 = time.perf_counter()
            arn = client.start(machine, f"{prefix}-{i}", doc)
            started += 1
            n = 0
            while True:
                d = client.describe(arn)
                n += 1
                if d["status"] != "RUNNING":
                    break
            t1 = time.perf_counter()
            if d["status"] != "SUCCEEDED":
                failures += 1
                first_error = first_error or f"{d['status']}: {d.get('error')}: {d.get('cause')}"
                continue
            if i < warmup:
                continue
            polls += n
            client_ms.append((t1 - t0) * 1000)
            server_ms.append((epoch(d["stopDate"]) - epoch(d["startDate"])) * 1000)
    finally:
        client.close()
    if first_error:
        log(f"{t.name}: {failures} executions did not succeed; first: {first_error}")
    return {"client": summary(client_ms), "server": summary(server_ms), "polls": polls / max(1, len(client_ms)),
            "failures": failures, "started": started}


def sync_latency(t, machine, samples, warmup=20):
    """StartSyncExecution round trips, one at a time."""
    client = Client(t)
    client_ms, server_ms = [], []
    try:
        for i in range(samples + warmup):
            t0 = time.perf_counter()
            d = client.call("StartSyncExecution", {"stateMachineArn": machine[0], "input": CHAIN_INPUT})
            t1 = time.perf_counter()
            if d.get("status") != "SUCCEEDED":
                raise ApiError(f"StartSyncExecution: {d.get('status')}: {d.get('error')}: {d.get('cause')}")
            if i >= warmup:
                client_ms.append((t1 - t0) * 1000)
                server_ms.append((epoch(d["stopDate"]) - epoch(d["startDate"])) * 1000)
    finally:
        client.close()
    return {"client": summary(client_ms), "server": summary(server_ms)}


def invoke_latency(t, samples, warmup=20):
    client = Client(t)
    out = []
    try:
        for i in range(samples + warmup):
            t0 = time.perf_counter()
            body = client.invoke(FUNCTION)
            t1 = time.perf_counter()
            if i == 0 and b"Hello" not in body:
                raise ApiError(f"Invoke answered {body[:200]!r}")
            if i >= warmup:
                out.append((t1 - t0) * 1000)
    finally:
        client.close()
    return summary(out)


def states_entered(t, execution):
    """How many states an execution entered, from its history."""
    client, n, token = Client(t), 0, None
    try:
        while True:
            doc = {"executionArn": execution[0], "maxResults": 1000}
            if token:
                doc["nextToken"] = token
            page = client.call("GetExecutionHistory", doc, execution[1])
            n += sum(1 for e in page["events"] if e["type"].endswith("StateEntered"))
            token = page.get("nextToken")
            if not token:
                return n
    finally:
        client.close()


def one_execution(t, machine, name, doc=CHAIN_INPUT, limit=120.0):
    """Runs one execution to its end (a check that the workload works); its description."""
    client = Client(t)
    try:
        arn = client.start(machine, name, doc)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            d = client.describe(arn)
            if d["status"] != "RUNNING":
                if d["status"] != "SUCCEEDED":
                    raise ApiError(f"{t.name}: {name}: {d['status']}: {d.get('error')}: {d.get('cause')}")
                return arn, d
            time.sleep(0.005)
        raise ApiError(f"{t.name}: {name} still RUNNING after {limit:g} s")
    finally:
        client.close()


def moto_machines(t, first_account, definition, count, role):
    """`count` state machines of one definition, each alone in a moto account of its own
    (moto runs one execution per account: see the docstring)."""
    client = Client(t)
    try:
        return [client.create_machine("bench", definition, role, account=f"{first_account + i:012d}")
                for i in range(count)]
    finally:
        client.close()


def written(pid):
    """Bytes `pid` has caused to be written to the disk (/proc/PID/io write_bytes)."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("write_bytes:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def file_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def workflows_disk(data):
    """workflows.db and its WAL: bytes on disk, and the bytes of the pages SQLite has in use
    (read through a read-only connection, which sees the WAL too)."""
    db = os.path.join(data, "workflows.db")
    sizes = {"db": file_size(db), "wal": file_size(db + "-wal"), "used": None}
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            page = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
            sizes["used"] = (pages - free) * page
        finally:
            conn.close()
    except sqlite3.Error as e:
        log(f"reading workflows.db's page counts: {e}")
    return sizes


def moto_execute_mode(port):
    """Turns on moto's interpreter (else its executions stay RUNNING and do nothing)."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/config", method="POST",
                                 data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode())
    with urllib.request.urlopen(req, timeout=10) as r:
        r.read()


def setup_role(endpoint, key_id, secret):
    """A role trusting states.amazonaws.com, allowed to invoke the function and to use the
    SDK chain's bucket (made here)."""
    import boto3
    from botocore.config import Config

    iam = boto3.client("iam", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key_id,
                       aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}))
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="bench-states", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    grant = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [FUNCTION_ARN, f"{FUNCTION_ARN}:*"]},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
         "Resource": f"arn:aws:s3:::{SDK_BUCKET}/*"}]}
    iam.put_role_policy(RoleName="bench-states", PolicyName="invoke", PolicyDocument=json.dumps(grant))
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=key_id,
                 aws_secret_access_key=secret).create_bucket(Bucket=SDK_BUCKET)
    return role


# --- printing ----------------------------------------------------------------------------

def ms(v):
    return f"{v:.2f}" if v is not None else "-"


def ratio(a, b):
    return f"{a / b:.1f}x" if a and b else "-"


def s3_direct_latency(t, samples, warmup=20):
    """The same three S3 calls as the SDK chain, made by this script's own client, one after
    another: the floor under the Tasks' calls (ms per three)."""
    signer, conn, out = S3Signer(t), Conn(t.port), []
    try:
        for i in range(samples + warmup):
            key = f"/{SDK_BUCKET}/direct-{i}"
            t0 = time.perf_counter()
            put = conn.request(signer.request("PUT", key, b"hello"))[0]
            got = conn.request(signer.request("GET", key))
            gone = conn.request(signer.request("DELETE", key))[0]
            t1 = time.perf_counter()
            if (put, got[0], got[2], gone) != (200, 200, b"hello", 204):
                raise ApiError(f"direct S3 calls answered {put}, {got[0]}, {got[2][:100]!r}, {gone}")
            if i >= warmup:
                out.append((t1 - t0) * 1000)
    finally:
        conn.close()
    return summary(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squall-bin", help="the squall binary to measure (default: build it in release mode)")
    ap.add_argument("--duration", type=float, default=10, help="seconds per throughput run (default 10)")
    ap.add_argument("--samples", type=int, default=300, help="executions per latency measurement (default 300; "
                                                              "moto's stop after DURATION seconds)")
    ap.add_argument("--processes", type=int, default=2, help="client processes in a throughput run (default 2)")
    ap.add_argument("--threads", type=int, default=2, help="threads per client process (default 2)")
    ap.add_argument("--inflight", type=int, default=8, help="executions in flight per thread (default 8)")
    args = ap.parse_args()
    in_flight = args.processes * args.threads * args.inflight

    squall_bin = args.squall_bin or build()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-sfn-")
    squall, moto = None, None
    r = {}
    try:
        log("starting squall and moto's server")
        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        key_id, secret = creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"]
        sq = Target("squall", squall.api_port, key_id, secret, squall.proc.pid)
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mt = Target("moto", moto_port, *MOTO_KEY, moto.pid)
        wait_http(f"http://127.0.0.1:{moto_port}/", 60)
        moto_execute_mode(moto_port)

        log("squall: deploying examples/hello (builds the WebAssembly component)")
        squall.cli("deploy", os.path.join(ROOT, "examples", "hello"))
        role = setup_role(f"http://127.0.0.1:{sq.port}", key_id, secret)
        moto_role = "arn:aws:iam::123456789012:role/bench-states"
        r["rss_idle"] = status_kib(sq.pid, "VmRSS")

        c = Client(sq)
        chain = c.create_machine("chain", pass_chain(CHAIN), role)
        short = c.create_machine("short", pass_chain(3), role)
        tasks = c.create_machine("tasks", task_chain(3), role)
        tasks_express = c.create_machine("tasks-express", task_chain(3), role, "EXPRESS")
        short_express = c.create_machine("short-express", pass_chain(3), role, "EXPRESS")
        sdk_express = c.create_machine("sdk-express", sdk_chain(), role, "EXPRESS")
        c.close()
        arn, _ = one_execution(sq, chain, "check-chain")
        entered = states_entered(sq, arn)
        if entered != CHAIN:
            raise RuntimeError(f"squall: the chain entered {entered} states, not {CHAIN}")
        arn, d = one_execution(sq, tasks, "check-tasks")
        if "Hello, world!" not in (d.get("output") or ""):
            raise RuntimeError(f"squall: the Task chain's output is {d.get('output')!r}")
        task_entered = states_entered(sq, arn)

        # moto: each execution alone in an account of its own (see the docstring). One first,
        # timed, to size its throughput run.
        probe = moto_machines(mt, 100_000_000_000, pass_chain(CHAIN), 1, moto_role)[0]
        t0 = time.perf_counter()
        arn, _ = one_execution(mt, probe, "check-chain")
        moto_one_s = time.perf_counter() - t0
        moto_entered = states_entered(mt, arn)
        # moto runs executions on one core (a Python process: more in flight only lengthens
        # each), so it gets as many executions as it runs in about DURATION, all in flight at
        # once, rather than IN_FLIGHT that it would take minutes to finish.
        moto_pool = max(4, min(in_flight, math.ceil(args.duration / moto_one_s)))
        log(f"moto: a {CHAIN}-state execution alone took {moto_one_s:.2f} s; its throughput run gets "
            f"{moto_pool} executions")
        moto_chains = moto_machines(mt, 200_000_000_000, pass_chain(CHAIN), moto_pool, moto_role)
        moto_shorts = moto_machines(mt, 300_000_000_000, pass_chain(3), args.samples + 5, moto_role)
        pids = [sq.pid, mt.pid]

        settle(pids)
        log(f"squall: {CHAIN}-state Pass chain, {in_flight} in flight, {args.duration:g} s")
        r[("chain", "squall")] = throughput(sq, chain, CHAIN, args, "c")
        r["after_chain"] = workflows_disk(data)
        settle(pids)
        log(f"moto: {CHAIN}-state Pass chain, {moto_pool} executions in flight")
        r[("chain", "moto")] = throughput(mt, moto_chains, CHAIN, args, "c",
                                          drain_limit=max(60.0, 3 * moto_pool * moto_one_s))
        for name, t, machines in (("squall", sq, short), ("moto", mt, moto_shorts)):
            settle(pids)
            log(f"{name}: 3-state Pass latency")
            r[("short", name)] = latency(t, machines, args.samples, args.duration)

        settle(pids)
        log("squall: Lambda Invoke of the function alone")
        r["invoke"] = invoke_latency(sq, args.samples)
        log("squall: 3-Task chain latency (STANDARD)")
        r["tasks"] = latency(sq, tasks, args.samples, 60)
        settle(pids)
        log(f"squall: 3-Task chain, {in_flight} in flight, {args.duration:g} s")
        r["tasks_tp"] = throughput(sq, tasks, task_entered, args, "t")
        settle(pids)
        log("squall: StartSyncExecution, 3 Tasks and 3 Pass states (EXPRESS)")
        r["sync_tasks"] = sync_latency(sq, tasks_express, args.samples * 3)
        r["sync_short"] = sync_latency(sq, short_express, args.samples * 3)
        settle(pids)
        log("squall: StartSyncExecution, 3 S3 calls as aws-sdk Tasks (EXPRESS), and the same calls made directly")
        r["sync_sdk"] = sync_latency(sq, sdk_express, args.samples * 3)
        r["s3_direct"] = s3_direct_latency(sq, args.samples * 3)

        settle(pids)
        r["rss"] = status_kib(sq.pid, "VmRSS")
        r["hwm"] = status_kib(sq.pid, "VmHWM")
        r["moto_rss"] = status_kib(mt.pid, "VmRSS")
        r["disk"] = workflows_disk(data)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    # --- the report ---
    print(f"\nSquall Step Functions vs moto's server ({os.cpu_count()} cores, loopback; the script's own "
          f"SigV4-signing HTTP/1.1 client; moto {moto_version()} with execute_state_machine on)\n")
    print(f"1. Pass chain, STANDARD: {CHAIN} Pass states (Parameters + ResultPath each), {in_flight} executions "
          f"in flight ({args.processes} processes x {args.threads} threads x {args.inflight}), {args.duration:g} s "
          f"of starts;\n   transitions/s = SUCCEEDED executions x states entered ({entered} on squall, "
          f"{moto_entered} on moto, from the history) / (last stopDate - first startDate)\n")
    print(f"    {'':8} | {'transitions/s':>13} {'executions/s':>12} {'executions':>10} {'span s':>6} | "
          f"{'exec ms p50':>11} {'p99':>8} | {'start ms p50':>12} {'p99':>7} | {'failed':>6} | "
          f"{'server CPU':>10} {'client CPU':>10} | {'disk MB/s':>9}")
    for name in ("squall", "moto"):
        x = r[("chain", name)]
        print(chain_line(name, x))
    s, m = r[("chain", "squall")], r[("chain", "moto")]
    print(f"    {'ratio':8} | {ratio(s.get('tps'), m.get('tps')):>13}")
    print(f"    (moto: {moto_pool} executions, all in flight at once, each in its own state machine and account)")
    print("    (exec ms: each execution's stopDate - startDate under this load; start ms: StartExecution's round trip "
          "under it;\n     CPU in cores (the client and the server share the machine); disk: bytes the server "
          "wrote to the disk, /proc/PID/io;")
    print("     polls/exec: " + ", ".join(
        f"{name} {r[('chain', name)]['polls'] / max(1, r[('chain', name)]['started']):.1f}" for name in ("squall", "moto"))
          + ")")

    print(f"\n   3-state Pass workflow, one at a time: StartExecution, then DescribeExecution back to back "
          f"(no sleep) until SUCCEEDED; ms\n   (server = stopDate - startDate, which both keep to the whole "
          f"millisecond: 0.00 is within the same millisecond)\n")
    print(f"    {'':8} | {'client p50':>10} {'p99':>7} {'mean':>7} | {'server p50':>10} {'p99':>7} | "
          f"{'polls/exec':>10} {'samples':>7}")
    for name in ("squall", "moto"):
        x = r[("short", name)]
        print(f"    {name:8} | {ms(x['client']['p50']):>10} {ms(x['client']['p99']):>7} {ms(x['client']['mean']):>7} | "
              f"{ms(x['server']['p50']):>10} {ms(x['server']['p99']):>7} | {x['polls']:10.1f} {x['client']['n']:>7}")
    s, m = r[("short", "squall")], r[("short", "moto")]
    print(f"    {'ratio':8} | {ratio(m['client']['p50'], s['client']['p50']):>10} "
          f"{ratio(m['client']['p99'], s['client']['p99']):>7}   (moto's time / squall's)")

    print(f"\n2. Task chain: 3 Task states calling {FUNCTION} (WebAssembly, examples/hello) as an IAM role; ms\n")
    t = r["tasks"]
    print(f"    STANDARD, StartExecution -> SUCCEEDED, one at a time (DescribeExecution back to back):")
    print(f"        client p50 {ms(t['client']['p50'])}  p99 {ms(t['client']['p99'])}  mean {ms(t['client']['mean'])}"
          f"  | server stopDate-startDate p50 {ms(t['server']['p50'])}  p99 {ms(t['server']['p99'])}"
          f"  | {t['polls']:.1f} polls/exec, {t['client']['n']} samples")
    x = r["tasks_tp"]
    print(f"    STANDARD, {in_flight} in flight, {args.duration:g} s ({task_entered} states entered each):")
    print(f"        {x.get('tps', 0):,.0f} transitions/s, {x.get('eps', 0):.0f} executions/s, exec ms p50 "
          f"{ms(x.get('duration', {}).get('p50'))} p99 {ms(x.get('duration', {}).get('p99'))}, "
          f"StartExecution ms p50 {ms(x['start_ms']['p50'])} p99 {ms(x['start_ms']['p99'])}, "
          f"{x['failed']} failed,\n        server CPU {x['server_cpu']:.2f}, client CPU {x['client_cpu']:.2f}, "
          f"disk {x['written'] / x['wall'] / 1e6:.0f} MB/s")
    for label, key in (("EXPRESS, StartSyncExecution, 3 Tasks", "sync_tasks"),
                       ("EXPRESS, StartSyncExecution, 3 Pass states", "sync_short")):
        y = r[key]
        print(f"    {label}: client p50 {ms(y['client']['p50'])}  p99 {ms(y['client']['p99'])}  mean "
              f"{ms(y['client']['mean'])}  | server p50 {ms(y['server']['p50'])}  p99 {ms(y['server']['p99'])}"
              f"  ({y['client']['n']} samples)")
    inv = r["invoke"]
    print(f"    Lambda Invoke of {FUNCTION} alone (one Task's call, through the api port): p50 {ms(inv['p50'])}  "
          f"p99 {ms(inv['p99'])}  mean {ms(inv['mean'])}")
    print("    moto: n/a (it invokes Lambda functions only in Docker, which cannot run a WebAssembly component; "
          "it has no StartSyncExecution)")

    y, d = r["sync_sdk"], r["s3_direct"]
    print("\n   AWS SDK integration: 3 Task states aws-sdk:s3:putObject, getObject, deleteObject (each a rest-xml "
          "request made from the Task's parameters, sent in-process as the machine's role, its answer read back)")
    print(f"    EXPRESS, StartSyncExecution: client p50 {ms(y['client']['p50'])}  p99 {ms(y['client']['p99'])}  "
          f"mean {ms(y['client']['mean'])}  | server p50 {ms(y['server']['p50'])}  p99 {ms(y['server']['p99'])}"
          f"  ({y['client']['n']} samples)")
    print(f"    the same 3 S3 calls made directly by this client (signed, keep-alive): p50 {ms(d['p50'])}  "
          f"p99 {ms(d['p99'])}  mean {ms(d['mean'])}")
    print("    moto: n/a (it runs no AWS SDK integration)")

    print("\n3. memory and disk (squall)\n")
    disk = r["disk"]
    # Every STANDARD execution squall was asked to start: the two checks and the runs.
    standard = 2 + sum(r[k]["started"] for k in (("chain", "squall"), ("short", "squall"), "tasks", "tasks_tp"))
    total = disk["db"] + disk["wal"]
    print(f"    RSS: {r['rss_idle'] / 1024:.0f} MiB idle after the deploy, {r['rss'] / 1024:.0f} MiB after the runs "
          f"(peak {r['hwm'] / 1024:.0f} MiB); moto's server: {r['moto_rss'] / 1024:.0f} MiB after its runs")
    print(f"    workflows.db {disk['db'] / 2**20:.1f} MiB + -wal {disk['wal'] / 2**20:.1f} MiB = {total / 2**20:.1f} MiB "
          f"for {standard} STANDARD executions: {total / standard / 1024:.1f} KiB per execution"
          + (f" (pages in use {disk['used'] / 2**20:.1f} MiB, {disk['used'] / standard / 1024:.1f} KiB per execution)"
             if disk["used"] else ""))
    x = r[("chain", "squall")]
    print(f"    the {CHAIN}-state chain run wrote {x['written'] / 1e6:.0f} MB to the disk, "
          f"{x['written'] / max(1, x['started']) / 1024:.0f} KiB per execution (the WAL, then the checkpoints "
          f"copying it into workflows.db)")
    after = r["after_chain"]
    chain_n = r[("chain", "squall")]["started"] + 1
    if after["used"]:
        print(f"    after the {CHAIN}-state chain run alone: pages in use {after['used'] / 2**20:.1f} MiB for {chain_n} "
              f"executions, {after['used'] / chain_n / 1024:.1f} KiB per {CHAIN}-state execution "
              f"({after['used'] / chain_n / (2 * CHAIN + 2):.0f} bytes per history event)")

    print("\ntargets")
    tps = r[("chain", "squall")].get("tps", 0)
    print(f"    {CHAIN}-state Pass chain >= {TRANSITIONS_TARGET:,} transitions/s: "
          f"{'met' if tps >= TRANSITIONS_TARGET else 'NOT met'} ({tps:,.0f}/s)")
    p50 = r["tasks"]["client"]["p50"]
    print(f"    3 Tasks, StartExecution -> SUCCEEDED p50 <= {TASK_P50_TARGET_MS:g} ms: "
          f"{'met' if p50 is not None and p50 <= TASK_P50_TARGET_MS else 'NOT met'} ({ms(p50)} ms)")
    p50 = r["sync_tasks"]["client"]["p50"]
    print(f"    3 Tasks, EXPRESS StartSyncExecution p50 <= {SYNC_P50_TARGET_MS:g} ms: "
          f"{'met' if p50 is not None and p50 <= SYNC_P50_TARGET_MS else 'NOT met'} ({ms(p50)} ms)")


def chain_line(name, x):
    if not x.get("executions"):
        return f"    {name:8} | n/a: no execution succeeded ({x.get('first_error')})"
    d = x["duration"]
    st = x["start_ms"]
    return (f"    {name:8} | {x['tps']:13,.0f} {x['eps']:12.1f} {x['executions']:10} {x['span']:6.2f} | "
            f"{ms(d['p50']):>11} {ms(d['p99']):>8} | {ms(st['p50']):>12} {ms(st['p99']):>7} | {x['failed']:6} | "
            f"{x['server_cpu']:10.2f} {x['client_cpu']:10.2f} | {x['written'] / x['wall'] / 1e6:9.1f}")


def moto_version():
    try:
        from importlib.metadata import version
        return version("moto")
    except Exception:  # noqa: BLE001
        return "?"


if __name__ == "__main__":
    main()
