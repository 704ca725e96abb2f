"""Amazon EventBridge connections and API destinations through boto3 against a running Squall, and
one event delivered end to end to an HTTP endpoint this script serves on 127.0.0.1 through an
OAuth client-credentials connection.

Covers CreateConnection for API_KEY, BASIC and OAUTH_CLIENT_CREDENTIALS (ClientParameters,
AuthorizationEndpoint, HttpMethod, OAuthHttpParameters with a secret body parameter) with
InvocationHttpParameters holding secret and plain header, query string and body parameters; the
create answer (ConnectionArn arn:aws:events:us-east-1:000000000000:connection/<name>/<uuid>,
ConnectionState, CreationTime, LastModifiedTime); DescribeConnection's fields, plain parameter
values shown, secret ones shown by key only, and no secret value (ApiKeyValue, Password,
ClientSecret, secret parameter values) anywhere in the raw answer of any connection operation;
SecretArn naming a Secrets Manager secret that exists (DescribeSecret) and holds the credentials;
UpdateConnection of the description alone (the rest kept) and with a new authorization (which
replaces the old one, API_KEY to BASIC, and the secret's value); DeauthorizeConnection
(DEAUTHORIZING, then DEAUTHORIZED, LastAuthorizedTime left where it was) and UpdateConnection
authorizing it again; ListConnections with NamePrefix, ConnectionState and Limit/NextToken paging,
and its entries without AuthParameters or SecretArn; DeleteConnection (DELETING, then gone, with its
secret); the errors for a duplicate name, a missing connection (Describe-, Update-, Deauthorize-,
DeleteConnection), bad names, an unknown AuthorizationType or ConnectionState, OAUTH_CLIENT_CREDENTIALS
without OAuthParameters, an OAuth HttpMethod other than GET, POST or PUT, and an http:// endpoint to
another host, none of which leaves a connection behind. API destinations: Create-, Describe-,
Update-, Delete- and ListApiDestinations (fields, InvocationRateLimitPerSecond 300 by default,
NamePrefix, the ConnectionArn filter, Limit/NextToken paging, list entries without Description),
and the errors for a missing connection, a duplicate, a missing destination, bad names, a malformed
ConnectionArn with an unknown HttpMethod, and an http:// endpoint to another host. End to end: an
IAM role trusting events.amazonaws.com allowed events:InvokeApiDestination, an OAuth connection
whose AuthorizationEndpoint is this script's POST /token, an API destination on its POST /hook, a
rule targeting it with the role, and PutEvents: the token request carries HTTP Basic client
authentication (base64 of id:secret) and a form body with grant_type=client_credentials and the
OAuthHttpParameters, and the hook receives the event with Authorization: Bearer <the token> and
the connection's invocation parameters.

Left out: the connection's secret's own format (EventBridge's internal JSON), KmsKeyIdentifier,
InvocationConnectivityParameters and private APIs (VPC Lattice), tags, connection state-change
events, ApiDestinationState INACTIVE (an OAuth connection not yet authorized), when the OAuth token
is first asked for (AWS asks while creating the connection: AUTHORIZING, then AUTHORIZED or
DEAUTHORIZED), tokens refreshed on expiry or after 401/407, retries, rate limiting, dead-letter
queues, path parameters, target HttpParameters, GET/PUT token requests, deleting a connection that
API destinations use, UpdateApiDestination of some fields only, the service-quota limits, and IAM
authorization of these operations themselves (iam:PassRole is the root's here).

Where Squall differs from AWS by design, and says so in its README, this script checks Squall:
http:// endpoints are refused except to this machine (localhost, 127.0.0.1), where this script's
loopback server must be reachable (AWS takes only https); and the connection's secret is named
events/connection/<name>/<uuid> (AWS's is events!connection/<name>/<uuid>, a name only its
services may take).

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure. Every wait is bounded (the delivery at most 20 s) and the whole run takes well under a
minute. (On AWS a connection's state changes and the deletion of its secret may take longer; the
10 s waits for them are sized for Squall.)

botocore speaks EventBridge's JSON 1.1 protocol and takes the error code from the answer's __type;
EventBridge answers every client error with HTTP 400, ResourceNotFoundException and
ResourceAlreadyExistsException included, and request validation with ValidationException (not in
botocore's model). botocore checks only required members, types and minimums client-side, so
enums, patterns and maximums reach the server. botocore also drops answer members its model does
not have, so what must never be in an answer (a secret, a field AWS does not send) is checked on
the raw JSON text of the answer. The shapes are botocore's service model for events; the expected
answers are the EventBridge API reference and user guide, and AWS's own answers as recorded by
LocalStack's AWS-validated snapshot tests
(tests/aws/services/events/test_api_destinations_and_connection.snapshot.json, recorded 2024-12-06),
which a comment names as "recorded" where a check rests on them. Each refusal prints the code,
status and message that came back.
"""
import base64
import datetime
import json
import re
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

cfg = Config(retries={"total_max_attempts": 1})  # no retries: a 500 shows at once, and waits stay bounded
events = boto3.client("events", config=cfg)
secrets = boto3.client("secretsmanager", config=cfg)
iam = boto3.client("iam", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]  # names unique per run: reruns and deleted names don't collide
ACCOUNT = "000000000000"
REGION = "us-east-1"
T0 = time.time()
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
CONNECTION_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:connection/"
DESTINATION_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/"
# Squall's documented name for a connection's secret (AWS's: events!connection/<name>/<uuid>).
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:events/connection/"

NOT_FOUND = ("ResourceNotFoundException",)
EXISTS = ("ResourceAlreadyExistsException",)
INVALID = ("ValidationException",)

CHECKS = 0
RAW = {}  # operation name -> the raw text of its last answer


def keep_raw(http_response, model, **_):
    RAW[model.name] = http_response.content.decode("utf-8", "replace") if http_response.content else ""


events.meta.events.register("after-call.events", keep_raw)


def code(fn, *args, **kwargs):
    """The AWS error code `fn` fails with (or None), and the error."""
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e
    except (BotoCoreError, ResponseParserError) as e:  # an answer botocore cannot parse (an HTML 500, say)
        return type(e).__name__, e
    return None, None


