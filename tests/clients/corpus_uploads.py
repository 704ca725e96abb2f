"""The S3 processors of the corpus (tests/corpus: image-metadata, csv-import, upload-audit,
presigned-uploads), at stage dev: objects go in with boto3 (put, copy, multipart, delete)
or through a presigned URL, and the checks read what the functions made of S3's event
records, with bounded waits.

Usage: corpus_uploads.py setup        (before the deploy: the bucket upload-audit expects)
       corpus_uploads.py check HTTP_BASE
Exits non-zero with the failing check on the first failure."""
import csv
import io
import json
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib
from urllib.parse import unquote_plus

import boto3
from corpus_common import check, wait_for

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
dynamodb = boto3.resource("dynamodb")
SHARED = "corpus-shared-documents"


def png(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * (width * 3) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


if sys.argv[1] == "setup":
    s3.create_bucket(Bucket=SHARED)
    s3.put_object(Bucket=SHARED, Key="before-deploy.txt", Body=b"made before the audit existed")
    print("corpus uploads setup done")
    sys.exit(0)

BASE = sys.argv[2].rstrip("/")

# --- image-metadata: ranged GET of each PNG, suffix rule, removal events -----------------
photos = "image-metadata-dev-photos"
check(photos in [b["Name"] for b in s3.list_buckets()["Buckets"]], "images: the s3 event created its bucket")
meta = dynamodb.Table("image-metadata-dev-MetadataTable")
s3.put_object(Bucket=photos, Key="cats/tabby.png", Body=png(3, 2), ContentType="image/png")
s3.put_object(Bucket=photos, Key="cats/wide cat.png", Body=png(40, 1), ContentType="image/png")
s3.put_object(Bucket=photos, Key="cats/fake.png", Body=b"GIF89a not a png at all", ContentType="image/png")
s3.put_object(Bucket=photos, Key="cats/notes.txt", Body=b"not an image")
items = wait_for("images: three PNG uploads were read",
                 lambda: (lambda i: i if len(i) == 3 else None)(meta.scan(ConsistentRead=True)["Items"]))
by_key = {i["key"]: i for i in items}
check((by_key["cats/tabby.png"]["width"], by_key["cats/tabby.png"]["height"]) == (3, 2), "images: dimensions of a PNG")
check((by_key["cats/wide cat.png"]["width"], by_key["cats/wide cat.png"]["height"]) == (40, 1),
      "images: a key with a space arrives URL-encoded and decodes back")
check(by_key["cats/fake.png"]["error"] == "not a PNG", "images: the function's own error handling")
tabby = s3.head_object(Bucket=photos, Key="cats/tabby.png")
check(by_key["cats/tabby.png"]["eTag"] == tabby["ETag"].strip('"') and by_key["cats/tabby.png"]["size"] == tabby["ContentLength"],
      "images: the record's eTag (without quotes) and size match HeadObject")
check(by_key["cats/tabby.png"]["event"] == "ObjectCreated:Put", "images: eventName without the s3: prefix")
check(by_key["cats/tabby.png"]["contentRange"].startswith("bytes 0-32/"), "images: the ranged GET answered 206's Content-Range")
check("cats/notes.txt" not in by_key, "images: the suffix rule kept the text file out")
s3.delete_objects(Bucket=photos, Delete={"Objects": [{"Key": "cats/tabby.png"}, {"Key": "cats/notes.txt"}]})
wait_for("images: deleting a PNG removed its record (ObjectRemoved through DeleteObjects)",
         lambda: "Item" not in meta.get_item(Key={"key": "cats/tabby.png"}, ConsistentRead=True))
check(len(meta.scan()["Items"]) == 2, "images: the other records stay")

# --- csv-import: parse, move, report ----------------------------------------------------
imports = "csv-import-dev-imports"
buf = io.StringIO()
w = csv.writer(buf)
w.writerow(["email", "first_name", "last_name", "company"])
w.writerow(["Ada@Example.com", "Ada", "Lovelace", "Analytical Engines"])
w.writerow(["grace@example.com", "Grace", "Hopper", ""])
w.writerow(["broken", "No", "Email", "x"])
w.writerow(["alan@example.com", "Alan", "Turing", "Bletchley, Park"])
s3.put_object(Bucket=imports, Key="uploads/2024/contacts march.csv", Body=("\ufeff" + buf.getvalue()).encode())
s3.put_object(Bucket=imports, Key="uploads/no-columns.csv", Body=b"name,phone\nx,1\n")
s3.put_object(Bucket=imports, Key="elsewhere/ignored.csv", Body=b"email,first_name,last_name\na@b.c,a,b\n")
s3.put_object(Bucket=imports, Key="uploads/readme.md", Body=b"# not csv")


def report(name):
    try:
        return json.loads(s3.get_object(Bucket=imports, Key=f"reports/{name}.json")["Body"].read())
    except s3.exceptions.NoSuchKey:
        return None


rep = wait_for("csv: a report for the contacts file", lambda: report("contacts march.csv"))
check(rep == {"source": "uploads/2024/contacts march.csv", "imported": 3, "errors": ["line 4: bad email 'broken'"]},
      f"csv: three rows imported, the bad one reported ({rep})")
rep = wait_for("csv: a report for the file without the columns", lambda: report("no-columns.csv"))
check(rep["imported"] == 0 and rep["errors"] == ["missing columns: email, first_name, last_name"], "csv: missing columns")
contacts = dynamodb.Table("csv-import-dev-ContactsTable")
ada = contacts.get_item(Key={"email": "ada@example.com"})["Item"]
check(ada == {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace", "company": "Analytical Engines",
              "importedFrom": "uploads/2024/contacts march.csv"}, f"csv: a contact ({ada})")
check(contacts.get_item(Key={"email": "alan@example.com"})["Item"]["company"] == "Bletchley, Park",
      "csv: quoted fields")
check("company" not in contacts.get_item(Key={"email": "grace@example.com"})["Item"], "csv: empty fields are left out")
keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=imports)["Contents"])
check(keys == ["elsewhere/ignored.csv", "processed/contacts march.csv", "processed/no-columns.csv",
               "reports/contacts march.csv.json", "reports/no-columns.csv.json", "uploads/readme.md"],
      f"csv: the uploads were moved, the others left alone ({keys})")
