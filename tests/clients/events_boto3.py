"""Amazon EventBridge through boto3 against a running Squall (event buses, rules, targets, PutEvents,
archives and replays), with SQS queues as the targets that deliveries are read back from.

Covers the default event bus and custom buses (create, describe by name and by ARN, list with
NamePrefix and Limit/NextToken paging, delete, and the errors for a duplicate, a missing bus, the
default bus and bad names); rules with an event pattern or a schedule expression on the default bus
and on a custom bus (ARNs, update in place, DescribeRule's fields, ListRules with prefixes, buses
and paging, Enable/DisableRule, DeleteRule, ListRuleNamesByTarget, and the errors for a missing
pattern and schedule, bad patterns, bad rate and cron expressions, schedules on a custom bus,
missing rules and buses); targets (PutTargets, ListTargetsByRule with paging, RemoveTargets, Input,
InputPath and InputTransformer round-trips, the five-targets-per-rule limit, Input with InputPath,
RetryPolicy round-trips and its ranges); PutEvents routed to SQS queues (the whole event as the
message body, pattern matching, Input, InputPath, an InputTransformer with a JSON template and with
a string template, custom buses by name and ARN, a disabled rule, the Time field, per-entry
failures, a missing bus, more than ten entries); archives (Create-, Describe-, Update-, Delete- and
ListArchives with each filter and paging, the events its bus receives that its pattern matches
counted in EventCount, a bus with an archive not deletable, and the errors for a duplicate, a
missing bus or archive, a bad pattern or name, more than one list filter, KmsKeyIdentifier); replays
(StartReplay of an archive's time window to the FilterArns rules or to every rule of the bus, the
replayed events with "replay-name" and not archived again, DescribeReplay's fields once COMPLETED,
ListReplays with each filter and paging, and the errors for a duplicate, a bad window, another or a
missing bus, a missing archive or replay, cancelling a completed replay); TestEventPattern; tags on
rules and buses; and an S3 bucket with EventBridgeConfiguration sending Object Created and Object
Deleted to a default bus rule.

Left out: schedules actually firing, API destinations and connections, partner event sources,
PutPermission and bus policies, global endpoints, targets other than standard SQS queues (Lambda,
SNS, Kinesis, FIFO queues, ...), dead-letter queues and retries actually happening, content filters
beyond exact matching, the input transformer's predefined variables, archive retention actually
dropping events, the order of replayed events (not promised, and a standard queue keeps none),
cancelling a running replay, UpdateArchive of a missing archive (AWS answers InternalException),
KmsKeyIdentifier on archives (refused by name; AWS takes a customer managed key), and S3 events
other than PutObject and DeleteObject in an unversioned bucket.

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure. Every wait is bounded and the whole run takes well under a minute. (On AWS an archive's
EventCount and a replay take minutes; the 10 s waits for them are sized for Squall.)

botocore speaks EventBridge's JSON 1.1 protocol (X-Amz-Target: AWSEvents.*) and takes the error
code from the answer's __type. EventBridge answers every client error with HTTP 400, including
ResourceNotFoundException; ValidationException is not in botocore's model but is what the service
sends for request validation. Each check line prints the code, status and message that came back.
The expected messages are the service's own, as recorded against AWS (moto's and LocalStack's
AWS-validated tests) or quoted in the EventBridge API reference and user guide.

Every queue gets the policy AWS needs before EventBridge may deliver to it: events.amazonaws.com may
sqs:SendMessage when aws:SourceArn is one of the rules that target the queue.

Where this script follows AWS against moto 5.2's behaviour, a comment says so.
"""
import datetime
import json
import re
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

cfg = Config(retries={"total_max_attempts": 1})  # no retries: a 500 shows at once, and waits stay bounded
events = boto3.client("events", config=cfg)
sqs = boto3.client("sqs", config=cfg)
s3 = boto3.client("s3", config=Config(retries={"total_max_attempts": 1}, s3={"addressing_style": "path"}))
RUN = str(int(time.time() * 1000))[-7:]  # names unique per run: reruns and deleted names don't collide
ACCOUNT = "000000000000"
REGION = "us-east-1"
BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"
ARCHIVE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:archive/"
REPLAY_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:replay/"

NOT_FOUND = ("ResourceNotFoundException",)
EXISTS = ("ResourceAlreadyExistsException",)
INVALID = ("ValidationException",)
BAD_PATTERN = ("InvalidEventPatternException",)
LIMIT = ("LimitExceededException",)
ILLEGAL = ("IllegalStatusException",)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
EVENT_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"}


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
    if not cond:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


def refused(codes, what, fn, *args, msg=None, **kwargs):
    """Check that `fn` fails with one of `codes` and HTTP 400 and, when `msg` is given, with that
    message (a string: exactly; a compiled pattern: found in it)."""
    c, e = code(fn, *args, **kwargs)
    m = message(e)
    ok = c in codes and http(e) == 400
    if msg is not None:
        ok = ok and (m == msg if isinstance(msg, str) else m is not None and msg.search(m) is not None)
    check(ok, f"{what} ({c}, HTTP {http(e)}: {m!r})")


def succeeds(what, fn, *args, **kwargs):
    c, e = code(fn, *args, **kwargs)
    check(c is None, f"{what} ({c}: {message(e)!r})")


def make_queue(name):
    """A standard queue; its URL and ARN."""
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    q_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queues.append(url)
    return url, q_arn


def allow(url, q_arn, *rule_arns):
    """The queue policy AWS needs before a rule may deliver to the queue (EventBridge user guide,
    "Amazon SQS permissions"): the events service may send to it on behalf of these rules."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "events", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": q_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": list(rule_arns)}}}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})


def recv(url, wait):
    """One ReceiveMessage (long poll of `wait` seconds, at most 5) of up to 10 messages; what it
    returns is deleted."""
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait).get("Messages", [])
    if got:
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])
    return got


def bodies(url, want):
    """The bodies of the messages that arrive, receiving until `want` came back or 10 s per expected
    message passed (bounded)."""
    got, deadline = [], time.time() + 10 * want
    while len(got) < want and time.time() < deadline:
        got += recv(url, max(1, min(5, int(deadline - time.time()))))
    return [m["Body"] for m in got]


def delivered(url, want):
    """The JSON bodies that arrive (see `bodies`)."""
    out = []
    for b in bodies(url, want):
        try:
            out.append(json.loads(b))
        except ValueError:
            out.append(b)
    return out


def detail_of(ev):
    """The detail of a delivered event (None if the body is not an event object)."""
    return ev.get("detail") if isinstance(ev, dict) else None


def amounts(url, want):
    """The detail "amount" of each event that arrives, sorted (see `bodies`)."""
    found, odd = [], []
    for ev in delivered(url, want):
        d = detail_of(ev)
        if isinstance(d, dict) and isinstance(d.get("amount"), int):
            found.append(d["amount"])
        else:
            odd.append(repr(ev))
    return sorted(found) + sorted(odd)

def numbered(url, want):
    """The events that arrive, by their detail "n" (see `bodies`)."""
    out = {}
    for ev in delivered(url, want):
        d = detail_of(ev)
        out[d.get("n") if isinstance(d, dict) else repr(ev)] = ev
    return out


def same_event(replayed, original, name):
    """`replayed` is `original` (as first delivered) with "replay-name": `name`; the id is not compared."""
    if not isinstance(replayed, dict) or not isinstance(original, dict):
        return False
    rest = [{k: v for k, v in e.items() if k not in ("id", "replay-name")} for e in (replayed, original)]
    return replayed.get("replay-name") == name and rest[0] == rest[1]


def quiet(url):
    """Nothing (more) arrives within a 1 s long poll."""
    return recv(url, 1) == []


def tags_of(arn):
    return {t["Key"]: t["Value"] for t in events.list_tags_for_resource(ResourceARN=arn).get("Tags", [])}


def put(*entries):
    return events.put_events(Entries=list(entries))


def entry(source, detail_type, detail, **kw):
    return dict(Source=source, DetailType=detail_type, Detail=json.dumps(detail), **kw)


def all_buses():
    names, token = [], None
    for _ in range(100):  # bounded
        page = events.list_event_buses(Limit=100, **({"NextToken": token} if token else {}))
        names += [b["Name"] for b in page.get("EventBuses", [])]
        token = page.get("NextToken")
        if not token:
            break
    return names


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


def event_count(archive, want):
    """The archive's EventCount, once it is `want` or after 10 s (bounded)."""
    deadline = time.time() + 10
    while True:
        n = events.describe_archive(ArchiveName=archive).get("EventCount")
        if n == want or time.time() > deadline:
            return n
        time.sleep(0.2)


def replay_over(name):
    """DescribeReplay once the replay is COMPLETED, CANCELLED or FAILED, or after 10 s (bounded)."""
    deadline = time.time() + 10
    while True:
        d = events.describe_replay(ReplayName=name)
        if d.get("State") in ("COMPLETED", "CANCELLED", "FAILED") or time.time() > deadline:
            return d
        time.sleep(0.2)


queues, buses, rules = [], [], []  # rules: (name, bus or None), for the clean-up

# ---------------------------------------------------------------------------------------------
# Event buses
# ---------------------------------------------------------------------------------------------
d = events.describe_event_bus()
check(d.get("Name") == "default" and d.get("Arn") == BUS_ARN + "default",
      f"describe_event_bus without a name is the default bus, {BUS_ARN}default ({d.get('Name')}, {d.get('Arn')})")
d = events.describe_event_bus(Name="default")
check(d.get("Name") == "default" and d.get("Arn") == BUS_ARN + "default", "describe_event_bus Name=default is the same bus")