def http(e):
    """The HTTP status of a ClientError (None for no error or an unparsable answer)."""
    return e.response["ResponseMetadata"]["HTTPStatusCode"] if isinstance(e, ClientError) else None


def message(e):
    return e.response["Error"].get("Message") if isinstance(e, ClientError) else None


def check(cond, what):
    global CHECKS
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    CHECKS += 1
    print(f"ok: {what}")


def refused(codes, what, fn, *args, **kwargs):
    """Check that `fn` fails with one of `codes` and HTTP 400 (the message is printed, not compared)."""
    c, e = code(fn, *args, **kwargs)
    check(c in codes and http(e) == 400, f"{what} ({c}, HTTP {http(e)}: {message(e)!r})")


def succeeds(what, fn, *args, **kwargs):
    c, e = code(fn, *args, **kwargs)
    check(c is None, f"{what} ({c}: {message(e)!r})")


def answer(r):
    """An answer without its ResponseMetadata."""
    return {k: v for k, v in r.items() if k != "ResponseMetadata"}


def recent(dt, slack=120):
    """A datetime botocore parsed, within `slack` seconds of now (and not before the run)."""
    return isinstance(dt, datetime.datetime) and T0 - 5 <= dt.timestamp() <= time.time() + slack


def no_secret(text, *values):
    """None of `values` is in `text` (a raw answer)."""
    return isinstance(text, str) and not any(v in text for v in values)


def raw_json(op):
    try:
        return json.loads(RAW.get(op) or "null")
    except ValueError:
        return None


def state(name):
    return events.describe_connection(Name=name).get("ConnectionState")


def wait_state(name, want, within=10):
    """The connection's ConnectionState once it is `want`, or the last one after `within` s (bounded)."""
    deadline = time.time() + within
    while True:
        s = state(name)
        if s == want or time.time() > deadline:
            return s
        time.sleep(0.2)


def connection_gone(name, within=10):
    """Whether DescribeConnection answers ResourceNotFoundException within `within` s (polled)."""
    deadline = time.time() + within
    while True:
        c, _ = code(events.describe_connection, Name=name)
        if c == "ResourceNotFoundException" or time.time() > deadline:
            return c == "ResourceNotFoundException"
        time.sleep(0.2)


def secret_gone(arn, within=10):
    """Whether DescribeSecret answers ResourceNotFoundException within `within` s (polled)."""
    deadline = time.time() + within
    while True:
        c, _ = code(secrets.describe_secret, SecretId=arn)
        if c == "ResourceNotFoundException" or time.time() > deadline:
            return c == "ResourceNotFoundException"
        time.sleep(0.2)


def secret_string(arn):
    return secrets.get_secret_value(SecretId=arn).get("SecretString") or ""


