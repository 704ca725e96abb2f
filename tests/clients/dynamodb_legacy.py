"""DynamoDB's legacy parameters through boto3's low-level client against a running Squall.

KeyConditions, QueryFilter, ScanFilter, Expected (with ConditionalOperator), AttributeUpdates and
AttributesToGet, each compared with what the equivalent expression parameters return, and
DynamoDB's errors for their misuse.

Run by the end-to-end tests with AWS_ENDPOINT_URL and a key in the environment; exits
non-zero with the failing check on the first failure.
"""
import sys

import boto3
from botocore.exceptions import ClientError

ddb = boto3.client("dynamodb")
T = "legacy_items"  # pk S, sk N
S = "legacy_strs"  # pk S, sk S


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


def message(e):
    return e.response["Error"]["Message"] if e else ""


def refused(fn, want, what, **kwargs):
    """`fn(**kwargs)` fails with a ValidationException whose message contains `want`."""
    c, e = code(fn, **kwargs)
    check(c == "ValidationException" and want in message(e), f"{what} ({c}: {message(e)})")


for name, sk in ((T, "N"), (S, "S")):
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": sk}],
        BillingMode="PAY_PER_REQUEST",
    )

# Ten items in partition "p": numbers, strings, a reserved word as a name, sets on some.
for i in range(1, 11):
    item = {
        "pk": {"S": "p"}, "sk": {"N": str(i)}, "n": {"N": str(i * 10)}, "name": {"S": f"item-{i:02d}"},
        "status": {"S": "even" if i % 2 == 0 else "odd"},
    }
    if i % 3 == 0:
        item["tags"] = {"SS": ["x", f"t{i}"]}
    ddb.put_item(TableName=T, Item=item)
ddb.put_item(TableName=T, Item={"pk": {"S": "other"}, "sk": {"N": "1"}, "n": {"N": "10"}})
for sk in ("ord#1", "ord#2", "inv#1", "ord#3"):
    ddb.put_item(TableName=S, Item={"pk": {"S": "c"}, "sk": {"S": sk}})


def sks(items):
    return [next(iter(i["sk"].values())) if "sk" in i else "?" for i in items]


def same(fn, legacy, expression, what, **common):
    """Runs the legacy and the expression form; both answers must be equal. Returns the legacy one."""
    a, b = fn(**common, **legacy), fn(**common, **expression)
    for r in (a, b):
        r.pop("ResponseMetadata", None)
    check(a == b, f"{what}: legacy and expression forms agree ({sks(a.get('Items', []))} vs {sks(b.get('Items', []))})")
    return a


# ---- KeyConditions (Query) ----
def kc(op, *values, table_sk="N"):
    return {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p" if table_sk == "N" else "c"}]},
            "sk": {"ComparisonOperator": op, "AttributeValueList": [{table_sk: v} for v in values]}}


