"""A handler run by AWS's awslambdaric, to show Squall's Runtime API suits it."""
calls = 0


def echo(event, context):
    global calls
    calls += 1
    print(f"ric call {calls}")
    if event.get("fail"):
        raise RuntimeError("failing on request")
    return {"calls": calls, "event": event, "request_id": context.aws_request_id,
            "remaining_ok": context.get_remaining_time_in_millis() > 0}
