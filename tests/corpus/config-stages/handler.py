import json
import os

KEYS = ["STAGE", "LOG_LEVEL", "FEATURE_FLAGS", "API_BASE", "PAGE_SIZE", "SERVICE_NAME", "GREETING",
        "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]


def config(event, context):
    return {"statusCode": 200, "headers": {"content-type": "application/json"},
            "body": json.dumps({k: os.environ.get(k) for k in KEYS} | {"timeLeftMs": context.get_remaining_time_in_millis()})}
