"""Prints a SigV4 presigned URL: s3_presign.py METHOD BUCKET KEY [EXPIRES].

Used by the end-to-end tests to drive raw requests (an upload cut off by kill -9) without
signing them in Rust. Reads AWS_ENDPOINT_URL and the key from the environment."""
import sys

import boto3
from botocore.config import Config

method, bucket, key = sys.argv[1:4]
expires = int(sys.argv[4]) if len(sys.argv) > 4 else 300
s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
op = {"GET": "get_object", "PUT": "put_object", "DELETE": "delete_object"}[method]
print(s3.generate_presigned_url(op, Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires))
