import csv
import io
import json
import os
import posixpath
from urllib.parse import unquote_plus

import boto3

s3 = boto3.client("s3")
contacts = boto3.resource("dynamodb").Table(os.environ["CONTACTS_TABLE"])
REQUIRED = ("email", "first_name", "last_name")


def handle(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        report = {"source": key, "imported": 0, "errors": []}
        if missing:
            report["errors"].append(f"missing columns: {', '.join(missing)}")
        else:
            with contacts.batch_writer(overwrite_by_pkeys=["email"]) as batch:
                for line, row in enumerate(reader, start=2):
                    if "@" not in (row["email"] or ""):
                        report["errors"].append(f"line {line}: bad email {row['email']!r}")
                        continue
                    item = {k: v for k, v in row.items() if v}
                    item["email"] = row["email"].lower()
                    item["importedFrom"] = key
                    batch.put_item(Item=item)
                    report["imported"] += 1
        name = posixpath.basename(key)
        s3.copy_object(Bucket=bucket, Key=f"processed/{name}", CopySource={"Bucket": bucket, "Key": key},
                       MetadataDirective="REPLACE", Metadata={"imported": str(report["imported"])},
                       ContentType="text/csv")
        s3.delete_object(Bucket=bucket, Key=key)
        s3.put_object(Bucket=bucket, Key=f"reports/{name}.json", Body=json.dumps(report).encode(),
                      ContentType="application/json")
