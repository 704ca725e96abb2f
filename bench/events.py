#!/usr/bin/env python3
"""Benchmark of Squall's event buses: PutEvents -> queue delivered, beside moto's server.

Prints, in one run on this machine, for a bus holding 1, 100 and 1,000 rules (each on its own
`source`, each with its own queue target; the measured event matches exactly one):
  - latency: PutEvents to a long poll already waiting on the matched rule's queue, one event at
    a time, p50/p99/mean (boto3, keep-alive);
  - throughput: PutEvents calls/s of one event each from 4 threads, with p50/p99 per call
    (every matched event is durably in its queue before the answer on Squall; moto keeps
    messages in memory).
Then, on Squall alone, 10,000 scheduled rules due in the same minute on a `--dev` server
(`squall clock advance`): the time until all 10,000 firings sit in their queue; and the same
for 10,000 EventBridge Scheduler schedules (each firing acting as the target's IAM role).

Targets (issue 17): with 1,000 rules, PutEvents -> delivery p50 <= 5 ms; >= 20x moto's
PutEvents throughput; 10,000 schedules due at once all fired within 10 s.

Usage: python3 bench/events.py [--samples N] [--duration S] [--schedules N] [--schedules-only]
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import moto_command, settle  # noqa: E402
from lambda_process import pct  # noqa: E402
from wasm_http import Squall, free_port, log, run, wait_http  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULE_COUNTS = (1, 100, 1000)


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall")


def clients(endpoint, key_id, secret):
    import boto3
    from botocore.config import Config

    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
              aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, max_pool_connections=8))
    return boto3.client("events", **kw), boto3.client("sqs", **kw)


def summary(samples):
    return {"p50": pct(samples, 0.5), "p99": pct(samples, 0.99), "mean": sum(samples) / len(samples), "n": len(samples)}


def add_rules(events, sqs, first, count, queue_arn):
    """Rules `r<i>` on source `src.<i>`, each targeting the queue."""
    for i in range(first, first + count):
        events.put_rule(Name=f"r{i}", EventPattern=json.dumps({"source": [f"src.{i}"]}))
        events.put_targets(Rule=f"r{i}", Targets=[{"Id": "q", "Arn": queue_arn}])


def latency(events, sqs, url, source, samples):
    out = []
    for i in range(samples + 5):
        box = {}

        def receive():
            box["r"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
            box["t"] = time.perf_counter()

        poller = threading.Thread(target=receive)
        poller.start()
        time.sleep(0.01)  # the long poll is waiting
        t0 = time.perf_counter()
        events.put_events(Entries=[{"Source": source, "DetailType": "bench", "Detail": json.dumps({"i": i})}])
        poller.join()
        msgs = box["r"].get("Messages", [])
        if not msgs:
            raise RuntimeError("an event did not arrive within 5 s")
        out.append((box["t"] - t0) * 1000)
        for m in msgs:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return out[5:]


def throughput(endpoint, key_id, secret, source, seconds, threads=4):
    lat, lock = [], threading.Lock()
    stop = time.time() + seconds

    def worker():
        ev, _ = clients(endpoint, key_id, secret)
        mine = []
        while time.time() < stop:
            t0 = time.perf_counter()
            ev.put_events(Entries=[{"Source": source, "DetailType": "bench", "Detail": "{}"}])
            mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            lat.extend(mine)

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    s = summary(lat)
    s["ops"] = len(lat) / seconds
    return s


def schedules(squall_bin, tmp, count):
    """10,000 rules due in the same minute: seconds from the clock's advance until all fired."""
    data = os.path.join(tmp, "sched")
    squall = Squall(squall_bin, data, ["--dev"]).start()
    try:
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        key_id, secret = creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"]
        endpoint = f"http://127.0.0.1:{squall.api_port}"
        events, sqs = clients(endpoint, key_id, secret)
        url = sqs.create_queue(QueueName="fired")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:000000000000:fired"
        log(f"creating {count} scheduled rules")
        lock = threading.Lock()
        next_i = [0]

        def creator():
            ev, _ = clients(endpoint, key_id, secret)
            while True:
                with lock:
                    i = next_i[0]
                    next_i[0] += 1
                if i >= count:
                    return
                ev.put_rule(Name=f"s{i}", ScheduleExpression="rate(1 hour)")
                ev.put_targets(Rule=f"s{i}", Targets=[{"Id": "q", "Arn": arn}])

        ts = [threading.Thread(target=creator) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        settle([squall.proc.pid])
        t0 = time.perf_counter()
        squall.cli("clock", "advance", "61m")
        deadline = time.time() + 120
        while time.time() < deadline:
            n = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                    ["Attributes"]["ApproximateNumberOfMessages"])
            if n >= count:
                return time.perf_counter() - t0, n
            time.sleep(0.05)
        return None, n
    finally:
        squall.stop()