bus = f"shop-{RUN}"
r = events.create_event_bus(Name=bus, Description="order events", Tags=[{"Key": "team", "Value": "shop"}])
buses.append(bus)
bus_arn = r.get("EventBusArn")
check(bus_arn == BUS_ARN + bus, f"create_event_bus returns EventBusArn {BUS_ARN}<name> ({bus_arn})")
d = events.describe_event_bus(Name=bus)
check((d.get("Name"), d.get("Arn"), d.get("Description")) == (bus, bus_arn, "order events"),
      f"describe_event_bus gives its Name, Arn and Description ({d.get('Name')}, {d.get('Arn')}, {d.get('Description')!r})")
d = events.describe_event_bus(Name=bus_arn)
check((d.get("Name"), d.get("Arn")) == (bus, bus_arn), "describe_event_bus takes the bus ARN as its Name as well")
refused(EXISTS, "creating the bus again is ResourceAlreadyExistsException", events.create_event_bus, Name=bus,
        msg=f"Event bus {bus} already exists.")
ghost_bus = f"ghost-{RUN}"
refused(NOT_FOUND, "describe_event_bus of a missing bus is ResourceNotFoundException", events.describe_event_bus,
        Name=ghost_bus, msg=f"Event bus {ghost_bus} does not exist.")
refused(INVALID, "deleting the default bus is ValidationException", events.delete_event_bus, Name="default",
        msg="Cannot delete event bus default.")
check(events.describe_event_bus()["Name"] == "default", "and the default bus is still there")
# moto 5.2 checks none of the EventBusName pattern [/\.\-_A-Za-z0-9]+ and its 256-character limit
# (botocore checks only minimums client-side); AWS answers ValidationException "1 validation error
# detected: Value '...' at 'name' failed to satisfy constraint: ...".
for bad, why in [(f"bad name {RUN}!", "a space and '!'"), (RUN.ljust(257, "b"), "257 characters")]:
    refused(INVALID, f"a bus name with {why} is ValidationException", events.create_event_bus, Name=bad)
# CreateEventBus: "Custom event bus names can't contain the / character" (only partner buses may).
refused(INVALID, "a custom bus name with '/' is ValidationException", events.create_event_bus, Name=f"a/b-{RUN}")

# ListEventBuses: prefix and paging
lst = [f"lst{RUN}-{x}" for x in ("a", "b", "c")]
for n in lst:
    events.create_event_bus(Name=n)
    buses.append(n)
got = events.list_event_buses(NamePrefix=f"lst{RUN}-").get("EventBuses", [])
check(sorted(b["Name"] for b in got) == lst, f"list_event_buses NamePrefix lists exactly the three buses ({[b['Name'] for b in got]})")
check(all(b.get("Arn") == BUS_ARN + b["Name"] for b in got), "each with its Arn")
check("NextToken" not in events.list_event_buses(NamePrefix=f"lst{RUN}-"), "without Limit all fit and there is no NextToken")
# moto 5.2 ignores Limit and NextToken here (returns every bus at once); AWS pages (ListEventBuses:
# "The operation also returns a NextToken which you can use ... to retrieve the next set of results").
page = events.list_event_buses(NamePrefix=f"lst{RUN}-", Limit=2)
check(len(page.get("EventBuses", [])) == 2 and page.get("NextToken"), "Limit=2 returns two buses and a NextToken")
page2 = events.list_event_buses(NamePrefix=f"lst{RUN}-", Limit=2, NextToken=page.get("NextToken", "x"))
names = [b["Name"] for b in page.get("EventBuses", []) + page2.get("EventBuses", [])]
check(sorted(names) == lst and "NextToken" not in page2, f"the NextToken page has the third bus and no NextToken ({names})")
everything = all_buses()
check("default" in everything and bus in everything and set(lst) <= set(everything),
      "paging through every bus lists the default bus and the new ones")

events.delete_event_bus(Name=lst[2])
buses.remove(lst[2])
refused(NOT_FOUND, "a deleted bus is ResourceNotFoundException", events.describe_event_bus, Name=lst[2])
check(sorted(b["Name"] for b in events.list_event_buses(NamePrefix=f"lst{RUN}-").get("EventBuses", [])) == lst[:2],
      "and is no longer listed")
succeeds("deleting it again succeeds (DeleteEventBus of a missing bus is not an error on AWS)",
         events.delete_event_bus, Name=lst[2])

# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------
src_orders, src_billing, src_route = f"app.orders.r{RUN}", f"app.billing.r{RUN}", f"app.route.r{RUN}"
orders = f"orders-{RUN}"
orders_pattern = {"source": [src_orders], "detail-type": ["OrderPlaced"]}
orders_arn = events.put_rule(Name=orders, EventPattern=json.dumps(orders_pattern), Description="paid orders",
                             Tags=[{"Key": "team", "Value": "shop"}])["RuleArn"]
rules.append((orders, None))
check(orders_arn == RULE_ARN + orders, f"put_rule on the default bus returns {RULE_ARN}<name> ({orders_arn})")
d = events.describe_rule(Name=orders)
check(d.get("Name") == orders and d.get("Arn") == orders_arn, "describe_rule gives its Name and Arn")
check(json.loads(d.get("EventPattern", "null")) == orders_pattern, f"and its EventPattern ({d.get('EventPattern')})")
check(d.get("State") == "ENABLED", f"a new rule is ENABLED ({d.get('State')})")
check(d.get("Description") == "paid orders", "Description round-trips")
check(d.get("EventBusName") == "default", f"EventBusName is default ({d.get('EventBusName')})")
check(d.get("CreatedBy") == ACCOUNT, f"CreatedBy is the account ({d.get('CreatedBy')})")
check("ScheduleExpression" not in d, "a pattern rule has no ScheduleExpression")

# Schedules
sched = f"sched-{RUN}"
sched_arn = events.put_rule(Name=sched, ScheduleExpression="rate(5 minutes)")["RuleArn"]
rules.append((sched, None))
check(sched_arn == RULE_ARN + sched, "put_rule with ScheduleExpression rate(5 minutes) returns the rule ARN")
d = events.describe_rule(Name=sched)
check(d.get("ScheduleExpression") == "rate(5 minutes)" and "EventPattern" not in d and d.get("State") == "ENABLED",
      f"describe_rule shows the schedule, no pattern, ENABLED ({d.get('ScheduleExpression')}, {d.get('State')})")
check(events.put_rule(Name=sched, ScheduleExpression="cron(0 12 * * ? *)")["RuleArn"] == sched_arn,
      "put_rule again with cron(0 12 * * ? *) updates the rule under the same ARN")
check(events.describe_rule(Name=sched).get("ScheduleExpression") == "cron(0 12 * * ? *)", "and the new schedule reads back")
for ok_expr in ("rate(1 minute)", "rate(1 hour)", "rate(2 days)", "cron(0/15 * ? * MON-FRI *)", "cron(30 8 1 * ? 2030)"):
    succeeds(f"the schedule {ok_expr} is accepted", events.put_rule, Name=sched, ScheduleExpression=ok_expr)
# Rate expressions (user guide): "If the value is equal to 1, then the unit must be singular. If the value is
# greater than 1, the unit must be plural. For example, rate(1 hours) and rate(5 hour) aren't valid". Cron:
# "You can't use * in both the Day-of-month and Day-of-week fields. If you use it in one, you must use ? in
# the other." moto 5.2 only checks rate(<digits> <unit>) loosely and takes any cron(...), so it accepts
# rate(0 minutes), rate(5 minute), rate(1 minutes) and both cron expressions here.
for bad_expr in ("rate(0 minutes)", "rate(1 minute s)", "rate(5 minute)", "rate(1 minutes)", "rate(5 seconds)"):
    refused(INVALID, f"the schedule {bad_expr} is ValidationException", events.put_rule,
            Name=f"bad-sched-{RUN}", ScheduleExpression=bad_expr, msg="Parameter ScheduleExpression is not valid.")
for bad_expr in ("cron(0 12 * * * *)", "cron(0 12 * *)"):
    refused(INVALID, f"the schedule {bad_expr} is ValidationException", events.put_rule,
            Name=f"bad-sched-{RUN}", ScheduleExpression=bad_expr)
refused(NOT_FOUND, "and none of them created the rule", events.describe_rule, Name=f"bad-sched-{RUN}")
refused(INVALID, "updating the schedule rule to rate(5 minute) is ValidationException", events.put_rule,
        Name=sched, ScheduleExpression="rate(5 minute)")
check(events.describe_rule(Name=sched).get("ScheduleExpression") == "cron(30 8 1 * ? 2030)",
      "and leaves its schedule as it was")

# PutRule errors
refused(INVALID, "put_rule with neither EventPattern nor ScheduleExpression is ValidationException", events.put_rule,
        Name=f"empty-{RUN}", msg="Parameter(s) EventPattern or ScheduleExpression must be specified.")
for bad, why in [('{"source": "not-an-array"}', "a bare string as a value"), ("not json", "not JSON"),
                 ('{"source": []}', "an empty array")]:
    refused(BAD_PATTERN, f"an EventPattern with {why} is InvalidEventPatternException", events.put_rule,
            Name=f"badpat-{RUN}", EventPattern=bad, msg=re.compile(r"^Event pattern is not valid\. Reason: "))
refused(NOT_FOUND, "and no rule was created", events.describe_rule, Name=f"badpat-{RUN}")
# moto 5.2 checks neither the RuleName pattern [\.\-_A-Za-z0-9]+ nor its 64-character limit.
for bad, why in [(f"bad name {RUN}!", "a space and '!'"), (RUN.ljust(65, "r"), "65 characters")]:
    refused(INVALID, f"a rule name with {why} is ValidationException", events.put_rule, Name=bad,
            EventPattern=json.dumps({"source": ["x"]}))

