"""S3 multipart uploads through boto3 against a running Squall: create, upload and list parts,
list uploads, complete (the "-N" ETag, part order, part sizes, part ETags), abort, part copies
with a range, per-part CRC32 checksums and the composite checksum, reading one part back, and
boto3's managed transfer (multipart upload, ranged download).

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import base64
import hashlib
import os
import sys
import tempfile
import time
import zlib

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
s3 = boto3.client("s3", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]
MiB = 1024 * 1024


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def error(fn, *args, **kwargs):
    """(code, HTTP status) of the ClientError fn raises, or (None, None)."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def md5_etag(data):
    return '"' + hashlib.md5(data).hexdigest() + '"'


def multipart_etag(parts):
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def crc32_raw(data):
    return zlib.crc32(data).to_bytes(4, "big")


def b64(raw):
    return base64.b64encode(raw).decode()


def body(key, **kwargs):
    return s3.get_object(Bucket=bucket, Key=key, **kwargs)["Body"].read()


def upload_ids(prefix=""):
    r = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
    return [(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])]


bucket = f"mp-{RUN}"
s3.create_bucket(Bucket=bucket)

# --- a three-part upload ---------------------------------------------------------------------
parts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(MiB + 123)]
whole = b"".join(parts)
r = s3.create_multipart_upload(Bucket=bucket, Key="mp/obj.bin", ContentType="application/x-mp",
                               Metadata={"Stage": "one"}, CacheControl="max-age=5")
upload = r["UploadId"]
check(bool(upload) and r["Bucket"] == bucket and r["Key"] == "mp/obj.bin", "CreateMultipartUpload answers an UploadId")
other = s3.create_multipart_upload(Bucket=bucket, Key="elsewhere/x")["UploadId"]
check(code(s3.create_multipart_upload, Bucket=f"missing-{RUN}", Key="k") == "NoSuchBucket",
      "CreateMultipartUpload in a missing bucket is NoSuchBucket")

etags = []
for n, p in enumerate(parts, 1):
    r = s3.upload_part(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=n, Body=p)
    check(r["ETag"] == md5_etag(p), f"UploadPart {n} answers the part's MD5 as ETag")
    etags.append(r["ETag"])
# Uploading a part number again replaces that part.
s3.upload_part(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=3, Body=b"placeholder")
r = s3.upload_part(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=3, Body=parts[2])
check(r["ETag"] == etags[2], "re-uploading a part number replaces the part")
# moto differs: moto answers NoSuchUpload for part number 0 and a 500 for an unknown upload id
# (here, after completion and after abort).
check(code(s3.upload_part, Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=0, Body=b"x") == "InvalidArgument",
      "part number 0 is InvalidArgument")
check(code(s3.upload_part, Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=10001, Body=b"x") == "InvalidArgument",
      "part number 10001 is InvalidArgument")
_c = code(s3.upload_part, Bucket=bucket, Key="mp/obj.bin", UploadId="no-such-upload", PartNumber=1, Body=b"x")
check(_c == "NoSuchUpload",
      f"UploadPart to an unknown upload is NoSuchUpload ({_c})")

r = s3.list_parts(Bucket=bucket, Key="mp/obj.bin", UploadId=upload)
check([(p["PartNumber"], p["ETag"], p["Size"]) for p in r["Parts"]] == [(n, e, len(p)) for n, (e, p) in enumerate(zip(etags, parts), 1)],
      "ListParts lists each part's number, ETag and size")
check(r["UploadId"] == upload and r["Key"] == "mp/obj.bin" and r["IsTruncated"] is False and all("LastModified" in p for p in r["Parts"]),
      "ListParts names the upload and is not truncated")
r = s3.list_parts(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, MaxParts=2)
check([p["PartNumber"] for p in r["Parts"]] == [1, 2] and r["IsTruncated"] is True and r["NextPartNumberMarker"] == 2,
      "ListParts MaxParts 2 truncates with NextPartNumberMarker 2")
r = s3.list_parts(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumberMarker=2)
check([p["PartNumber"] for p in r["Parts"]] == [3] and r["IsTruncated"] is False, "PartNumberMarker continues after part 2")

