import json
import os
import time

import boto3

secrets = boto3.client("secretsmanager")
ssm = boto3.client("ssm")
_cache = {}


def cached_secret(secret_id, ttl=1.0):
    """The secret's current value, cached briefly as the AWS caching libraries do."""
    hit = _cache.get(secret_id)
    if hit and time.time() - hit[0] < ttl:
        return hit[1]
    value = json.loads(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
    _cache[secret_id] = (time.time(), value)
    return value


def reply(body):
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def settings(event, context):
    keys = ["PAYMENTS_URL", "PAYMENTS_API_KEY", "PAYMENTS_API_KEY_CIPHERTEXT", "REGIONS_RAW", "PRIMARY_REGION",
            "DB_HOST", "DB_USER"]
    return reply({k: os.environ[k] for k in keys})


def connect(event, context):
    db = cached_secret(os.environ["DB_SECRET_ID"], ttl=0)
    param = ssm.get_parameter(Name=f"/corpus/{os.environ['DB_SECRET_ID'].split('/')[1]}/payments/api-key",
                              WithDecryption=True)["Parameter"]
    return reply({"dsn": f"postgres://{db['username']}:{'*' * len(db['password'])}@{db['host']}:{db['port']}/payments",
                  "passwordLength": len(db["password"]), "apiKeyVersion": param["Version"], "apiKeyType": param["Type"]})
