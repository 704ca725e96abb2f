"""The CRUD APIs of the corpus (tests/corpus: todos-rest, notes-httpapi, orders-gsi,
users-admin, bookmarks-v1, shopping-cart), deployed by the test at stage dev, driven over
HTTP as a browser or a mobile app would: status codes, bodies and headers as API Gateway
gives them, and what the functions left in DynamoDB, read back with boto3.

Usage: corpus_crud.py HTTP_BASE SUPPORT_KEY, where HTTP_BASE is the http port's URL and
SUPPORT_KEY the generated API key `squall deploy` printed for users-admin. Exits non-zero
with the failing check on the first failure."""
import json
import sys
import urllib.error
import urllib.request

import boto3
from corpus_common import check

BASE, SUPPORT_KEY = sys.argv[1].rstrip("/"), sys.argv[2]
dynamodb = boto3.resource("dynamodb")


def call(method, url, body=None, headers=None):
    """(status, headers, parsed JSON body or raw bytes)."""
    data = json.dumps(body).encode() if body is not None and not isinstance(body, bytes) else body
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    hdrs.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, h, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, h, raw = e.code, e.headers, e.read()
    try:
        return status, h, json.loads(raw) if raw else None
    except ValueError:
        return status, h, raw


# --- todos-rest: REST API, one module per operation -------------------------------------
todos = f"{BASE}/todos-rest/dev"
status, h, body = call("POST", f"{todos}/todos", {"text": "buy milk"})
check(status == 201 and body["text"] == "buy milk" and body["checked"] is False, f"todos: create 201 ({status} {body})")
check(h["Access-Control-Allow-Origin"] == "*", "todos: the function's CORS header reaches the client")
first = body
status, _, body = call("POST", f"{todos}/todos", {"text": "walk the dog"})
check(status == 201, "todos: a second todo")
second = body
status, _, body = call("POST", f"{todos}/todos", {"nope": 1})
check(status == 400 and "text is required" in body["message"], "todos: validation answers 400")
status, _, body = call("POST", f"{todos}/todos", b"not json", {"Content-Type": "text/plain"})
check(status == 400, "todos: a body that is not JSON answers 400")
status, _, body = call("GET", f"{todos}/todos/{first['id']}")
check(status == 200 and body == first, "todos: get returns the stored item, numbers as numbers")
status, _, body = call("PUT", f"{todos}/todos/{first['id']}", {"text": "buy oat milk", "checked": True})
check(status == 200 and body["text"] == "buy oat milk" and body["checked"] is True
      and body["updatedAt"] >= first["updatedAt"] and body["createdAt"] == first["createdAt"], "todos: update")
status, _, body = call("PUT", f"{todos}/todos/no-such-id", {"text": "x", "checked": False})
check(status == 404, "todos: updating a missing todo answers 404 (conditional update)")
status, _, body = call("GET", f"{todos}/todos")
check(status == 200 and [t["id"] for t in body] == [first["id"], second["id"]], "todos: list returns both, oldest first")
status, _, body = call("GET", f"{todos}/todos?checked=true")
check([t["id"] for t in body] == [first["id"]], "todos: list filters on checked")
status, h, body = call("DELETE", f"{todos}/todos/{second['id']}")
check(status == 204 and body is None, "todos: delete answers 204 without a body")
status, _, body = call("GET", f"{todos}/todos/{second['id']}")
check(status == 404 and body == {"message": "todo not found"}, "todos: a deleted todo is gone")
status, _, body = call("PATCH", f"{todos}/todos/{first['id']}", {})
check(status == 403 and body == {"message": "Missing Authentication Token"},
      "todos: a method without a route is API Gateway's 403 Missing Authentication Token")
stored = dynamodb.Table("todos-rest-dev").get_item(Key={"id": first["id"]})["Item"]
check(stored["text"] == "buy oat milk" and stored["checked"] is True, "todos: the table named from the stage holds it")

# --- notes-httpapi: HTTP API, one function routing on routeKey --------------------------
notes = f"{BASE}/notes-httpapi/dev/notes"
ada = {"x-user-id": "ada"}
status, _, body = call("GET", notes)
check(status == 401 and body == {"message": "x-user-id header is required"}, "notes: 401 without a user")
for i in range(5):
    status, h, body = call("POST", notes, {"noteId": f"n{i}", "title": f"note {i}", "pinned": i == 0}, ada)
    check(status == 201 and h["location"] == f"/notes/n{i}" and body["version"] == 1, f"notes: create n{i}")