check(upload_ids("mp/") == [("mp/obj.bin", upload)], "ListMultipartUploads with a prefix lists only that upload")
check(sorted(upload_ids()) == sorted([("mp/obj.bin", upload), ("elsewhere/x", other)]), "ListMultipartUploads lists both uploads")
r = s3.list_multipart_uploads(Bucket=bucket, Prefix="mp/")
check("Initiated" in r["Uploads"][0], "an upload carries its Initiated time")
check(code(s3.head_object, Bucket=bucket, Key="mp/obj.bin") == "404", "an unfinished upload is not an object")

complete = {"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]}
r = s3.complete_multipart_upload(Bucket=bucket, Key="mp/obj.bin", UploadId=upload, MultipartUpload=complete)
check(r["ETag"] == multipart_etag(parts), f"CompleteMultipartUpload's ETag is md5(part md5s)-3 ({r['ETag']})")
check(r["Bucket"] == bucket and r["Key"] == "mp/obj.bin" and bool(r.get("Location")), "and names the bucket, key and location")
h = s3.head_object(Bucket=bucket, Key="mp/obj.bin")
check(h["ContentLength"] == len(whole) and h["ETag"] == multipart_etag(parts), "HeadObject: the whole length and the -3 ETag")
check(h["ContentType"] == "application/x-mp" and h["Metadata"] == {"stage": "one"} and h["CacheControl"] == "max-age=5",
      "the object has the content type, metadata and cache control given at create")
check(hashlib.md5(body("mp/obj.bin")).digest() == hashlib.md5(whole).digest(), "GetObject returns the parts concatenated")
check(body("mp/obj.bin", Range=f"bytes={5 * MiB - 2}-{5 * MiB + 1}") == whole[5 * MiB - 2:5 * MiB + 2],
      "a range across a part boundary")
check(upload_ids("mp/") == [], "a completed upload is no longer listed")
check(code(s3.upload_part, Bucket=bucket, Key="mp/obj.bin", UploadId=upload, PartNumber=1, Body=b"x") == "NoSuchUpload",
      "UploadPart after completion is NoSuchUpload")

# moto differs: moto's GetObject ignores PartNumber (its HeadObject honours it).
g = s3.get_object(Bucket=bucket, Key="mp/obj.bin", PartNumber=2)
check(g["Body"].read() == parts[1] and g["ResponseMetadata"]["HTTPStatusCode"] == 206 and g.get("PartsCount") == 3
      and g.get("ContentRange") == f"bytes {5 * MiB}-{10 * MiB - 1}/{len(whole)}",
      "GetObject PartNumber 2 returns that part: 206 with PartsCount and Content-Range")
h = s3.head_object(Bucket=bucket, Key="mp/obj.bin", PartNumber=1)
check(h["ContentLength"] == 5 * MiB and h["PartsCount"] == 3, "HeadObject PartNumber 1 gives the part's length and PartsCount")
check(error(s3.get_object, Bucket=bucket, Key="mp/obj.bin", PartNumber=4) == ("InvalidPartNumber", 400),
      "a part number past the last is InvalidPartNumber (400)")

# --- what Complete refuses -------------------------------------------------------------------
# Parts 1 and 2 are full-size, 3 and 4 small, so each refusal below has exactly one cause.
bad = s3.create_multipart_upload(Bucket=bucket, Key="mp/bad")["UploadId"]
bparts = [os.urandom(5 * MiB), os.urandom(5 * MiB), os.urandom(MiB), os.urandom(MiB)]
be = [s3.upload_part(Bucket=bucket, Key="mp/bad", UploadId=bad, PartNumber=n, Body=p)["ETag"] for n, p in enumerate(bparts, 1)]


def listed(*numbers, etag=None):
    return {"Parts": [{"PartNumber": n, "ETag": etag or be[n - 1]} for n in numbers]}


# moto differs: moto completes the upload with its parts out of order (every check after this
# one in the block then fails on moto; without it they pass).
check(error(s3.complete_multipart_upload, Bucket=bucket, Key="mp/bad", UploadId=bad, MultipartUpload=listed(2, 1))
      == ("InvalidPartOrder", 400), "parts out of order are InvalidPartOrder")
check(error(s3.complete_multipart_upload, Bucket=bucket, Key="mp/bad", UploadId=bad, MultipartUpload=listed(1, etag=md5_etag(b"nope")))
      == ("InvalidPart", 400), "a part with the wrong ETag is InvalidPart")
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/bad", UploadId=bad,
           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": be[0]}, {"PartNumber": 7, "ETag": be[1]}]}) == "InvalidPart",
      "a part never uploaded is InvalidPart")
