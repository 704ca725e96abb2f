"""Reaches out from inside a function whose egress may be limited: an HTTP GET through the
proxy the environment names, a raw TCP connection, and a call to Squall's own API."""
import socket
import urllib.error
import urllib.request

import boto3


def fetch(event, context):
    try:
        with urllib.request.urlopen(event["url"], timeout=10) as r:
            return {"status": r.status, "body": r.read().decode()}
    except urllib.error.HTTPError as e:
        return {"status": e.code, "body": e.read().decode()}
    except Exception as e:  # noqa: BLE001 - what failed is the answer
        return {"error": type(e).__name__}


def direct(event, context):
    try:
        socket.create_connection(("127.0.0.1", event["port"]), timeout=5).close()
        return {"connected": True}
    except OSError as e:
        return {"connected": False, "error": type(e).__name__}


def platform(event, context):
    return {"arn": boto3.client("sts").get_caller_identity()["Arn"]}
