"""Stream consumers: they record what they receive in the Seen table.

`consume` fails its whole batch when it meets a record whose new image has `poison`;
`partial` reports a record whose new image has `flaky` as failed the first time it sees
it (and every record after it, as a stream consumer must), with ReportBatchItemFailures.
"""
import os

import boto3

seen = boto3.resource("dynamodb").Table(os.environ["SEEN"])


def bump(key, **extra):
    names = {"#n": "n"}
    values = {":one": 1}
    update = "ADD #n :one"
    sets = []
    for i, (k, v) in enumerate(extra.items()):
        names[f"#k{i}"] = k
        values[f":v{i}"] = v
        sets.append(f"#k{i} = :v{i}")
    if sets:
        update += " SET " + ", ".join(sets)
    return seen.update_item(Key={"id": key}, UpdateExpression=update, ExpressionAttributeNames=names,
                            ExpressionAttributeValues=values, ReturnValues="ALL_NEW")["Attributes"]


def consume(event, context):
    for r in event["Records"]:
        pk = r["dynamodb"]["Keys"]["pk"]["S"]
        if "poison" in r["dynamodb"].get("NewImage", {}):
            bump(f"poison#{pk}")
            raise RuntimeError(f"cannot digest {pk}")
        seen.update_item(
            Key={"id": f"consume#{pk}"},
            UpdateExpression="SET events = list_append(if_not_exists(events, :empty), :e), arn = :arn, "
                             "hadold = :old, seqs = list_append(if_not_exists(seqs, :empty), :s) ADD n :one",
            ExpressionAttributeValues={
                ":empty": [], ":e": [r["eventName"]], ":arn": r["eventSourceARN"], ":one": 1,
                ":old": "OldImage" in r["dynamodb"], ":s": [r["dynamodb"]["SequenceNumber"]],
            },
        )
    bump("batches#consume", last=len(event["Records"]))
    return {"ok": True}


def partial(event, context):
    records = event["Records"]
    for i, r in enumerate(records):
        pk = r["dynamodb"]["Keys"]["pk"]["S"]
        if "flaky" in r["dynamodb"].get("NewImage", {}) and bump(f"flaky#{pk}")["n"] == 1:
            return {"batchItemFailures": [{"itemIdentifier": x["dynamodb"]["SequenceNumber"]} for x in records[i:]]}
        bump(f"partial#{pk}#{r['eventName']}")
    return {"batchItemFailures": []}