moved = s3.head_object(Bucket=imports, Key="processed/contacts march.csv")
check(moved["Metadata"] == {"imported": "3"} and moved["ContentType"] == "text/csv", "csv: CopyObject replaced the metadata")
check(contacts.scan(Select="COUNT")["Count"] == 3, "csv: nothing imported from outside uploads/")

# --- upload-audit: every event of an existing bucket, as S3 describes it ----------------
trail = sqs.get_queue_url(QueueName="upload-audit-dev-trail")["QueueUrl"]
key = "reports/Q1 summary (final).pdf"
put = s3.put_object(Bucket=SHARED, Key=key, Body=b"%PDF-1.4 quarterly", ContentType="application/pdf")
s3.copy_object(Bucket=SHARED, Key="archive/q1.pdf", CopySource={"Bucket": SHARED, "Key": key})
mpu = s3.create_multipart_upload(Bucket=SHARED, Key="big/video.bin")
part = s3.upload_part(Bucket=SHARED, Key="big/video.bin", UploadId=mpu["UploadId"], PartNumber=1, Body=b"v" * 1024)
s3.complete_multipart_upload(Bucket=SHARED, Key="big/video.bin", UploadId=mpu["UploadId"],
                             MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
s3.delete_object(Bucket=SHARED, Key=key)
records = []
deadline = time.time() + 20
while len(records) < 4 and time.time() < deadline:
    for m in sqs.receive_message(QueueUrl=trail, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
        records.append(json.loads(m["Body"]))
        sqs.delete_message(QueueUrl=trail, ReceiptHandle=m["ReceiptHandle"])
names = sorted((r["eventName"], unquote_plus(r["s3"]["object"]["key"])) for r in records)
check(names == [("ObjectCreated:CompleteMultipartUpload", "big/video.bin"), ("ObjectCreated:Copy", "archive/q1.pdf"),
                ("ObjectCreated:Put", key), ("ObjectRemoved:Delete", key)], f"audit: four events, one per change ({names})")
created = next(r for r in records if r["eventName"] == "ObjectCreated:Put")
check(created["s3"]["object"]["key"] == "reports/Q1+summary+%28final%29.pdf",
      f"audit: the key is URL-encoded as S3 sends it ({created['s3']['object']['key']})")
check(created["eventVersion"] == "2.1" and created["eventSource"] == "aws:s3" and created["awsRegion"] == "us-east-1"
      and created["eventTime"].endswith("Z"), "audit: eventVersion, eventSource, awsRegion, eventTime")
check(created["s3"]["s3SchemaVersion"] == "1.0" and created["s3"]["bucket"]["name"] == SHARED
      and created["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{SHARED}" and "principalId" in created["s3"]["bucket"]["ownerIdentity"],
      "audit: the bucket's name, ARN and owner")
check(created["s3"]["object"]["size"] == 18 and created["s3"]["object"]["eTag"] == put["ETag"].strip('"')
      and len(created["s3"]["object"]["sequencer"]) > 0, "audit: size, eTag and sequencer")
check("sourceIPAddress" in created["requestParameters"] and "principalId" in created["userIdentity"]
      and "x-amz-request-id" in created["responseElements"], "audit: requestParameters, userIdentity and responseElements")
check(created["s3"]["configurationId"] != next(r for r in records if r["eventName"] == "ObjectRemoved:Delete")["s3"]["configurationId"],
      "audit: the two s3 events are two notification configurations")
removed = next(r for r in records if r["eventName"] == "ObjectRemoved:Delete")
check(removed["s3"]["object"]["key"] == created["s3"]["object"]["key"]
      and int(removed["s3"]["object"]["sequencer"], 16) > int(created["s3"]["object"]["sequencer"], 16),
      "audit: a later change of the same key has a greater sequencer")
check(all(r["s3"]["object"]["key"] != "before-deploy.txt" for r in records), "audit: nothing for objects older than the deploy")

# --- presigned-uploads: the browser flow ------------------------------------------------
api = f"{BASE}/presigned-uploads/dev/uploads"
status, h, body = http("POST", api, json.dumps({"fileName": "../../etc/passwd", "contentType": "text/plain"}).encode(),
                       {"content-type": "application/json"})
check(status == 400, "presign: a bad file name is refused")
status, h, body = http("POST", api, json.dumps({"fileName": "report 2024.pdf", "contentType": "application/pdf"}).encode(),
                       {"content-type": "application/json", "Origin": "https://app.example.com"})
check(status == 201 and h["Access-Control-Allow-Origin"] == "https://app.example.com", "presign: create an upload (CORS)")
upload = json.loads(body)
check(upload["uploadUrl"].startswith("http://127.0.0.1:") and "Signature=" in upload["uploadUrl"],
      f"presign: boto3 in the function presigned against this endpoint ({upload['uploadUrl'][:60]})")
status, h, body = http("GET", f"{api}/{upload['uploadId']}")
check(status == 200 and json.loads(body) == {"uploadId": upload["uploadId"], "status": "PENDING"}, "presign: pending")
status, h, _ = http("OPTIONS", upload["uploadUrl"], headers={"Origin": "https://app.example.com",
                                                              "Access-Control-Request-Method": "PUT",
                                                              "Access-Control-Request-Headers": "content-type"})
check(status == 200 and h["Access-Control-Allow-Origin"] == "https://app.example.com" and h["Access-Control-Max-Age"] == "3000",
      f"presign: the bucket's CORS rules answer the browser's preflight ({status})")
pdf = b"%PDF-1.7\n" + b"x" * 5000
status, h, _ = http("PUT", upload["uploadUrl"], pdf, {"Content-Type": "application/pdf"})
check(status == 200 and h["ETag"], "presign: PUT to the presigned URL, without credentials")
status, _, _ = http("PUT", upload["uploadUrl"], pdf, {"Content-Type": "text/plain"})
check(status == 403, "presign: a Content-Type other than the signed one is refused")


def received():
    s, _, b = http("GET", f"{api}/{upload['uploadId']}")
    b = json.loads(b)
    return b if b["status"] == "RECEIVED" else None


got = wait_for("presign: the s3 event marked the upload received", received)
check(got["size"] == len(pdf), "presign: with its size")
status, h, body = http("GET", got["downloadUrl"])
check(status == 200 and body == pdf and h["Content-Type"] == "application/pdf", "presign: the download URL returns the file")
stored = dynamodb.Table("presigned-uploads-dev-UploadsTable").get_item(Key={"uploadId": upload["uploadId"]})["Item"]
check(stored["receivedType"] == "application/pdf", "presign: HeadObject in the function saw the signed content type")

print("all corpus upload checks passed")