# Update in place: omitted arguments are cleared, tags are ignored
orders_pattern2 = {"source": [src_orders], "detail-type": ["OrderPlaced", "OrderPaid"]}
r = events.put_rule(Name=orders, EventPattern=json.dumps(orders_pattern2), Tags=[{"Key": "ignored", "Value": "yes"}])
check(r["RuleArn"] == orders_arn, "put_rule on an existing name updates it under the same ARN")
d = events.describe_rule(Name=orders)
check(json.loads(d.get("EventPattern", "null")) == orders_pattern2, "the new EventPattern reads back")
# PutRule: "If you omit arguments in PutRule, the old values for those arguments are not kept. Instead,
# they are replaced with null values."
check("Description" not in d, f"the Description left out of the update is gone ({d.get('Description')!r})")
# PutRule: "If you are updating an existing rule, any tags you specify in the PutRule operation are
# ignored." moto 5.2 adds them.
check(tags_of(orders_arn) == {"team": "shop"}, f"tags passed to an update are ignored ({tags_of(orders_arn)})")
events.put_rule(Name=orders, EventPattern=json.dumps(orders_pattern))

# A rule created DISABLED; Enable/DisableRule
off = f"off-{RUN}"
events.put_rule(Name=off, EventPattern=json.dumps({"source": [f"app.off.r{RUN}"]}), State="DISABLED")
rules.append((off, None))
check(events.describe_rule(Name=off).get("State") == "DISABLED", "put_rule State=DISABLED creates a disabled rule")
events.enable_rule(Name=off)
check(events.describe_rule(Name=off).get("State") == "ENABLED", "enable_rule makes it ENABLED")
events.disable_rule(Name=off)
check(events.describe_rule(Name=off).get("State") == "DISABLED", "disable_rule makes it DISABLED")

# Missing rules
ghost_rule = f"ghost-{RUN}"
# moto 5.2 says "Rule <name> does not exist." (no bus); AWS names the bus.
refused(NOT_FOUND, "describe_rule of a missing rule is ResourceNotFoundException", events.describe_rule,
        Name=ghost_rule, msg=f"Rule {ghost_rule} does not exist on EventBus default.")
refused(NOT_FOUND, "enable_rule of a missing rule is ResourceNotFoundException", events.enable_rule, Name=ghost_rule)
refused(NOT_FOUND, "disable_rule of a missing rule is ResourceNotFoundException", events.disable_rule, Name=ghost_rule)
# DeleteRule: "If you call delete rule multiple times for the same rule, all calls will succeed."
succeeds("delete_rule of a missing rule succeeds", events.delete_rule, Name=ghost_rule)
# DeleteRule: "When you call delete rule for a non-existent custom eventbus, ResourceNotFoundException is
# returned." moto 5.2 succeeds.
refused(NOT_FOUND, "delete_rule on a missing bus is ResourceNotFoundException", events.delete_rule,
        Name=ghost_rule, EventBusName=ghost_bus)

# Rules on a custom bus
route = f"route-{RUN}"
route_pattern = {"source": [src_route]}
route_def_arn = events.put_rule(Name=route, EventPattern=json.dumps(route_pattern))["RuleArn"]
rules.append((route, None))
route_bus_arn = events.put_rule(Name=route, EventBusName=bus, EventPattern=json.dumps(route_pattern),
                                Tags=[{"Key": "scope", "Value": "bus"}])["RuleArn"]
rules.append((route, bus))
check(route_bus_arn == f"{RULE_ARN}{bus}/{route}", f"put_rule on a custom bus returns {RULE_ARN}<bus>/<name> ({route_bus_arn})")
check(route_def_arn == RULE_ARN + route, "a rule of the same name on the default bus is a separate rule")
d = events.describe_rule(Name=route, EventBusName=bus)
check((d.get("Arn"), d.get("EventBusName"), d.get("CreatedBy")) == (route_bus_arn, bus, ACCOUNT),
      f"describe_rule with EventBusName gives the custom bus rule ({d.get('Arn')}, {d.get('EventBusName')})")
check(events.describe_rule(Name=route, EventBusName=bus_arn).get("Arn") == route_bus_arn, "EventBusName may be the bus ARN")
bus_only = f"busonly-{RUN}"
events.put_rule(Name=bus_only, EventBusName=bus, EventPattern=json.dumps({"source": ["nothing"]}))
rules.append((bus_only, bus))
refused(NOT_FOUND, "a custom bus rule is not on the default bus", events.describe_rule, Name=bus_only)
# Only the default bus takes schedules (EventBridge user guide, "Creating a rule that runs on a schedule").
refused(INVALID, "a ScheduleExpression on a custom bus is ValidationException", events.put_rule, Name=f"bsched-{RUN}",
        EventBusName=bus, ScheduleExpression="rate(5 minutes)", msg="ScheduleExpression is supported only on the default event bus.")
refused(NOT_FOUND, "put_rule on a missing bus is ResourceNotFoundException", events.put_rule, Name=f"nobus-{RUN}",
        EventBusName=ghost_bus, EventPattern=json.dumps(route_pattern), msg=f"Event bus {ghost_bus} does not exist.")

# ListRules
lrules = [f"lst{RUN}-{i}" for i in (1, 2, 3)]
for n in lrules:
    events.put_rule(Name=n, EventPattern=json.dumps({"source": [f"app.list.r{RUN}"]}))
    rules.append((n, None))
listed = events.list_rules(NamePrefix=f"lst{RUN}-").get("Rules", [])
check(sorted(x["Name"] for x in listed) == lrules, f"list_rules NamePrefix lists exactly the three rules ({[x['Name'] for x in listed]})")
check(all(x.get("Arn") == RULE_ARN + x["Name"] and x.get("State") == "ENABLED" and x.get("EventBusName") == "default"
          for x in listed), "each with its Arn, State ENABLED and EventBusName default")
one = events.list_rules(NamePrefix=orders).get("Rules", [])
check([x["Name"] for x in one] == [orders] and json.loads(one[0].get("EventPattern", "null")) == orders_pattern,
      "a listed rule carries its EventPattern")
page = events.list_rules(NamePrefix=f"lst{RUN}-", Limit=2)
check(len(page.get("Rules", [])) == 2 and page.get("NextToken"), "Limit=2 returns two rules and a NextToken")
page2 = events.list_rules(NamePrefix=f"lst{RUN}-", Limit=2, NextToken=page.get("NextToken", "x"))
names = [x["Name"] for x in page.get("Rules", []) + page2.get("Rules", [])]
check(sorted(names) == lrules and "NextToken" not in page2, f"the NextToken page has the third and no NextToken ({names})")
paged = [x["Name"] for p in events.get_paginator("list_rules").paginate(NamePrefix=f"lst{RUN}-", PaginationConfig={"PageSize": 1, "MaxItems": 50})
         for x in p.get("Rules", [])]
check(sorted(paged) == lrules, "the list_rules paginator with PageSize 1 finds all three once")
on_bus = events.list_rules(EventBusName=bus).get("Rules", [])
check(sorted(x["Name"] for x in on_bus) == sorted([route, bus_only]) and all(x.get("EventBusName") == bus for x in on_bus),
      f"list_rules EventBusName lists only that bus's rules ({[x['Name'] for x in on_bus]})")
check(route_bus_arn in [x["Arn"] for x in on_bus], "with their rule/<bus>/<name> ARNs")
check(events.list_rules(NamePrefix=f"busonly-{RUN}").get("Rules", []) == [], "and the default bus does not list them")
refused(NOT_FOUND, "list_rules on a missing bus is ResourceNotFoundException", events.list_rules, EventBusName=ghost_bus)

# ---------------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------------
q = {k: make_queue(f"ev-{k}-{RUN}") for k in ("all", "const", "path", "tjson", "tstr", "bill", "def", "bus", "spare")}
billing = f"billing-{RUN}"
billing_arn = events.put_rule(Name=billing, EventPattern=json.dumps({"source": [src_billing]}))["RuleArn"]
rules.append((billing, None))
for k in ("all", "const", "path", "tjson", "tstr"):
    allow(*q[k], orders_arn)
allow(*q["bill"], billing_arn)
allow(*q["def"], route_def_arn)
allow(*q["bus"], route_bus_arn)

const_input = json.dumps({"constant": True, "run": RUN, "nested": {"list": [1, 2]}})
tjson = {"InputPathsMap": {"name": "$.detail.customer.name", "items": "$.detail.items", "src": "$.source",
                           "cust": "$.detail.customer"},
         "InputTemplate": '{"who": <name>, "greeting": "hello <name>", "count": <items>, "customer": <cust>, "from": <src>}'}
tstr = {"InputPathsMap": {"name": "$.detail.customer.name", "items": "$.detail.items", "src": "$.source"},
        "InputTemplate": '"<name> ordered <items> items from <src>"'}
orders_targets = [
    {"Id": "whole", "Arn": q["all"][1]},
    {"Id": "const", "Arn": q["const"][1], "Input": const_input},
    {"Id": "path", "Arn": q["path"][1], "InputPath": "$.detail"},
    {"Id": "tjson", "Arn": q["tjson"][1], "InputTransformer": tjson},
    {"Id": "tstr", "Arn": q["tstr"][1], "InputTransformer": tstr},
]
r = events.put_targets(Rule=orders, Targets=orders_targets)
check(r.get("FailedEntryCount") == 0 and r.get("FailedEntries", []) == [],
      f"put_targets of five SQS targets: FailedEntryCount 0, no FailedEntries ({r.get('FailedEntryCount')}, {r.get('FailedEntries')})")