def every(fn, key, **kw):
    """Every item of a listing that pages with Limit/NextToken (bounded)."""
    items, token = [], None
    for _ in range(100):
        page = fn(Limit=100, **kw, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            break
    return items


def names(items):
    return sorted(i.get("Name") for i in items)


def param(key, value, secret):
    return {"Key": key, "Value": value, "IsValueSecret": secret}


def api_key(name, value):
    return {"ApiKeyAuthParameters": {"ApiKeyName": name, "ApiKeyValue": value}}


def basic(user, password):
    return {"BasicAuthParameters": {"Username": user, "Password": password}}


def oauth(client_id, client_secret, endpoint, method="POST", http_parameters=None):
    p = {"ClientParameters": {"ClientID": client_id, "ClientSecret": client_secret},
         "AuthorizationEndpoint": endpoint, "HttpMethod": method}
    if http_parameters is not None:
        p["OAuthHttpParameters"] = http_parameters
    return {"OAuthParameters": p}


def create_connection(name, kind, auth, **kw):
    r = events.create_connection(Name=name, AuthorizationType=kind, AuthParameters=auth, **kw)
    connections.append(name)
    return r


def create_destination(name, connection_arn, endpoint, method="POST", **kw):
    r = events.create_api_destination(Name=name, ConnectionArn=connection_arn, InvocationEndpoint=endpoint,
                                      HttpMethod=method, **kw)
    destinations.append(name)
    return r


connections, destinations, roles = [], [], []  # for the clean-up

# ---------------------------------------------------------------------------------------------
# The loopback HTTP server: POST /token hands out a token, POST /hook records what it is sent.
# ---------------------------------------------------------------------------------------------
TOKEN = "t1"
seen = {"token": [], "hook": []}
seen_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        url = urllib.parse.urlsplit(self.path)
        request = {"method": self.command, "path": url.path, "query": urllib.parse.parse_qs(url.query),
                   "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
        if url.path == "/token":
            with seen_lock:
                seen["token"].append(request)
            self.reply(200, {"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600})
        elif url.path == "/hook":
            with seen_lock:
                seen["hook"].append(request)
            self.reply(200, {"ok": True})
        else:
            self.reply(404, {"error": "not found"})

    do_GET = do_POST = do_PUT = handle_any

    def log_message(self, *args):  # quiet
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
PORT = server.server_address[1]
TOKEN_URL = f"http://127.0.0.1:{PORT}/token"
HOOK_URL = f"http://127.0.0.1:{PORT}/hook"

# ---------------------------------------------------------------------------------------------
# CreateConnection and DescribeConnection: API_KEY with invocation parameters, BASIC, OAuth
# ---------------------------------------------------------------------------------------------
KEY_VALUE, HEADER_SECRET, QUERY_SECRET, BODY_SECRET = (f"{w}-{RUN}-S3cr3t" for w in ("keyval", "hdr", "qry", "bdy"))
invocation = {
    "HeaderParameters": [param("x-team", "orders", False), param("x-signature", HEADER_SECRET, True)],
    "QueryStringParameters": [param("source", "squall", False), param("token", QUERY_SECRET, True)],
    "BodyParameters": [param("env", "test", False), param("pin", BODY_SECRET, True)],
}
key_conn = f"key-{RUN}"
r = create_connection(key_conn, "API_KEY", dict(api_key("x-api-key", KEY_VALUE), InvocationHttpParameters=invocation),
                      Description="orders webhook")
key_arn = r.get("ConnectionArn", "")
check(re.fullmatch(re.escape(CONNECTION_ARN + key_conn + "/") + UUID, key_arn) is not None,
      f"create_connection returns ConnectionArn {CONNECTION_ARN}<name>/<uuid> ({key_arn})")
check(r.get("ConnectionState") == "AUTHORIZED",
      f"an API_KEY connection is AUTHORIZED at once (recorded) ({r.get('ConnectionState')})")
check(recent(r.get("CreationTime")) and recent(r.get("LastModifiedTime")) and r["LastModifiedTime"] >= r["CreationTime"],
      f"with its CreationTime and LastModifiedTime ({r.get('CreationTime')}, {r.get('LastModifiedTime')})")
check(no_secret(RAW.get("CreateConnection"), KEY_VALUE, HEADER_SECRET, QUERY_SECRET, BODY_SECRET),
      "the create answer holds no secret value")
key_created = r["CreationTime"]

d = events.describe_connection(Name=key_conn)
check((d.get("Name"), d.get("ConnectionArn"), d.get("Description"), d.get("AuthorizationType"), d.get("ConnectionState"))
      == (key_conn, key_arn, "orders webhook", "API_KEY", "AUTHORIZED"),
      f"describe_connection gives its Name, ConnectionArn, Description, AuthorizationType and ConnectionState "
      f"({d.get('Name')}, {d.get('Description')!r}, {d.get('AuthorizationType')}, {d.get('ConnectionState')})")
check(d.get("CreationTime") == key_created and recent(d.get("LastModifiedTime")) and recent(d.get("LastAuthorizedTime")),
      f"its CreationTime is the create answer's, with LastModifiedTime and LastAuthorizedTime "
      f"({d.get('CreationTime')}, {d.get('LastModifiedTime')}, {d.get('LastAuthorizedTime')})")
auth = d.get("AuthParameters", {})
check(auth.get("ApiKeyAuthParameters") == {"ApiKeyName": "x-api-key"},
      f"AuthParameters.ApiKeyAuthParameters is the key's name alone, never its value ({auth.get('ApiKeyAuthParameters')})")
inv = auth.get("InvocationHttpParameters", {})
# A secret parameter comes back by key, with IsValueSecret true and no Value; a plain one with its Value.
check(inv.get("HeaderParameters") == [param("x-team", "orders", False), {"Key": "x-signature", "IsValueSecret": True}],
      f"InvocationHttpParameters.HeaderParameters: the plain value shown, the secret one not ({inv.get('HeaderParameters')})")
check(inv.get("QueryStringParameters") == [param("source", "squall", False), {"Key": "token", "IsValueSecret": True}],
      f"QueryStringParameters likewise ({inv.get('QueryStringParameters')})")
check(inv.get("BodyParameters") == [param("env", "test", False), {"Key": "pin", "IsValueSecret": True}],
      f"BodyParameters likewise ({inv.get('BodyParameters')})")
check(no_secret(RAW.get("DescribeConnection"), KEY_VALUE, HEADER_SECRET, QUERY_SECRET, BODY_SECRET),
      "no secret value is anywhere in the raw DescribeConnection answer")
key_secret = d.get("SecretArn", "")
check(re.fullmatch(re.escape(SECRET_ARN + key_conn + "/") + UUID + r"-[A-Za-z0-9]{6}", key_secret) is not None,
      f"SecretArn names the connection's secret, events/connection/<name>/<uuid> (Squall's name) ({key_secret})")
s = secrets.describe_secret(SecretId=key_secret)
check(s.get("ARN") == key_secret and re.fullmatch(f"events/connection/{key_conn}/{UUID}", s.get("Name", "")) is not None,
      f"and that secret exists: DescribeSecret by the SecretArn ({s.get('Name')})")
value = secret_string(key_secret)
# Recorded: the connection's secret holds the credential; the parameters' secret values are kept there too.
check(all(v in value for v in (KEY_VALUE, HEADER_SECRET, QUERY_SECRET, BODY_SECRET)),
      "the secret holds the API key's value and the secret parameters' values")

basic_conn = f"basic-{RUN}"
PASSWORD = f"pw-{RUN}-S3cr3t"
r = create_connection(basic_conn, "BASIC", basic(f"user-{RUN}", PASSWORD))
basic_arn = r.get("ConnectionArn", "")
check(re.fullmatch(re.escape(CONNECTION_ARN + basic_conn + "/") + UUID, basic_arn) is not None
      and r.get("ConnectionState") == "AUTHORIZED" and recent(r.get("CreationTime")),
      f"a BASIC connection: its ConnectionArn, AUTHORIZED (recorded), CreationTime ({basic_arn}, {r.get('ConnectionState')})")
d = events.describe_connection(Name=basic_conn)
check(d.get("AuthorizationType") == "BASIC" and d.get("AuthParameters") == {"BasicAuthParameters": {"Username": f"user-{RUN}"}},
      f"describe_connection shows the Username alone (recorded) ({d.get('AuthParameters')})")
check("Description" not in d, "and no Description when none was given")
check(no_secret(RAW.get("DescribeConnection"), PASSWORD), "the password is nowhere in the raw answer")
check(PASSWORD in secret_string(d.get("SecretArn", "")), "its secret (DescribeConnection's SecretArn) holds the password")

oauth_conn = f"oauth-{RUN}"
CLIENT_SECRET, AUDIENCE_SECRET, OAUTH_HEADER_SECRET = (f"{w}-{RUN}-S3cr3t" for w in ("cs", "aud", "oh"))
oauth_params = {"HeaderParameters": [param("x-tenant", "shop", False), param("x-auth-key", OAUTH_HEADER_SECRET, True)],
                "BodyParameters": [param("audience", AUDIENCE_SECRET, True), param("scope", "events", False)]}
r = create_connection(oauth_conn, "OAUTH_CLIENT_CREDENTIALS",
                      dict(oauth(f"client-{RUN}", CLIENT_SECRET, TOKEN_URL, "POST", oauth_params),
                           InvocationHttpParameters={"HeaderParameters": [param("x-hook", HEADER_SECRET, True)]}))
oauth_arn = r.get("ConnectionArn", "")
check(re.fullmatch(re.escape(CONNECTION_ARN + oauth_conn + "/") + UUID, oauth_arn) is not None and recent(r.get("CreationTime")),
      f"an OAUTH_CLIENT_CREDENTIALS connection: its ConnectionArn and CreationTime ({oauth_arn})")
check(no_secret(RAW.get("CreateConnection"), CLIENT_SECRET, AUDIENCE_SECRET, OAUTH_HEADER_SECRET, HEADER_SECRET),
      "the create answer holds no secret value")
# Recorded: CreateConnection answers AUTHORIZING for an OAuth connection (EventBridge then asks its
# AuthorizationEndpoint for a token: AUTHORIZED once it has one, DEAUTHORIZED if refused; user guide,
# "Connection states").
check(r.get("ConnectionState") == "AUTHORIZING",
      f"the create answer's ConnectionState is AUTHORIZING (recorded) ({r.get('ConnectionState')})")
s = wait_state(oauth_conn, "AUTHORIZED")
check(s == "AUTHORIZED", f"and DescribeConnection says AUTHORIZED once the token endpoint answered (10 s at most) ({s})")
d = events.describe_connection(Name=oauth_conn)
o = d.get("AuthParameters", {}).get("OAuthParameters", {})
check(d.get("AuthorizationType") == "OAUTH_CLIENT_CREDENTIALS" and o.get("ClientParameters") == {"ClientID": f"client-{RUN}"}
      and o.get("AuthorizationEndpoint") == TOKEN_URL and o.get("HttpMethod") == "POST",
      f"describe_connection shows ClientParameters with the ClientID alone, AuthorizationEndpoint and HttpMethod ({o})")
oh = o.get("OAuthHttpParameters", {})
check(oh.get("HeaderParameters") == [param("x-tenant", "shop", False), {"Key": "x-auth-key", "IsValueSecret": True}]
      and oh.get("BodyParameters") == [{"Key": "audience", "IsValueSecret": True}, param("scope", "events", False)],
      f"and OAuthHttpParameters, the secret values left out ({oh})")
check(d.get("AuthParameters", {}).get("InvocationHttpParameters", {}).get("HeaderParameters") == [{"Key": "x-hook", "IsValueSecret": True}],
      f"and its InvocationHttpParameters ({d.get('AuthParameters', {}).get('InvocationHttpParameters')})")
check(no_secret(RAW.get("DescribeConnection"), CLIENT_SECRET, AUDIENCE_SECRET, OAUTH_HEADER_SECRET, HEADER_SECRET),
      "neither the ClientSecret nor a secret parameter's value is anywhere in the raw answer")
oauth_secret = d.get("SecretArn", "")
check(re.fullmatch(re.escape(SECRET_ARN + oauth_conn + "/") + UUID + r"-[A-Za-z0-9]{6}", oauth_secret) is not None
      and secrets.describe_secret(SecretId=oauth_secret).get("ARN") == oauth_secret,
      f"its SecretArn names a secret that exists ({oauth_secret})")
check(CLIENT_SECRET in secret_string(oauth_secret), "which holds the client secret (recorded)")
# Squall's own rule: http:// is taken for this machine only; localhost as well as 127.0.0.1.
local_conn = f"local-{RUN}"
succeeds("an http://localhost AuthorizationEndpoint is taken (Squall: http only to this machine)", create_connection,
         local_conn, "OAUTH_CLIENT_CREDENTIALS", oauth("c", "s", f"http://localhost:{PORT}/token", "GET"))

# ---------------------------------------------------------------------------------------------
# What CreateConnection and the other connection operations refuse
# ---------------------------------------------------------------------------------------------
refused(EXISTS, "creating a connection with a name in use is ResourceAlreadyExistsException", events.create_connection,
        Name=key_conn, AuthorizationType="API_KEY", AuthParameters=api_key("x-api-key", "other"))
check(events.describe_connection(Name=key_conn).get("ConnectionArn") == key_arn, "and the connection is unchanged")
ghost = f"ghost-{RUN}"
for op in ("describe_connection", "deauthorize_connection", "delete_connection"):
    refused(NOT_FOUND, f"{op} of a missing connection is ResourceNotFoundException", getattr(events, op), Name=ghost)
refused(NOT_FOUND, "update_connection of a missing connection is ResourceNotFoundException", events.update_connection,
        Name=ghost, AuthorizationType="API_KEY", AuthParameters=api_key("x-api-key", "v"))
# Recorded: "1 validation error detected: Value 'Invalid Name With Spaces!' at 'name' failed to satisfy
# constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+".
for bad, why in [(f"bad name {RUN}!", "a space and '!'"), (f"a/{RUN}", "'/'"), (RUN.ljust(65, "x"), "65 characters")]:
    refused(INVALID, f"a connection name with {why} is ValidationException", events.create_connection,
            Name=bad, AuthorizationType="API_KEY", AuthParameters=api_key("x-api-key", "v"))
refused(INVALID, "describe_connection of a name with a space is ValidationException", events.describe_connection,
        Name=f"bad name {RUN}")
# Recorded: "Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed to satisfy constraint: Member must
# satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]".
bad_conn = f"bad-{RUN}"
refused(INVALID, "an unknown AuthorizationType is ValidationException", events.create_connection,
        Name=bad_conn, AuthorizationType="INVALID_AUTH_TYPE", AuthParameters={})
refused(INVALID, "OAUTH_CLIENT_CREDENTIALS without OAuthParameters is ValidationException", events.create_connection,
        Name=bad_conn, AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=basic("u", "p"))
# ConnectionOAuthHttpMethod is GET | POST | PUT (API reference, CreateConnectionOAuthRequestParameters).
refused(INVALID, "an OAuth HttpMethod of PATCH is ValidationException", events.create_connection,
        Name=bad_conn, AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=oauth("c", "s", TOKEN_URL, "PATCH"))
refused(INVALID, "an http:// AuthorizationEndpoint on another host is ValidationException (https only; Squall: http to localhost)",
        events.create_connection, Name=bad_conn, AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters=oauth("c", "s", "http://example.com/token"))
refused(NOT_FOUND, "none of those refusals left a connection behind", events.describe_connection, Name=bad_conn)
refused(INVALID, "update_connection to an http:// AuthorizationEndpoint on another host is ValidationException",
        events.update_connection, Name=oauth_conn, AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters=oauth(f"client-{RUN}", CLIENT_SECRET, "http://example.com/token"))
check(events.describe_connection(Name=oauth_conn).get("AuthParameters", {}).get("OAuthParameters", {}).get("AuthorizationEndpoint")
      == TOKEN_URL, "and the connection keeps its AuthorizationEndpoint")

# ---------------------------------------------------------------------------------------------
# UpdateConnection: the description alone keeps the rest; a new authorization replaces the old
# ---------------------------------------------------------------------------------------------
before = events.describe_connection(Name=key_conn)
r = events.update_connection(Name=key_conn, Description="orders webhook, v2")
check(r.get("ConnectionArn") == key_arn and r.get("ConnectionState") == "AUTHORIZED",
      f"update_connection with a Description alone answers the ConnectionArn and AUTHORIZED ({r.get('ConnectionState')})")
# Recorded: UpdateConnection answers CreationTime, LastModifiedTime and LastAuthorizedTime.
check(r.get("CreationTime") == key_created and recent(r.get("LastModifiedTime")) and recent(r.get("LastAuthorizedTime")),
      f"with CreationTime, LastModifiedTime and LastAuthorizedTime (recorded) "
      f"({r.get('CreationTime')}, {r.get('LastModifiedTime')}, {r.get('LastAuthorizedTime')})")
d = events.describe_connection(Name=key_conn)
check(d.get("Description") == "orders webhook, v2", f"the Description is the new one ({d.get('Description')!r})")
check((d.get("AuthorizationType"), d.get("AuthParameters"), d.get("SecretArn"), d.get("CreationTime"))
      == (before["AuthorizationType"], before["AuthParameters"], before["SecretArn"], before["CreationTime"]),
      "the AuthorizationType, AuthParameters, SecretArn and CreationTime are kept")
check(d.get("LastModifiedTime") >= before["LastModifiedTime"], "LastModifiedTime has not gone back")
check(KEY_VALUE in secret_string(key_secret), "and the secret still holds the API key's value")

NEW_PASSWORD = f"newpw-{RUN}-S3cr3t"
r = events.update_connection(Name=key_conn, AuthorizationType="BASIC",
                             AuthParameters=dict(basic(f"admin-{RUN}", NEW_PASSWORD), InvocationHttpParameters=invocation))
check(r.get("ConnectionArn") == key_arn and r.get("ConnectionState") in ("AUTHORIZED", "AUTHORIZING"),
      f"update_connection to BASIC with a new user and password answers ({r.get('ConnectionState')})")
check(no_secret(RAW.get("UpdateConnection"), NEW_PASSWORD), "and its answer holds no secret value")
s = wait_state(key_conn, "AUTHORIZED")
d = events.describe_connection(Name=key_conn)
check(s == "AUTHORIZED" and d.get("AuthorizationType") == "BASIC", f"the connection is BASIC and AUTHORIZED ({d.get('AuthorizationType')}, {s})")
check(d.get("AuthParameters", {}).get("BasicAuthParameters") == {"Username": f"admin-{RUN}"}
      and "ApiKeyAuthParameters" not in d.get("AuthParameters", {}),
      f"BasicAuthParameters replaced ApiKeyAuthParameters ({d.get('AuthParameters')})")
check(d.get("Description") == "orders webhook, v2", "the Description is kept")
check(no_secret(RAW.get("DescribeConnection"), NEW_PASSWORD, KEY_VALUE, HEADER_SECRET, QUERY_SECRET, BODY_SECRET),
      "no secret value is anywhere in the raw DescribeConnection answer")
value = secret_string(d.get("SecretArn", ""))
check(NEW_PASSWORD in value and KEY_VALUE not in value,
      "the connection's secret holds the new password and no longer the API key's value (recorded: the secret is updated)")

# ---------------------------------------------------------------------------------------------
# DeauthorizeConnection, and UpdateConnection authorizing again
# ---------------------------------------------------------------------------------------------
authorized_at = events.describe_connection(Name=basic_conn).get("LastAuthorizedTime")
r = events.deauthorize_connection(Name=basic_conn)
check(r.get("ConnectionArn") == basic_arn and r.get("ConnectionState") == "DEAUTHORIZING" and recent(r.get("LastModifiedTime")),
      f"deauthorize_connection answers the ConnectionArn, DEAUTHORIZING and LastModifiedTime ({r.get('ConnectionState')})")
s = wait_state(basic_conn, "DEAUTHORIZED")
check(s == "DEAUTHORIZED", f"then DescribeConnection says DEAUTHORIZED (10 s at most) ({s})")
# LastAuthorizedTime: "A time stamp for the time that the connection was last authorized" (API
# reference, Connection and DescribeConnection): deauthorizing is not an authorization.
d = events.describe_connection(Name=basic_conn)
check(d.get("LastAuthorizedTime") == authorized_at,
      f"LastAuthorizedTime stays the last authorization's ({authorized_at} then {d.get('LastAuthorizedTime')})")
listed = events.list_connections(NamePrefix=basic_conn, ConnectionState="DEAUTHORIZED").get("Connections", [])
check(names(listed) == [basic_conn], f"list_connections ConnectionState=DEAUTHORIZED lists it ({names(listed)})")
check(basic_conn not in names(every(events.list_connections, "Connections", ConnectionState="AUTHORIZED")),
      "and ConnectionState=AUTHORIZED does not")
r = events.update_connection(Name=basic_conn, AuthorizationType="BASIC", AuthParameters=basic(f"user-{RUN}", PASSWORD))
check(r.get("ConnectionState") in ("AUTHORIZED", "AUTHORIZING"),
      f"update_connection with its credentials answers AUTHORIZED or AUTHORIZING ({r.get('ConnectionState')})")
s = wait_state(basic_conn, "AUTHORIZED")
d = events.describe_connection(Name=basic_conn)
check(s == "AUTHORIZED" and d.get("LastAuthorizedTime") is not None and d["LastAuthorizedTime"] > authorized_at,
      f"then it is AUTHORIZED again, with a later LastAuthorizedTime ({s}, {d.get('LastAuthorizedTime')})")
check(basic_conn in names(every(events.list_connections, "Connections", ConnectionState="AUTHORIZED")),
      "and ConnectionState=AUTHORIZED lists it")

# ---------------------------------------------------------------------------------------------
# ListConnections: NamePrefix, the entries' fields, ConnectionState, paging
# ---------------------------------------------------------------------------------------------
lst = [f"lst{RUN}-{x}" for x in ("a", "b", "c")]
for n in lst:
    create_connection(n, "API_KEY", api_key("x-api-key", f"{n}-S3cr3t"), Description="listed")
got = events.list_connections(NamePrefix=f"lst{RUN}-").get("Connections", [])
check(names(got) == lst, f"list_connections NamePrefix lists exactly the three connections ({names(got)})")
check(all(re.fullmatch(re.escape(CONNECTION_ARN + c["Name"] + "/") + UUID, c.get("ConnectionArn", "")) and
          c.get("AuthorizationType") == "API_KEY" and c.get("ConnectionState") == "AUTHORIZED" and
          recent(c.get("CreationTime")) and recent(c.get("LastModifiedTime")) and recent(c.get("LastAuthorizedTime"))
          for c in got),
      "each with its ConnectionArn, AuthorizationType, ConnectionState, CreationTime, LastModifiedTime and LastAuthorizedTime (recorded)")
entries = (raw_json("ListConnections") or {}).get("Connections", [])
check(len(entries) == 3 and not any({"AuthParameters", "SecretArn"} & set(e) for e in entries),
      f"the raw entries carry neither AuthParameters nor SecretArn ({sorted(set().union(*map(set, entries))) if entries else entries})")
check(no_secret(RAW.get("ListConnections"), *(f"{n}-S3cr3t" for n in lst)), "and no secret value")
check("NextToken" not in events.list_connections(NamePrefix=f"lst{RUN}-"), "without Limit all fit and there is no NextToken")
page = events.list_connections(NamePrefix=f"lst{RUN}-", Limit=2)
check(len(page.get("Connections", [])) == 2 and page.get("NextToken"), "Limit=2 returns two connections and a NextToken")
page2 = events.list_connections(NamePrefix=f"lst{RUN}-", Limit=2, NextToken=page.get("NextToken", "x"))
both = names(page.get("Connections", []) + page2.get("Connections", []))
check(both == lst and "NextToken" not in page2, f"the NextToken page has the third and no NextToken ({both})")
check(names(events.list_connections(NamePrefix=f"lst{RUN}-", ConnectionState="DEAUTHORIZED").get("Connections", [])) == [],
      "NamePrefix with ConnectionState=DEAUTHORIZED lists none of them")
check({key_conn, basic_conn, oauth_conn, *lst} <= set(names(every(events.list_connections, "Connections"))),
      "paging through every connection lists the run's connections")
refused(INVALID, "list_connections with an unknown ConnectionState is ValidationException", events.list_connections,
        ConnectionState="BOGUS")

# ---------------------------------------------------------------------------------------------
# API destinations
# ---------------------------------------------------------------------------------------------
dest = f"dest-{RUN}"
r = create_destination(dest, key_arn, "https://example.com/orders/*", "POST", Description="orders")
dest_arn = r.get("ApiDestinationArn", "")
check(re.fullmatch(re.escape(DESTINATION_ARN + dest + "/") + UUID, dest_arn) is not None,
      f"create_api_destination returns ApiDestinationArn {DESTINATION_ARN}<name>/<uuid> ({dest_arn})")
check(r.get("ApiDestinationState") == "ACTIVE" and recent(r.get("CreationTime")) and recent(r.get("LastModifiedTime")),
      f"ACTIVE (recorded), with CreationTime and LastModifiedTime ({r.get('ApiDestinationState')})")
dest_created = r["CreationTime"]
d = answer(events.describe_api_destination(Name=dest))
want = {"ApiDestinationArn": dest_arn, "Name": dest, "Description": "orders", "ApiDestinationState": "ACTIVE",
        "ConnectionArn": key_arn, "InvocationEndpoint": "https://example.com/orders/*", "HttpMethod": "POST",
        "InvocationRateLimitPerSecond": 300}
check({k: d.get(k) for k in want} == want and d.get("CreationTime") == dest_created and recent(d.get("LastModifiedTime")),
      f"describe_api_destination gives every field, InvocationRateLimitPerSecond 300 by default (recorded) ({d})")
d2, d3 = f"dest-{RUN}-get", f"dest-{RUN}-put"
create_destination(d2, key_arn, "https://example.com/status", "GET", InvocationRateLimitPerSecond=10)
create_destination(d3, basic_arn, "https://example.com/audit", "PUT")
check(events.describe_api_destination(Name=d2).get("InvocationRateLimitPerSecond") == 10,
      "an InvocationRateLimitPerSecond given is kept")
got = events.list_api_destinations(NamePrefix=dest).get("ApiDestinations", [])
check(names(got) == sorted([dest, d2, d3]), f"list_api_destinations NamePrefix lists the three ({names(got)})")
mine = next((a for a in got if a.get("Name") == dest), {})
check({k: mine.get(k) for k in want if k != "Description"} == {k: v for k, v in want.items() if k != "Description"},
      f"each entry with its ARN, state, connection, endpoint, method and rate (recorded) ({mine})")
entries = (raw_json("ListApiDestinations") or {}).get("ApiDestinations", [])
extra = sorted({k for e in entries for k in e} - {"ApiDestinationArn", "Name", "ApiDestinationState", "ConnectionArn",
                                                   "InvocationEndpoint", "HttpMethod", "InvocationRateLimitPerSecond",
                                                   "CreationTime", "LastModifiedTime"})
# Recorded: ListApiDestinations' entries have no Description (nor has the model's ApiDestination).
check(len(entries) == 3 and extra == [], f"the raw entries carry only the recorded fields, no Description ({extra})")
got = events.list_api_destinations(NamePrefix=dest, ConnectionArn=key_arn).get("ApiDestinations", [])
check(names(got) == sorted([dest, d2]), f"ConnectionArn lists those of that connection only ({names(got)})")
got = events.list_api_destinations(ConnectionArn=basic_arn).get("ApiDestinations", [])
check(names(got) == [d3], f"and of the other connection ({names(got)})")
page = events.list_api_destinations(NamePrefix=dest, Limit=2)
check(len(page.get("ApiDestinations", [])) == 2 and page.get("NextToken"), "Limit=2 returns two and a NextToken")
page2 = events.list_api_destinations(NamePrefix=dest, Limit=2, NextToken=page.get("NextToken", "x"))
both = names(page.get("ApiDestinations", []) + page2.get("ApiDestinations", []))
check(both == sorted([dest, d2, d3]) and "NextToken" not in page2, f"the NextToken page has the third and no NextToken ({both})")

r = events.update_api_destination(Name=dest, ConnectionArn=basic_arn, InvocationEndpoint="https://example.com/v2/orders",
                                  HttpMethod="PUT", Description="orders v2", InvocationRateLimitPerSecond=50)
check(r.get("ApiDestinationArn") == dest_arn and r.get("ApiDestinationState") == "ACTIVE"
      and r.get("CreationTime") == dest_created and recent(r.get("LastModifiedTime")),
      f"update_api_destination answers its ARN, ACTIVE, CreationTime and LastModifiedTime ({r.get('ApiDestinationState')})")
d = events.describe_api_destination(Name=dest)
check((d.get("ConnectionArn"), d.get("InvocationEndpoint"), d.get("HttpMethod"), d.get("Description"), d.get("InvocationRateLimitPerSecond"))
      == (basic_arn, "https://example.com/v2/orders", "PUT", "orders v2", 50),
      f"describe_api_destination shows every updated field ({d.get('InvocationEndpoint')}, {d.get('HttpMethod')}, {d.get('InvocationRateLimitPerSecond')})")
check(sorted([dest, d3]) == names(events.list_api_destinations(NamePrefix=dest, ConnectionArn=basic_arn).get("ApiDestinations", [])),
      "and ListApiDestinations' ConnectionArn filter follows it")

refused(EXISTS, "creating an API destination with a name in use is ResourceAlreadyExistsException",
        events.create_api_destination, Name=dest, ConnectionArn=key_arn, InvocationEndpoint="https://example.com/x", HttpMethod="POST")
ghost_conn_arn = f"{CONNECTION_ARN}ghost-{RUN}/00000000-0000-4000-8000-000000000000"
bad_dest = f"bad-dest-{RUN}"
refused(NOT_FOUND, "an API destination on a connection that does not exist is ResourceNotFoundException",
        events.create_api_destination, Name=bad_dest, ConnectionArn=ghost_conn_arn, InvocationEndpoint="https://example.com/x",
        HttpMethod="POST")
# Recorded: a malformed ConnectionArn with HttpMethod INVALID_METHOD is "2 validation errors detected: ...".
refused(INVALID, "a malformed ConnectionArn and an unknown HttpMethod are ValidationException", events.create_api_destination,
        Name=bad_dest, ConnectionArn="invalid-connection-arn", InvocationEndpoint="invalid-endpoint", HttpMethod="INVALID_METHOD")
refused(INVALID, "an unknown HttpMethod is ValidationException", events.create_api_destination, Name=bad_dest,
        ConnectionArn=key_arn, InvocationEndpoint="https://example.com/x", HttpMethod="TRACE")
refused(INVALID, "an API destination name with spaces and '!' is ValidationException (recorded)", events.create_api_destination,
        Name=f"bad name {RUN}!", ConnectionArn=key_arn, InvocationEndpoint="https://example.com/x", HttpMethod="POST")
refused(INVALID, "an http:// InvocationEndpoint on another host is ValidationException (https only; Squall: http to localhost)",
        events.create_api_destination, Name=bad_dest, ConnectionArn=key_arn, InvocationEndpoint="http://example.com/hook",
        HttpMethod="POST")
refused(NOT_FOUND, "none of those refusals left an API destination behind", events.describe_api_destination, Name=bad_dest)
refused(INVALID, "update_api_destination to an http:// endpoint on another host is ValidationException",
        events.update_api_destination, Name=d2, InvocationEndpoint="http://example.com/hook")
check(events.describe_api_destination(Name=d2).get("InvocationEndpoint") == "https://example.com/status",
      "and the destination keeps its endpoint")
refused(NOT_FOUND, "update_api_destination to a connection that does not exist is ResourceNotFoundException",
        events.update_api_destination, Name=d2, ConnectionArn=ghost_conn_arn)
for op in ("describe_api_destination", "delete_api_destination"):
    refused(NOT_FOUND, f"{op} of a missing destination is ResourceNotFoundException", getattr(events, op), Name=f"ghost-{RUN}")
refused(NOT_FOUND, "update_api_destination of a missing destination is ResourceNotFoundException", events.update_api_destination,
        Name=f"ghost-{RUN}", ConnectionArn=key_arn, InvocationEndpoint="https://example.com/x", HttpMethod="POST")
succeeds("an http://localhost InvocationEndpoint is taken (Squall: http only to this machine)", create_destination,
         f"dest-{RUN}-local", key_arn, f"http://localhost:{PORT}/hook", "POST")

r = events.delete_api_destination(Name=d3)
destinations.remove(d3)
check(answer(r) == {}, f"delete_api_destination answers nothing (recorded) ({answer(r)})")
refused(NOT_FOUND, "a deleted destination is ResourceNotFoundException", events.describe_api_destination, Name=d3)
check(d3 not in names(every(events.list_api_destinations, "ApiDestinations")), "and is no longer listed")

# ---------------------------------------------------------------------------------------------
# End to end: a rule's API destination target through the OAuth connection
# ---------------------------------------------------------------------------------------------
role_name = f"events-api-{RUN}"
role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
roles.append(role_name)
hook_dest = f"hook-{RUN}"
hook_arn = create_destination(hook_dest, oauth_arn, HOOK_URL, "POST")["ApiDestinationArn"]
iam.put_role_policy(RoleName=role_name, PolicyName="invoke", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "events:InvokeApiDestination", "Resource": hook_arn}]}))
check(events.describe_api_destination(Name=hook_dest).get("ApiDestinationState") == "ACTIVE",
      "the hook's API destination on the authorized OAuth connection is ACTIVE")
