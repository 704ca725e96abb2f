"""The DynamoDB stream consumers of the corpus (tests/corpus: audit-trail,
search-indexer), at stage dev: writes over HTTP or with boto3, and the checks read what
the consumers built from the stream records (old and new images, event names, sequence
order, partial batch failures), with bounded waits.

Usage: corpus_streams.py HTTP_BASE. Exits non-zero with the failing check on the first
failure."""
import json
import sys
import time
import urllib.parse

import boto3
from corpus_common import call, check, wait_for

BASE = sys.argv[1].rstrip("/")
dynamodb = boto3.resource("dynamodb")
client = boto3.client("dynamodb")



# --- audit-trail: NEW_AND_OLD_IMAGES into a per-product history --------------------------
api = f"{BASE}/audit-trail/dev/products"
check(call("PUT", f"{api}/p1", {"name": "Kettle", "price": 25.5, "tags": ["kitchen"]})[0] == 204, "audit: create p1")
check(call("PUT", f"{api}/p1", {"name": "Kettle", "price": 22.0, "tags": ["kitchen"]})[0] == 204, "audit: change p1's price")
check(call("PUT", f"{api}/p2", {"name": "Toaster", "price": 30})[0] == 204, "audit: create p2")
check(call("PUT", f"{api}/p1", {"name": "Kettle 2", "price": 22.0, "colour": "red"})[0] == 204, "audit: change p1 again")
check(call("DELETE", f"{api}/p2")[0] == 204, "audit: delete p2")


def trail(pid, n):
    status, body = call("GET", f"{api}/{pid}/history")
    return body if status == 200 and len(body) >= n else None


h1 = wait_for("audit: p1's three changes are in its history", lambda: trail("p1", 3))
check([(e["event"], e["changed"]) for e in h1] == [
    ("INSERT", ["id", "name", "price", "tags"]), ("MODIFY", ["price"]), ("MODIFY", ["colour", "name", "tags"])],
      f"audit: in order, with the fields that changed ({h1})")
h2 = wait_for("audit: p2's insert and removal", lambda: trail("p2", 2))
check([(e["event"], e["changed"]) for e in h2] == [("INSERT", ["id", "name", "price"]), ("REMOVE", ["id", "name", "price"])],
      f"audit: a REMOVE has the old image only ({h2})")
items = dynamodb.Table("audit-trail-dev-HistoryTable").scan()["Items"]
metas = [json.loads(i["meta"]) for i in items]
stream_arn = client.describe_table(TableName="audit-trail-dev-ProductsTable")["Table"]["LatestStreamArn"]
insert = next(m for m, i in zip(metas, items) if i["event"] == "INSERT" and i["productId"] == "p1")
check(insert["eventSourceARN"] == stream_arn and insert["eventSource"] == "aws:dynamodb" and insert["eventVersion"] == "1.1"
      and insert["awsRegion"] == "us-east-1", "audit: eventSourceARN is the table's stream, eventSource, eventVersion, awsRegion")
check(insert["viewType"] == "NEW_AND_OLD_IMAGES" and insert["keys"] == {"id": {"S": "p1"}} and insert["sizeBytes"] > 0
      and insert["created"] > 1_600_000_000, "audit: StreamViewType, Keys, SizeBytes and ApproximateCreationDateTime in seconds")
check(insert["hasNew"] and not insert["hasOld"], "audit: an INSERT has no OldImage")
check(all(m["hasNew"] and m["hasOld"] for m, i in zip(metas, items) if i["event"] == "MODIFY"), "audit: a MODIFY has both")
check(len({m["eventID"] for m in metas}) == len(metas) == 5, "audit: every record has its own eventID, each delivered once")
check(insert["recordKeys"] == ["awsRegion", "dynamodb", "eventID", "eventName", "eventSource", "eventSourceARN", "eventVersion"]
      and insert["ddbKeys"] == ["ApproximateCreationDateTime", "Keys", "NewImage", "SequenceNumber", "SizeBytes", "StreamViewType"],
      f"audit: the record's keys are DynamoDB Streams' ({insert['recordKeys']}, {insert['ddbKeys']})")

# --- search-indexer: NEW_IMAGE, LATEST, partial batch failures ----------------------------
docs = "search-indexer-dev-docs"
search = f"{BASE}/search-indexer/dev/search"
status, body = call("GET", search)
check(status == 400 and body == {"message": "Missing required request parameters: [q]"}, "search: q is required")
client.batch_write_item(RequestItems={docs: [
    {"PutRequest": {"Item": {"docId": {"S": "d1"}, "title": {"S": "Serverless on one machine"},
                             "body": {"S": "Functions, queues and tables in a single binary"}}}},
    {"PutRequest": {"Item": {"docId": {"S": "d2"}, "title": {"S": "Queues explained"},
                             "body": {"S": "Visibility timeouts and dead-letter queues"}}}},
    {"PutRequest": {"Item": {"docId": {"S": "d3"}, "title": {"S": "Tables and indexes"},
                             "body": {"S": "Partition keys, sort keys and secondary indexes"}}}},
]})


def results(q):
    status, body = call("GET", f"{search}?q={urllib.parse.quote(q)}")
    return [r["docId"] for r in body["results"]] if status == 200 else None


# The indexer writes one document's entries after another: wait for all three.
wait_for("search: the three documents were indexed",
         lambda: results("queues") == ["d1", "d2"] and results("partition") == ["d3"])
check(results("tables") == ["d1", "d3"] and results("dead letter queues") == ["d2"], "search: single and multi-word queries")
check(results("the and of") == [], "search: stop words only find nothing")
dynamodb.Table(docs).update_item(Key={"docId": "d2"}, UpdateExpression="SET title = :t",
                                 ExpressionAttributeValues={":t": "Message queues explained"})
wait_for("search: an update re-indexes the document", lambda: results("message") == ["d2"])
check(results("visibility") == ["d2"], "search: the body is still indexed (NEW_IMAGE has the whole item)")
dynamodb.Table(docs).delete_item(Key={"docId": "d3"})
wait_for("search: a removal un-indexes the document", lambda: results("partition") == [])
check(results("tables") == ["d1"], "search: the other document stays")
# A record the indexer cannot take: reported as a failed item, retried, then skipped.
dynamodb.Table(docs).put_item(Item={"docId": "d4", "body": "untitled draft"})
index = dynamodb.Table("search-indexer-dev-index")


def attempts():
    item = index.get_item(Key={"token": "__failures__", "docId": "failed#d4"}).get("Item")
    return int(item["attempts"]) if item else 0


wait_for("search: the failing record was tried 1 + maximumRetryAttempts times", lambda: attempts() == 3, seconds=30)
time.sleep(1.5)
check(attempts() == 3, "search: and then given up on")
dynamodb.Table(docs).put_item(Item={"docId": "d5", "title": "After the draft", "body": "indexing goes on"})
wait_for("search: records after one given up on are still indexed", lambda: results("indexing") == ["d5"], seconds=30)
check(results("untitled") == [], "search: the failing record was never indexed")

print("all corpus stream checks passed")
