"""S3 PutObject with aws-chunked bodies built by hand against a running Squall: SigV4 streaming
(STREAMING-AWS4-HMAC-SHA256-PAYLOAD, a signature per chunk), unsigned chunks with a checksum
trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER, what SDKs send over HTTPS), and signed chunks with
a signed trailer (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER); wrong chunk signatures, trailer
checksums and trailer signatures are refused and store nothing.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import base64
import datetime
import hashlib
import hmac
import http.client
import os
import sys
import time
import io
import zlib
from urllib.parse import quote, urlsplit

import boto3
import botocore.httpchecksum
from botocore.config import Config
from botocore.exceptions import ClientError

cfg = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})
session = boto3.Session()
s3 = session.client("s3", config=cfg)
creds = session.get_credentials().get_frozen_credentials()
REGION = session.region_name or "us-east-1"
ENDPOINT = urlsplit(os.environ["AWS_ENDPOINT_URL"])
RUN = str(int(time.time() * 1000))[-7:]
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
KiB = 1024


def code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


# --- SigV4 ---------------------------------------------------------------------------------------

def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def signing_key(secret, day, region):
    k = hmac_sha256(("AWS4" + secret).encode(), day)
    k = hmac_sha256(k, region)
    k = hmac_sha256(k, "s3")
    return hmac_sha256(k, "aws4_request")


class Signer:
    """SigV4 for one request: the seed (header) signature, then chunk and trailer signatures,
    each chained on the one before."""

    def __init__(self, access_key, secret, region, amz_date):
        self.access_key = access_key
        self.amz_date = amz_date
        self.scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
        self.key = signing_key(secret, amz_date[:8], region)
        self.previous = None

    def _sign(self, string_to_sign):
        return hmac.new(self.key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def authorization(self, method, path, headers, payload_hash):
        """Signs every header given (names lower-case); returns the Authorization value."""
        names = sorted(headers)
        canonical = "\n".join([method, path, "", "".join(f"{n}:{headers[n].strip()}\n" for n in names),
                               ";".join(names), payload_hash])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", self.amz_date, self.scope, sha256_hex(canonical.encode())])
        self.previous = self._sign(to_sign)
        return (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{self.scope}, "
                f"SignedHeaders={';'.join(names)}, Signature={self.previous}")

    def chunk(self, data):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, self.previous,
                             EMPTY_SHA256, sha256_hex(data)])
        self.previous = self._sign(to_sign)
        return self.previous

    def trailer(self, canonical_trailer):
        to_sign = "\n".join(["AWS4-HMAC-SHA256-TRAILER", self.amz_date, self.scope, self.previous,
                             sha256_hex(canonical_trailer.encode())])
        return self._sign(to_sign)


# The example in the AWS doc "Signature Calculations for the Authorization Header: Transferring
# Payload in Multiple Chunks": 66560 bytes of "a" in 64 KiB chunks.
_doc = Signer("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "20130524T000000Z")
_doc.authorization("PUT", "/examplebucket/chunkObject.txt", {
    "host": "s3.amazonaws.com", "x-amz-date": "20130524T000000Z", "x-amz-storage-class": "REDUCED_REDUNDANCY",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560", "content-length": "66824"}, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
assert _doc.previous == "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9", _doc.previous
assert _doc.chunk(b"a" * 65536) == "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
assert _doc.chunk(b"a" * 1024) == "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
assert _doc.chunk(b"") == "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"


def crc32_b64(data):
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def chunks_of(data, size=64 * KiB):
    return [data[i:i + size] for i in range(0, len(data), size)]


def put_chunked(key, data, mode, trailer_value=None, corrupt_chunk=None, corrupt_trailer_sig=False,
                content_encoding="aws-chunked", content_type="application/octet-stream"):
    """PUTs data as an aws-chunked body in 64 KiB chunks. mode: "signed"
    (STREAMING-AWS4-HMAC-SHA256-PAYLOAD), "unsigned-trailer" or "signed-trailer".
    trailer_value: the x-amz-checksum-crc32 to send (default: the right one).
    corrupt_chunk: index of a chunk (len(chunks) = the final empty one) sent with a wrong
    signature. Returns (status, body)."""
    amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    signer = Signer(creds.access_key, creds.secret_key, REGION, amz_date)
    content_sha = {"signed": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                   "unsigned-trailer": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                   "signed-trailer": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"}[mode]
    signed_chunks = mode != "unsigned-trailer"
    trailer = mode != "signed"
    path = f"/{bucket}/" + quote(key, safe="/~")
    headers = {
        "host": ENDPOINT.netloc,
        "x-amz-date": amz_date,
        "x-amz-content-sha256": content_sha,
        "content-encoding": content_encoding,
        "content-type": content_type,
        "x-amz-decoded-content-length": str(len(data)),
    }
    if trailer:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
        headers["x-amz-sdk-checksum-algorithm"] = "CRC32"
    if creds.token:
        headers["x-amz-security-token"] = creds.token
    # The body's length goes into Content-Length, which is signed, so lay out the body first
    # with placeholder signatures of the right length, then sign.
    pieces = chunks_of(data) + [b""]

    def encode(sigs, trailer_sig):
        out = bytearray()
        for i, piece in enumerate(pieces):
            out += f"{len(piece):x}".encode()
            if signed_chunks:
                out += f";chunk-signature={sigs[i]}".encode()
            out += b"\r\n"
            if piece:
                out += piece + b"\r\n"
        if trailer:
            out += f"x-amz-checksum-crc32:{trailer_value}\r\n".encode()
            if signed_chunks:
                out += f"x-amz-trailer-signature:{trailer_sig}\r\n".encode()
        out += b"\r\n"
        return bytes(out)

    if trailer_value is None:
        trailer_value = crc32_b64(data)
    headers["content-length"] = str(len(encode(["0" * 64] * len(pieces), "0" * 64)))
    authorization = signer.authorization("PUT", path, headers, content_sha)
    sigs, trailer_sig = [], None
    if signed_chunks:
        for i, piece in enumerate(pieces):
            sig = signer.chunk(piece)
            sigs.append(("0" if sig[0] != "0" else "1") + sig[1:] if i == corrupt_chunk else sig)
        if trailer:
            trailer_sig = signer.trailer(f"x-amz-checksum-crc32:{trailer_value}\n")
            if corrupt_trailer_sig:
                trailer_sig = ("0" if trailer_sig[0] != "0" else "1") + trailer_sig[1:]
    body = encode(sigs, trailer_sig)
    assert len(body) == int(headers["content-length"])

    conn = http.client.HTTPConnection(ENDPOINT.hostname, ENDPOINT.port or 80, timeout=15)
    try:
        conn.putrequest("PUT", path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("authorization", authorization)
        conn.endheaders()
        try:
            conn.sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (and close) before reading everything
        try:
            resp = conn.getresponse()
            return resp.status, resp.read()
        except (ConnectionResetError, http.client.RemoteDisconnected) as e:
            return None, f"no response ({e!r})".encode()
    finally:
        conn.close()


def head(key, **kwargs):
    """HeadObject's answer, or the error code."""
    try:
        return s3.head_object(Bucket=bucket, Key=key, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"]


bucket = f"chunked-{RUN}"
s3.create_bucket(Bucket=bucket)
data = os.urandom(200 * KiB)
md5 = hashlib.md5(data).hexdigest()

# --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD ------------------------------------------------------------
status, body = put_chunked("signed.bin", data, "signed")
check(status == 200, f"a SigV4-streaming PutObject of 200 KiB in 64 KiB chunks is 200 ({status} {body[:300]!r})")
got = s3.get_object(Bucket=bucket, Key="signed.bin")
check(got["Body"].read() == data, "GetObject returns the decoded bytes")
check(got["ContentLength"] == len(data) and got["ETag"] == f'"{md5}"', "the object's length and ETag are the decoded body's")
check(not got.get("ContentEncoding"), "Content-Encoding aws-chunked is not stored")

status, body = put_chunked("gzip.bin", data, "signed", content_encoding="aws-chunked,gzip", content_type="text/plain")
check(status == 200 and head("gzip.bin").get("ContentEncoding") == "gzip",
      "Content-Encoding aws-chunked,gzip stores gzip")
check(head("gzip.bin").get("ContentType") == "text/plain", "and the content type is kept")

status, body = put_chunked("small.bin", b"tiny", "signed")
check(status == 200 and s3.get_object(Bucket=bucket, Key="small.bin")["Body"].read() == b"tiny", "a one-chunk streaming put")
status, body = put_chunked("empty.bin", b"", "signed")
check(status == 200 and head("empty.bin").get("ContentLength") == 0, "a streaming put of nothing (only the final chunk)")

# moto differs: moto does not verify chunk (or any) signatures; it stores these.
status, body = put_chunked("bad-chunk.bin", data, "signed", corrupt_chunk=1)
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body,
      f"a chunk with a wrong signature is 403 SignatureDoesNotMatch ({status} {body[:200]!r})")