r = same(ddb.query, {"KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}}},
         {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p"}}}, "KeyConditions EQ on the partition key",
         TableName=T)
check(sks(r["Items"]) == [str(i) for i in range(1, 11)], "KeyConditions EQ reads the whole partition in order")
for op, sym, values, want in [
    ("EQ", "=", ["4"], ["4"]), ("LE", "<=", ["3"], ["1", "2", "3"]), ("LT", "<", ["3"], ["1", "2"]),
    ("GE", ">=", ["9"], ["9", "10"]), ("GT", ">", ["9"], ["10"]),
]:
    r = same(ddb.query, {"KeyConditions": kc(op, *values)},
             {"KeyConditionExpression": f"pk = :p AND sk {sym} :v", "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"N": values[0]}}},
             f"KeyConditions {op}", TableName=T)
    check(sks(r["Items"]) == want, f"KeyConditions {op} selects {want}")
r = same(ddb.query, {"KeyConditions": kc("BETWEEN", "3", "5")},
         {"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
          "ExpressionAttributeValues": {":p": {"S": "p"}, ":a": {"N": "3"}, ":b": {"N": "5"}}}, "KeyConditions BETWEEN", TableName=T)
check(sks(r["Items"]) == ["3", "4", "5"], "KeyConditions BETWEEN is inclusive")
r = same(ddb.query, {"KeyConditions": kc("BEGINS_WITH", "ord#", table_sk="S")},
         {"KeyConditionExpression": "pk = :p AND begins_with(sk, :v)", "ExpressionAttributeValues": {":p": {"S": "c"}, ":v": {"S": "ord#"}}},
         "KeyConditions BEGINS_WITH", TableName=S)
check(sks(r["Items"]) == ["ord#1", "ord#2", "ord#3"], "KeyConditions BEGINS_WITH selects the prefix")
r = same(ddb.query, {"KeyConditions": kc("GT", "2"), "ScanIndexForward": False, "Limit": 3},
         {"KeyConditionExpression": "pk = :p AND sk > :v", "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"N": "2"}},
          "ScanIndexForward": False, "Limit": 3}, "KeyConditions with a direction and a limit", TableName=T)
check(sks(r["Items"]) == ["10", "9", "8"] and "LastEvaluatedKey" in r, "KeyConditions pages backwards")
# KeyConditions may go with a FilterExpression (DynamoDB allows this one mix).
r = ddb.query(TableName=T, KeyConditions=kc("LE", "4"), FilterExpression="#s = :e",
              ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":e": {"S": "even"}})
check(sks(r["Items"]) == ["2", "4"] and r["ScannedCount"] == 4, "KeyConditions with a FilterExpression")

# ---- QueryFilter and ScanFilter ----
FILTERS = [
    # (legacy condition on attr, expression, values)
    ("status", {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "even"}]}, "#a = :v0", [{"S": "even"}]),
    ("status", {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "even"}]}, "#a <> :v0", [{"S": "even"}]),
    ("n", {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "30"}]}, "#a <= :v0", [{"N": "30"}]),
    ("n", {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "30"}]}, "#a < :v0", [{"N": "30"}]),
    ("n", {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "80"}]}, "#a >= :v0", [{"N": "80"}]),
    ("n", {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "80"}]}, "#a > :v0", [{"N": "80"}]),
    ("tags", {"ComparisonOperator": "NOT_NULL"}, "attribute_exists(#a)", []),
    ("tags", {"ComparisonOperator": "NULL"}, "attribute_not_exists(#a)", []),
    ("tags", {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "t6"}]}, "contains(#a, :v0)", [{"S": "t6"}]),
    ("name", {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "-0"}]}, "contains(#a, :v0)", [{"S": "-0"}]),
    ("name", {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "1"}]}, "NOT contains(#a, :v0)", [{"S": "1"}]),
    ("name", {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "item-1"}]}, "begins_with(#a, :v0)", [{"S": "item-1"}]),
    ("n", {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "10"}, {"N": "30"}, {"N": "55"}]}, "#a IN (:v0, :v1, :v2)",
     [{"N": "10"}, {"N": "30"}, {"N": "55"}]),
    ("n", {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "20"}, {"N": "60"}]}, "#a BETWEEN :v0 AND :v1",
     [{"N": "20"}, {"N": "60"}]),
]
for attr, cond, expression, values in FILTERS:
    op = cond["ComparisonOperator"]
    expr = {"FilterExpression": expression, "ExpressionAttributeNames": {"#a": attr}}
    if values:
        expr["ExpressionAttributeValues"] = {f":v{i}": v for i, v in enumerate(values)}
    q = same(ddb.query, {"KeyConditions": kc("GE", "1"), "QueryFilter": {attr: cond}},
             {**expr, "KeyConditionExpression": "pk = :p AND sk >= :one",
              "ExpressionAttributeValues": {**expr.get("ExpressionAttributeValues", {}), ":p": {"S": "p"}, ":one": {"N": "1"}}},
             f"QueryFilter {op} on {attr}", TableName=T)
    check(0 < q["Count"] < 10 and q["ScannedCount"] == 10, f"QueryFilter {op} on {attr} keeps {q['Count']} of 10")
    s = same(ddb.scan, {"ScanFilter": {attr: cond}}, expr, f"ScanFilter {op} on {attr}", TableName=T)
    check(s["Count"] > 0, f"ScanFilter {op} on {attr} keeps {s['Count']}")

two = {"status": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "even"}]},
       "n": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "30"}]}}
