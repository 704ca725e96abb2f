"""DynamoDB through boto3 against a running Squall (client and resource APIs).

Run by the end-to-end tests with AWS_ENDPOINT_URL and a key in the environment; exits
non-zero with the failing check on the first failure.
"""
import decimal
import sys

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

ddb = boto3.client("dynamodb")
res = boto3.resource("dynamodb")


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None), and the error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    return None, None


def check(cond, what):
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


# Tables
t = ddb.create_table(
    TableName="orders",
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    BillingMode="PAY_PER_REQUEST",
)["TableDescription"]
check(t["TableStatus"] == "ACTIVE" and t["TableArn"].endswith(":table/orders"), "create_table describes the table")
ddb.get_waiter("table_exists").wait(TableName="orders", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
check("orders" in ddb.list_tables()["TableNames"], "list_tables lists it")
c, _ = code(ddb.create_table, TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
check(c == "ResourceInUseException", "creating it again is ResourceInUseException")
c, _ = code(ddb.create_table, TableName="x", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
check(c == "ValidationException", "a two-letter table name is refused")

# Every type round-trips, numbers exactly
item = {
    "pk": {"S": "cust#1"}, "sk": {"N": "1"},
    "big": {"N": "12345678901234567890.123456789"}, "bin": {"B": b"\x00\x01\xff"}, "flag": {"BOOL": True},
    "nothing": {"NULL": True}, "map": {"M": {"a": {"L": [{"S": "x"}, {"N": "-2.5"}]}}},
    "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2.5"]}, "blobs": {"BS": [b"\x01", b"\x02"]},
}
ddb.put_item(TableName="orders", Item=item)
got = ddb.get_item(TableName="orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "1"}})["Item"]
check(got["big"] == {"N": "12345678901234567890.123456789"}, "a 29-digit number keeps every digit")
check(got["bin"] == {"B": b"\x00\x01\xff"} and got["map"] == item["map"], "binary and nested values round-trip")
check(sorted(got["tags"]["SS"]) == ["a", "b"] and sorted(got["nums"]["NS"]) == ["1", "2.5"], "sets round-trip")
check("Item" not in ddb.get_item(TableName="orders", Key={"pk": {"S": "nobody"}, "sk": {"N": "1"}}), "a missing item has no Item")
proj = ddb.get_item(TableName="orders", Key={"pk": {"S": "cust#1"}, "sk": {"N": "1"}},
                    ProjectionExpression="#m.a[1], flag", ExpressionAttributeNames={"#m": "map"})["Item"]
check(proj == {"map": {"M": {"a": {"L": [{"N": "-2.5"}]}}}, "flag": {"BOOL": True}}, "projection with nested paths")

# Conditions
cond = dict(ConditionExpression="attribute_not_exists(pk)")
c, e = code(ddb.put_item, TableName="orders", Item={"pk": {"S": "cust#1"}, "sk": {"N": "1"}}, **cond,
            ReturnValuesOnConditionCheckFailure="ALL_OLD")
check(c == "ConditionalCheckFailedException", "attribute_not_exists refuses an overwrite")
check(e.response.get("Item", {}).get("flag") == {"BOOL": True}, "the refused write returns the old item on request")
ddb.put_item(TableName="orders", Item={"pk": {"S": "cust#2"}, "sk": {"N": "1"}, "n": {"N": "5"}}, **cond)
c, _ = code(ddb.delete_item, TableName="orders", Key={"pk": {"S": "cust#2"}, "sk": {"N": "1"}},
            ConditionExpression="n > :ten", ExpressionAttributeValues={":ten": {"N": "10"}})
check(c == "ConditionalCheckFailedException", "a false condition keeps the item")
old = ddb.delete_item(TableName="orders", Key={"pk": {"S": "cust#2"}, "sk": {"N": "1"}},
                      ConditionExpression="n BETWEEN :a AND :b", ReturnValues="ALL_OLD",
                      ExpressionAttributeValues={":a": {"N": "1"}, ":b": {"N": "9"}})["Attributes"]
check(old["n"] == {"N": "5"}, "delete_item returns the old item")

# Updates
r = ddb.update_item(
    TableName="orders", Key={"pk": {"S": "cust#3"}, "sk": {"N": "1"}},
    UpdateExpression="SET visits = if_not_exists(visits, :zero) + :one, history = list_append(if_not_exists(history, :empty), :h) ADD tags :t",
    ExpressionAttributeValues={":zero": {"N": "0"}, ":one": {"N": "1"}, ":empty": {"L": []}, ":h": {"L": [{"S": "first"}]},
                               ":t": {"SS": ["new"]}},
    ReturnValues="ALL_NEW")["Attributes"]
check(r["visits"] == {"N": "1"} and r["history"] == {"L": [{"S": "first"}]} and r["tags"] == {"SS": ["new"]},
      "update_item creates the item from SET, list_append and ADD")
r = ddb.update_item(
    TableName="orders", Key={"pk": {"S": "cust#3"}, "sk": {"N": "1"}},
    UpdateExpression="SET visits = visits + :one REMOVE history DELETE tags :t",
    ExpressionAttributeValues={":one": {"N": "1"}, ":t": {"SS": ["new"]}}, ReturnValues="ALL_NEW")["Attributes"]
check(r == {"pk": {"S": "cust#3"}, "sk": {"N": "1"}, "visits": {"N": "2"}}, "arithmetic, REMOVE and DELETE")
c, _ = code(ddb.update_item, TableName="orders", Key={"pk": {"S": "cust#3"}, "sk": {"N": "1"}},
            UpdateExpression="SET pk = :v", ExpressionAttributeValues={":v": {"S": "x"}})
check(c == "ValidationException", "a key attribute cannot be updated")

# Query: numeric order, ranges, direction, pages, filters, counts
for i in range(1, 26):
    ddb.put_item(TableName="orders", Item={"pk": {"S": "q"}, "sk": {"N": str(i * 10 - 100)}, "even": {"BOOL": i % 2 == 0}})
q = ddb.query(TableName="orders", KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
              ExpressionAttributeValues={":p": {"S": "q"}, ":a": {"N": "-50"}, ":b": {"N": "0"}})
check([i["sk"]["N"] for i in q["Items"]] == ["-50", "-40", "-30", "-20", "-10", "0"], "query orders N keys numerically")
q = ddb.query(TableName="orders", KeyConditionExpression="pk = :p AND sk < :z", ScanIndexForward=False, Limit=3,
              ExpressionAttributeValues={":p": {"S": "q"}, ":z": {"N": "-60"}})
check([i["sk"]["N"] for i in q["Items"]] == ["-70", "-80", "-90"] and "LastEvaluatedKey" in q, "query backwards with a limit")
pages = ddb.get_paginator("query").paginate(TableName="orders", KeyConditionExpression="pk = :p",
                                            ExpressionAttributeValues={":p": {"S": "q"}}, PaginationConfig={"PageSize": 7})
seen = [i["sk"]["N"] for p in pages for i in p["Items"]]
check(seen == [str(i * 10 - 100) for i in range(1, 26)], "the query paginator walks every page in order")
q = ddb.query(TableName="orders", KeyConditionExpression="pk = :p", FilterExpression="even = :t",
              ExpressionAttributeValues={":p": {"S": "q"}, ":t": {"BOOL": True}})
check(q["Count"] == 12 and q["ScannedCount"] == 25, "a filter counts what matched and what was read")
q = ddb.query(TableName="orders", KeyConditionExpression="pk = :p", Select="COUNT",
              ExpressionAttributeValues={":p": {"S": "q"}})
check(q["Count"] == 25 and not q.get("Items"), "Select COUNT")

# Scan: everything, in pages and in segments
everything = [i for p in ddb.get_paginator("scan").paginate(TableName="orders", PaginationConfig={"PageSize": 4}) for i in p["Items"]]
check(len(everything) == 27, f"scan sees every item ({len(everything)})")
segs = sum((ddb.scan(TableName="orders", Segment=s, TotalSegments=3)["Items"] for s in range(3)), [])
check(len(segs) == 27, "three segments cover the table once")

# The resource API (Decimal numbers, condition builders)
table = res.Table("orders")
table.put_item(Item={"pk": "res", "sk": decimal.Decimal("2"), "price": decimal.Decimal("19.99")})
got = table.get_item(Key={"pk": "res", "sk": 2})["Item"]
check(got["price"] == decimal.Decimal("19.99"), "resource API round-trips Decimals")
items = table.query(KeyConditionExpression=Key("pk").eq("q") & Key("sk").gte(100),
                    FilterExpression=Attr("even").eq(False))["Items"]
check([int(i["sk"]) for i in items] == [110, 130, 150], "resource query with condition builders")

# Batches (the resource batch_writer sends BatchWriteItem)
with table.batch_writer() as bw:
    for i in range(30):
        bw.put_item(Item={"pk": "batch", "sk": i, "v": f"v{i}"})
got = ddb.batch_get_item(RequestItems={"orders": {"Keys": [{"pk": {"S": "batch"}, "sk": {"N": str(i)}} for i in (0, 7, 29, 99)],
                                                  "ProjectionExpression": "v"}})
check(sorted(i["v"]["S"] for i in got["Responses"]["orders"]) == ["v0", "v29", "v7"] and not got["UnprocessedKeys"],
      "batch_writer and batch_get_item")
ddb.batch_write_item(RequestItems={"orders": [{"DeleteRequest": {"Key": {"pk": {"S": "batch"}, "sk": {"N": str(i)}}}} for i in range(25)]})
left = ddb.query(TableName="orders", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "batch"}})["Count"]
check(left == 5, "batch deletes")
c, _ = code(ddb.batch_write_item, RequestItems={"orders": [{"PutRequest": {"Item": {"pk": {"S": "d"}, "sk": {"N": "1"}}}}] * 2})
check(c == "ValidationException", "a batch with the same key twice is refused")

