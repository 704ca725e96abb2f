import json
import os

import corpus_units


def convert(event, context):
    p = event["pathParameters"]
    to = event["queryStringParameters"]["to"]
    try:
        value = corpus_units.convert(float(p["value"]), p["unit"], to)
    except (KeyError, ValueError):
        return {"statusCode": 422, "body": json.dumps({"message": f"cannot convert {p['unit']} to {to}"})}
    root = os.environ["LAMBDA_TASK_ROOT"]
    files = sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs
                   if "__pycache__" not in d)
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"value": value, "unit": to, "units": corpus_units.__version__, "files": files})}