two_values = {":e": {"S": "even"}, ":m": {"N": "30"}}
for joiner in ("AND", "OR"):
    s = same(ddb.scan, {"ScanFilter": two, "ConditionalOperator": joiner},
             {"FilterExpression": f"#s = :e {joiner} n <= :m", "ExpressionAttributeNames": {"#s": "status"},
              "ExpressionAttributeValues": two_values}, f"ScanFilter joined by {joiner}", TableName=T)
    q = same(ddb.query, {"KeyConditions": kc("GE", "1"), "QueryFilter": two, "ConditionalOperator": joiner},
             {"KeyConditionExpression": "pk = :p AND sk >= :one", "FilterExpression": f"#s = :e {joiner} n <= :m",
              "ExpressionAttributeNames": {"#s": "status"}, "ExpressionAttributeValues": {**two_values, ":p": {"S": "p"}, ":one": {"N": "1"}}},
             f"QueryFilter joined by {joiner}", TableName=T)
    want = ["2"] if joiner == "AND" else ["1", "2", "3", "4", "6", "8", "10"]
    check(sks(q["Items"]) == want, f"ConditionalOperator {joiner} keeps {want}")
same(ddb.scan, {"ScanFilter": two}, {"FilterExpression": "#s = :e AND n <= :m", "ExpressionAttributeNames": {"#s": "status"},
                                     "ExpressionAttributeValues": two_values}, "ScanFilter conditions are ANDed by default", TableName=T)

# ---- AttributesToGet ----
key4 = {"pk": {"S": "p"}, "sk": {"N": "4"}}
g = same(ddb.get_item, {"AttributesToGet": ["name", "status", "missing"]},
         {"ProjectionExpression": "#n, #s, #m", "ExpressionAttributeNames": {"#n": "name", "#s": "status", "#m": "missing"}},
         "GetItem AttributesToGet", TableName=T, Key=key4)
check(g["Item"] == {"name": {"S": "item-04"}, "status": {"S": "even"}}, "AttributesToGet returns just those attributes")
q = same(ddb.query, {"KeyConditions": kc("LE", "3"), "AttributesToGet": ["sk", "tags"]},
         {"KeyConditionExpression": "pk = :p AND sk <= :v", "ProjectionExpression": "sk, tags",
          "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"N": "3"}}}, "Query AttributesToGet", TableName=T)
check([sorted(i) for i in q["Items"]] == [["sk"], ["sk"], ["sk", "tags"]], "Query AttributesToGet projects every item")
same(ddb.query, {"KeyConditions": kc("LE", "3"), "ProjectionExpression": "n"},
         {"KeyConditionExpression": "pk = :p AND sk <= :v", "ProjectionExpression": "n",
          "ExpressionAttributeValues": {":p": {"S": "p"}, ":v": {"N": "3"}}}, "KeyConditions with a ProjectionExpression", TableName=T)
same(ddb.scan, {"AttributesToGet": ["n"], "ScanFilter": {"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "50"}]}}},
     {"ProjectionExpression": "n", "FilterExpression": "n > :v", "ExpressionAttributeValues": {":v": {"N": "50"}}},
     "Scan AttributesToGet with a ScanFilter", TableName=T)
keys = [{"pk": {"S": "p"}, "sk": {"N": str(i)}} for i in (1, 3, 5)]
a = ddb.batch_get_item(RequestItems={T: {"Keys": keys, "AttributesToGet": ["sk", "status"]}})["Responses"][T]
b = ddb.batch_get_item(RequestItems={T: {"Keys": keys, "ProjectionExpression": "sk, #s",
                                         "ExpressionAttributeNames": {"#s": "status"}}})["Responses"][T]
order = lambda items: sorted(items, key=lambda i: int(i["sk"]["N"]))  # noqa: E731
check(order(a) == order(b) and all(sorted(i) == ["sk", "status"] for i in a), "BatchGetItem AttributesToGet per table")


# ---- Expected (PutItem, UpdateItem, DeleteItem) ----
def reset(sk, **attrs):
    item = {"pk": {"S": "w"}, "sk": {"N": str(sk)}, **attrs}
    ddb.put_item(TableName=T, Item=item)
    return {"pk": item["pk"], "sk": item["sk"]}


def outcome(fn, **kwargs):
    c, _ = code(fn, **kwargs)
    return "ok" if c is None else c


BASE = {"n": {"N": "10"}, "status": {"S": "on"}, "tags": {"SS": ["a", "b"]}}
EXPECTED = [
    # (Expected, equivalent ConditionExpression, names, values, outcome on BASE)
    ({"gone": {"Exists": False}}, "attribute_not_exists(gone)", {}, {}, "ok"),
    ({"n": {"Exists": False}}, "attribute_not_exists(n)", {}, {}, "ConditionalCheckFailedException"),
    ({"status": {"Value": {"S": "on"}}}, "#s = :v", {"#s": "status"}, {":v": {"S": "on"}}, "ok"),
    ({"status": {"Value": {"S": "off"}, "Exists": True}}, "#s = :v", {"#s": "status"}, {":v": {"S": "off"}}, "ConditionalCheckFailedException"),
    ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "5"}]}}, "n > :v", {}, {":v": {"N": "5"}}, "ok"),
    ({"n": {"ComparisonOperator": "LT", "Value": {"N": "5"}}}, "n < :v", {}, {":v": {"N": "5"}}, "ConditionalCheckFailedException"),
    ({"tags": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "b"}]}}, "contains(tags, :v)", {}, {":v": {"S": "b"}}, "ok"),
    ({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "11"}, {"N": "20"}]}}, "n BETWEEN :a AND :b", {},
     {":a": {"N": "11"}, ":b": {"N": "20"}}, "ConditionalCheckFailedException"),
    ({"gone": {"ComparisonOperator": "NULL"}, "n": {"ComparisonOperator": "NOT_NULL"}}, "attribute_not_exists(gone) AND attribute_exists(n)",
     {}, {}, "ok"),
]
for i, (expected, cond, names, values, want) in enumerate(EXPECTED):
    extra = {}
    if names:
        extra["ExpressionAttributeNames"] = names
    if values:
        extra["ExpressionAttributeValues"] = values
    for op, fn, args in [
        ("put_item", ddb.put_item, lambda k: {"Item": {**k, "n": {"N": "11"}}}),
        ("update_item", ddb.update_item, lambda k: {"Key": k}),
        ("delete_item", ddb.delete_item, lambda k: {"Key": k}),
    ]:
        legacy = outcome(fn, TableName=T, Expected=expected, **args(reset(100 + i, **BASE)))
        expression = outcome(fn, TableName=T, ConditionExpression=cond, **extra, **args(reset(100 + i, **BASE)))
        check(legacy == expression == want, f"{op} Expected {expected}: {legacy} (expression: {expression})")