listed = {t["Id"]: t for t in events.list_targets_by_rule(Rule=orders).get("Targets", [])}
check(sorted(listed) == sorted(t["Id"] for t in orders_targets), f"list_targets_by_rule lists the five Ids ({sorted(listed)})")
check(listed.get("whole") == {"Id": "whole", "Arn": q["all"][1]}, f"a plain target is just its Id and Arn ({listed.get('whole')})")
check(listed.get("const", {}).get("Input") == const_input, "Input round-trips")
check(listed.get("path", {}).get("InputPath") == "$.detail", "InputPath round-trips")
check(listed.get("tjson", {}).get("InputTransformer") == tjson, "an InputTransformer with a JSON template round-trips")
check(listed.get("tstr", {}).get("InputTransformer") == tstr, "an InputTransformer with a string template round-trips")
for rule, bus_name, k in [(billing, None, "bill"), (route, None, "def"), (route, bus, "bus")]:
    r = events.put_targets(Rule=rule, Targets=[{"Id": k, "Arn": q[k][1]}], **({"EventBusName": bus_name} if bus_name else {}))
    check(r.get("FailedEntryCount") == 0, f"put_targets on {rule} ({bus_name or 'default'}) succeeds")
check([t["Arn"] for t in events.list_targets_by_rule(Rule=route, EventBusName=bus).get("Targets", [])] == [q["bus"][1]],
      "list_targets_by_rule with EventBusName lists the custom bus rule's target")
check([t["Arn"] for t in events.list_targets_by_rule(Rule=route).get("Targets", [])] == [q["def"][1]],
      "and without it the default bus rule's")
check(events.put_rule(Name=billing, EventPattern=json.dumps({"source": [src_billing]}))["RuleArn"] == billing_arn
      and len(events.list_targets_by_rule(Rule=billing).get("Targets", [])) == 1, "updating a rule keeps its targets")

# Target errors
# moto 5.2 says "Rule <name> does not exist." for ListTargetsByRule; AWS names the bus.
for what, fn, kw in [("put_targets", events.put_targets, {"Targets": [{"Id": "x", "Arn": q["spare"][1]}]}),
                     ("list_targets_by_rule", events.list_targets_by_rule, {}),
                     ("remove_targets", events.remove_targets, {"Ids": ["x"]})]:
    refused(NOT_FOUND, f"{what} on a missing rule is ResourceNotFoundException", fn, Rule=ghost_rule,
            msg=f"Rule {ghost_rule} does not exist on EventBus default.", **kw)
refused(NOT_FOUND, "put_targets on a custom bus rule without its EventBusName is ResourceNotFoundException",
        events.put_targets, Rule=bus_only, Targets=[{"Id": "x", "Arn": q["spare"][1]}])
# moto 5.2 stores both. AWS (recorded): "Only one of Input, InputPath, or InputTransformer must be provided
# for target <id>."
refused(INVALID, "a target with both Input and InputPath is ValidationException", events.put_targets, Rule=billing,
        Targets=[{"Id": "both", "Arn": q["spare"][1], "Input": "{}", "InputPath": "$.detail"}],
        msg="Only one of Input, InputPath, or InputTransformer must be provided for target both.")
check([t["Id"] for t in events.list_targets_by_rule(Rule=billing).get("Targets", [])] == ["bill"], "and it was not added")
refused(INVALID, "delete_rule of a rule with targets is ValidationException", events.delete_rule, Name=billing,
        msg="Rule can't be deleted since it has targets.")
check(events.describe_rule(Name=billing).get("Arn") == billing_arn, "and the rule is still there")

# At most five targets per rule (PutTargets: "Each rule can have up to five (5) targets associated with it at
# one time."). AWS answers the whole call with LimitExceededException "The requested resource exceeds the
# maximum number allowed." (recorded); moto 5.2 has no limit.
lim = f"lim-{RUN}"
events.put_rule(Name=lim, EventPattern=json.dumps({"source": [f"app.limit.r{RUN}"]}))
rules.append((lim, None))
six = [{"Id": f"t{i}", "Arn": q["spare"][1]} for i in range(6)]
refused(LIMIT, "put_targets of six targets is LimitExceededException", events.put_targets, Rule=lim, Targets=six,
        msg="The requested resource exceeds the maximum number allowed.")
check(events.list_targets_by_rule(Rule=lim).get("Targets", []) == [], "and adds none of them")
check(events.put_targets(Rule=lim, Targets=six[:5]).get("FailedEntryCount") == 0, "five targets are accepted")
refused(LIMIT, "a sixth one is LimitExceededException", events.put_targets, Rule=lim, Targets=six[5:])
r = events.put_targets(Rule=lim, Targets=[dict(six[0], Input='{"updated": true}')])
check(r.get("FailedEntryCount") == 0, "updating one of the five (same Id) is fine")
lt = {t["Id"]: t for t in events.list_targets_by_rule(Rule=lim).get("Targets", [])}
check(sorted(lt) == [f"t{i}" for i in range(5)] and lt["t0"].get("Input") == '{"updated": true}',
      "the rule has its five targets, t0 updated")
# A target's RetryPolicy: MaximumRetryAttempts 0 to 185, MaximumEventAgeInSeconds 60 to 86400 (PutTargets,
# RetryPolicy); ListTargetsByRule gives it back.
retry = {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120}
least = {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60}
most = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
r = events.put_targets(Rule=lim, Targets=[dict(six[1], RetryPolicy=retry), dict(six[2], RetryPolicy=least),
                                          dict(six[3], RetryPolicy=most)])
check(r.get("FailedEntryCount") == 0 and r.get("FailedEntries", []) == [],
      f"put_targets with RetryPolicy on three targets: FailedEntryCount 0 ({r.get('FailedEntryCount')}, {r.get('FailedEntries')})")
lt = {t["Id"]: t for t in events.list_targets_by_rule(Rule=lim).get("Targets", [])}
check(lt.get("t1", {}).get("RetryPolicy") == retry, f"list_targets_by_rule gives the RetryPolicy back ({lt.get('t1', {}).get('RetryPolicy')})")
check(lt.get("t2", {}).get("RetryPolicy") == least and lt.get("t3", {}).get("RetryPolicy") == most,
      f"the least (0, 60) and the most (185, 86400) are accepted ({lt.get('t2', {}).get('RetryPolicy')}, {lt.get('t3', {}).get('RetryPolicy')})")