check(error(s3.complete_multipart_upload, Bucket=bucket, Key="mp/bad", UploadId=bad, MultipartUpload=listed(1, 3, 4))
      == ("EntityTooSmall", 400), "a non-last part under 5 MiB is EntityTooSmall")
check(code(s3.head_object, Bucket=bucket, Key="mp/bad") == "404", "failed completions store nothing")
check(upload_ids("mp/bad") == [("mp/bad", bad)], "and leave the upload open")
# Completing with only some of the uploaded parts is allowed, gaps in the numbering too; the
# last part may be small.
r = s3.complete_multipart_upload(Bucket=bucket, Key="mp/bad", UploadId=bad, MultipartUpload=listed(1, 3))
check(r["ETag"] == multipart_etag([bparts[0], bparts[2]]) and body("mp/bad") == bparts[0] + bparts[2],
      "completing with parts 1 and 3 keeps just those, in order")

# --- abort -----------------------------------------------------------------------------------
doomed = s3.create_multipart_upload(Bucket=bucket, Key="mp/doomed")["UploadId"]
doomed_etag = s3.upload_part(Bucket=bucket, Key="mp/doomed", UploadId=doomed, PartNumber=1, Body=b"abc")["ETag"]
check(s3.abort_multipart_upload(Bucket=bucket, Key="mp/doomed", UploadId=doomed)["ResponseMetadata"]["HTTPStatusCode"] == 204,
      "AbortMultipartUpload is 204")
check(upload_ids("mp/doomed") == [], "an aborted upload is not listed")
check(error(s3.upload_part, Bucket=bucket, Key="mp/doomed", UploadId=doomed, PartNumber=2, Body=b"x") == ("NoSuchUpload", 404),
      "UploadPart after abort is NoSuchUpload (404)")
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/doomed", UploadId=doomed,
           MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": doomed_etag}]}) == "NoSuchUpload",
      "CompleteMultipartUpload after abort is NoSuchUpload")
check(code(s3.list_parts, Bucket=bucket, Key="mp/doomed", UploadId=doomed) == "NoSuchUpload", "ListParts after abort is NoSuchUpload")
check(code(s3.head_object, Bucket=bucket, Key="mp/doomed") == "404", "an aborted upload leaves no object")
s3.abort_multipart_upload(Bucket=bucket, Key="elsewhere/x", UploadId=other)

# --- part copies -----------------------------------------------------------------------------
source = os.urandom(6 * MiB + 7)
s3.put_object(Bucket=bucket, Key="copy source.bin", Body=source)
cu = s3.create_multipart_upload(Bucket=bucket, Key="mp/copied")["UploadId"]
ranges = [(0, 5 * MiB - 1), (5 * MiB, len(source) - 1)]
copy_etags = []
for n, (lo, hi) in enumerate(ranges, 1):
    r = s3.upload_part_copy(Bucket=bucket, Key="mp/copied", UploadId=cu, PartNumber=n,
                            CopySource={"Bucket": bucket, "Key": "copy source.bin"}, CopySourceRange=f"bytes={lo}-{hi}")
    check(r["CopyPartResult"]["ETag"] == md5_etag(source[lo:hi + 1]), f"UploadPartCopy {n} answers the range's MD5")
    copy_etags.append(r["CopyPartResult"]["ETag"])
# AWS answers InvalidArgument ("Range specified is not valid for source object of size: N");
# the ceph s3-tests accept InvalidRange too.
# moto differs: moto clips the range and copies, and answers a bare 404 for a missing source key.
check(code(s3.upload_part_copy, Bucket=bucket, Key="mp/copied", UploadId=cu, PartNumber=3,
           CopySource={"Bucket": bucket, "Key": "copy source.bin"}, CopySourceRange=f"bytes=0-{len(source)}")
      in ("InvalidArgument", "InvalidRange"), "a CopySourceRange past the source's end is refused")
check(code(s3.upload_part_copy, Bucket=bucket, Key="mp/copied", UploadId=cu, PartNumber=3,
           CopySource={"Bucket": bucket, "Key": "nope"}) == "NoSuchKey", "UploadPartCopy from a missing key is NoSuchKey")
