"""Test handlers for the process runtime (Python)."""
import json
import os
import time

calls = 0  # module state: survives between invocations of a warm process


def http(event, context):
    global calls
    calls += 1
    print(f"python http call {calls}")
    name = (event.get("pathParameters") or {}).get("name", "world")
    return {
        "statusCode": 201,
        "headers": {"content-type": "text/plain", "x-route": event["routeKey"], "x-request": context.aws_request_id},
        "cookies": ["a=1", "b=2"],
        "body": f"Hello, {name}! call {calls} query {json.dumps(event.get('queryStringParameters'))}",
    }


def echo(event, context):
    global calls
    calls += 1
    return {"calls": calls, "event": event, "function": context.function_name,
            "memory": context.memory_limit_in_mb, "remaining_ok": context.get_remaining_time_in_millis() > 0,
            "pid": os.getpid(), "init_type": os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE")}


def shout(event, context):
    print("shout got", json.dumps(event, sort_keys=True))
    return {"shouted": True}


def sleepy(event, context):
    time.sleep(float((event or {}).get("seconds", 5)))
    return {"slept": True}


def crash(event, context):
    print("about to crash")
    os._exit(3)


def fail(event, context):
    raise ValueError("bad input, on purpose")


def platform(event, context):
    import boto3  # reaches this Squall through AWS_ENDPOINT_URL and its role's credentials
    names = [f["FunctionName"] for f in boto3.client("lambda").list_functions()["Functions"]]
    return {"functions": names}


def nap(event, context):
    time.sleep(1)
    return {"statusCode": 200, "body": "rested"}


def hog(event, context):
    blocks = []
    for _ in range(100):
        blocks.append(bytearray(16 << 20))  # touched: bytearray zero-fills
        time.sleep(0.01)
    return {"held_mb": 16 * len(blocks)}


def peek(event, context):
    """What this process can see and touch: the sandbox test asks."""
    seen = {}
    for path in event.get("read", []):
        try:
            with open(path, "rb") as f:
                f.read(1)
            seen[path] = "readable"
        except OSError as e:
            seen[path] = type(e).__name__
    for path in event.get("write", []):
        try:
            with open(path, "w") as f:
                f.write("x")
            seen[path] = "writable"
        except OSError as e:
            seen[path] = type(e).__name__
    return {"seen": seen, "env": sorted(os.environ), "pid": os.getpid()}
