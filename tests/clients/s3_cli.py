"""S3 through the aws CLI against a running Squall: mb, cp up and down (a 20 MiB file goes
multipart at the CLI's 8 MiB threshold), ls, sync up (only changed files go again) and down, rm
--recursive, presigned URLs (fetched without credentials; expired ones refused), object tagging
through s3api, and rb --force.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import filecmp
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

RUN = str(int(time.time() * 1000))[-7:]
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
MiB = 1024 * 1024


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def aws(*args, timeout=60, env=None):
    """Runs `aws <args> --endpoint-url ...` in the temporary directory (local paths in the
    CLI's output are relative to it); returns (exit code, stdout, stderr)."""
    p = subprocess.run(["aws", *args, "--endpoint-url", ENDPOINT], capture_output=True, text=True, cwd=tmp,
                       timeout=timeout, env=dict(os.environ, AWS_PAGER="", **(env or {})))
    return p.returncode, p.stdout, p.stderr


def ok(*args, timeout=60, env=None):
    """Runs the CLI, failing the script if it fails; returns stdout's lines."""
    rc, out, err = aws(*args, timeout=timeout, env=env)
    check(rc == 0, f"aws {' '.join(args)} succeeds" + (f" (exit {rc}: {err.strip()[-300:]})" if rc else ""))
    return [line for line in out.splitlines() if line.strip()]


def fetch(url, method="GET", data=None):
    """(status, body) of an unauthenticated request."""
    req = urllib.request.Request(url, method=method, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def tree(root):
    """{relative path: bytes} of every file under root."""
    out = {}
    for d, _, files in os.walk(root):
        for name in files:
            p = os.path.join(d, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, root)] = f.read()
    return out


def path(rel):
    return os.path.join(tmp, rel)


def tampered(url, marker):
    """url with the first character of the signature after marker changed."""
    start = url.index(marker) + len(marker)
    return url[:start] + ("0" if url[start] != "0" else "1") + url[start + 1:]


bucket = f"cli-{RUN}"
s3url = f"s3://{bucket}"
with tempfile.TemporaryDirectory() as tmp:
    # --- mb, cp, ls ----------------------------------------------------------------------------
    out = ok("s3", "mb", s3url)
    check(out == [f"make_bucket: {bucket}"], f"s3 mb reports the bucket ({out})")
    rc, _, err = aws("s3", "mb", s3url)
    check(rc == 0, f"s3 mb of a bucket you own succeeds in us-east-1 (S3's legacy answer) ({err})")

    write(path("small.txt"), b"small file via the CLI\n")
    out = ok("s3", "cp", "small.txt", f"{s3url}/docs/small.txt", "--no-progress")
    check(out == [f"upload: ./small.txt to {s3url}/docs/small.txt"], f"s3 cp up reports the upload ({out})")
    out = ok("s3", "cp", f"{s3url}/docs/small.txt", "small-down.txt", "--no-progress")
    check(out == [f"download: {s3url}/docs/small.txt to ./small-down.txt"], f"s3 cp down reports the download ({out})")
    check(filecmp.cmp(path("small.txt"), path("small-down.txt"), shallow=False), "s3 cp down returns the same bytes")

    # Presigned URLs valid for 1 s, made now and tried once they have expired, at the end.
    # The CLI (v1, like botocore) presigns S3 URLs with SigV2 in us-east-1 unless the profile
    # sets s3.signature_version = s3v4 (done here through a config file).
    profile = os.environ.get("AWS_PROFILE", "default")
    write(path("aws-config"), (f"[{'default' if profile == 'default' else 'profile ' + profile}]\n"
                               "s3 =\n    signature_version = s3v4\n").encode())
    v4 = {"AWS_CONFIG_FILE": path("aws-config")}
    expiring_v4 = ok("s3", "presign", f"{s3url}/docs/small.txt", "--expires-in", "1", env=v4)[0]
    expiring_v2 = ok("s3", "presign", f"{s3url}/docs/small.txt", "--expires-in", "1")[0]
    expired_at = time.time() + 2.5

    big_data = os.urandom(20 * MiB)
    write(path("big.bin"), big_data)
    ok("s3", "cp", "big.bin", f"{s3url}/big.bin", "--no-progress", timeout=120)
    head = json.loads("\n".join(ok("s3api", "head-object", "--bucket", bucket, "--key", "big.bin")))
    check(head["ContentLength"] == len(big_data) and head["ETag"].endswith('-3"'),
          f"a 20 MiB s3 cp is a 3-part multipart upload ({head['ETag']})")
    ok("s3", "cp", f"{s3url}/big.bin", "big-down.bin", "--no-progress", timeout=120)
    with open(path("big-down.bin"), "rb") as f:
        check(hashlib.md5(f.read()).digest() == hashlib.md5(big_data).digest(), "the 20 MiB file comes back the same")

    out = ok("s3", "ls")
    check(any(line.split()[-1] == bucket for line in out), "s3 ls lists the bucket")
    out = ok("s3", "ls", f"{s3url}/")
    check(any(line.split() == ["PRE", "docs/"] for line in out), f"s3 ls shows docs/ as a prefix ({out})")
    check(any(line.endswith(f" {len(big_data)} big.bin") for line in out), "s3 ls shows big.bin with its size")
    out = ok("s3", "ls", f"{s3url}/docs/")
    check(len(out) == 1 and out[0].endswith(" 23 small.txt"), f"s3 ls of a prefix lists its keys ({out})")
    out = ok("s3", "ls", s3url, "--recursive")
    check(sorted(line.split()[-1] for line in out) == ["big.bin", "docs/small.txt"], f"s3 ls --recursive lists every key ({out})")

    # --- sync ----------------------------------------------------------------------------------
    src = path("src")
    files = {"a.txt": b"alpha", "sub/b.txt": b"bravo", "sub/deep/c.txt": b"charlie", "sub/deep/d e.txt": b"delta"}
    past = time.time() - 120  # older than any Last-Modified, so only content changes trigger uploads
    for rel, data in files.items():
        write(os.path.join(src, rel), data)
        os.utime(os.path.join(src, rel), (past, past))
    out = ok("s3", "sync", "src", f"{s3url}/tree/", "--no-progress")
    check(sorted(out) == sorted(f"upload: src/{rel} to {s3url}/tree/{rel}" for rel in files), f"s3 sync uploads every file ({out})")
    write(os.path.join(src, "sub/b.txt"), b"bravo, changed")
    os.utime(os.path.join(src, "sub/b.txt"), (past, past))
    out = ok("s3", "sync", "src", f"{s3url}/tree/", "--no-progress")
    check(out == [f"upload: src/sub/b.txt to {s3url}/tree/sub/b.txt"],
          f"a second s3 sync uploads only the changed file ({out})")
    out = ok("s3", "sync", "src", f"{s3url}/tree/", "--no-progress")
    check(out == [], f"a third s3 sync uploads nothing ({out})")
    out = ok("s3", "sync", f"{s3url}/tree/", "dst", "--no-progress")
    check(sorted(out) == sorted(f"download: {s3url}/tree/{rel} to dst/{rel}" for rel in files), f"s3 sync down downloads every file ({out})")
    check(tree(path("dst")) == tree(src), "the synced-down tree equals the source tree")

    out = ok("s3", "rm", f"{s3url}/tree/", "--recursive")
    check(len(out) == len(files) and all(line.startswith("delete: ") for line in out), f"s3 rm --recursive deletes every file ({out})")
    out = ok("s3", "ls", s3url, "--recursive")
    check(sorted(line.split()[-1] for line in out) == ["big.bin", "docs/small.txt"], "and only the tree is gone")

    # --- presigned URLs (SigV4) -------------------------------------------------------------------
    url = ok("s3", "presign", f"{s3url}/docs/small.txt", "--expires-in", "300", env=v4)[0]
    check("X-Amz-Signature=" in url and "X-Amz-Expires=300" in url, f"s3 presign gives a SigV4 URL ({url[:90]}...)")
    status, data = fetch(url)
    check(status == 200 and data == b"small file via the CLI\n", "the presigned URL fetches the object without credentials")
    status, data = fetch(tampered(url, "X-Amz-Signature="))
    # moto differs: moto does not verify presigned URLs' signatures (it answers 200).
    check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in data, f"a tampered presigned URL is 403 SignatureDoesNotMatch ({status})")
    time.sleep(max(0.0, expired_at - time.time()))
    status, data = fetch(expiring_v4)
    # moto differs: moto does not check a presigned URL's expiry (it answers 200).
    check(status == 403 and b"<Code>AccessDenied</Code>" in data, f"an expired presigned URL is 403 AccessDenied ({status})")

    # --- a multipart upload step by step through s3api ------------------------------------------
    created = json.loads("\n".join(ok("s3api", "create-multipart-upload", "--bucket", bucket, "--key", "parts.bin",
                                      "--content-type", "application/x-parts")))
    upload_id = created["UploadId"]
    part_one, part_two = os.urandom(5 * MiB), os.urandom(1000)
    write(path("p1"), part_one)
    write(path("p2"), part_two)
    etags = []
    for n, name in ((1, "p1"), (2, "p2")):
        out = json.loads("\n".join(ok("s3api", "upload-part", "--bucket", bucket, "--key", "parts.bin",
                                      "--upload-id", upload_id, "--part-number", str(n), "--body", path(name))))
        etags.append(out["ETag"])
    listed = json.loads("\n".join(ok("s3api", "list-parts", "--bucket", bucket, "--key", "parts.bin",
                                     "--upload-id", upload_id)))
    check([p["PartNumber"] for p in listed["Parts"]] == [1, 2] and [p["Size"] for p in listed["Parts"]] == [5 * MiB, 1000],
          "s3api list-parts lists both parts with their sizes")
    write(path("parts.json"), json.dumps({"Parts": [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]}).encode())
    done = json.loads("\n".join(ok("s3api", "complete-multipart-upload", "--bucket", bucket, "--key", "parts.bin",
                                   "--upload-id", upload_id, "--multipart-upload", f"file://{path('parts.json')}")))
    joined = hashlib.md5(b"".join(bytes.fromhex(e.strip('"')) for e in etags)).hexdigest() + "-2"
    check(done["ETag"].strip('"') == joined, f"s3api complete-multipart-upload answers the -2 ETag ({done['ETag']})")
    ok("s3api", "get-object", "--bucket", bucket, "--key", "parts.bin", path("parts-down.bin"))
    with open(path("parts-down.bin"), "rb") as f:
        check(f.read() == part_one + part_two, "the completed object is the two parts in order")
    rc, _, err = aws("s3api", "upload-part", "--bucket", bucket, "--key", "parts.bin", "--upload-id", upload_id,
                     "--part-number", "3", "--body", path("p2"))
    check(rc != 0 and "NoSuchUpload" in err, "a completed upload takes no more parts (NoSuchUpload)")
    ok("s3", "rm", f"{s3url}/parts.bin")

    # --- tagging through s3api -----------------------------------------------------------------
    ok("s3api", "put-object-tagging", "--bucket", bucket, "--key", "docs/small.txt",
       "--tagging", "TagSet=[{Key=env,Value=test},{Key=team,Value=core squad}]")
    tags = json.loads("\n".join(ok("s3api", "get-object-tagging", "--bucket", bucket, "--key", "docs/small.txt")))
    check(sorted((t["Key"], t["Value"]) for t in tags["TagSet"]) == [("env", "test"), ("team", "core squad")],
          f"put-object-tagging then get-object-tagging round-trips the tags ({tags})")
    rc, _, err = aws("s3api", "get-object-tagging", "--bucket", bucket, "--key", "nope")
    check(rc != 0 and "NoSuchKey" in err, "get-object-tagging on a missing key is NoSuchKey")

    # --- SigV2 presigned URLs (the CLI's default) --------------------------------------------------
    # Last before rb so the rest runs first: a server that does not take SigV2 query
    # authentication fails only here.
    url = ok("s3", "presign", f"{s3url}/docs/small.txt", "--expires-in", "300")[0]
    check("AWSAccessKeyId=" in url and "&Signature=" in url and "&Expires=" in url, f"the CLI's default presign is SigV2 ({url[:90]}...)")
    status, data = fetch(url)
    check(status == 200 and data == b"small file via the CLI\n", "a SigV2 presigned URL fetches the object")
    status, data = fetch(tampered(url, "&Signature="))
    # moto differs: moto does not verify presigned URLs' signatures (it answers 200).
    check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in data, f"a tampered SigV2 URL is 403 SignatureDoesNotMatch ({status})")
    status, data = fetch(expiring_v2)
    # moto differs: moto does not check a presigned URL's expiry (it answers 200).
    check(status == 403 and b"<Code>AccessDenied</Code>" in data, f"an expired SigV2 URL is 403 AccessDenied ({status})")

    # --- rb ------------------------------------------------------------------------------------
    rc, _, err = aws("s3", "rb", s3url)
    check(rc != 0 and "BucketNotEmpty" in err, "s3 rb of a non-empty bucket fails with BucketNotEmpty")
    out = ok("s3", "rb", s3url, "--force")
    check(out[-1] == f"remove_bucket: {bucket}", f"s3 rb --force removes the bucket ({out[-1:]})")
    rc, _, err = aws("s3api", "head-bucket", "--bucket", bucket)
    check(rc != 0 and "404" in err, "the bucket is gone")
print("all S3 CLI checks passed")