for joiner, want in (("OR", "ok"), ("AND", "ConditionalCheckFailedException")):
    k = reset(200, **BASE)
    got = outcome(ddb.put_item, TableName=T, Item={**k, "v": {"N": "1"}}, ConditionalOperator=joiner,
                  Expected={"gone": {"Exists": False}, "n": {"Value": {"N": "99"}}})
    check(got == want, f"Expected joined by {joiner}: {got}")
k = reset(201, **BASE)
old = ddb.delete_item(TableName=T, Key=k, Expected={"status": {"Value": {"S": "on"}}}, ReturnValues="ALL_OLD")["Attributes"]
check(old["n"] == {"N": "10"} and "Item" not in ddb.get_item(TableName=T, Key=k), "delete_item with Expected returns the old item")
c, _ = code(ddb.put_item, TableName=T, Item={"pk": {"S": "w"}, "sk": {"N": "202"}}, Expected={"pk": {"Exists": True, "Value": {"S": "w"}}})
check(c == "ConditionalCheckFailedException", "Expected on a missing item fails")
ddb.put_item(TableName=T, Item={"pk": {"S": "w"}, "sk": {"N": "202"}}, Expected={"pk": {"Exists": False}})
c, _ = code(ddb.put_item, TableName=T, Item={"pk": {"S": "w"}, "sk": {"N": "202"}}, Expected={"pk": {"Exists": False}})
check(c == "ConditionalCheckFailedException", "Exists false refuses an overwrite")

# ---- AttributeUpdates (UpdateItem) ----
START = {"n": {"N": "1"}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2"]}, "log": {"L": [{"S": "first"}]},
         "old": {"S": "bye"}, "status": {"S": "on"}}