check(head("bad-chunk.bin") == "404", "and nothing is stored")
status, body = put_chunked("bad-final.bin", data, "signed", corrupt_chunk=len(chunks_of(data)))
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, f"a wrong signature on the final empty chunk is 403 ({status})")
check(head("bad-final.bin") == "404", "and nothing is stored")
s3.put_object(Bucket=bucket, Key="keep.bin", Body=b"old")
status, body = put_chunked("keep.bin", data, "signed", corrupt_chunk=3)
check(status == 403 and s3.get_object(Bucket=bucket, Key="keep.bin")["Body"].read() == b"old",
      "a refused streaming overwrite leaves the old object")

# --- STREAMING-UNSIGNED-PAYLOAD-TRAILER ------------------------------------------------------------
status, body = put_chunked("unsigned.bin", data, "unsigned-trailer")
check(status == 200, f"an unsigned-chunks PutObject with a CRC32 trailer is 200 ({status} {body[:300]!r})")
check(s3.get_object(Bucket=bucket, Key="unsigned.bin")["Body"].read() == data, "GetObject returns the decoded bytes")
h = head("unsigned.bin", ChecksumMode="ENABLED")
check(h.get("ChecksumCRC32") == crc32_b64(data), f"HeadObject ChecksumMode ENABLED returns the trailer's CRC32 ({h.get('ChecksumCRC32')})")
check(h.get("ETag") == f'"{md5}"' and h.get("ContentLength") == len(data), "the object's length and ETag are the decoded body's")
# moto differs: moto does not verify a trailing checksum; it stores the object.
status, body = put_chunked("unsigned-bad.bin", data, "unsigned-trailer", trailer_value=crc32_b64(b"other"))
check(status == 400 and b"<Code>BadDigest</Code>" in body, f"a wrong trailing CRC32 is 400 BadDigest ({status} {body[:200]!r})")
check(head("unsigned-bad.bin") == "404", "and nothing is stored")