s3.complete_multipart_upload(Bucket=bucket, Key="mp/copied", UploadId=cu,
                             MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(copy_etags, 1)]})
check(body("mp/copied") == source, "an upload made of ranged part copies equals the source")

# --- per-part checksums ------------------------------------------------------------------------
cparts = [os.urandom(5 * MiB), os.urandom(1000)]
ck = s3.create_multipart_upload(Bucket=bucket, Key="mp/summed", ChecksumAlgorithm="CRC32")
check(ck.get("ChecksumAlgorithm") == "CRC32", "CreateMultipartUpload echoes ChecksumAlgorithm CRC32")
ck = ck["UploadId"]
done = []
for n, p in enumerate(cparts, 1):
    r = s3.upload_part(Bucket=bucket, Key="mp/summed", UploadId=ck, PartNumber=n, Body=p, ChecksumAlgorithm="CRC32")
    check(r.get("ChecksumCRC32") == b64(crc32_raw(p)), f"UploadPart {n} answers the part's CRC32")
    done.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
# moto differs: moto's ListParts has no part checksums.
r = s3.list_parts(Bucket=bucket, Key="mp/summed", UploadId=ck)
check([p.get("ChecksumCRC32") for p in r["Parts"]] == [d["ChecksumCRC32"] for d in done], "ListParts lists each part's CRC32")
# moto differs: moto does not verify the part checksums given to CompleteMultipartUpload.
wrong_sum = [dict(done[0], ChecksumCRC32=b64(crc32_raw(b"other"))), done[1]]
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/summed", UploadId=ck,
           MultipartUpload={"Parts": wrong_sum}) in ("InvalidPart", "BadDigest"), "a part with the wrong CRC32 is refused (InvalidPart)")
r = s3.complete_multipart_upload(Bucket=bucket, Key="mp/summed", UploadId=ck, MultipartUpload={"Parts": done})
composite = b64(zlib.crc32(b"".join(crc32_raw(p) for p in cparts)).to_bytes(4, "big")) + "-2"
# moto differs: moto answers no checksum from CompleteMultipartUpload, and HeadObject gives a
# plain CRC32 without the -N suffix or ChecksumType.
check(r.get("ChecksumCRC32") == composite, f"CompleteMultipartUpload answers the composite CRC32 ({r.get('ChecksumCRC32')})")
h = s3.head_object(Bucket=bucket, Key="mp/summed", ChecksumMode="ENABLED")
check(h.get("ChecksumCRC32") == composite and h.get("ChecksumType") == "COMPOSITE",
      f"HeadObject ChecksumMode ENABLED gives the composite CRC32 of the part CRC32s, -2 ({h.get('ChecksumCRC32')}, {h.get('ChecksumType')})")
check(body("mp/summed") == b"".join(cparts), "the checksummed upload reads back")

# --- full-object checksums: the parts' CRCs combined into the whole object's ----------------------
def crc64nvme(data):
    """CRC-64/NVME, a table at a time (the reference the server's combination is checked by)."""
    poly, table = 0x9A6C9329AC4BC9B5, []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    crc = 0xFFFFFFFFFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


fparts = [os.urandom(5 * MiB), os.urandom(777)]
fo = s3.create_multipart_upload(Bucket=bucket, Key="mp/full", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")
check(fo.get("ChecksumType") == "FULL_OBJECT", f"CreateMultipartUpload echoes ChecksumType FULL_OBJECT ({fo.get('ChecksumType')})")
fdone = []
for n, p in enumerate(fparts, 1):
    r = s3.upload_part(Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"], PartNumber=n, Body=p, ChecksumAlgorithm="CRC32")
    fdone.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r["ChecksumCRC32"]})
whole = b64(zlib.crc32(b"".join(fparts)).to_bytes(4, "big"))
check(s3.list_parts(Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"]).get("ChecksumType") == "FULL_OBJECT",
      "ListParts says FULL_OBJECT")
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"],
           MultipartUpload={"Parts": fdone}, ChecksumCRC32=b64(crc32_raw(b"other")), ChecksumType="FULL_OBJECT")
      == "BadDigest", "a wrong whole-object CRC32 on completion is BadDigest")
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"],
           MultipartUpload={"Parts": fdone}, ChecksumType="COMPOSITE") == "InvalidRequest",
      "completing with another checksum type is InvalidRequest")