def scheduler_schedules(squall_bin, tmp, count):
    """EventBridge Scheduler schedules all due at one moment: seconds from the clock's advance
    until all fired."""
    import boto3
    from botocore.config import Config

    data = os.path.join(tmp, "scheduler")
    squall = Squall(squall_bin, data, ["--dev"]).start()
    try:
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        key_id, secret = creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"]
        endpoint = f"http://127.0.0.1:{squall.api_port}"
        kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
                  aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, max_pool_connections=8))
        _, sqs = clients(endpoint, key_id, secret)
        iam = boto3.client("iam", **kw)
        url = sqs.create_queue(QueueName="fired")["QueueUrl"]
        arn = "arn:aws:sqs:us-east-1:000000000000:fired"
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "scheduler.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        role = iam.create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        grant = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arn}]}
        iam.put_role_policy(RoleName="bench", PolicyName="send", PolicyDocument=json.dumps(grant))
        start = time.time() + 1800
        log(f"creating {count} schedules")
        lock = threading.Lock()
        next_i = [0]

        def creator():
            sc = boto3.client("scheduler", **kw)
            while True:
                with lock:
                    i = next_i[0]
                    next_i[0] += 1
                if i >= count:
                    return
                sc.create_schedule(Name=f"s{i}", ScheduleExpression="rate(1 hour)", StartDate=start,
                                   FlexibleTimeWindow={"Mode": "OFF"}, Target={"Arn": arn, "RoleArn": role})

        ts = [threading.Thread(target=creator) for _ in range(8)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        settle([squall.proc.pid])
        t0 = time.perf_counter()
        squall.cli("clock", "advance", "31m")
        deadline = time.time() + 120
        n = 0
        while time.time() < deadline:
            n = int(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
                    ["Attributes"]["ApproximateNumberOfMessages"])
            if n >= count:
                return time.perf_counter() - t0, n
            time.sleep(0.05)
        return None, n
    finally:
        squall.stop()


def print_fired(what, count, fired):
    secs, n = fired
    if secs is None:
        print(f"    {count} {what} due at once: only {n} fired within 120 s: NOT met")
    else:
        print(f"    {count} {what} due at once, all fired in {secs:.2f} s: {'met' if secs <= 10 else 'NOT met'} (<= 10 s)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=200, help="events per latency measurement (default 200)")
    ap.add_argument("--duration", type=float, default=5.0, help="seconds per throughput measurement (default 5)")
    ap.add_argument("--schedules", type=int, default=10_000, help="scheduled rules due at once (default 10000)")
    ap.add_argument("--schedules-only", action="store_true", help="only the schedules due at once, without moto")
    args = ap.parse_args()

    squall_bin = build()
    if args.schedules_only:
        tmp = tempfile.mkdtemp(prefix="squall-bench-events-")
        try:
            rules = schedules(squall_bin, tmp, args.schedules)
            scheduler = scheduler_schedules(squall_bin, tmp, args.schedules)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        print("\nSquall: schedules due at once (--dev server, squall clock advance)\n")
        print_fired("scheduled rules", args.schedules, rules)
        print_fired("EventBridge Scheduler schedules", args.schedules, scheduler)
        return
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-events-")
    squall, moto = None, None
    results = {}
    try:
        log("starting squall and moto's server")
        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        key_id, secret = creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"]
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{moto_port}/", 60)
        servers = {
            "squall": (f"http://127.0.0.1:{squall.api_port}", key_id, secret),
            "moto": (f"http://127.0.0.1:{moto_port}", "AKIABENCHMARK0000000", "bench-secret"),
        }
        state = {}
        for name, (ep, kid, sec) in servers.items():
            ev, q = clients(ep, kid, sec)
            url = q.create_queue(QueueName="matched")["QueueUrl"]
            sink = q.create_queue(QueueName="others")["QueueUrl"]
            state[name] = (ev, q, url, sink, 0)
        for count in RULE_COUNTS:
            for name, (ep, kid, sec) in servers.items():
                ev, q, url, sink, have = state[name]
                # The rule measured is r0 (to `matched`); the others go to `others`.
                if have == 0:
                    add_rules(ev, q, 0, 1, "arn:aws:sqs:us-east-1:000000000000:matched")
                    have = 1
                log(f"{name}: {count} rules")
                add_rules(ev, q, have, count - have, "arn:aws:sqs:us-east-1:000000000000:others")
                state[name] = (ev, q, url, sink, count)
                settle([squall.proc.pid, moto.pid])
                lat = summary(latency(ev, q, url, "src.0", args.samples))
                # Throughput of events each matching one rule (the middle one) among `count`.
                thr = throughput(ep, kid, sec, f"src.{count // 2}", args.duration)
                # What it delivered must not meet the next latency run's long poll.
                q.purge_queue(QueueUrl=url)
                q.purge_queue(QueueUrl=sink)
                results.setdefault(count, {})[name] = (lat, thr)
        log(f"squall: {args.schedules} schedules due at once")
        fired = schedules(squall_bin, tmp, args.schedules)
        fired_scheduler = scheduler_schedules(squall_bin, tmp, args.schedules)
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nSquall event buses: PutEvents ({os.cpu_count()} cores, loopback, boto3 keep-alive; ms)\n")
    print(f"    {'rules':>6} | {'':8} | {'deliver p50':>11} {'p99':>7} | {'PutEvents/s':>11} {'p50':>7} {'p99':>7}")
    for count, row in results.items():
        for name, (lat, thr) in row.items():
            print(f"    {count:>6} | {name:8} | {lat['p50']:11.2f} {lat['p99']:7.2f} | {thr['ops']:11.0f} {thr['p50']:7.2f} {thr['p99']:7.2f}")
        ratio = row["squall"][1]["ops"] / row["moto"][1]["ops"]
        print(f"    {'':>6} | {'ratio':8} | {row['moto'][0]['p50'] / row['squall'][0]['p50']:10.1f}x {'':7} | {ratio:10.1f}x")
    p50 = results[1000]["squall"][0]["p50"]
    ratio = results[1000]["squall"][1]["ops"] / results[1000]["moto"][1]["ops"]
    print(f"\n    1,000 rules, PutEvents -> delivery p50 <= 5 ms: {'met' if p50 <= 5 else 'NOT met'} ({p50:.2f} ms)")
    print(f"    1,000 rules, >= 20x moto's PutEvents/s: {'met' if ratio >= 20 else 'NOT met'} ({ratio:.1f}x)")
    print_fired("scheduled rules", args.schedules, fired)
    print_fired("EventBridge Scheduler schedules", args.schedules, fired_scheduler)


if __name__ == "__main__":
    main()