# Transactions: all or nothing, reasons per action, idempotent tokens
k = lambda pk: {"pk": {"S": pk}, "sk": {"N": "0"}}  # noqa: E731
ddb.put_item(TableName="orders", Item={**k("acct-a"), "balance": {"N": "100"}})
ddb.put_item(TableName="orders", Item={**k("acct-b"), "balance": {"N": "0"}})
move = lambda amount: [  # noqa: E731
    {"Update": {"TableName": "orders", "Key": k("acct-a"), "UpdateExpression": "SET balance = balance - :x",
                "ConditionExpression": "balance >= :x", "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
    {"Update": {"TableName": "orders", "Key": k("acct-b"), "UpdateExpression": "SET balance = balance + :x",
                "ExpressionAttributeValues": {":x": {"N": str(amount)}}}},
    {"Put": {"TableName": "orders", "Item": {**k(f"log-{amount}"), "amount": {"N": str(amount)}},
             "ConditionExpression": "attribute_not_exists(pk)"}},
]
ddb.transact_write_items(TransactItems=move(30), ClientRequestToken="move-30")
ddb.transact_write_items(TransactItems=move(30), ClientRequestToken="move-30")  # a retry: applied once
got = ddb.transact_get_items(TransactItems=[{"Get": {"TableName": "orders", "Key": k(x)}} for x in ("acct-a", "acct-b", "nobody")])
check([r.get("Item", {}).get("balance", {}).get("N") for r in got["Responses"]] == ["70", "30", None],
      "a transaction applies every action once, even when retried with its token")
c, e = code(ddb.transact_write_items, TransactItems=move(500))
reasons = [r["Code"] for r in e.response.get("CancellationReasons", [])] if e else []
check(c == "TransactionCanceledException" and reasons == ["ConditionalCheckFailed", "None", "None"], f"a failing condition cancels all ({reasons})")
check(ddb.get_item(TableName="orders", Key=k("acct-b"))["Item"]["balance"]["N"] == "30" and
      "Item" not in ddb.get_item(TableName="orders", Key=k("log-500")), "nothing of a cancelled transaction is applied")
c, _ = code(ddb.transact_write_items, TransactItems=move(1), ClientRequestToken="move-30")
check(c == "IdempotentParameterMismatchException", "a token reused for another request is refused")
c, _ = code(ddb.transact_write_items, TransactItems=[{"Delete": {"TableName": "orders", "Key": k("acct-a")}},
                                                     {"ConditionCheck": {"TableName": "orders", "Key": k("acct-a"),
                                                                         "ConditionExpression": "attribute_exists(pk)"}}])
check(c == "ValidationException", "two actions on one item are refused")
for x in ("acct-a", "acct-b", "log-30"):
    ddb.delete_item(TableName="orders", Key=k(x))

# Secondary indexes: global (sparse, INCLUDE projection), local, and one added later
ddb.create_table(
    TableName="people",
    KeySchema=[{"AttributeName": "org", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
    AttributeDefinitions=[{"AttributeName": a, "AttributeType": t} for a, t in
                          (("org", "S"), ("id", "S"), ("city", "S"), ("age", "N"), ("joined", "S"))],
    GlobalSecondaryIndexes=[{"IndexName": "byCity", "KeySchema": [{"AttributeName": "city", "KeyType": "HASH"},
                                                                  {"AttributeName": "age", "KeyType": "RANGE"}],
                             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}}],
    LocalSecondaryIndexes=[{"IndexName": "byJoined", "KeySchema": [{"AttributeName": "org", "KeyType": "HASH"},
                                                                   {"AttributeName": "joined", "KeyType": "RANGE"}],
                            "Projection": {"ProjectionType": "KEYS_ONLY"}}],
    BillingMode="PAY_PER_REQUEST",
)
d = ddb.describe_table(TableName="people")["Table"]
check([i["IndexName"] for i in d["GlobalSecondaryIndexes"]] == ["byCity"] and d["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
      and [i["IndexName"] for i in d["LocalSecondaryIndexes"]] == ["byJoined"], "describe_table lists both indexes")
people = res.Table("people")
for i, (city, age, joined) in enumerate([("Oslo", 30, "2021"), ("Oslo", 25, "2019"), ("Lima", 41, "2020"), ("Oslo", 35, "2023"), (None, 50, "2018")]):
    p = {"org": "acme", "id": f"p{i}", "name": f"n{i}", "age": age, "joined": joined, "secret": "s"}
    if city:
        p["city"] = city
    people.put_item(Item=p)
oslo = people.query(IndexName="byCity", KeyConditionExpression=Key("city").eq("Oslo"))["Items"]
check([(x["id"], int(x["age"])) for x in oslo] == [("p1", 25), ("p0", 30), ("p3", 35)], "a GSI query orders by the index sort key")
check(all("secret" not in x and "name" in x for x in oslo), "an INCLUDE projection keeps keys and the named attributes only")
older = people.query(IndexName="byCity", KeyConditionExpression=Key("city").eq("Oslo") & Key("age").gt(26), ScanIndexForward=False)["Items"]
check([x["id"] for x in older] == ["p3", "p0"], "a GSI range condition, backwards")
pages = ddb.get_paginator("query").paginate(TableName="people", IndexName="byCity", KeyConditionExpression="city = :c",
                                            ExpressionAttributeValues={":c": {"S": "Oslo"}}, PaginationConfig={"PageSize": 1})
check([i["id"]["S"] for pg in pages for i in pg["Items"]] == ["p1", "p0", "p3"], "GSI pages carry table and index keys")
check(people.scan(IndexName="byCity", Select="COUNT")["Count"] == 4, "the GSI is sparse: an item without its key is not in it")
people.update_item(Key={"org": "acme", "id": "p0"}, UpdateExpression="SET city = :c", ExpressionAttributeValues={":c": "Lima"})
people.delete_item(Key={"org": "acme", "id": "p3"})
oslo = people.query(IndexName="byCity", KeyConditionExpression=Key("city").eq("Oslo"))["Items"]
lima = people.query(IndexName="byCity", KeyConditionExpression=Key("city").eq("Lima"))["Items"]
check([x["id"] for x in oslo] == ["p1"] and [x["id"] for x in lima] == ["p0", "p2"], "updates move and deletes remove index entries")
joined = people.query(IndexName="byJoined", KeyConditionExpression=Key("org").eq("acme") & Key("joined").between("2019", "2021"))["Items"]
check([x["id"] for x in joined] == ["p1", "p2", "p0"] and set(joined[0]) == {"org", "id", "joined"}, "an LSI query with KEYS_ONLY")
c, _ = code(people.put_item, Item={"org": "acme", "id": "bad", "city": 7})
check(c == "ValidationException", "a GSI key of the wrong type is refused")
ddb.update_table(TableName="people", AttributeDefinitions=[{"AttributeName": "name", "AttributeType": "S"}],
                 GlobalSecondaryIndexUpdates=[{"Create": {"IndexName": "byName", "KeySchema": [{"AttributeName": "name", "KeyType": "HASH"}],
                                                          "Projection": {"ProjectionType": "ALL"}}}])
check(people.query(IndexName="byName", KeyConditionExpression=Key("name").eq("n4"))["Items"][0]["id"] == "p4",
      "a GSI added later is filled from the items already there")
ddb.update_table(TableName="people", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byName"}}])
c, _ = code(people.query, IndexName="byName", KeyConditionExpression=Key("name").eq("n4"))
check(c == "ValidationException", "a deleted GSI is gone")
ddb.delete_table(TableName="people")

# Time to live: expired items disappear, the rest stay
import time  # noqa: E402
ddb.update_time_to_live(TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
check(ddb.describe_time_to_live(TableName="orders")["TimeToLiveDescription"] == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"},
      "describe_time_to_live")
now = int(time.time())
ddb.put_item(TableName="orders", Item={"pk": {"S": "ttl"}, "sk": {"N": "1"}, "expires": {"N": str(now - 60)}})
ddb.put_item(TableName="orders", Item={"pk": {"S": "ttl"}, "sk": {"N": "2"}, "expires": {"N": str(now + 3600)}})
deadline = time.time() + 30
while time.time() < deadline and "Item" in ddb.get_item(TableName="orders", Key={"pk": {"S": "ttl"}, "sk": {"N": "1"}}):
    time.sleep(0.2)
check("Item" not in ddb.get_item(TableName="orders", Key={"pk": {"S": "ttl"}, "sk": {"N": "1"}}), "an expired item disappears")
check("Item" in ddb.get_item(TableName="orders", Key={"pk": {"S": "ttl"}, "sk": {"N": "2"}}), "an unexpired item stays")
c, _ = code(ddb.update_time_to_live, TableName="orders", TimeToLiveSpecification={"Enabled": True, "AttributeName": "other"})
check(c == "ValidationException", "enabling TTL twice is refused")

# Errors in DynamoDB's shape
c, _ = code(ddb.get_item, TableName="nope", Key={"pk": {"S": "a"}})
check(c == "ResourceNotFoundException", "a missing table is ResourceNotFoundException")
c, e = code(ddb.query, TableName="orders", KeyConditionExpression="pk = = :p", ExpressionAttributeValues={":p": {"S": "q"}})
check(c == "ValidationException" and "Syntax error" in str(e), "a syntax error is a ValidationException")
c, e = code(ddb.scan, TableName="orders", FilterExpression="status = :s", ExpressionAttributeValues={":s": {"S": "x"}})
check(c == "ValidationException" and "reserved keyword" in str(e), "a reserved word needs a #name")
c, e = code(ddb.scan, TableName="orders", FilterExpression="flag = :a", ExpressionAttributeValues={":a": {"BOOL": True}, ":b": {"S": "x"}})
check(c == "ValidationException" and "unused" in str(e), "an unused value is refused")
c, _ = code(ddb.put_item, TableName="orders", Item={"pk": {"N": "1"}, "sk": {"N": "1"}})
check(c == "ValidationException", "a key of the wrong type is refused")
c, _ = code(ddb.put_item, TableName="orders", Item={"pk": {"S": "big"}, "sk": {"N": "1"}, "blob": {"S": "x" * 410_000}})
check(c == "ValidationException", "an item over 400 KB is refused")

# Tags
arn = ddb.describe_table(TableName="orders")["Table"]["TableArn"]
ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "dev"}])
ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "prod"}])
check(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}, {"Key": "team", "Value": "shop"}],
      "tag_resource adds and replaces tags")
ddb.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
check(ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "prod"}], "untag_resource removes them")
ddb.create_table(TableName="tagged", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                 AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                 Tags=[{"Key": "k", "Value": "v"}])
tagged = ddb.describe_table(TableName="tagged")["Table"]["TableArn"]
check(ddb.list_tags_of_resource(ResourceArn=tagged)["Tags"] == [{"Key": "k", "Value": "v"}], "create_table keeps Tags")
ddb.delete_table(TableName="tagged")
c, _ = code(ddb.list_tags_of_resource, ResourceArn=tagged)
check(c == "ResourceNotFoundException", "a deleted table has no tags")
c, _ = code(ddb.tag_resource, ResourceArn="arn:aws:s3:::bucket", Tags=[{"Key": "a", "Value": "b"}])
check(c == "ValidationException", "a non-table ARN is refused")
c, _ = code(ddb.tag_resource, ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
check(c == "ValidationException", "more than 50 tags are refused")
check(ddb.describe_limits()["TableMaxWriteCapacityUnits"] > 0, "describe_limits answers")

ddb.delete_table(TableName="orders")
c, _ = code(ddb.describe_table, TableName="orders")
check(c == "ResourceNotFoundException", "a deleted table is gone")
print("all DynamoDB checks passed")
