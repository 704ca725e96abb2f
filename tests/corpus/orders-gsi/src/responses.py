"""Small helpers shared by the handlers."""
import json
from decimal import Decimal


def _default(o):
    if isinstance(o, Decimal):
        return int(o) if o % 1 == 0 else float(o)
    raise TypeError(f"{type(o).__name__} is not JSON serializable")


def json_response(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body, default=_default)}


def error(status, message, **extra):
    return json_response(status, {"error": message, **extra})


def parse_body(event):
    try:
        return json.loads(event.get("body") or "{}", parse_float=Decimal)
    except ValueError:
        return None
