#!/usr/bin/env python3
"""Benchmark of Squall's two storage backends: the embedded one (SQLite in the data
directory) against PostgreSQL (`squall server --store postgres://...`), in the same run.

Prints, for each backend, operations per second and p50/p99 latency over loopback from the
same native load generators (`squall-bench ddb` and `squall-bench sqs`, SigV4-signing, one
thread), with the PostgreSQL/embedded ratio:
  - DynamoDB PutItem and GetItem on a table loaded with 2,000 items (`ddb put`, `ddb get`,
    as bench/dynamodb.py), CONNECTIONS keep-alive connections, closed loop;
  - SQS send-receive-delete cycles, one message at a time and in batches of ten (`sqs single`,
    `sqs batch`, as bench/sqs.py), on one standard queue.
Each backend runs on a fresh server; PostgreSQL is a throwaway server of its own (initdb and
pg_ctl on a free loopback port, run as the `postgres` user when this runs as root) with its
default settings: `fsync` and `synchronous_commit` on, so a commit survives power loss, where
the embedded backend's NORMAL synchronisation survives a crash of the process.
Then the same cases against two Squall servers on that one database (each with a data
directory of its own, the second given the first's key), the connections split between
them and run at once: the figure is their sum, the latencies the worse of the two, with the
two-server/one-server ratio. On this machine all of it (both servers, PostgreSQL and the
load generators) shares the same cores, so the ratio says what coordination costs rather
than what a second machine would add.
Memory and disk per message of the embedded backend: bench/footprint.py.

Usage: python3 bench/backends.py [--duration S] [--connections N] [--squall-bin PATH --bench-bin PATH]
"""

import argparse
import configparser
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import Target, build, create_table, settle  # noqa: E402
from sqs import create_queue, sqs  # noqa: E402
from wasm_http import Squall, free_port, log  # noqa: E402

CASES = [("PutItem", "ddb", "put"), ("GetItem", "ddb", "get"),
         ("SQS cycle, one message", "sqs", "single"), ("SQS cycle, batches of 10", "sqs", "batch")]


class Postgres:
    """A throwaway PostgreSQL server in a temporary directory."""

    def __init__(self):
        self.bin = self.find_bin()
        self.tmp = tempfile.mkdtemp(prefix="squall-bench-pg-")
        self.port = free_port()
        self.user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.user:
            subprocess.run(["chown", "postgres:", self.tmp], check=True)
        data = os.path.join(self.tmp, "data")
        self.pg("initdb", "-D", data, "-U", "squall", "--auth=trust", "-E", "UTF8")
        self.pg("pg_ctl", "-D", data, "-l", os.path.join(self.tmp, "log"), "-w", "start",
                "-o", f"-p {self.port} -k {self.tmp} -c listen_addresses=127.0.0.1")
        self.data = data

    @staticmethod
    def find_bin():
        on_path = shutil.which("initdb")
        if on_path:
            return os.path.dirname(on_path)
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            sys.exit("PostgreSQL's initdb is missing: scripts/setup.sh installs it")
        return os.path.dirname(found[-1])

    def pg(self, program, *args):
        subprocess.run([*self.user, os.path.join(self.bin, program), *args], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.tmp)

    def database(self, name):
        psql = shutil.which("psql") or os.path.join(self.bin, "psql")
        subprocess.run([psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "squall", "-d", "postgres",
                        "-c", f'CREATE DATABASE "{name}"'], check=True, stdout=subprocess.DEVNULL)
        return f"postgres://squall@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self.pg("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.tmp, ignore_errors=True)