check("RetryPolicy" not in lt.get("t4", {"RetryPolicy": None}), "a target given none has no RetryPolicy")
# botocore checks only the minimums client-side; past a maximum AWS answers ValidationException "1 validation
# error detected: Value '186' at 'targets.1.member.retryPolicy.maximumRetryAttempts' failed to satisfy
# constraint: Member must have value less than or equal to 185" (the model's range), naming the limit.
for bad, top in [({"MaximumRetryAttempts": 186, "MaximumEventAgeInSeconds": 120}, "185"),
                 ({"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 86401}, "86400")]:
    refused(INVALID, f"a RetryPolicy of {bad} is ValidationException", events.put_targets, Rule=lim,
            Targets=[dict(six[4], RetryPolicy=bad)], msg=re.compile(top))
lt = {t["Id"]: t for t in events.list_targets_by_rule(Rule=lim).get("Targets", [])}
check(sorted(lt) == [f"t{i}" for i in range(5)] and "RetryPolicy" not in lt.get("t4", {"RetryPolicy": None}),
      "and the target is left as it was")
page = events.list_targets_by_rule(Rule=lim, Limit=3)
page2 = events.list_targets_by_rule(Rule=lim, Limit=3, NextToken=page.get("NextToken", "x"))
ids = [t["Id"] for t in page.get("Targets", []) + page2.get("Targets", [])]
check(len(page.get("Targets", [])) == 3 and page.get("NextToken") and sorted(ids) == sorted(lt) and "NextToken" not in page2,
      f"list_targets_by_rule Limit=3 pages 3 then 2 ({ids})")
check(events.list_rule_names_by_target(TargetArn=q["spare"][1]).get("RuleNames") == [lim],
      "list_rule_names_by_target names the rule targeting a queue")
r = events.remove_targets(Rule=lim, Ids=["t0", "t1"])
check(r.get("FailedEntryCount") == 0 and r.get("FailedEntries", []) == [], "remove_targets of two Ids: FailedEntryCount 0")
check(sorted(t["Id"] for t in events.list_targets_by_rule(Rule=lim).get("Targets", [])) == ["t2", "t3", "t4"],
      "and only those two are gone")
check(events.remove_targets(Rule=lim, Ids=["t2", "t3", "t4"]).get("FailedEntryCount") == 0, "removing the rest succeeds")
check(events.list_targets_by_rule(Rule=lim).get("Targets", []) == [], "the rule has no targets left")
check(events.list_rule_names_by_target(TargetArn=q["spare"][1]).get("RuleNames", []) == [],
      "and list_rule_names_by_target no longer names it")
succeeds("a rule without targets can be deleted", events.delete_rule, Name=lim)
rules.remove((lim, None))
refused(NOT_FOUND, "and is gone", events.describe_rule, Name=lim)

# ListRuleNamesByTarget
check(events.list_rule_names_by_target(TargetArn=q["all"][1]).get("RuleNames") == [orders],
      "list_rule_names_by_target of the whole-event queue is the orders rule")
check(events.list_rule_names_by_target(TargetArn=q["bus"][1], EventBusName=bus).get("RuleNames") == [route],
      "with EventBusName it looks at that bus's rules")
check(events.list_rule_names_by_target(TargetArn=q["bus"][1]).get("RuleNames", []) == [],
      "and without it only at the default bus")

# ---------------------------------------------------------------------------------------------
# PutEvents -> rules -> SQS
# ---------------------------------------------------------------------------------------------
when = datetime.datetime(2020, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
detail = {"id": f"o-{RUN}", "customer": {"name": "ana"}, "items": 3, "note": "héllo ✓"}
e1 = entry(src_orders, "OrderPlaced", detail, Resources=["arn:aws:s3:::bucket-1"], Time=when)
e2 = entry(src_billing, "Invoice", {"amount": 12})
e3 = entry(src_orders, "OrderCancelled", {"id": "o-x"})  # the source matches, the detail-type does not
t0 = time.time()
r = put(e1, e2, e3)
ents = r.get("Entries", [])
check(r.get("FailedEntryCount") == 0 and len(ents) == 3, f"put_events of three entries: FailedEntryCount 0, three Entries ({r.get('FailedEntryCount')})")
ids = [x.get("EventId", "") for x in ents]
check(all(re.fullmatch(UUID, i) for i in ids) and len(set(ids)) == 3, f"each entry has its own EventId ({ids})")

got = delivered(q["all"][0], 1)
ev = got[0] if got and isinstance(got[0], dict) else {}
check(len(got) == 1, f"the matching event reaches the rule's queue once ({len(got)})")
# moto 5.2 leaves "account" out of the delivered event.
check(set(ev) == EVENT_KEYS, f"the body is the whole event: {sorted(EVENT_KEYS)} ({sorted(ev)})")
check(ev.get("version") == "0" and ev.get("id") == ids[0], "version \"0\" and id the EventId PutEvents returned")
check((ev.get("source"), ev.get("detail-type")) == (src_orders, "OrderPlaced"), "source and detail-type as sent")
check((ev.get("account"), ev.get("region")) == (ACCOUNT, REGION), f"account and region ({ev.get('account')}, {ev.get('region')})")
check(ev.get("resources") == ["arn:aws:s3:::bucket-1"], "resources as sent")
check(ev.get("detail") == detail, "detail is the Detail JSON as an object")
check(ev.get("time") == "2020-01-02T03:04:05Z", f"time is the entry's Time, yyyy-mm-ddThh:mm:ssZ ({ev.get('time')})")
# moto 5.2 ignores Input and InputPath and delivers the whole event to these two.
check(delivered(q["const"][0], 1) == [json.loads(const_input)], "a target with Input receives the constant instead of the event")
check(delivered(q["path"][0], 1) == [detail], "a target with InputPath $.detail receives the detail")
# A JSON template puts a string value outside quotes as a JSON string and inside quotes as its text (API
# reference, InputTransformer; AWS-recorded in LocalStack's tests). moto 5.2 inserts strings bare either way,
# and its PutEvents then fails with a 500 on the invalid JSON (as it does for the string template below).
want = {"who": "ana", "greeting": "hello ana", "count": 3, "customer": {"name": "ana"}, "from": src_orders}
got = delivered(q["tjson"][0], 1)
check(got == [want], f"a JSON InputTemplate: values outside quotes as JSON, inside quotes as text ({got})")
# A quoted string template is delivered as written, quotes included (AWS, recorded by LocalStack's
# AWS-validated tests). moto 5.2 json-decodes every rendered template.
got = bodies(q["tstr"][0], 1)
check(got == [f'"ana ordered 3 items from {src_orders}"'], f"a string InputTemplate arrives as rendered ({got})")

got = delivered(q["bill"][0], 1)
ev2 = got[0] if got and isinstance(got[0], dict) else {}
check(len(got) == 1 and ev2.get("id") == ids[1] and ev2.get("source") == src_billing and ev2.get("detail") == {"amount": 12},
      "the billing event reaches only the billing rule's queue")
stamp = ev2.get("time", "")
check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp) is not None
      and abs(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() - t0) < 300,
      f"an entry without Time gets the time of the PutEvents call ({stamp})")
check(ev2.get("resources") == [], "and resources [] when none were sent")
for k in ("all", "const", "path", "tjson", "tstr"):
    check(quiet(q[k][0]), f"neither the billing event nor the OrderCancelled one reaches the {k} queue")
check(quiet(q["bill"][0]), "nor anything more the billing queue")

# Custom bus: same-named rules on both buses
r = put(entry(src_route, "Routed", {"to": "bus"}, EventBusName=bus))
got = delivered(q["bus"][0], 1)
check([(detail_of(g), g.get("id") if isinstance(g, dict) else None) for g in got] == [({"to": "bus"}, r["Entries"][0].get("EventId"))],
      "an event with EventBusName=<custom bus> reaches the rule on that bus")
check(quiet(q["def"][0]), "and not the same pattern's rule on the default bus")
r = put(entry(src_route, "Routed", {"to": "default"}))
got = delivered(q["def"][0], 1)
check([detail_of(g) for g in got] == [{"to": "default"}], "an event without EventBusName reaches the default bus rule")
check(quiet(q["bus"][0]), "and not the custom bus rule")
put(entry(src_route, "Routed", {"to": "bus arn"}, EventBusName=bus_arn))
got = delivered(q["bus"][0], 1)
check([detail_of(g) for g in got] == [{"to": "bus arn"}], "EventBusName may be the bus ARN")

# A disabled rule matches nothing
events.disable_rule(Name=route)
put(entry(src_route, "Routed", {"to": "default, disabled"}), entry(src_route, "Routed", {"to": "bus again"}, EventBusName=bus))
check([detail_of(g) for g in delivered(q["bus"][0], 1)] == [{"to": "bus again"}], "with the default bus rule disabled, the bus rule still delivers")
# moto 5.2 delivers to disabled rules; PutRule/State: "DISABLED: The rule is disabled. EventBridge does not
# match any events against the rule."
check(quiet(q["def"][0]), "but the disabled rule delivers nothing")
events.enable_rule(Name=route)
put(entry(src_route, "Routed", {"to": "default, enabled"}))
check([detail_of(g) for g in delivered(q["def"][0], 1)] == [{"to": "default, enabled"}], "enabled again, it delivers")

# Per-entry failures: the request succeeds, each bad entry fails in its place
good = entry(src_billing, "Invoice", {"amount": 1})
no_source = {"DetailType": "Invoice", "Detail": json.dumps({"amount": 2})}
no_type = {"Source": src_billing, "Detail": json.dumps({"amount": 3})}
no_detail = {"Source": src_billing, "DetailType": "Invoice"}
bad_json = {"Source": src_billing, "DetailType": "Invoice", "Detail": '{"amount": '}
not_object = {"Source": src_billing, "DetailType": "Invoice", "Detail": "[1, 2]"}
good2 = entry(src_billing, "Invoice", {"amount": 7})
r = put(good, no_source, no_type, no_detail, bad_json, not_object, good2)
ents = r.get("Entries", [])
check(len(ents) == 7, f"put_events answers one entry per entry sent, in order ({len(ents)})")
ents += [{}] * (7 - len(ents))
expected = [
    None,
    ("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."),
    ("InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."),
    ("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."),
    ("MalformedDetail", "Detail is malformed."),
    # moto 5.2 accepts a Detail that is JSON but not an object (it only warns); AWS (recorded) fails it
    # as MalformedDetail, and the PutEvents reference asks for "A valid JSON object".
    ("MalformedDetail", "Detail is malformed."),
    None,
]
for i, (x, want) in enumerate(zip(ents, expected)):
    if want is None:
        check(re.fullmatch(UUID, x.get("EventId", "")) is not None and "ErrorCode" not in x, f"entry {i} (valid) has an EventId")
    else:
        check((x.get("ErrorCode"), x.get("ErrorMessage")) == want and "EventId" not in x,
              f"entry {i} fails with {want} ({x.get('ErrorCode')}, {x.get('ErrorMessage')!r})")
check(r.get("FailedEntryCount") == 5, f"FailedEntryCount counts the five failures ({r.get('FailedEntryCount')})")
got = amounts(q["bill"][0], 2)
check(got == [1, 7], f"only the two valid entries are delivered ({got})")
check(quiet(q["bill"][0]), "and nothing else")

# An entry for a bus that does not exist. AWS accepts it with an EventId and delivers it nowhere
# (recorded; aws/aws-cli#9186); a per-entry failure is accepted too, a failed request is not.
# moto 5.2 fails the whole request with ResourceNotFoundException.
try:
    r = put(entry(src_billing, "Invoice", {"amount": 99}, EventBusName=f"ghost-{RUN}"), entry(src_billing, "Invoice", {"amount": 8}))
    c = None
except ClientError as e:
    r, c = {}, f"{e.response['Error']['Code']}: {message(e)}"
check(c is None, f"a put_events with an entry for a missing bus is not refused as a whole ({c})")
ents = r.get("Entries", []) + [{}, {}]
missing_ok = ("EventId" in ents[0]) != ("ErrorCode" in ents[0])
check(missing_ok and r.get("FailedEntryCount") == (1 if "ErrorCode" in ents[0] else 0),
      f"an entry for a missing bus is accepted or fails on its own ({ents[0]}, FailedEntryCount {r.get('FailedEntryCount')})")
check("EventId" in ents[1], "the other entry of the request is accepted")
check([detail_of(g) for g in delivered(q["bill"][0], 1)] == [{"amount": 8}], "and delivered")
check(quiet(q["bill"][0]), "while the missing bus's entry reaches no rule")

# More than ten entries fail the whole request
refused(INVALID, "put_events of eleven entries is ValidationException", put, *[good] * 11,
        msg=re.compile(r"at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10$"))
check(quiet(q["bill"][0]), "and none of them is delivered")
r = put(*[entry(src_billing, "Invoice", {"amount": 100 + i}) for i in range(10)])
check(r.get("FailedEntryCount") == 0 and len(r.get("Entries", [])) == 10, "ten entries are accepted")
got = amounts(q["bill"][0], 10)
check(got == list(range(100, 110)), f"and all ten are delivered ({len(got)})")

# ---------------------------------------------------------------------------------------------
# Archives
# ---------------------------------------------------------------------------------------------
arc_route, arc_all, arc_def = f"arc{RUN}-route", f"arc{RUN}-all", f"arc{RUN}-def"
r = events.create_archive(ArchiveName=arc_route, EventSourceArn=bus_arn, Description="routed events",
                          EventPattern=json.dumps(route_pattern), RetentionDays=7)
arc_route_arn = r.get("ArchiveArn")
check(arc_route_arn == ARCHIVE_ARN + arc_route, f"create_archive returns ArchiveArn {ARCHIVE_ARN}<name> ({arc_route_arn})")
check(r.get("State") == "ENABLED" and isinstance(r.get("CreationTime"), datetime.datetime),
      f"with State ENABLED and its CreationTime ({r.get('State')}, {r.get('CreationTime')})")
events.create_archive(ArchiveName=arc_all, EventSourceArn=bus_arn)
events.create_archive(ArchiveName=arc_def, EventSourceArn=BUS_ARN + "default",
                      EventPattern=json.dumps({"source": [f"app.none.r{RUN}"]}))
d = events.describe_archive(ArchiveName=arc_route)
check((d.get("ArchiveName"), d.get("ArchiveArn"), d.get("EventSourceArn")) == (arc_route, arc_route_arn, bus_arn),
      f"describe_archive gives its ArchiveName, ArchiveArn and the bus as EventSourceArn ({d.get('EventSourceArn')})")
check(d.get("Description") == "routed events" and json.loads(d.get("EventPattern", "null")) == route_pattern,
      f"its Description and EventPattern ({d.get('Description')!r}, {d.get('EventPattern')})")
check((d.get("State"), d.get("RetentionDays")) == ("ENABLED", 7),
      f"State ENABLED and RetentionDays 7 ({d.get('State')}, {d.get('RetentionDays')})")
check((d.get("EventCount"), d.get("SizeBytes")) == (0, 0),
      f"a new archive holds nothing: EventCount 0, SizeBytes 0 ({d.get('EventCount')}, {d.get('SizeBytes')})")
# CreateArchive: RetentionDays "Default value is 0. If set to 0, events are retained indefinitely".
d = events.describe_archive(ArchiveName=arc_all)
check(d.get("RetentionDays", 0) == 0 and "EventPattern" not in d and "Description" not in d,
      f"an archive made with neither has RetentionDays 0, no EventPattern and no Description ({d.get('RetentionDays')})")

# CreateArchive errors (the duplicate's and the missing bus's and archive's messages as recorded against AWS by
# LocalStack's AWS-validated tests)
refused(EXISTS, "creating the archive again is ResourceAlreadyExistsException", events.create_archive, ArchiveName=arc_route,
        EventSourceArn=bus_arn, msg=f"Archive {arc_route} already exists.")
arc_bad = f"arc{RUN}-bad"
refused(NOT_FOUND, "an archive of a missing bus is ResourceNotFoundException", events.create_archive, ArchiveName=arc_bad,
        EventSourceArn=BUS_ARN + ghost_bus, msg=f"Event bus {ghost_bus} does not exist.")
refused(BAD_PATTERN, "an archive with an invalid EventPattern is InvalidEventPatternException", events.create_archive,
        ArchiveName=arc_bad, EventSourceArn=bus_arn, EventPattern='{"source": "app.test"}',
        msg=re.compile(r"^Event pattern is not valid\. Reason: "))
refused(INVALID, "an archive name with a space and '!' is ValidationException", events.create_archive,
        ArchiveName=f"bad name {RUN}!", EventSourceArn=bus_arn)
# Squall keeps no customer managed keys: KmsKeyIdentifier is refused naming it (AWS encrypts the archive with it).
refused(INVALID, "create_archive with KmsKeyIdentifier is refused naming it", events.create_archive, ArchiveName=arc_bad,
        EventSourceArn=bus_arn, KmsKeyIdentifier="alias/archives", msg=re.compile("KmsKeyIdentifier"))
refused(INVALID, "update_archive with KmsKeyIdentifier too", events.update_archive, ArchiveName=arc_route,
        KmsKeyIdentifier="alias/archives", msg=re.compile("KmsKeyIdentifier"))
refused(NOT_FOUND, "describe_archive of a missing archive is ResourceNotFoundException", events.describe_archive,
        ArchiveName=arc_bad, msg=f"Archive {arc_bad} does not exist.")
refused(NOT_FOUND, "delete_archive of a missing archive is ResourceNotFoundException", events.delete_archive,
        ArchiveName=arc_bad, msg=f"Archive {arc_bad} does not exist.")

# ListArchives: one filter at a time ("Filter parameters are exclusive"), Limit/NextToken
got = events.list_archives(NamePrefix=f"arc{RUN}-").get("Archives", [])
by_name = {a.get("ArchiveName"): a for a in got}
check(sorted(by_name) == sorted([arc_route, arc_all, arc_def]), f"list_archives NamePrefix lists the three archives ({sorted(by_name)})")
check(all({"ArchiveName", "EventSourceArn", "State", "EventCount", "SizeBytes", "CreationTime"} <= set(a) for a in got),
      "each with its ArchiveName, EventSourceArn, State, EventCount, SizeBytes and CreationTime")
check(by_name.get(arc_route, {}).get("EventSourceArn") == bus_arn and by_name.get(arc_def, {}).get("EventSourceArn") == BUS_ARN + "default"
      and by_name.get(arc_route, {}).get("RetentionDays") == 7, "and its bus's ARN and RetentionDays")
got = sorted(a.get("ArchiveName") for a in events.list_archives(EventSourceArn=bus_arn).get("Archives", []))
check(got == sorted([arc_route, arc_all]), f"list_archives EventSourceArn lists only that bus's archives ({got})")
got = {a.get("ArchiveName") for a in every(events.list_archives, "Archives", State="ENABLED")}
check({arc_route, arc_all, arc_def} <= got, "list_archives State=ENABLED lists them")
got = {a.get("ArchiveName") for a in every(events.list_archives, "Archives", State="DISABLED")}
check(not {arc_route, arc_all, arc_def} & got, "and State=DISABLED does not")
page = events.list_archives(NamePrefix=f"arc{RUN}-", Limit=2)
page2 = events.list_archives(NamePrefix=f"arc{RUN}-", Limit=2, NextToken=page.get("NextToken", "x"))
names = [a.get("ArchiveName") for a in page.get("Archives", []) + page2.get("Archives", [])]
check(len(page.get("Archives", [])) == 2 and page.get("NextToken") and sorted(names) == sorted(by_name) and "NextToken" not in page2,
      f"Limit=2 pages two archives, then the third without a NextToken ({names})")
# ListArchives: "Filter parameters are exclusive." AWS answers ValidationException "At most one filter is allowed
# for ListArchives. Use either : State, EventSourceArn, or NamePrefix."
refused(INVALID, "list_archives with NamePrefix and EventSourceArn together is ValidationException", events.list_archives,
        NamePrefix=f"arc{RUN}-", EventSourceArn=bus_arn)
# AWS-recorded (LocalStack's AWS-validated tests).
refused(NOT_FOUND, "list_archives of a missing bus is ResourceNotFoundException", events.list_archives,
        EventSourceArn=BUS_ARN + ghost_bus, msg=f"Event bus {ghost_bus} does not exist.")

# UpdateArchive
r = events.update_archive(ArchiveName=arc_route, Description="routed events, two weeks", RetentionDays=14)
check(r.get("ArchiveArn") == arc_route_arn and r.get("State") == "ENABLED", f"update_archive answers its ArchiveArn and State ({r.get('State')})")
d = events.describe_archive(ArchiveName=arc_route)
check((d.get("Description"), d.get("RetentionDays"), d.get("EventSourceArn")) == ("routed events, two weeks", 14, bus_arn),
      f"the new Description and RetentionDays read back, on the same bus ({d.get('Description')!r}, {d.get('RetentionDays')})")

# A bus with an archive cannot be deleted (on AWS an archive is fed by a managed rule on its bus, and a bus with
# rules cannot be deleted).
lone = f"lone-{RUN}"
lone_arn = events.create_event_bus(Name=lone)["EventBusArn"]
buses.append(lone)
events.create_archive(ArchiveName=f"lone{RUN}", EventSourceArn=lone_arn)
refused(INVALID, "deleting a bus that has an archive is ValidationException", events.delete_event_bus, Name=lone)
check(events.describe_event_bus(Name=lone).get("Arn") == lone_arn, "and the bus is still there")
events.delete_archive(ArchiveName=f"lone{RUN}")
succeeds("once its archive is deleted, the bus can be", events.delete_event_bus, Name=lone)
buses.remove(lone)

# Archiving: every event the bus receives that the archive's pattern matches, whatever the rules do.
# EventStartTime/EventEndTime are compared with "the time in the event" (StartReplay), so the events carry
# their Time: two in the replay window, one before it, one after it, and one of another source.
base = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def ago(s):
    return base - datetime.timedelta(seconds=s)


window = (ago(60), ago(10))
src_other = f"app.other.r{RUN}"
again = f"again-{RUN}"
again_arn = events.put_rule(Name=again, EventBusName=bus, EventPattern=json.dumps(route_pattern))["RuleArn"]
rules.append((again, bus))
q["again"] = make_queue(f"ev-again-{RUN}")
allow(*q["again"], again_arn)
events.put_targets(Rule=again, EventBusName=bus, Targets=[{"Id": "again", "Arn": q["again"][1]}])
r = put(entry(src_route, "Routed", {"n": 2}, EventBusName=bus, Time=ago(30)),
        entry(src_route, "Routed", {"n": 0}, EventBusName=bus, Time=ago(90)),
        entry(src_other, "Other", {"n": 9}, EventBusName=bus, Time=ago(35)),
        entry(src_route, "Routed", {"n": 1}, EventBusName=bus, Time=ago(40)),
        entry(src_route, "Routed", {"n": 3}, EventBusName=bus, Time=ago(5)))
check(r.get("FailedEntryCount") == 0, "put_events of five events to the bus")
orig = numbered(q["bus"][0], 4)
check(sorted(orig, key=str) == [0, 1, 2, 3], f"the bus rule delivers the four routed events ({sorted(orig, key=str)})")
check(sorted(numbered(q["again"][0], 4), key=str) == [0, 1, 2, 3], "and so does the bus's second rule")
n = event_count(arc_route, 4)
check(n == 4, f"the archive with the routed pattern holds those four (EventCount {n})")
n = event_count(arc_all, 5)
check(n == 5, f"the archive without a pattern holds all five (EventCount {n})")
check(events.describe_archive(ArchiveName=arc_route).get("SizeBytes", 0) > 0, "and SizeBytes grew")
check(events.describe_archive(ArchiveName=arc_def).get("EventCount") == 0, "the default bus's archive holds none of them")
listed = {a.get("ArchiveName"): a for a in events.list_archives(EventSourceArn=bus_arn).get("Archives", [])}
check(listed.get(arc_route, {}).get("EventCount") == 4, "list_archives shows the EventCount too")

# ---------------------------------------------------------------------------------------------
# Replays
# ---------------------------------------------------------------------------------------------
# Replayed events are the archived ones with a top-level "replay-name" (recorded by LocalStack's AWS-validated
# tests). Their order is not checked: "Events are not necessarily replayed in the exact same order that they
# were added to the archive" (StartReplay), and a standard queue keeps none.

rp_only, rp_all, rp_bad = f"rpl{RUN}-only", f"rpl{RUN}-all", f"rpl{RUN}-bad"
r = events.start_replay(ReplayName=rp_only, Description="the bus rule only", EventSourceArn=arc_route_arn,
                        EventStartTime=window[0], EventEndTime=window[1],
                        Destination={"Arn": bus_arn, "FilterArns": [route_bus_arn]})
check(r.get("ReplayArn") == REPLAY_ARN + rp_only, f"start_replay returns ReplayArn {REPLAY_ARN}<name> ({r.get('ReplayArn')})")
check(r.get("State") == "STARTING" and isinstance(r.get("ReplayStartTime"), datetime.datetime),
      f"with State STARTING and its ReplayStartTime ({r.get('State')})")
d = replay_over(rp_only)
check(d.get("State") == "COMPLETED", f"the replay completes ({d.get('State')}, {d.get('StateReason')!r})")
got = numbered(q["bus"][0], 2)
check(sorted(got, key=str) == [1, 2], f"the FilterArns rule receives the two events of the window again ({sorted(got, key=str)})")
check(all(same_event(got.get(i), orig.get(i), rp_only) for i in (1, 2)),
      f"each as first delivered, with \"replay-name\": {rp_only} ({got.get(1)})")
check(quiet(q["bus"][0]), "and nothing else: neither the events outside the window nor the other source's")
check(quiet(q["again"][0]), "the bus's other rule, not in FilterArns, receives none of them")
check((d.get("ReplayName"), d.get("ReplayArn"), d.get("Description")) == (rp_only, REPLAY_ARN + rp_only, "the bus rule only"),
      "describe_replay gives its ReplayName, ReplayArn and Description")
check(d.get("EventSourceArn") == arc_route_arn and d.get("Destination") == {"Arn": bus_arn, "FilterArns": [route_bus_arn]},
      f"its archive as EventSourceArn and its Destination ({d.get('Destination')})")
check((d.get("EventStartTime"), d.get("EventEndTime")) == window, f"its EventStartTime and EventEndTime ({d.get('EventStartTime')}, {d.get('EventEndTime')})")
last = d.get("EventLastReplayedTime")
check(isinstance(last, datetime.datetime) and window[0] <= last <= window[1], f"an EventLastReplayedTime within the window ({last})")
check(isinstance(d.get("ReplayEndTime"), datetime.datetime) and isinstance(d.get("ReplayStartTime"), datetime.datetime)
      and d["ReplayStartTime"] <= d["ReplayEndTime"], f"and a ReplayEndTime not before its ReplayStartTime ({d.get('ReplayEndTime')})")

events.start_replay(ReplayName=rp_all, EventSourceArn=arc_route_arn, EventStartTime=window[0], EventEndTime=window[1],
                    Destination={"Arn": bus_arn})
d = replay_over(rp_all)
check(d.get("State") == "COMPLETED", f"a replay without FilterArns completes ({d.get('State')})")
check(d.get("Destination", {}).get("Arn") == bus_arn and not d.get("Destination", {}).get("FilterArns"),
      f"its Destination has no FilterArns ({d.get('Destination')})")
got, got2 = numbered(q["bus"][0], 2), numbered(q["again"][0], 2)
check(sorted(got, key=str) == [1, 2] and sorted(got2, key=str) == [1, 2],
      f"it replays the window to every rule of the bus ({sorted(got, key=str)}, {sorted(got2, key=str)})")
check(all(same_event(g.get(i), orig.get(i), rp_all) for g in (got, got2) for i in (1, 2)), f"with \"replay-name\": {rp_all}")
check(quiet(q["bus"][0]) and quiet(q["again"][0]), "and nothing else")
check(events.describe_archive(ArchiveName=arc_route).get("EventCount") == 4 and events.describe_archive(ArchiveName=arc_all).get("EventCount") == 5,
      "replayed events are not archived again (EventCount 4 and 5 still)")

# ListReplays: one filter at a time, Limit/NextToken
got = events.list_replays(NamePrefix=f"rpl{RUN}-").get("Replays", [])
by_name = {x.get("ReplayName"): x for x in got}
check(sorted(by_name) == sorted([rp_only, rp_all]), f"list_replays NamePrefix lists the two replays ({sorted(by_name)})")
x = by_name.get(rp_only, {})
check((x.get("State"), x.get("EventSourceArn"), x.get("EventStartTime"), x.get("EventEndTime")) == ("COMPLETED", arc_route_arn) + window
      and isinstance(x.get("ReplayEndTime"), datetime.datetime) and isinstance(x.get("EventLastReplayedTime"), datetime.datetime),
      "each with its State, EventSourceArn, window, EventLastReplayedTime and ReplayEndTime")
got = sorted(x.get("ReplayName") for x in events.list_replays(EventSourceArn=arc_route_arn).get("Replays", []))
check(got == sorted([rp_only, rp_all]), f"list_replays EventSourceArn lists the archive's replays ({got})")
got = {x.get("ReplayName") for x in every(events.list_replays, "Replays", State="COMPLETED")}
check({rp_only, rp_all} <= got, "list_replays State=COMPLETED lists them")
got = {x.get("ReplayName") for x in every(events.list_replays, "Replays", State="RUNNING")}
check(not {rp_only, rp_all} & got, "and State=RUNNING does not")
page = events.list_replays(NamePrefix=f"rpl{RUN}-", Limit=1)
page2 = events.list_replays(NamePrefix=f"rpl{RUN}-", Limit=1, NextToken=page.get("NextToken", "x"))
names = [x.get("ReplayName") for x in page.get("Replays", []) + page2.get("Replays", [])]
check(len(page.get("Replays", [])) == 1 and page.get("NextToken") and sorted(names) == sorted([rp_only, rp_all]) and "NextToken" not in page2,
      f"Limit=1 pages one replay, then the other without a NextToken ({names})")
# ListReplays: "Filter parameters are exclusive." AWS: ValidationException "At most one filter is allowed for
# ListReplays. Use either : State, EventSourceArn, or NamePrefix."
refused(INVALID, "list_replays with NamePrefix and State together is ValidationException", events.list_replays,
        NamePrefix=f"rpl{RUN}-", State="COMPLETED")

# StartReplay, DescribeReplay and CancelReplay errors (the messages checked as recorded against AWS by LocalStack's
# AWS-validated tests: AWS checks the window first, and answers a missing archive with ValidationException)
def start(**kw):
    args = dict(ReplayName=rp_bad, EventSourceArn=arc_route_arn, EventStartTime=window[0], EventEndTime=window[1],
                Destination={"Arn": bus_arn})
    return events.start_replay(**dict(args, **kw))


refused(EXISTS, "starting a replay of the same name is ResourceAlreadyExistsException", start, ReplayName=rp_only,
        msg=f"Replay {rp_only} already exists.")
for what, end in [("equal to", window[0]), ("before", window[0] - datetime.timedelta(seconds=10))]:
    refused(INVALID, f"an EventEndTime {what} the EventStartTime is ValidationException", start, EventEndTime=end,
            msg="Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.")
refused(INVALID, "a Destination other than the archive's bus is ValidationException", start,
        Destination={"Arn": BUS_ARN + "default"}, msg="Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.")
refused(NOT_FOUND, "a Destination bus that does not exist is ResourceNotFoundException", start,
        Destination={"Arn": BUS_ARN + ghost_bus}, msg=f"Event bus {ghost_bus} does not exist.")
refused(INVALID, "a missing archive is ValidationException", start, EventSourceArn=ARCHIVE_ARN + arc_bad,
        msg=f"Parameter EventSourceArn is not valid. Reason: Archive {arc_bad} does not exist.")
refused(NOT_FOUND, "describe_replay of a missing replay is ResourceNotFoundException (none of those started one)",
        events.describe_replay, ReplayName=rp_bad, msg=f"Replay {rp_bad} does not exist.")
refused(ILLEGAL, "cancel_replay of a completed replay is IllegalStatusException", events.cancel_replay, ReplayName=rp_only)
check(events.describe_replay(ReplayName=rp_only).get("State") == "COMPLETED", "and it stays COMPLETED")
refused(NOT_FOUND, "cancel_replay of a missing replay is ResourceNotFoundException", events.cancel_replay, ReplayName=rp_bad)

# DeleteArchive
for a in (arc_route, arc_all, arc_def):
    succeeds(f"delete_archive {a}", events.delete_archive, ArchiveName=a)
refused(NOT_FOUND, "a deleted archive is ResourceNotFoundException", events.describe_archive, ArchiveName=arc_route)
check(events.list_archives(NamePrefix=f"arc{RUN}-").get("Archives", []) == [], "and no archive of the run is listed")

# ---------------------------------------------------------------------------------------------
# TestEventPattern
# ---------------------------------------------------------------------------------------------
# The event needs id, account, source, time, region, resources and detail-type (TestEventPattern reference).
# moto 5.2 does not implement TestEventPattern (its answer has no Result).
sample = {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Thing Happened",
          "source": "app.test", "account": ACCOUNT, "time": "2020-01-02T03:04:05Z", "region": REGION,
          "resources": ["arn:aws:s3:::bucket-1"], "detail": {"color": "red", "size": 5}}
for pat, want in [({"source": ["app.test"]}, True),
                  ({"source": ["app.other"]}, False),
                  ({"detail-type": ["Thing Happened"], "detail": {"color": ["blue", "red"]}}, True),
                  ({"detail": {"color": ["blue"]}}, False),
                  ({"resources": ["arn:aws:s3:::bucket-1"], "account": [ACCOUNT]}, True)]:
    try:
        res = events.test_event_pattern(EventPattern=json.dumps(pat), Event=json.dumps(sample)).get("Result")
    except (ClientError, BotoCoreError, ResponseParserError) as e:
        res = e.response["Error"]["Code"] if isinstance(e, ClientError) else type(e).__name__
    check(res is want, f"test_event_pattern {json.dumps(pat)} is {want} ({res})")
refused(BAD_PATTERN, "test_event_pattern with an invalid pattern is InvalidEventPatternException",
        events.test_event_pattern, EventPattern='{"source": "app.test"}', Event=json.dumps(sample),
        msg=re.compile(r"^Event pattern is not valid\. Reason: "))

# ---------------------------------------------------------------------------------------------
# Tags
# ---------------------------------------------------------------------------------------------
check(tags_of(orders_arn) == {"team": "shop"}, "put_rule keeps the Tags it was created with")
events.tag_resource(ResourceARN=orders_arn, Tags=[{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
check(tags_of(orders_arn) == {"team": "ops", "env": "dev"}, "tag_resource on a rule adds and replaces tags")
events.untag_resource(ResourceARN=orders_arn, TagKeys=["team"])
check(tags_of(orders_arn) == {"env": "dev"}, "untag_resource removes a tag")
check(tags_of(billing_arn) == {}, "a rule created without tags has none")
# moto 5.2 looks tags up by the last part of the ARN only, and finds the default bus rule of that name.
check(tags_of(route_bus_arn) == {"scope": "bus"}, "a custom bus rule's tags are under its rule/<bus>/<name> ARN")
check(tags_of(route_def_arn) == {}, "and not under the default bus rule of the same name")
check(tags_of(bus_arn) == {"team": "shop"}, "create_event_bus keeps its Tags")
events.tag_resource(ResourceARN=bus_arn, Tags=[{"Key": "env", "Value": "prod"}])
check(tags_of(bus_arn) == {"team": "shop", "env": "prod"}, "tag_resource on a bus adds a tag")
events.untag_resource(ResourceARN=bus_arn, TagKeys=["team"])
check(tags_of(bus_arn) == {"env": "prod"}, "untag_resource on a bus removes one")
for what, fn, kw in [("list_tags_for_resource", events.list_tags_for_resource, {}),
                     ("tag_resource", events.tag_resource, {"Tags": [{"Key": "k", "Value": "v"}]}),
                     ("untag_resource", events.untag_resource, {"TagKeys": ["k"]})]:
    refused(NOT_FOUND, f"{what} of a missing rule is ResourceNotFoundException", fn, ResourceARN=RULE_ARN + ghost_rule, **kw)
refused(NOT_FOUND, "list_tags_for_resource of a missing bus is ResourceNotFoundException",
        events.list_tags_for_resource, ResourceARN=BUS_ARN + ghost_bus)

# ---------------------------------------------------------------------------------------------
# S3 object events on the default bus
# ---------------------------------------------------------------------------------------------
# A bucket with EventBridgeConfiguration sends "Object Created" and "Object Deleted" to the default bus (S3 user
# guide, "Using EventBridge"; the detail's fields are those of its "EventBridge event message structure").
bucket = f"evb-{RUN}"
s3.create_bucket(Bucket=bucket)
s3rule = f"s3obj-{RUN}"
s3rule_arn = events.put_rule(Name=s3rule, EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}}))["RuleArn"]
rules.append((s3rule, None))
q["s3"] = make_queue(f"ev-s3-{RUN}")
allow(*q["s3"], s3rule_arn)
events.put_targets(Rule=s3rule, Targets=[{"Id": "s3", "Arn": q["s3"][1]}])
before = f"before-{RUN}.txt"
s3.put_object(Bucket=bucket, Key=before, Body=b"before EventBridge")
check("EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket),
      "a new bucket's notification configuration has no EventBridgeConfiguration")
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
c = s3.get_bucket_notification_configuration(Bucket=bucket)
check(c.get("EventBridgeConfiguration") == {},
      f"put_bucket_notification_configuration with EventBridgeConfiguration {{}} reads back ({c.get('EventBridgeConfiguration')})")
key = f"in/report-{RUN}.txt"
t0 = time.time()
etag = s3.put_object(Bucket=bucket, Key=key, Body=b"hello")["ETag"].strip('"')
s3.delete_object(Bucket=bucket, Key=key)
got = delivered(q["s3"][0], 2)
kinds = {g.get("detail-type"): g for g in got if isinstance(g, dict)}
check(len(got) == 2 and sorted(kinds) == ["Object Created", "Object Deleted"],
      f"putting and deleting an object sends Object Created and Object Deleted to the rule's queue ({sorted(kinds)})")
ev = kinds.get("Object Created", {})
check(set(ev) == EVENT_KEYS, f"the body is the whole event ({sorted(ev)})")
check((ev.get("version"), ev.get("source"), ev.get("account"), ev.get("region")) == ("0", "aws.s3", ACCOUNT, REGION),
      f"version \"0\", source aws.s3, the account and region ({ev.get('source')}, {ev.get('account')}, {ev.get('region')})")
check(ev.get("resources") == [f"arn:aws:s3:::{bucket}"], f"resources is the bucket's ARN ({ev.get('resources')})")
stamp = ev.get("time", "")
check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp) is not None
      and abs(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() - t0) < 300,
      f"time is when it happened ({stamp})")