rule = f"hook-{RUN}"
source = f"squall.connections.{RUN}"
rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
r = events.put_targets(Rule=rule, Targets=[{"Id": "hook", "Arn": hook_arn, "RoleArn": role_arn,
                                            "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}}])
check(r.get("FailedEntryCount") == 0, f"put_targets takes the API destination with its RoleArn ({r.get('FailedEntries')})")
r = events.put_events(Entries=[{"Source": source, "DetailType": "order placed", "Detail": json.dumps({"order": RUN, "total": 42})}])
check(r.get("FailedEntryCount") == 0 and r.get("Entries", [{}])[0].get("EventId"), f"put_events accepts the event ({r.get('Entries')})")
event_id = r["Entries"][0]["EventId"]

deadline = time.time() + 20
while time.time() < deadline:
    with seen_lock:
        hooks = list(seen["hook"])
    if hooks:
        break
    time.sleep(0.2)
with seen_lock:
    hooks, tokens = list(seen["hook"]), list(seen["token"])
check(len(hooks) >= 1, f"the hook received a call within 20 s ({len(hooks)})")
call = hooks[0]
check(call["method"] == "POST" and call["path"] == "/hook", f"a POST to /hook ({call['method']} {call['path']})")
check(call["headers"].get("authorization") == f"Bearer {TOKEN}",
      f"with Authorization: Bearer <the token endpoint's access_token> ({call['headers'].get('authorization')!r})")
check(call["headers"].get("x-hook") == HEADER_SECRET, "with the connection's secret header parameter")
try:
    ev = json.loads(call["body"])
except ValueError:
    ev = call["body"]
check(isinstance(ev, dict) and ev.get("id") == event_id and ev.get("source") == source and ev.get("detail-type") == "order placed"
      and ev.get("detail") == {"order": RUN, "total": 42} and ev.get("account") == ACCOUNT and ev.get("region") == REGION,
      f"its body is the event, as EventBridge delivers it ({str(ev)[:300]})")
check(len(tokens) >= 1, f"the token endpoint was asked for a token ({len(tokens)})")
tok = tokens[0]
want_basic = "Basic " + base64.b64encode(f"client-{RUN}:{CLIENT_SECRET}".encode()).decode()
check(tok["method"] == "POST" and tok["path"] == "/token", f"with the connection's HttpMethod POST ({tok['method']} {tok['path']})")
check(tok["headers"].get("authorization") == want_basic,
      f"with HTTP Basic client authentication, base64 of ClientID:ClientSecret ({'as expected' if tok['headers'].get('authorization') == want_basic else 'other: ' + repr(tok['headers'].get('authorization'))})")
form = urllib.parse.parse_qs(tok["body"])
check(tok["headers"].get("content-type", "").startswith("application/x-www-form-urlencoded") and form.get("grant_type") == ["client_credentials"],
      f"and a form body with grant_type=client_credentials ({tok['headers'].get('content-type')!r}, {sorted(form)})")
check(form.get("audience") == [AUDIENCE_SECRET] and form.get("scope") == ["events"],
      "the form body carries the OAuthHttpParameters body parameters, the secret one included")
check(tok["headers"].get("x-tenant") == "shop" and tok["headers"].get("x-auth-key") == OAUTH_HEADER_SECRET,
      "and the request its header parameters")

# ---------------------------------------------------------------------------------------------
# DeleteConnection, and the clean-up
# ---------------------------------------------------------------------------------------------
events.remove_targets(Rule=rule, Ids=["hook"])
events.delete_rule(Name=rule)
for n in list(destinations):
    events.delete_api_destination(Name=n)
    destinations.remove(n)
check(not any(a.get("Name", "").startswith(("dest-" + RUN, "hook-" + RUN)) for a in every(events.list_api_destinations, "ApiDestinations")),
      "every API destination of the run is deleted")
before = events.describe_connection(Name=key_conn)
r = events.delete_connection(Name=key_conn)
connections.remove(key_conn)
check(r.get("ConnectionArn") == key_arn and r.get("ConnectionState") == "DELETING" and recent(r.get("LastModifiedTime")),
      f"delete_connection answers the ConnectionArn, DELETING and LastModifiedTime ({r.get('ConnectionState')})")
# Recorded: DeleteConnection answers CreationTime and LastAuthorizedTime as well.
check(r.get("CreationTime") == before.get("CreationTime") and r.get("LastAuthorizedTime") is not None,
      f"with CreationTime and LastAuthorizedTime (recorded) ({r.get('CreationTime')}, {r.get('LastAuthorizedTime')})")
check(connection_gone(key_conn), "then DescribeConnection answers ResourceNotFoundException (10 s at most)")
check(key_conn not in names(every(events.list_connections, "Connections")), "and it is no longer listed")
# Recorded: the connection's secret goes with it.
check(secret_gone(before.get("SecretArn", "")), "and its secret is gone: DescribeSecret answers ResourceNotFoundException (10 s at most)")
for n in list(connections):
    events.delete_connection(Name=n)
    connections.remove(n)
check(all(connection_gone(n) for n in (basic_conn, oauth_conn, local_conn, *lst)), "every connection of the run is deleted")
for n in roles:
    iam.delete_role_policy(RoleName=n, PolicyName="invoke")
    iam.delete_role(RoleName=n)
server.shutdown()
print(f"({CHECKS} checks, {time.time() - T0:.1f} s)")
print("all EventBridge connection checks passed")
