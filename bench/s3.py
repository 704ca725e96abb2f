#!/usr/bin/env python3
"""Benchmark of Squall's S3 API (REST, path-style, on the api port) against moto's server.

Prints, in one run on this machine, beside moto's server (`moto_server`, the usual local S3
stand-in) measured with the same clients and workload, with the ratio:
  - small objects: PutObject and GetObject of 1 KiB objects, ops/s and p50/p99 latency, and
    PutObject into a bucket with versioning enabled (each PUT a new version: Squall reads the
    current version and moves it aside in the same store write).
    Closed loop: CONNECTIONS keep-alive connections spread over PROCESSES client processes
    (a thread per connection), each running requests back to back for DURATION seconds.
    The client is this script: a bare HTTP/1.1 client over sockets (http.client costs about
    1.7 times as much per request) that SigV4-signs every request as it sends it (service `s3`,
    `x-amz-content-sha256` the SHA-256 of the body, hashed per request; only the day's
    signing key is derived once, as the SDKs do). `put` writes fresh keys; `get` reads
    random keys the put run wrote and checks every body byte for byte. Latency is from
    sending the signed request to reading its answer's last byte. An object Squall
    acknowledges survives kill -9 (objects up to 64 KiB live in their record in SQLite,
    larger ones in a blob file fsynced with its directory before the answer); moto keeps
    objects in memory.
  - large objects: PutObject of a LARGE_MIB object (random bytes held once in memory,
    sent in 1 MiB slices, `x-amz-content-sha256: UNSIGNED-PAYLOAD`, so the client hashes
    nothing) and GetObject of it (read in 1 MiB chunks, each compared with what was sent,
    then dropped), ROUNDS times each, overwriting the same key; MB/s (10^6 bytes) best and
    mean. The ETag of both must be the body's MD5. The GET follows the PUT, so it is served
    from the page cache. moto keeps objects in memory; when it fails, that is reported and
    the run goes on.
  - memory: the servers' peak RSS during the large PUT and GET (VmRSS sampled every 50 ms,
    and VmHWM when the process's high-water mark rose during the transfer). With
    --huge-gib N, an N GiB object is also PUT to Squall alone (the same buffer sent again
    and again) and read back, with the peak RSS of each and the MB/s.
While the small-object runs go, the client's and the servers' CPU time is measured too: the
client shares the machine with the server, so a client near its share of the cores means
the figure is the client's, not the server's.

Targets (the issue's): small objects >= 20x moto's ops/s (PUT and GET); large GET >= 1 GB/s
from the page cache; peak RSS during a 5 GiB upload <= 100 MiB (measured with --huge-gib 5;
without it the large PUT's peak is shown as an indication).

Notes on the peer: moto's server (werkzeug) answers HTTP/1.0 and closes every connection,
so the client opens one per request there (it says so on stderr).

Usage: python3 bench/s3.py [--squall-bin PATH] [--duration S] [--connections N] [--processes P]
                           [--large-mib M] [--large-rounds R] [--huge-gib G]
Without --squall-bin it builds Squall in release mode and uses target/release/squall.
Installs moto's server with pip (`moto[server]`) when it is missing.
"""

import argparse
import configparser
import hashlib
import hmac
import http.client
import math
import multiprocessing
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dynamodb import cpu_ticks, moto_command, settle  # noqa: E402
from wasm_http import ROOT, Squall, free_port, log, run, wait_http  # noqa: E402

REGION = "us-east-1"
BUCKET = "bench"
VBUCKET = "bench-versioned"
SMALL = 1024  # bytes per small object
CHUNK = 1 << 20  # the large transfers' slice
MIB = 1 << 20
SMALL_TARGET = 20.0  # times moto's ops/s, PUT and GET
GET_TARGET_MBS = 1000.0  # large GET, MB/s (1 GB/s), from the page cache
RSS_TARGET_MIB = 100  # peak RSS during a 5 GiB upload
RSS_TARGET_GIB = 5
SMALL_OPS = ["put", "get", "vput", "sput", "kput"]
NAMES = {"put": "PutObject", "get": "GetObject", "vput": "PutObject, versioned", "sput": "PutObject, SSE-S3",
         "kput": "PutObject, SSE-KMS"}
