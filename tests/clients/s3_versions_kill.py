"""Versioned writes across kill -9, in two runs against the same data directory.

`write BUCKET LOG`: enables versioning and writes versions and delete markers of a few keys
from four threads (each its own keys), appending every acknowledged one to LOG, until the
server stops answering (the test kills it with SIGKILL) or 60 s pass.
`check BUCKET LOG`: after the restart, every acknowledged version is listed, in the order it
was acknowledged (newest first), with its bytes; every acknowledged delete marker is a delete
marker; each key has exactly one latest version, the first listed, and a plain GET agrees
with it. A write cut off by the kill may or may not be there, but nothing else is."""
import sys
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}, connect_timeout=2, read_timeout=10)
mode, bucket, log_path = sys.argv[1:4]
THREADS, KEYS_PER_THREAD = 4, 2


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def write():
    s3 = boto3.client("s3", config=cfg)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()
    deadline = time.time() + 60

    def writer(t):
        client = boto3.client("s3", config=cfg)
        i = 0
        while time.time() < deadline:
            key = f"t{t}/k{i % KEYS_PER_THREAD}"
            body = f"{key}:{i}:" + "x" * (i % 3) * 40_000  # some inline, some in blobs
            try:
                if i % 5 == 4:
                    r = client.delete_object(Bucket=bucket, Key=key)
                    line = f"{key}\t{r['VersionId']}\tmarker\t"
                else:
                    r = client.put_object(Bucket=bucket, Key=key, Body=body.encode())
                    line = f"{key}\t{r['VersionId']}\tput\t{i}"
            except Exception:
                return  # the server is gone
            with lock:
                log.write(line + "\n")
            i += 1

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print("writer stopped")


def body_of(key, i):
    return (f"{key}:{i}:" + "x" * (i % 3) * 40_000).encode()


def verify():
    s3 = boto3.client("s3", config=cfg)
    acked = {}
    for line in open(log_path):
        key, version, kind, i = line.rstrip("\n").split("\t")
        acked.setdefault(key, []).append((version, kind, i))
    check(sum(len(v) for v in acked.values()) >= 50, f"the writers got far enough before the kill ({acked and sum(len(v) for v in acked.values())})")
    listed = {}
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 100}):
        for v in page.get("Versions", []):
            listed.setdefault(v["Key"], []).append((v["VersionId"], "put", v["IsLatest"]))
        for m in page.get("DeleteMarkers", []):
            listed.setdefault(m["Key"], []).append((m["VersionId"], "marker", m["IsLatest"]))
    for key, versions in listed.items():
        # Markers and versions come in two lists: order them as the listing did, by id.
        versions.sort(key=lambda v: v[0])
        check([v[2] for v in versions].count(True) == 1 and versions[0][2], f"{key}: one latest version, the newest")
        ids = [v[0] for v in versions]
        mine = [v[0] for v in reversed(acked.get(key, []))]
        check([i for i in ids if i in set(mine)] == mine, f"{key}: every acknowledged version is there, in order")
        check(len(ids) - len(mine) <= 1, f"{key}: at most the one write cut off is there besides ({len(ids)} vs {len(mine)})")
        kinds = dict((v[0], v[1]) for v in versions)
        for version, kind, i in acked.get(key, []):
            check(kinds[version] == kind, f"{key} {version}: a {kind}")
            if kind == "put":
                got = s3.get_object(Bucket=bucket, Key=key, VersionId=version)["Body"].read()
                check(got == body_of(key, int(i)), f"{key} {version}: its bytes")
        latest_id, latest_kind, _ = versions[0]
        try:
            current = s3.get_object(Bucket=bucket, Key=key)
            check(latest_kind == "put" and current["VersionId"] == latest_id, f"{key}: GET reads the latest version")
        except ClientError as e:
            check(latest_kind == "marker" and e.response["Error"]["Code"] == "NoSuchKey", f"{key}: the latest is a marker")
    check(set(acked) <= set(listed), "every key written is listed")
    print("all versioned kill -9 checks passed")


write() if mode == "write" else verify()