def measure(name, binary, bench, extra, duration, connections):
    tmp = tempfile.mkdtemp(prefix=f"squall-bench-backends-{name}-")
    server = Squall(binary, os.path.join(tmp, "data"), extra).start()
    try:
        creds = configparser.ConfigParser()
        creds.read(os.path.join(tmp, "data", "credentials"))
        t = Target(name, f"http://127.0.0.1:{server.api_port}",
                   creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"])
        create_table(t.endpoint, t.key_id, t.secret)
        t.ddb(bench, "load", 8)
        url = create_queue(t)
        out = {}
        for label, tool, op in CASES:
            settle([server.proc.pid])
            log(f"{name}: {label}, {connections} connections, {duration:g} s")
            if tool == "ddb":
                r = t.ddb(bench, op, connections, duration)
                out[label] = {"rate": r["rps"], "p50": r["p50"], "p99": r["p99"],
                              "errors": r["errors"]}
            else:
                r = sqs(t, bench, url, op, connections, duration)
                out[label] = {"rate": r["rate"], "p50": r["p50"], "p99": r["p99"], "errors": r["errors"]}
        return out
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def measure_two(binary, bench, url, duration, connections):
    """The cases against two servers on database `url`, `connections` split between them."""
    tmp = tempfile.mkdtemp(prefix="squall-bench-backends-two-")
    a_dir, b_dir = os.path.join(tmp, "a"), os.path.join(tmp, "b")
    servers = [Squall(binary, a_dir, ["--store", url]).start()]
    try:
        os.makedirs(os.path.join(b_dir, "keys"))
        shutil.copy(os.path.join(a_dir, "keys", "params.key"), os.path.join(b_dir, "keys", "params.key"))
        servers.append(Squall(binary, b_dir, ["--store", url]).start())
        creds = configparser.ConfigParser()
        creds.read(os.path.join(a_dir, "credentials"))
        key = (creds["squall"]["aws_access_key_id"], creds["squall"]["aws_secret_access_key"])
        targets = [Target(f"two/{n}", f"http://127.0.0.1:{s.api_port}", *key) for n, s in zip("ab", servers)]
        create_table(targets[0].endpoint, *key)
        targets[0].ddb(bench, "load", 8)
        url_q = create_queue(targets[0])
        time.sleep(1)  # the other server sees the new table and queue within a moment
        split = [connections - connections // 2, connections // 2]
        out = {}
        for label, tool, op in CASES:
            settle([s.proc.pid for s in servers])
            log(f"two servers: {label}, {split[0]}+{split[1]} connections, {duration:g} s")
            got = [None, None]

            def run(i):
                t = targets[i]
                if tool == "ddb":
                    r = t.ddb(bench, op, split[i], duration)
                    got[i] = {"rate": r["rps"], "p50": r["p50"], "p99": r["p99"], "errors": r["errors"]}
                else:
                    got[i] = sqs(t, bench, url_q, op, split[i], duration)

            threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            if None in got:
                raise RuntimeError(f"two servers: {label} failed (see the log)")
            out[label] = {"rate": got[0]["rate"] + got[1]["rate"], "p50": max(g["p50"] for g in got),
                          "p99": max(g["p99"] for g in got), "errors": got[0]["errors"] + got[1]["errors"]}
        return out
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=float, default=10, help="seconds per run (default 10)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections (default 8)")
    ap.add_argument("--squall-bin")
    ap.add_argument("--bench-bin")
    args = ap.parse_args()
    if args.squall_bin and args.bench_bin:
        squall_bin, bench = args.squall_bin, args.bench_bin
    else:
        squall_bin, bench = build()
    pg = Postgres()
    try:
        results = {
            "embedded": measure("embedded", squall_bin, bench, [], args.duration, args.connections),
            "postgres": measure("postgres", squall_bin, bench, ["--store", pg.database("bench")],
                                args.duration, args.connections),
            "two": measure_two(squall_bin, bench, pg.database("two"), args.duration, args.connections),
        }
    finally:
        pg.stop()
    print(f"\nSquall on the embedded backend vs on PostgreSQL ({os.cpu_count()} cores, loopback, one server, "
          f"PostgreSQL on the same machine, {args.connections} connections, closed loop, {args.duration:g} s per run)\n")
    print(f"    {'':26} | {'embedded ops/s':>14} {'p50 us':>8} {'p99 us':>8} {'err':>4} | "
          f"{'postgres ops/s':>14} {'p50 us':>8} {'p99 us':>8} {'err':>4} | {'pg/emb':>7}")
    for label, _, _ in CASES:
        e, p = results["embedded"][label], results["postgres"][label]
        ratio = p["rate"] / e["rate"] if e["rate"] else float("nan")
        print(f"    {label:26} | {e['rate']:14.0f} {e['p50']:8} {e['p99']:8} {e['errors']:4} | "
              f"{p['rate']:14.0f} {p['p50']:8} {p['p99']:8} {p['errors']:4} | {ratio:6.2f}x")
    print("\n    SQS figures are messages/s (a message counts once deleted); DynamoDB figures are requests/s.")
    print(f"\nOne server vs two servers on one PostgreSQL (the {args.connections} connections split between them)\n")
    print(f"    {'':26} | {'1 server ops/s':>14} {'p50 us':>8} {'p99 us':>8} | "
          f"{'2 servers ops/s':>15} {'p50 us':>8} {'p99 us':>8} {'err':>4} | {'2/1':>6}")
    for label, _, _ in CASES:
        one, two = results["postgres"][label], results["two"][label]
        ratio = two["rate"] / one["rate"] if one["rate"] else float("nan")
        print(f"    {label:26} | {one['rate']:14.0f} {one['p50']:8} {one['p99']:8} | "
              f"{two['rate']:15.0f} {two['p50']:8} {two['p99']:8} {two['errors']:4} | {ratio:5.2f}x")


if __name__ == "__main__":
    main()