# --- STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER ----------------------------------------------------
status, body = put_chunked("signed-trailer.bin", data, "signed-trailer")
check(status == 200, f"signed chunks with a signed CRC32 trailer is 200 ({status} {body[:300]!r})")
check(s3.get_object(Bucket=bucket, Key="signed-trailer.bin")["Body"].read() == data, "GetObject returns the decoded bytes")
check(head("signed-trailer.bin", ChecksumMode="ENABLED").get("ChecksumCRC32") == crc32_b64(data),
      "HeadObject ChecksumMode ENABLED returns the trailer's CRC32")
# moto differs: moto verifies neither signatures nor trailing checksums.
status, body = put_chunked("trailer-badsig.bin", data, "signed-trailer", corrupt_trailer_sig=True)
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body,
      f"a wrong trailer signature is 403 SignatureDoesNotMatch ({status} {body[:200]!r})")
check(head("trailer-badsig.bin") == "404", "and nothing is stored")
status, body = put_chunked("trailer-badsum.bin", data, "signed-trailer", trailer_value=crc32_b64(b"other"))
check(status == 400 and b"<Code>BadDigest</Code>" in body, f"a wrong signed trailing CRC32 is 400 BadDigest ({status})")
check(head("trailer-badsum.bin") == "404", "and nothing is stored")
status, body = put_chunked("trailer-badchunk.bin", data, "signed-trailer", corrupt_chunk=0)
check(status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body, "a wrong chunk signature with a trailer is 403 too")
check(head("trailer-badchunk.bin") == "404", "and nothing is stored")

