"""The configuration services of the corpus (tests/corpus: config-stages at stages dev
and prod with --param featureFlags=beta for prod, secrets-ssm at dev, dotenv-settings at
dev and prod): what each stage's functions see, over HTTP and through the Lambda API.

Usage: corpus_config.py setup        (before the deploys: the parameters and the secret
                                      secrets-ssm resolves)
       corpus_config.py check HTTP_BASE
Exits non-zero with the failing check on the first failure."""
import json
import sys
import urllib.error
import urllib.request

import boto3
from corpus_common import check

ssm = boto3.client("ssm")
secrets = boto3.client("secretsmanager")
lam = boto3.client("lambda")
DB = {"host": "db.internal", "port": 5432, "username": "payments_app", "password": "correct horse battery"}


def get(url):
    req = urllib.request.Request(url, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read())


def post(url):
    req = urllib.request.Request(url, data=b"{}", method="POST")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


if sys.argv[1] == "setup":
    ssm.put_parameter(Name="/corpus/dev/payments/url", Type="String", Value="https://payments.dev.example.com/v2")
    ssm.put_parameter(Name="/corpus/dev/payments/api-key", Type="SecureString", Value="pk_test_51Habc")
    ssm.put_parameter(Name="/corpus/dev/payments/regions", Type="StringList", Value="eu-west-1,us-east-1")
    secrets.create_secret(Name="corpus/dev/payments-db", SecretString=json.dumps(DB))
    print("corpus config setup done")
    sys.exit(0)

BASE = sys.argv[2].rstrip("/")

# --- config-stages: params, --param, a file per stage ------------------------------------
status, _, dev = get(f"{BASE}/config-stages/dev/config")
check(status == 200, "stages: dev answers")
check(dev["STAGE"] == "dev" and dev["LOG_LEVEL"] == "info" and dev["FEATURE_FLAGS"] == "none",
      f"stages: dev takes params.default ({dev})")
check(dev["API_BASE"] == "https://api.dev.example.com" and dev["PAGE_SIZE"] == "10", "stages: dev reads config/dev.yml")
check(dev["GREETING"] == "Hello, dev" and dev["SERVICE_NAME"] == "config-stages"
      and dev["AWS_LAMBDA_FUNCTION_NAME"] == "config-stages-dev-config", "stages: variables inside strings, function name")
check(dev["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "128" and 0 < dev["timeLeftMs"] <= 6000,
      "stages: memory from the default, timeout from the dev file")
status, _, prod = get(f"{BASE}/config-stages/prod/config")
check(prod["STAGE"] == "prod" and prod["LOG_LEVEL"] == "warn", f"stages: prod takes params.prod ({prod})")
check(prod["FEATURE_FLAGS"] == "beta", "stages: --param beats params.prod")
check(prod["GREETING"] == "Hello, prod", "stages: a key missing from params.prod falls back to params.default")
check(prod["API_BASE"] == "https://api.example.com" and prod["PAGE_SIZE"] == "50", "stages: prod reads config/prod.yml")
check(prod["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512" and 6000 < prod["timeLeftMs"] <= 12000, "stages: prod's memory and timeout")
conf = lam.get_function_configuration(FunctionName="config-stages-prod-config")
check(conf["MemorySize"] == 512 and conf["Timeout"] == 12 and conf["Environment"]["Variables"]["LOG_LEVEL"] == "warn",
      "stages: the Lambda API reports prod's configuration")
check(lam.get_function_configuration(FunctionName="config-stages-dev-config")["MemorySize"] == 128,
      "stages: the two stages are two functions")

# --- secrets-ssm: ${ssm:} at deploy time, boto3 at run time --------------------------------
status, _, s = get(f"{BASE}/secrets-ssm/dev/payments/settings")
check(status == 200 and s["PAYMENTS_URL"] == "https://payments.dev.example.com/v2", f"ssm: a String parameter ({s})")
check(s["PAYMENTS_API_KEY"] == "pk_test_51Habc", "ssm: a SecureString is decrypted")
check(s["PAYMENTS_API_KEY_CIPHERTEXT"] != "pk_test_51Habc" and len(s["PAYMENTS_API_KEY_CIPHERTEXT"]) > 20,
      "ssm(noDecrypt) keeps the ciphertext")
check(s["REGIONS_RAW"] == "eu-west-1,us-east-1" and s["PRIMARY_REGION"] == "eu-west-1",
      "ssm: a StringList raw, and as a list indexed from self:")
check(s["DB_HOST"] == "db.internal" and s["DB_USER"] == "payments_app", "ssm: a JSON secret's fields through self:")
c = post(f"{BASE}/secrets-ssm/dev/payments/connect")
check(c == {"dsn": "postgres://payments_app:*********************@db.internal:5432/payments", "passwordLength": 21,
            "apiKeyVersion": 1, "apiKeyType": "SecureString"}, f"ssm: the function reads the secret and parameter with boto3 ({c})")
secrets.put_secret_value(SecretId="corpus/dev/payments-db", SecretString=json.dumps({**DB, "password": "rotated"}))
c = post(f"{BASE}/secrets-ssm/dev/payments/connect")
check(c["passwordLength"] == 7, "ssm: a rotated secret is read without a deploy")

# --- dotenv-settings: .env and .env.<stage> -------------------------------------------------
status, h, d = get(f"{BASE}/dotenv-settings/dev/settings")
check(status == 200 and d == {"APP_URL": "http://localhost:3000", "SUPPORT_EMAIL": "support@example.com",
                              "MAINTENANCE": "false", "RATE_LIMIT": "60", "ACCOUNT": "000000000000",
                              "REGION": "us-east-1", "PARTITION": "aws", "TIER": "free"},
      f"dotenv: dev reads .env, defaults from settings.json ({d})")
status, h, d = get(f"{BASE}/dotenv-settings/prod/settings")
check(status == 503 and h["retry-after"] == "120", f"dotenv: prod is in maintenance (.env.prod, strToBool) ({status})")
check(d["settings"]["APP_URL"] == "https://app.example.com" and d["settings"]["SUPPORT_EMAIL"] == "help@example.com"
      and d["settings"]["TIER"] == "business" and d["settings"]["RATE_LIMIT"] == "6000",
      f"dotenv: prod reads .env.prod only, and the tier picks its limits ({d['settings']})")

print("all corpus config checks passed")