SSE_KINDS = ("sse-s3", "sse-c", "sse-kms")
SSE_C_KEY = bytes(range(32))
ENCRYPTION_TARGET = 0.85  # encrypted large-object throughput, at least this share of plain
TARGET_OPS = ["put", "get"]  # the ops the small-object target names
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
SAFE_PATH = re.compile(r"[A-Za-z0-9/._~-]*")
HEADER = re.compile(rb"\r\n([^:\r\n]+):[ \t]*([^\r\n]*?)[ \t]*(?=\r\n)")


def build():
    run([os.path.join(ROOT, "scripts", "setup.sh")])
    log("building squall (release)")
    run(["cargo", "build", "--release", "--quiet", "-p", "squall"], cwd=ROOT)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "squall")


class Target:
    """One server under test: where it listens and the key requests are signed with."""

    def __init__(self, name, port, key_id, secret, pid):
        self.name, self.port, self.key_id, self.secret, self.pid = name, port, key_id, secret, pid
        self.host = f"127.0.0.1:{port}"


def uri_path(path):
    """`path` URI-encoded as S3 signs it (once; `/` kept)."""
    return path if SAFE_PATH.fullmatch(path) else urllib.parse.quote(path, safe="/-_.~")


class Signer:
    """SigV4 for S3 (header auth, signed headers host, x-amz-content-sha256, x-amz-date).
    Every request gets its own signature; only the day's signing key is kept."""

    def __init__(self, t):
        self.host, self.key_id, self.secret = t.host, t.key_id, t.secret
        self.second, self.amz_date, self.day, self.key = None, None, None, None

    def _clock(self):
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
            if self.amz_date[:8] != self.day:
                self.day = self.amz_date[:8]
                k = ("AWS4" + self.secret).encode()
                for part in (self.day, REGION, "s3", "aws4_request"):
                    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
                self.key = k
        return self.amz_date

    def headers(self, method, path, payload_hash, query="", extra=()):
        """The signed headers of a request for `path` (already URI-encoded; `query` canonical),
        in order, with `extra` (lower-case name, value) pairs signed too."""
        amz_date = self._clock()
        scope = f"{self.day}/{REGION}/s3/aws4_request"
        signed = sorted([("host", self.host), ("x-amz-content-sha256", payload_hash), ("x-amz-date", amz_date),
                         *extra])
        names = ";".join(k for k, _ in signed)
        lines = "".join(f"{k}:{v}\n" for k, v in signed)
        canonical = f"{method}\n{path}\n{query}\n{lines}\n{names}\n{payload_hash}"
        to_sign = f"AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.digest(self.key, to_sign.encode(), "sha256").hex()
        return [*signed, ("authorization", f"AWS4-HMAC-SHA256 Credential={self.key_id}/{scope}, "
                                           f"SignedHeaders={names}, Signature={signature}")]

    def request(self, method, path, body=b"", query="", extra=()):
        """The whole signed request, as bytes, with the SHA-256 of `body`; `query` is in
        canonical form (`versioning=`); `extra` headers are signed too."""
        path = uri_path(path)
        lines = [f"{method} {path}{'?' + query if query else ''} HTTP/1.1"]
        payload = hashlib.sha256(body).hexdigest()
        lines += [f"{k}: {v}" for k, v in self.headers(method, path, payload, query, extra)]
        if body or method in ("PUT", "POST"):
            lines.append(f"content-length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Closed(Exception):
    """The server closed the connection before answering."""


class Conn:
    """One HTTP/1.1 keep-alive connection over a bare socket, reopened when the server
    closes it. Reads Content-Length, chunked and read-to-close bodies."""

    def __init__(self, port, timeout=30.0):
        self.port, self.timeout = port, timeout
        self.sock, self.buf, self.opened = None, b"", 0

    def close(self):
        if self.sock:
            self.sock.close()
        self.sock, self.buf = None, b""

    def request(self, data, head=False):
        """Sends `data`, a whole request; its status, headers (lowercase names) and body.
        A request on a kept-alive connection the server had closed is sent again, once, on
        a new one."""
        for _ in range(2):
            fresh = self.sock is None
            if fresh:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.opened += 1
            try:
                self.sock.sendall(data)
                status, headers, body, keep = self._response(head)
            except (Closed, ConnectionResetError, BrokenPipeError):
                self.close()
                if fresh:
                    raise
                continue
            except BaseException:
                self.close()
                raise
            if not keep:
                self.close()
            return status, headers, body
        raise Closed("the server keeps closing its connections")

    def _recv(self):
        more = self.sock.recv(262144)
        if not more:
            raise Closed("the server closed the connection")
        self.buf += more

    def _response(self, head):
        while (end := self.buf.find(b"\r\n\r\n")) < 0:
            self._recv()
        raw = self.buf[:end + 2].lower()
        self.buf = self.buf[end + 4:]
        status = int(raw[9:12])
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in HEADER.findall(raw)}
        conn = headers.get("connection", "")
        keep = conn != "close" and (raw.startswith(b"http/1.1") or conn == "keep-alive")
        if head or status in (204, 304) or 100 <= status < 200:
            return status, headers, b"", keep
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                while (nl := self.buf.find(b"\r\n")) < 0:
                    self._recv()
                size = int(self.buf[:nl].split(b";")[0], 16)
                while len(self.buf) < nl + 2 + size + 2:
                    self._recv()
                body += self.buf[nl + 2:nl + 2 + size]
                self.buf = self.buf[nl + 2 + size + 2:]
                if size == 0:
                    while not self.buf.startswith(b"\r\n") and (t := self.buf.find(b"\r\n\r\n")) < 0:
                        self._recv()
                    self.buf = self.buf[2:] if self.buf.startswith(b"\r\n") else self.buf[t + 4:]
                    return status, headers, body, keep
        if "content-length" in headers:
            n = int(headers["content-length"])
            while len(self.buf) < n:
                self._recv()
            body, self.buf = self.buf[:n], self.buf[n:]
            return status, headers, body, keep
        while True:  # no length: the body ends with the connection
            more = self.sock.recv(262144)
            if not more:
                body, self.buf = self.buf, b""
                return status, headers, body, False
            self.buf += more