status, _, body = call("POST", notes, {"noteId": "n0", "title": "again"}, ada)
check(status == 409, "notes: creating an existing note answers 409")
call("POST", notes, {"noteId": "b0", "title": "bob's"}, {"x-user-id": "bob"})
seen, token, pages = [], None, 0
while True:
    status, _, body = call("GET", notes + (f"?nextToken={token}" if token else ""), headers=ada)
    check(status == 200 and len(body["notes"]) <= 2, f"notes: page {pages} has at most PAGE_SIZE notes")
    seen += [n["noteId"] for n in body["notes"]]
    pages += 1
    token = body.get("nextToken")
    if not token or pages > 5:
        break
check(seen == ["n0", "n1", "n2", "n3", "n4"] and pages == 3, f"notes: pages walk ada's notes in order ({seen}, {pages})")
status, h, body = call("GET", f"{notes}/n3", headers=ada)
check(status == 200 and body["title"] == "note 3" and h["Content-Type"] == "application/json",
      "notes: a plain dict return is a 200 JSON answer")
status, _, body = call("GET", f"{notes}/n3", headers={"x-user-id": "bob"})
check(status == 404, "notes: another user's note is not found")
status, _, body = call("PATCH", f"{notes}/n3", {"title": "renamed", "expectedVersion": 1}, ada)
check(status == 200 and body["title"] == "renamed" and body["version"] == 2, "notes: patch bumps the version")
status, _, body = call("PATCH", f"{notes}/n3", {"title": "stale", "expectedVersion": 1}, ada)
check(status == 409 and body["message"] == "version conflict: the note is at version 2",
      f"notes: a stale version is refused with the current one (ReturnValuesOnConditionCheckFailure) ({body})")
status, _, body = call("PATCH", f"{notes}/zzz", {"title": "x"}, ada)
check(status == 404, "notes: patching a missing note answers 404")
status, _, body = call("DELETE", f"{notes}/n4", headers=ada)
check(status == 204, "notes: delete 204")
status, _, body = call("DELETE", f"{notes}/n4", headers=ada)
check(status == 404, "notes: deleting again answers 404 (ReturnValues ALL_OLD was empty)")
status, _, body = call("GET", f"{BASE}/notes-httpapi/dev/nothing/here", headers=ada)
check(status == 404 and body == {"message": "Not Found"}, "notes: a path without a route is the HTTP API's 404")
table = dynamodb.Table("notes-httpapi-dev-notes")
check(table.get_item(Key={"userId": "ada", "noteId": "n3"})["Item"]["version"] == 2, "notes: the version is stored")

# --- orders-gsi: transactions and global secondary indexes ------------------------------
orders = f"{BASE}/orders-gsi/dev"
status, _, body = call("PUT", f"{orders}/inventory/lamp", {"stock": 3, "price": 19.99})
check(status == 200 and body == {"sku": "lamp", "stock": 3, "price": 19.99}, f"orders: stock set ({body})")
status, _, body = call("PUT", f"{orders}/inventory/desk", {"stock": 1, "price": 250})
check(status == 200, "orders: a second product")
placed = []
for oid, cust, sku, qty in [("o1", "c1", "lamp", 2), ("o2", "c2", "desk", 1), ("o3", "c1", "desk", 1),
                            ("o4", "c1", "lamp", 1)]:
    status, _, body = call("POST", f"{orders}/orders", {"orderId": oid, "customerId": cust, "sku": sku,
                                                         "quantity": qty})
    placed.append((oid, status, body))
check(placed[0][1] == 201 and placed[0][2]["total"] == 39.98 and placed[0][2]["status"] == "PENDING",
      f"orders: an order is placed with its total ({placed[0]})")
check(placed[1][1] == 201, "orders: the last desk is sold")
check(placed[2][1] == 409 and placed[2][2]["error"] == "insufficient stock"
      and placed[2][2]["reasons"] == ["ConditionalCheckFailed", "None"],
      f"orders: a transaction cancelled by the stock condition gives DynamoDB's reasons ({placed[2]})")
check(placed[3][1] == 201, "orders: the last lamp is sold")
status, _, body = call("POST", f"{orders}/orders", {"orderId": "o1", "customerId": "c9", "sku": "lamp", "quantity": 0})
check(status == 409 and body["reasons"] == ["None", "ConditionalCheckFailed"], f"orders: a duplicate order id ({body})")
inv = dynamodb.Table("orders-gsi-dev-InventoryTable")
check(inv.get_item(Key={"sku": "lamp"})["Item"]["stock"] == 0 and inv.get_item(Key={"sku": "desk"})["Item"]["stock"] == 0,
      "orders: stock went down only for committed transactions")