UPDATES = {
    "status": {"Value": {"S": "off"}},
    "title": {"Action": "PUT", "Value": {"S": "new"}},
    "n": {"Action": "ADD", "Value": {"N": "5"}},
    "count": {"Action": "ADD", "Value": {"N": "-2"}},
    "tags": {"Action": "ADD", "Value": {"SS": ["c"]}},
    "log": {"Action": "ADD", "Value": {"L": [{"S": "second"}]}},
    "old": {"Action": "DELETE"},
    "nums": {"Action": "DELETE", "Value": {"NS": ["2"]}},
}
a = ddb.update_item(TableName=T, Key=reset(300, **START), AttributeUpdates=UPDATES, ReturnValues="ALL_NEW")["Attributes"]
b = ddb.update_item(
    TableName=T, Key=reset(301, **START), ReturnValues="ALL_NEW",
    UpdateExpression="SET #s = :off, title = :new, #l = list_append(#l, :second) REMOVE #o ADD n :five, #c :minus2, tags :c DELETE nums :two",
    ExpressionAttributeNames={"#s": "status", "#o": "old", "#c": "count", "#l": "log"},
    ExpressionAttributeValues={":off": {"S": "off"}, ":new": {"S": "new"}, ":second": {"L": [{"S": "second"}]}, ":five": {"N": "5"},
                               ":minus2": {"N": "-2"}, ":c": {"SS": ["c"]}, ":two": {"NS": ["2"]}})["Attributes"]
a.pop("sk")
b.pop("sk")
check(a == b, f"AttributeUpdates and the UpdateExpression give the same item ({a} vs {b})")
check(a["n"] == {"N": "6"} and a["count"] == {"N": "-2"} and sorted(a["tags"]["SS"]) == ["a", "b", "c"] and a["nums"] == {"NS": ["1"]}
      and a["log"] == {"L": [{"S": "first"}, {"S": "second"}]} and "old" not in a and a["status"] == {"S": "off"},
      "PUT, ADD (numbers, sets, lists) and DELETE (attributes, set elements)")
r = ddb.update_item(TableName=T, Key={"pk": {"S": "w"}, "sk": {"N": "302"}}, ReturnValues="ALL_NEW",
                    AttributeUpdates={"hits": {"Action": "ADD", "Value": {"N": "1"}}, "seen": {"Action": "ADD", "Value": {"SS": ["x"]}}})
check(r["Attributes"] == {"pk": {"S": "w"}, "sk": {"N": "302"}, "hits": {"N": "1"}, "seen": {"SS": ["x"]}},
      "AttributeUpdates on a missing item creates it")
r = ddb.update_item(TableName=T, Key={"pk": {"S": "w"}, "sk": {"N": "302"}}, ReturnValues="UPDATED_OLD",
                    AttributeUpdates={"hits": {"Action": "ADD", "Value": {"N": "1"}}},
                    Expected={"hits": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "5"}]}})
check(r["Attributes"] == {"hits": {"N": "1"}}, "AttributeUpdates with Expected and ReturnValues")
c, _ = code(ddb.update_item, TableName=T, Key={"pk": {"S": "w"}, "sk": {"N": "302"}},
            AttributeUpdates={"hits": {"Action": "ADD", "Value": {"N": "1"}}}, Expected={"hits": {"Value": {"N": "1"}}})
check(c == "ConditionalCheckFailedException", "a failing Expected keeps AttributeUpdates from applying")
check(ddb.get_item(TableName=T, Key={"pk": {"S": "w"}, "sk": {"N": "302"}})["Item"]["hits"] == {"N": "2"}, "the item is unchanged")
refused(ddb.update_item, "part of the key", "AttributeUpdates cannot change a key attribute",
        TableName=T, Key={"pk": {"S": "w"}, "sk": {"N": "302"}}, AttributeUpdates={"pk": {"Value": {"S": "x"}}})

# ---- Errors ----
MIX = "Can not use both expression and non-expression parameters in the same request: "
refused(ddb.put_item, MIX + "Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        "Expected with a ConditionExpression", TableName=T, Item={"pk": {"S": "e"}, "sk": {"N": "1"}},
        Expected={"pk": {"Exists": False}}, ConditionExpression="attribute_not_exists(pk)")
refused(ddb.update_item, MIX + "Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
        "AttributeUpdates with an UpdateExpression", TableName=T, Key={"pk": {"S": "e"}, "sk": {"N": "1"}},
        AttributeUpdates={"a": {"Value": {"S": "x"}}}, UpdateExpression="SET b = :v", ExpressionAttributeValues={":v": {"S": "y"}})
refused(ddb.query, MIX + "Non-expression parameters: {QueryFilter} Expression parameters: {KeyConditionExpression}",
        "QueryFilter with a KeyConditionExpression", TableName=T, KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}}, QueryFilter={"n": {"ComparisonOperator": "NOT_NULL"}})