dc = detail_of(ev) or {}
obj = dc.get("object") if isinstance(dc.get("object"), dict) else {}
check(dc.get("version") == "0" and dc.get("bucket") == {"name": bucket}, f"detail.bucket is {{\"name\": <bucket>}} ({dc.get('bucket')})")
check((obj.get("key"), obj.get("size"), obj.get("etag")) == (key, 5, etag),
      f"detail.object has the key, size and etag (unquoted) ({obj.get('key')}, {obj.get('size')}, {obj.get('etag')})")
check(dc.get("reason") == "PutObject" and "deletion-type" not in dc, f"detail.reason is PutObject ({dc.get('reason')})")
ev = kinds.get("Object Deleted", {})
dd = detail_of(ev) or {}
check(ev.get("source") == "aws.s3" and ev.get("resources") == [f"arn:aws:s3:::{bucket}"] and dd.get("bucket") == {"name": bucket},
      "Object Deleted: source aws.s3, the bucket as resource and detail.bucket")
check((dd.get("object") or {}).get("key") == key, f"detail.object.key ({dd.get('object')})")
# In a bucket without versioning, a deletion is permanent.
check((dd.get("reason"), dd.get("deletion-type")) == ("DeleteObject", "Permanently Deleted"),
      f"detail.reason DeleteObject, deletion-type \"Permanently Deleted\" ({dd.get('reason')}, {dd.get('deletion-type')})")