def small_body(key):
    """The 1 KiB body stored under `key` (it names the key, so a mixed-up answer shows)."""
    return f"{key}\n".encode().ljust(SMALL, b".")


def small_worker(index, threads, op, t, start_at, seconds, keys, out):
    """One client process of a small-object run: `threads` connections, closed loop."""
    stats = []

    def loop(n):
        conn, signer = Conn(t.port), Signer(t)
        prefix = f"small/{index}-{n}-"
        done, errors, first_error, samples, stored = 0, 0, None, [], 0
        rng = random.Random(index * 1000 + n)
        time.sleep(max(0.0, start_at - time.monotonic()))
        end = start_at + seconds
        bucket = VBUCKET if op == "vput" else BUCKET
        while time.monotonic() < end:
            if op in ("put", "vput", "sput", "kput"):
                key = f"{prefix}{stored}"
                extra = sse_headers({"sput": "sse-s3", "kput": "sse-kms"}.get(op))
                data, expected = signer.request("PUT", f"/{bucket}/{key}", small_body(key), extra=extra), None
            else:
                p, count = keys[rng.randrange(len(keys))]
                key = f"{p}{rng.randrange(count)}"
                data, expected = signer.request("GET", f"/{BUCKET}/{key}"), small_body(key)
            t0 = time.perf_counter_ns()
            try:
                status, _, body = conn.request(data)
            except (OSError, Closed, ValueError) as e:
                status, body = None, repr(e).encode()
                time.sleep(0.01)  # a server that refuses connections is not hammered
            t1 = time.perf_counter_ns()
            if status == 200 and (expected is None or body == expected):
                done += 1
                samples.append((t1 - t0) // 1000)
                stored += op != "get"
            else:
                errors += 1
                if first_error is None:
                    what = f"status {status}" if status != 200 else "a wrong body"
                    first_error = f"{op} {key}: {what}: {body[:300]!r}"
        stats.append({"done": done, "errors": errors, "first_error": first_error, "samples": samples,
                      "finished": time.monotonic(), "opened": conn.opened, "prefix": prefix, "stored": stored})
        conn.close()

    cpu0 = time.process_time()
    workers = [threading.Thread(target=loop, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put({"stats": stats, "cpu": time.process_time() - cpu0})


def pct(samples, p):
    """Nearest-rank percentile of sorted `samples`."""
    if not samples:
        return 0
    return samples[min(len(samples), max(1, math.ceil(len(samples) * p))) - 1]


def small_run(t, op, connections, processes, seconds, keys, server_pids):
    """A closed-loop run of `op` (`put`/`get`) against `t`."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    processes = max(1, min(processes, connections))
    shares = [connections // processes + (i < connections % processes) for i in range(processes)]
    start_at = time.monotonic() + 0.5
    ticks0 = {p: cpu_ticks(p) for p in server_pids}
    procs = [ctx.Process(target=small_worker, args=(i, shares[i], op, t, start_at, seconds, keys, out), daemon=True)
             for i in range(processes)]
    for p in procs:
        p.start()
    reports = []
    try:
        for _ in procs:
            reports.append(out.get(timeout=seconds + 90))
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.kill()
                p.join()
    ticks1 = {p: cpu_ticks(p) for p in server_pids}
    stats = [s for r in reports for s in r["stats"]]
    elapsed = max(s["finished"] for s in stats) - start_at
    samples = sorted(x for s in stats for x in s["samples"])
    done, errors = sum(s["done"] for s in stats), sum(s["errors"] for s in stats)
    first = next((s["first_error"] for s in stats if s["first_error"]), None)
    if first:
        log(f"{t.name} {op}: {errors} errors; first: {first}")
    opened = sum(s["opened"] for s in stats)
    if opened > connections:
        log(f"{t.name} {op}: {opened} connections opened for {connections} (the server closes them)")
    hz = os.sysconf("SC_CLK_TCK")
    return {"ops": done, "rps": done / elapsed, "p50": pct(samples, 0.5), "p99": pct(samples, 0.99),
            "errors": errors, "keys": [(s["prefix"], s["stored"]) for s in stats if s["stored"]],
            "client_cpu": sum(r["cpu"] for r in reports) / elapsed,
            "server_cpu": {p: (ticks1[p] - ticks0[p]) / hz / elapsed for p in server_pids}}


def status_kib(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakRss:
    """The peak RSS (KiB) of each of `pids` while in use: VmRSS every 50 ms, and VmHWM when
    the process's high-water mark rose meanwhile (then it is the exact peak)."""

    def __init__(self, pids):
        self.pids, self.peak, self.before = pids, {p: 0 for p in pids}, {}
        self.stop, self.thread = threading.Event(), None

    def __enter__(self):
        self.hwm = {p: status_kib(p, "VmHWM") for p in self.pids}
        self.before = {p: status_kib(p, "VmRSS") for p in self.pids}

        def sample():
            while True:
                for p in self.pids:
                    self.peak[p] = max(self.peak[p], status_kib(p, "VmRSS"))
                if self.stop.wait(0.05):
                    return

        self.thread = threading.Thread(target=sample, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for p in self.pids:
            hwm = status_kib(p, "VmHWM")
            if hwm > self.hwm[p]:
                self.peak[p] = max(self.peak[p], hwm)


def signed(t, method, path, payload_hash, extra=(), sse=()):
    return dict(Signer(t).headers(method, uri_path(path), payload_hash, extra=sse)) | dict(extra)


def sse_headers(kind):
    """The headers of a request asking for `kind` of encryption ("sse-s3", "sse-c", "sse-kms"; for a
    GET, only SSE-C's are sent)."""
    if kind == "sse-s3":
        return [("x-amz-server-side-encryption", "AES256")]
    if kind == "sse-kms":  # S3's AWS-managed key, alias/aws/s3
        return [("x-amz-server-side-encryption", "aws:kms")]
    if kind == "sse-c":
        import base64
        return [("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                ("x-amz-server-side-encryption-customer-key", base64.b64encode(SSE_C_KEY).decode()),
                ("x-amz-server-side-encryption-customer-key-md5", base64.b64encode(hashlib.md5(SSE_C_KEY).digest()).decode())]
    return []


def large_put(t, key, pattern, size, timeout=600.0, sse=None):
    """PUTs `size` bytes (`pattern` repeated) to `key`, UNSIGNED-PAYLOAD, encrypted as `sse`
    asks; seconds and ETag."""
    path = f"/{BUCKET}/{key}"
    conn = http.client.HTTPConnection("127.0.0.1", t.port, timeout=timeout)
    try:
        t0 = time.perf_counter()
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for k, v in signed(t, "PUT", path, "UNSIGNED-PAYLOAD", [("content-length", str(size))], sse_headers(sse)).items():
            conn.putheader(k, v)
        conn.endheaders()
        sent, plen, send_error = 0, len(pattern), None
        try:
            while sent < size:
                at = sent % plen
                n = min(CHUNK, plen - at, size - sent)
                conn.send(pattern[at:at + n])
                sent += n
        except OSError as e:  # the server may answer (an error) before reading everything
            send_error = e
        resp = conn.getresponse()
        body = resp.read()
        seconds = time.perf_counter() - t0
        if resp.status != 200 or send_error:
            raise RuntimeError(f"PUT of {size} bytes: status {resp.status} after {sent} bytes sent "
                               f"({send_error!r}): {body[:300]!r}")
        return seconds, resp.getheader("etag", "").strip('"')
    finally:
        conn.close()


def large_get(t, key, pattern, size, timeout=600.0, sse=None):
    """GETs `key` (with the customer key of `sse` "sse-c"), reading 1 MiB chunks, each
    checked against `pattern` repeated, then dropped; seconds and ETag."""
    path = f"/{BUCKET}/{key}"
    conn = http.client.HTTPConnection("127.0.0.1", t.port, timeout=timeout)
    chunk = bytearray(CHUNK)
    view = memoryview(chunk)
    try:
        t0 = time.perf_counter()
        conn.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
        read_sse = sse_headers(sse) if sse == "sse-c" else []
        for k, v in signed(t, "GET", path, EMPTY_SHA256, sse=read_sse).items():
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        if resp.status != 200:
            raise RuntimeError(f"GET: status {resp.status}: {resp.read(300)!r}")
        got, plen, mismatch = 0, len(pattern), None
        while (n := resp.readinto(view)) > 0:
            if mismatch is None and got + n <= size:
                at, ok = got % plen, True
                if at + n <= plen:
                    ok = (chunk if n == CHUNK else view[:n].tobytes()) == pattern[at:at + n]
                else:  # the read straddles the end of the pattern
                    head = plen - at
                    ok = view[:head].tobytes() == pattern[at:] and view[head:n].tobytes() == pattern[:n - head]
                if not ok:
                    mismatch = got
            got += n
        seconds = time.perf_counter() - t0
        if got != size:
            raise RuntimeError(f"GET: {got} bytes read, {size} expected")
        if mismatch is not None:
            raise RuntimeError(f"GET: the body differs from what was PUT, within the MiB at byte {mismatch}")
        return seconds, resp.getheader("etag", "").strip('"')
    finally:
        conn.close()


def large_rounds(t, key, pattern, md5, rounds, rss_pids, sse=None):
    """`rounds` PUT+GET of `pattern` (encrypted as `sse` asks); MB/s of each and peak RSS
    (KiB by pid) of each kind. An SSE-C or SSE-KMS object's ETag is no MD5, so it is not compared."""
    res = {"put": [], "get": [], "rss": {"put": {}, "get": {}}, "before": {}, "error": None}
    md5 = None if sse in ("sse-c", "sse-kms") else md5
    try:
        for r in range(rounds):
            with PeakRss(rss_pids) as rss:
                seconds, etag = large_put(t, key, pattern, len(pattern), sse=sse)
            if md5 and etag != md5:
                raise RuntimeError(f"PUT answered ETag {etag!r}; the body's MD5 is {md5}")
            res["put"].append(len(pattern) / seconds / 1e6)
            if r == 0:
                res["before"] = rss.before
            for p, kib in rss.peak.items():
                res["rss"]["put"][p] = max(res["rss"]["put"].get(p, 0), kib)
            with PeakRss(rss_pids) as rss:
                seconds, etag = large_get(t, key, pattern, len(pattern), sse=sse)
            if md5 and etag != md5:
                raise RuntimeError(f"GET answered ETag {etag!r}; the body's MD5 is {md5}")
            res["get"].append(len(pattern) / seconds / 1e6)
            for p, kib in rss.peak.items():
                res["rss"]["get"][p] = max(res["rss"]["get"].get(p, 0), kib)
            log(f"{t.name}{' ' + sse if sse else ''}: large round {r + 1}: PUT {res['put'][-1]:.0f} MB/s, GET {res['get'][-1]:.0f} MB/s")
    except (OSError, http.client.HTTPException, RuntimeError) as e:
        res["error"] = f"{type(e).__name__}: {e}"
        log(f"{t.name}: large objects failed: {res['error']}")
    return res


def create_bucket(t, bucket=BUCKET):
    status, _, body = Conn(t.port).request(Signer(t).request("PUT", f"/{bucket}"))
    if status != 200:
        raise RuntimeError(f"{t.name}: CreateBucket {bucket}: status {status}: {body[:300]!r}")


def enable_versioning(t, bucket):
    doc = b'<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status>' \
          b'</VersioningConfiguration>'
    status, _, body = Conn(t.port).request(Signer(t).request("PUT", f"/{bucket}", doc, query="versioning="))
    if status != 200:
        raise RuntimeError(f"{t.name}: PutBucketVersioning {bucket}: status {status}: {body[:300]!r}")


def delete_object(t, key):
    status, _, body = Conn(t.port).request(Signer(t).request("DELETE", f"/{BUCKET}/{key}"))
    if status not in (200, 204):
        log(f"{t.name}: DeleteObject {key}: status {status}: {body[:300]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--squall-bin", help="the squall binary to measure (default: build target/release/squall)")
    ap.add_argument("--duration", type=float, default=5, help="seconds per small-object run (default 5)")
    ap.add_argument("--connections", type=int, default=8, help="keep-alive connections, small objects (default 8)")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 2,
                    help="client processes the connections are spread over (default: one per core)")
    ap.add_argument("--large-mib", type=int, default=256, help="size of the large object, MiB (default 256)")
    ap.add_argument("--large-rounds", type=int, default=3, help="PUT+GET rounds of the large object (default 3)")
    ap.add_argument("--huge-gib", type=float, default=0,
                    help=f"also PUT and GET an object of this many GiB to squall alone, for its peak RSS "
                         f"(the target is set at {RSS_TARGET_GIB}; default off)")
    args = ap.parse_args()

    squall_bin = args.squall_bin or build()
    moto_cmd = moto_command()
    tmp = tempfile.mkdtemp(prefix="squall-bench-s3-")
    squall, moto = None, None
    small, large, huge, moto_exit, encrypted = {}, {}, None, None, {}
    large_size = args.large_mib * MIB
    try:
        log("starting squall and moto's server")
        data = os.path.join(tmp, "data")
        squall = Squall(squall_bin, data).start()
        creds = configparser.ConfigParser()
        creds.read(os.path.join(data, "credentials"))
        sq = Target("squall", squall.api_port, creds["squall"]["aws_access_key_id"],
                    creds["squall"]["aws_secret_access_key"], squall.proc.pid)
        moto_port = free_port()
        moto = subprocess.Popen([*moto_cmd, "-H", "127.0.0.1", "-p", str(moto_port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mt = Target("moto", moto_port, "AKIABENCHMARK0000000", "bench-secret", moto.pid)
        wait_http(f"http://127.0.0.1:{moto_port}/", 60)
        pids = [sq.pid, mt.pid]
        for t in (sq, mt):
            create_bucket(t)
            create_bucket(t, VBUCKET)
            enable_versioning(t, VBUCKET)

        for op in SMALL_OPS:
            for t in (sq, mt):
                settle(pids)
                log(f"{t.name}: {op} 1 KiB objects, {args.connections} connections over "
                    f"{min(args.processes, args.connections)} processes, {args.duration:g} s")
                keys = small[("put", t.name)]["keys"] if op == "get" else None
                if op == "get" and not keys:
                    raise RuntimeError(f"{t.name}: the put run stored no object, so there is nothing to get")
                small[(op, t.name)] = small_run(t, op, args.connections, args.processes, args.duration, keys, pids)

        log(f"generating the {args.large_mib} MiB object")
        pattern = os.urandom(large_size)
        md5 = hashlib.md5(pattern).hexdigest()
        for t in (sq, mt):
            settle(pids)
            log(f"{t.name}: PUT and GET of {args.large_mib} MiB, {args.large_rounds} round(s)")
            large[t.name] = large_rounds(t, "large/object", pattern, md5, args.large_rounds, pids)
            if moto.poll() is not None:
                moto_exit = moto.returncode
                log(f"moto's server exited with {moto_exit}")
                pids = [sq.pid]

        for kind in SSE_KINDS:
            settle(pids)
            log(f"squall: PUT and GET of {args.large_mib} MiB with {kind}, {args.large_rounds} round(s)")
            encrypted[kind] = large_rounds(sq, f"large/{kind}", pattern, md5, args.large_rounds, [sq.pid], sse=kind)

        if args.huge_gib:
            huge_size = int(args.huge_gib * (1 << 30))
            free = shutil.disk_usage(tmp).free
            if free < huge_size + (1 << 30):
                huge = {"error": f"skipped: {free / (1 << 30):.1f} GiB free under {tmp}, "
                                 f"{args.huge_gib:g} GiB + 1 GiB needed"}
                log(huge["error"])
            else:
                delete_object(sq, "large/object")
                settle(pids)
                log(f"squall: PUT and GET of {args.huge_gib:g} GiB")
                huge = {"error": None}
                try:
                    with PeakRss([sq.pid]) as rss:
                        seconds, _ = large_put(sq, "huge/object", pattern, huge_size, timeout=1800)
                    huge["put"] = huge_size / seconds / 1e6
                    huge["put_rss"], huge["before"] = rss.peak[sq.pid], rss.before[sq.pid]
                    with PeakRss([sq.pid]) as rss:
                        seconds, _ = large_get(sq, "huge/object", pattern, huge_size, timeout=1800)
                    huge["get"], huge["get_rss"] = huge_size / seconds / 1e6, rss.peak[sq.pid]
                except (OSError, http.client.HTTPException, RuntimeError) as e:
                    huge["error"] = f"{type(e).__name__}: {e}"
                    log(f"squall: huge object failed: {huge['error']}")
    finally:
        if moto:
            moto.terminate()
            moto.wait()
        if squall and squall.proc:
            squall.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    procs = min(args.processes, args.connections)
    print(f"\nSquall S3 API vs moto's server ({os.cpu_count()} cores, loopback, path-style, "
          f"SigV4 signed by a Python client per request)\n")
    print(f"small objects (1 KiB): {args.connections} keep-alive connections over {procs} client processes, "
          f"closed loop, {args.duration:g} s per run\n")
    print(f"    {'':21} | {'squall ops/s':>12} {'p50 us':>8} {'p99 us':>8} {'err':>5} | "
          f"{'moto ops/s':>10} {'p50 us':>8} {'p99 us':>8} {'err':>5} | {'ratio':>7}")
    ratios = {}
    for op in SMALL_OPS:
        s, m = small[(op, "squall")], small[(op, "moto")]
        ratios[op] = s["rps"] / m["rps"] if m["rps"] else float("inf")
        print(f"    {NAMES[op]:21} | "
              f"{s['rps']:12.0f} {s['p50']:8} {s['p99']:8} {s['errors']:5} | "
              f"{m['rps']:10.0f} {m['p50']:8} {m['p99']:8} {m['errors']:5} | {ratios[op]:6.1f}x")
    print(f"\n    CPU time used during each run, in cores (the client and the server share {os.cpu_count()}; "
          f"a server using less than its share is waiting, on the disk or on the client)")
    for op in SMALL_OPS:
        for name, pid in (("squall", sq.pid), ("moto", mt.pid)):
            r = small[(op, name)]
            print(f"      {op} on {name:6}: server {r['server_cpu'][pid]:.2f}, client {r['client_cpu']:.2f}")

    print(f"\nlarge objects ({args.large_mib} MiB, one HTTP/1.1 connection, PUT UNSIGNED-PAYLOAD from memory in "
          f"1 MiB slices, GET read in 1 MiB chunks; {args.large_rounds} round{'s' if args.large_rounds != 1 else ''}; "
          f"MB/s = 10^6 bytes/s)\n")
    print(f"    {'':10} | {'squall best':>11} {'mean':>7} | {'moto best':>9} {'mean':>7} | {'ratio (mean)':>12}")
    mean = lambda xs: sum(xs) / len(xs) if xs else 0.0  # noqa: E731
    for op in ("put", "get"):
        s, m = large["squall"][op], large["moto"][op]
        line = f"    {NAMES[op]:10} | "
        line += f"{max(s):11.0f} {mean(s):7.0f} | " if s else f"{'failed':>19} | "
        line += f"{max(m):9.0f} {mean(m):7.0f} | " if m else f"{'failed':>17} | "
        line += f"{mean(s) / mean(m):11.1f}x" if s and m else f"{'-':>12}"
        print(line)
    for name in ("squall", "moto"):
        if large[name]["error"]:
            n = len(large[name]["get"])
            print(f"    {name} failed after {n} complete round{'s' if n != 1 else ''}: {large[name]['error']}")
    if moto_exit is not None:
        print(f"    moto's server exited with {moto_exit} during the large objects")
    rows = [("before the first large PUT", lambda r, pid: r["before"].get(pid)),
            (f"peak during the {args.large_mib} MiB PUTs", lambda r, pid: r["rss"]["put"].get(pid)),
            (f"peak during the {args.large_mib} MiB GETs", lambda r, pid: r["rss"]["get"].get(pid))]
    print(f"\n    {'server RSS, MiB':32} | {'squall':>6} | {'moto':>6}")
    for label, get in rows:
        cells = [get(large[name], pid) for name, pid in (("squall", sq.pid), ("moto", mt.pid))]
        print(f"    {label:32} | " + " | ".join(f"{kib / 1024:6.0f}" if kib else f"{'-':>6}" for kib in cells))
    print(f"\n    encryption (squall, {args.large_mib} MiB, mean MB/s; data keys per object, AES-256-GCM in "
          f"64 KiB sealed chunks)\n")
    print(f"    {'':10} | {'plain':>7} | {'SSE-S3':>7} {'share':>6} | {'SSE-C':>7} {'share':>6} | {'SSE-KMS':>7} {'share':>6}")
    shares = []
    for op in ("put", "get"):
        plain = mean(large["squall"][op])
        cells = []
        for kind in SSE_KINDS:
            got = mean(encrypted[kind][op])
            share = got / plain if plain else 0.0
            shares.append(share)
            cells.append(f"{got:7.0f} {share:6.2f}" if got else f"{'failed':>14}")
        print(f"    {NAMES[op]:10} | {plain:7.0f} | " + " | ".join(cells))
    for kind in SSE_KINDS:
        if encrypted[kind]["error"]:
            print(f"    {kind} failed: {encrypted[kind]['error']}")
    if huge:
        if huge.get("error") and "put" not in huge:
            print(f"\n    squall, {args.huge_gib:g} GiB object: {huge['error']}")
        else:
            print(f"\n    squall, {args.huge_gib:g} GiB object: PUT {huge['put']:.0f} MB/s, peak RSS "
                  f"{huge['put_rss'] / 1024:.0f} MiB (before: {huge['before'] / 1024:.0f} MiB)", end="")
            if "get" in huge:
                print(f"; GET {huge['get']:.0f} MB/s, peak RSS {huge['get_rss'] / 1024:.0f} MiB")
            else:
                print(f"; GET failed: {huge['error']}")

    print("\ntargets")
    lowest = min(ratios[op] for op in TARGET_OPS)
    small_errors = sum(r["errors"] for r in small.values())
    print(f"    small objects >= {SMALL_TARGET:g}x moto's ops/s, PUT and GET: "
          f"{'met' if lowest >= SMALL_TARGET else 'NOT met'} (lowest {lowest:.1f}x)")
    gets = large["squall"]["get"]
    if gets:
        print(f"    large GET >= {GET_TARGET_MBS / 1000:g} GB/s from the page cache: "
              f"{'met' if mean(gets) >= GET_TARGET_MBS and not large['squall']['error'] else 'NOT met'} "
              f"(mean {mean(gets) / 1000:.2f} GB/s, best {max(gets) / 1000:.2f} GB/s)")
    else:
        print(f"    large GET >= {GET_TARGET_MBS / 1000:g} GB/s from the page cache: NOT met (it failed)")
    if huge and "put" in huge:
        peak = huge["put_rss"] / 1024
        at = "" if args.huge_gib == RSS_TARGET_GIB else f"; measured at {args.huge_gib:g} GiB, not {RSS_TARGET_GIB}"
        print(f"    peak RSS during a {RSS_TARGET_GIB} GiB upload <= {RSS_TARGET_MIB} MiB: "
              f"{'met' if peak <= RSS_TARGET_MIB else 'NOT met'} ({peak:.0f} MiB{at})")
    else:
        kib = large["squall"]["rss"]["put"].get(sq.pid)
        shown = f"{kib / 1024:.0f} MiB during the {args.large_mib} MiB PUT" if kib else "no figure"
        print(f"    peak RSS during a {RSS_TARGET_GIB} GiB upload <= {RSS_TARGET_MIB} MiB: not measured "
              f"(--huge-gib {RSS_TARGET_GIB} measures it; {shown})")
    lowest_share = min(shares) if shares else 0.0
    print(f"    encryption costs <= {100 - ENCRYPTION_TARGET * 100:.0f}% of large-object throughput: "
          f"{'met' if lowest_share >= ENCRYPTION_TARGET else 'NOT met'} (lowest share {lowest_share:.2f} of plain)")
    versioned = small[("vput", "squall")]["rps"] / small[("put", "squall")]["rps"]
    print(f"    PutObject into a versioned bucket: {versioned:.2f} of the unversioned rate on squall "
          f"(no target; moto: {small[('vput', 'moto')]['rps'] / small[('put', 'moto')]['rps']:.2f})")
    if small_errors:
        print(f"\n    {small_errors} small-object requests failed (first error of each run above, on stderr); "
              f"their runs are not comparable")


if __name__ == "__main__":
    main()