refused(ddb.query, MIX + "Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
        "KeyConditions with a KeyConditionExpression", TableName=T, KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}}, KeyConditions=kc("GT", "1"))
refused(ddb.scan, MIX + "Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}",
        "ScanFilter with a FilterExpression", TableName=T, FilterExpression="attribute_exists(n)",
        ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}})
refused(ddb.get_item, MIX + "Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
        "AttributesToGet with a ProjectionExpression", TableName=T, Key=key4, AttributesToGet=["n"], ProjectionExpression="n")
refused(ddb.put_item, "Value must be provided when Exists is true for Attribute: n", "Exists true without a Value",
        TableName=T, Item={"pk": {"S": "e"}, "sk": {"N": "1"}}, Expected={"n": {"Exists": True}})
refused(ddb.put_item, "Value cannot be used when Exists is false for Attribute: n", "Exists false with a Value",
        TableName=T, Item={"pk": {"S": "e"}, "sk": {"N": "1"}}, Expected={"n": {"Exists": False, "Value": {"N": "1"}}})
refused(ddb.scan, "Invalid number of argument(s) for the EQ ComparisonOperator", "EQ with two values",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}, {"N": "2"}]}})
refused(ddb.scan, "Invalid number of argument(s) for the NULL ComparisonOperator", "NULL with a value",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "NULL", "AttributeValueList": [{"N": "1"}]}})
refused(ddb.scan, "Invalid number of argument(s) for the BETWEEN ComparisonOperator", "BETWEEN with one value",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]}})
refused(ddb.scan, "ComparisonOperator GT is not valid for SS AttributeValue type", "GT with a set",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"SS": ["a"]}]}})
refused(ddb.scan, "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type", "BEGINS_WITH with a number",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}})
refused(ddb.scan, "AttributeValues inside AttributeValueList must be of same type", "IN with mixed types",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"S": "1"}]}})
refused(ddb.scan, "lower bound is greater than the upper bound", "BETWEEN with its bounds reversed",
        TableName=T, ScanFilter={"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "9"}, {"N": "1"}]}})
refused(ddb.query, "Attempted conditional constraint is not an indexable operation", "KeyConditions with NE",
        TableName=T, KeyConditions=kc("NE", "1"))
refused(ddb.query, "Query condition missed key schema element", "KeyConditions without the partition key",
        TableName=T, KeyConditions={"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})
refused(ddb.scan, "ConditionalOperator can only be used when Filter or Expected has two or more elements",
        "ConditionalOperator with one condition", TableName=T, ConditionalOperator="OR",
        ScanFilter={"n": {"ComparisonOperator": "NOT_NULL"}})
refused(ddb.update_item, "ADD action is not supported for the type S", "ADD with a string",
        TableName=T, Key={"pk": {"S": "e"}, "sk": {"N": "1"}}, AttributeUpdates={"a": {"Action": "ADD", "Value": {"S": "x"}}})
refused(ddb.update_item, "DELETE action with value is not supported for the type N", "DELETE with a number",
        TableName=T, Key={"pk": {"S": "e"}, "sk": {"N": "1"}}, AttributeUpdates={"a": {"Action": "DELETE", "Value": {"N": "1"}}})
refused(ddb.update_item, "Only DELETE action is allowed when no attribute value is specified", "PUT without a value",
        TableName=T, Key={"pk": {"S": "e"}, "sk": {"N": "1"}}, AttributeUpdates={"a": {"Action": "PUT"}})
refused(ddb.get_item, "Duplicate value in attribute name: n", "AttributesToGet naming one attribute twice",
        TableName=T, Key=key4, AttributesToGet=["n", "n"])
refused(ddb.put_item, "ExpressionAttributeNames can only be specified when using expressions", "names without an expression",
        TableName=T, Item={"pk": {"S": "e"}, "sk": {"N": "1"}}, Expected={"n": {"Exists": False}}, ExpressionAttributeNames={"#n": "n"})
check("Item" not in ddb.get_item(TableName=T, Key={"pk": {"S": "e"}, "sk": {"N": "1"}}), "no refused request wrote anything")

for name in (T, S):
    ddb.delete_table(TableName=name)
print("all legacy DynamoDB checks passed")