# --- what boto3 sends over HTTPS ----------------------------------------------------------------
# Over HTTPS botocore streams the body as aws-chunked inside Transfer-Encoding: chunked (no
# Content-Length), with a CRC32 trailer, STREAMING-UNSIGNED-PAYLOAD-TRAILER and Expect:
# 100-continue, and appends aws-chunked to any Content-Encoding. It decides on the URL's
# scheme alone, so make it believe the endpoint is https for these calls.
sent = {}


def remember_headers(request, **_):
    sent.clear()
    sent.update({k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()})


s3.meta.events.register("before-send.s3.*", remember_headers)
real_urlparse = botocore.httpchecksum.urlparse
botocore.httpchecksum.urlparse = lambda url: real_urlparse(url)._replace(scheme="https")
try:
    big = os.urandom(3 * 1024 * KiB + 5)
    s3.put_object(Bucket=bucket, Key="sdk-trailer.bin", Body=io.BytesIO(big), ContentEncoding="gzip")
    check(sent.get("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER" and sent.get("transfer-encoding") == "chunked"
          and sent.get("content-encoding") == "gzip,aws-chunked" and "content-length" not in sent,
          "boto3 sent PutObject as an aws-chunked, HTTP-chunked body with a trailer")
    mp = s3.create_multipart_upload(Bucket=bucket, Key="sdk-trailer-mp.bin", ChecksumAlgorithm="CRC32")["UploadId"]
    parts = [os.urandom(5 * 1024 * KiB), b"last part"]
    done = []
    for n, part in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key="sdk-trailer-mp.bin", UploadId=mp, PartNumber=n, Body=io.BytesIO(part),
                           ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": r.get("ChecksumCRC32")})
    check(sent.get("x-amz-content-sha256") == "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "and UploadPart the same way")
finally:
    botocore.httpchecksum.urlparse = real_urlparse
g = s3.get_object(Bucket=bucket, Key="sdk-trailer.bin", ChecksumMode="ENABLED")
check(g["Body"].read() == big and g.get("ChecksumCRC32") == crc32_b64(big), "the object reads back with the trailer's CRC32")
check(g.get("ContentEncoding") == "gzip" and g.get("ContentLength") == len(big), "Content-Encoding gzip,aws-chunked stores gzip")
check(all(d["ChecksumCRC32"] == crc32_b64(p) for d, p in zip(done, parts)), "UploadPart answers each part's CRC32 from the trailer")
s3.complete_multipart_upload(Bucket=bucket, Key="sdk-trailer-mp.bin", UploadId=mp, MultipartUpload={"Parts": done})
check(s3.get_object(Bucket=bucket, Key="sdk-trailer-mp.bin")["Body"].read() == b"".join(parts), "the multipart upload reads back")

# --- clean up --------------------------------------------------------------------------------
keys = [{"Key": o["Key"]} for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
if keys:
    s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
s3.delete_bucket(Bucket=bucket)
print("all S3 aws-chunked checks passed")