check(code(s3.complete_multipart_upload, Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"],
           MultipartUpload={"Parts": fdone}, MpuObjectSize=1) == "InvalidRequest",
      "an x-amz-mp-object-size that is not the object's size is InvalidRequest")
r = s3.complete_multipart_upload(Bucket=bucket, Key="mp/full", UploadId=fo["UploadId"], MultipartUpload={"Parts": fdone},
                                 ChecksumCRC32=whole, ChecksumType="FULL_OBJECT", MpuObjectSize=5 * MiB + 777)
check(r.get("ChecksumCRC32") == whole and r.get("ChecksumType") == "FULL_OBJECT",
      f"CompleteMultipartUpload answers the whole object's CRC32, no -N ({r.get('ChecksumCRC32')}, {r.get('ChecksumType')})")
h = s3.head_object(Bucket=bucket, Key="mp/full", ChecksumMode="ENABLED")
check(h.get("ChecksumCRC32") == whole and h.get("ChecksumType") == "FULL_OBJECT", "HeadObject reports it as FULL_OBJECT")
# CRC64NVME has full-object checksums only; parts sent without one get it computed.
plain = boto3.client("s3", config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"},
                                          request_checksum_calculation="when_required"))
nv = plain.create_multipart_upload(Bucket=bucket, Key="mp/nvme", ChecksumAlgorithm="CRC64NVME")
check(nv.get("ChecksumType") == "FULL_OBJECT", "a CRC64NVME upload is FULL_OBJECT by default")
ndone = [{"PartNumber": n, "ETag": plain.upload_part(Bucket=bucket, Key="mp/nvme", UploadId=nv["UploadId"], PartNumber=n,
                                                     Body=p)["ETag"]} for n, p in enumerate(fparts, 1)]
plain.complete_multipart_upload(Bucket=bucket, Key="mp/nvme", UploadId=nv["UploadId"], MultipartUpload={"Parts": ndone})
h = s3.head_object(Bucket=bucket, Key="mp/nvme", ChecksumMode="ENABLED")
want = b64(crc64nvme(b"".join(fparts)).to_bytes(8, "big"))
check(h.get("ChecksumCRC64NVME") == want, f"its CRC64NVME is the whole object's ({h.get('ChecksumCRC64NVME')} vs {want})")
check(code(s3.create_multipart_upload, Bucket=bucket, Key="mp/x", ChecksumAlgorithm="SHA256", ChecksumType="FULL_OBJECT")
      == "InvalidRequest", "SHA256 has no FULL_OBJECT checksums")
check(code(s3.create_multipart_upload, Bucket=bucket, Key="mp/x", ChecksumAlgorithm="CRC64NVME", ChecksumType="COMPOSITE")
      == "InvalidRequest", "CRC64NVME has no COMPOSITE checksums")

# --- boto3's managed transfer ------------------------------------------------------------------
ranged_gets = []
s3.meta.events.register("before-call.s3.GetObject", lambda params, **_: ranged_gets.append(params.get("headers", {}).get("Range")))
big = os.urandom(24 * MiB)
tc = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=4)
with tempfile.TemporaryDirectory() as tmp:
    up, down = os.path.join(tmp, "up.bin"), os.path.join(tmp, "down.bin")
    with open(up, "wb") as f:
        f.write(big)
    s3.upload_file(up, bucket, "managed/big.bin", Config=tc)
    h = s3.head_object(Bucket=bucket, Key="managed/big.bin")
    chunks = [big[i:i + 8 * MiB] for i in range(0, len(big), 8 * MiB)]
    check(h["ContentLength"] == len(big) and h["ETag"] == multipart_etag(chunks),
          f"upload_file of 24 MiB with 8 MiB chunks is a 3-part upload ({h['ETag']})")
    s3.download_file(bucket, "managed/big.bin", down, Config=tc)
    with open(down, "rb") as f:
        check(hashlib.md5(f.read()).digest() == hashlib.md5(big).digest(), "download_file returns the same bytes")
check(len([r for r in ranged_gets if r and r.startswith("bytes=")]) >= 3, f"download_file used ranged GETs ({len(ranged_gets)} GETs)")

# --- clean up --------------------------------------------------------------------------------
for key, uid in upload_ids():
    s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=uid)
keys = [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
if keys:
    s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
s3.delete_bucket(Bucket=bucket)
print("all S3 multipart checks passed")