s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
check("EventBridgeConfiguration" not in s3.get_bucket_notification_configuration(Bucket=bucket),
      "an empty notification configuration turns EventBridge off")
s3.delete_object(Bucket=bucket, Key=before)
check(quiet(q["s3"][0]), "nothing else arrives: not the object put before EventBridge was on, nor its deletion after")
s3.delete_bucket(Bucket=bucket)

# ---------------------------------------------------------------------------------------------
# Clean-up: targets, rules, buses, queues
# ---------------------------------------------------------------------------------------------
for name, bus_name in rules:
    kw = {"EventBusName": bus_name} if bus_name else {}
    ids = [t["Id"] for t in events.list_targets_by_rule(Rule=name, **kw).get("Targets", [])]
    if ids:
        events.remove_targets(Rule=name, Ids=ids, **kw)
    events.delete_rule(Name=name, **kw)
refused(NOT_FOUND, "a deleted rule is ResourceNotFoundException", events.describe_rule, Name=orders)
refused(NOT_FOUND, "and so are its tags", events.list_tags_for_resource, ResourceARN=orders_arn)
check(events.list_rules(NamePrefix=f"lst{RUN}-").get("Rules", []) == [] and events.list_rules(EventBusName=bus).get("Rules", []) == [],
      "every rule of the run is deleted")
for b in buses:
    events.delete_event_bus(Name=b)
check(not set(buses) & set(all_buses()), "every bus of the run is deleted")
for u in queues:
    sqs.delete_queue(QueueUrl=u)
print("done")