status, _, body = call("POST", f"{orders}/orders/o1/pay")
check(status == 200 and body["status"] == "PAID" and "paidAt" in body, "orders: pay")
status, _, body = call("POST", f"{orders}/orders/o1/pay")
check(status == 409, "orders: paying twice answers 409")
status, _, body = call("GET", f"{orders}/orders?status=PENDING")
check(status == 200 and body["count"] == 2 and sorted(o["orderId"] for o in body["orders"]) == ["o2", "o4"],
      f"orders: the byStatus index follows the status change ({body})")
check(all(set(o) == {"orderId", "status", "customerId", "total"} for o in body["orders"]),
      "orders: an INCLUDE projection returns the keys and the included attributes only")
status, _, body = call("GET", f"{orders}/orders")
check(status == 400 and body == {"message": "Missing required request parameters: [status]"},
      "orders: the required query string is checked by API Gateway")
status, _, body = call("GET", f"{orders}/customers/c1/orders")
check(status == 200 and [o["orderId"] for o in body] == ["o4", "o1"], f"orders: byCustomer newest first ({body})")
status, _, body = call("GET", f"{orders}/orders/o3")
check(status == 404, "orders: the cancelled order was never written")

# --- users-admin: public sign-up, private routes behind API keys ------------------------
users = f"{BASE}/users-admin/dev"
status, _, body = call("POST", f"{users}/signup", {"email": "Ada@Example.com", "name": "Ada"})
check(status == 201 and body == {"email": "ada@example.com", "plan": "free"}, "users: sign-up")
status, _, body = call("POST", f"{users}/signup", {"email": "ada@example.com"})
check(status == 409, "users: the same email again answers 409")
status, _, body = call("POST", f"{users}/signup", {"email": "not-an-email"})
check(status == 400, "users: a bad email answers 400")
call("POST", f"{users}/signup", {"email": "grace@example.com", "name": "Grace", "plan": "pro"})
status, _, body = call("GET", f"{users}/admin/users")
check(status == 403 and body == {"message": "Forbidden"}, "users: a private route without a key is 403 Forbidden")
status, _, body = call("GET", f"{users}/admin/users", headers={"x-api-key": "backoffice-key-0123456789abcdeX"})
check(status == 403 and body == {"message": "Forbidden"}, "users: a wrong key is 403 Forbidden")
for key in ["backoffice-key-0123456789abcdef", SUPPORT_KEY]:
    status, _, body = call("GET", f"{users}/admin/users", headers={"x-api-key": key})
    check(status == 200 and [u["email"] for u in body["users"]] == ["ada@example.com", "grace@example.com"]
          and body["apiKey"] == key, "users: each of the stage's keys opens the private route and reaches the event")
check(body["users"][1] == {"email": "grace@example.com", "name": "Grace", "plan": "pro"},
      "users: the projection left out the other attributes")
status, _, body = call("DELETE", f"{users}/admin/users/grace@example.com")
check(status == 403, "users: delete needs the key too")
status, _, body = call("DELETE", f"{users}/admin/users/grace@example.com", headers={"x-api-key": SUPPORT_KEY})
check(status == 200 and body == {"deleted": "grace@example.com"}, "users: delete with a key")
status, _, body = call("DELETE", f"{users}/admin/users/grace@example.com", headers={"x-api-key": SUPPORT_KEY})
check(status == 404, "users: deleting again answers 404")
stored = dynamodb.Table("users-admin-users-dev").get_item(Key={"email": "ada@example.com"})["Item"]
check(stored["sourceIp"] == "127.0.0.1", "users: requestContext.identity.sourceIp was stored")

# --- bookmarks-v1: HTTP API with payload 1.0 and CORS -----------------------------------
marks = f"{BASE}/bookmarks-v1/dev/bookmarks"
status, h, body = call("POST", marks, {"url": "https://example.org/a", "tags": ["read", "rust"]},
                       {"Origin": "https://bookmarks.example.com"})
check(status == 201 and body["tags"] == ["read", "rust"], f"bookmarks: add ({status} {body})")
check(body["version"] == "1.0" and body["method"] == "POST" and body["resource"] == "/bookmarks",
      "bookmarks: payload 1.0 events carry version, httpMethod and resource")
check(h["Access-Control-Allow-Origin"] == "https://bookmarks.example.com",
      "bookmarks: an HTTP API adds CORS headers to a simple request from an allowed origin")
a = body["id"]
status, _, body = call("POST", marks, {"url": "https://example.org/b", "tags": ["cook"]})
b = body["id"]
status, _, body = call("POST", marks, {"url": "ftp://example.org/c"})
check(status == 400, "bookmarks: only http(s) URLs")
status, h, body = call("OPTIONS", marks, headers={"Origin": "https://bookmarks.example.com",
                                                   "Access-Control-Request-Method": "DELETE",
                                                   "Access-Control-Request-Headers": "content-type"})
check(status == 204, f"bookmarks: the HTTP API answers the preflight itself with 204 ({status})")
check(h["Access-Control-Allow-Origin"] == "https://bookmarks.example.com" and h["Access-Control-Max-Age"] == "3600",
      "bookmarks: the preflight allows the origin for maxAge")
check("DELETE" in h["Access-Control-Allow-Methods"].upper() and "content-type" in h["Access-Control-Allow-Headers"].lower(),
      f"bookmarks: the preflight allows the method and header ({dict(h)})")
status, _, body = call("POST", f"{marks}/{b}/tags", {"tags": ["read", "weekend"]})
check(status == 200 and body["tags"] == ["cook", "read", "weekend"], "bookmarks: ADD to a string set")
status, _, body = call("DELETE", f"{marks}/{a}/tags/rust")
check(status == 200 and body["tags"] == ["read"], "bookmarks: DELETE from a string set")
status, _, body = call("GET", f"{marks}?tag=read")
check(status == 200 and [x["url"] for x in body] == ["https://example.org/a", "https://example.org/b"],
      "bookmarks: contains() filters on the set")
status, _, body = call("GET", f"{marks}?tag=weekend")
check([x["url"] for x in body] == ["https://example.org/b"], "bookmarks: filter on another tag")
status, _, body = call("POST", f"{marks}/nope/tags", {"tags": ["x"]})
check(status == 500 and body == {"message": "Internal Server Error"},
      f"bookmarks: a function that raises is the HTTP API's 500 ({status} {body})")

# --- shopping-cart: batches, TTL and BatchGetItem ---------------------------------------
cart = f"{BASE}/shopping-cart/dev"
status, _, body = call("POST", f"{cart}/products/batch",
                       [{"sku": f"sku-{i}", "name": f"Product {i}", "price": 1.25 * (i + 1)} for i in range(30)])
check(status == 200 and body == {"imported": 30}, "cart: batch import through batch_writer")
check(dynamodb.Table("shopping-cart-dev-products").scan(Select="COUNT")["Count"] == 30, "cart: 30 products stored")
for sku, qty in [("sku-0", 2), ("sku-9", 1), ("sku-29", 3)]:
    status, _, body = call("PUT", f"{cart}/carts/c-1/items/{sku}", {"quantity": qty})
    check(status == 200 and body["quantity"] == qty, f"cart: set {sku}")
status, _, body = call("PUT", f"{cart}/carts/c-1/items/sku-0", {"quantity": 4})
check(status == 200 and body["quantity"] == 4, "cart: update a line")
status, _, body = call("PUT", f"{cart}/carts/c-1/items/sku-0", {"quantity": -1})
check(status == 400, "cart: bad quantity")
status, _, body = call("GET", f"{cart}/carts/c-1")
check(body == {"lines": [{"sku": "sku-0", "quantity": 4}, {"sku": "sku-29", "quantity": 3},
                         {"sku": "sku-9", "quantity": 1}]}, f"cart: lines by sort key ({body})")
status, _, body = call("DELETE", f"{cart}/carts/c-1/items/sku-9")
check(status == 204, "cart: remove a line")
status, _, body = call("POST", f"{cart}/carts/c-1/checkout")
check(status == 200 and body == {"lines": [
    {"sku": "sku-0", "name": "Product 0", "quantity": 4, "subtotal": "5.00"},
    {"sku": "sku-29", "name": "Product 29", "quantity": 3, "subtotal": "112.50"}], "total": "117.50"},
      f"cart: checkout prices the cart with BatchGetItem ({body})")
call("PUT", f"{cart}/carts/c-2/items/ghost", {"quantity": 1})
status, _, body = call("POST", f"{cart}/carts/c-2/checkout")
check(status == 422 and body["skus"] == ["ghost"], "cart: unknown products are reported")
status, _, body = call("POST", f"{cart}/carts/empty/checkout")
check(status == 409, "cart: an empty cart cannot check out")
ttl = boto3.client("dynamodb").describe_time_to_live(TableName="shopping-cart-dev-carts")["TimeToLiveDescription"]
check(ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiresAt"}, "cart: TTL enabled from serverless.yml")

print("all corpus CRUD checks passed")
