"""Amazon EventBridge Scheduler through boto3 (and a few aws CLI calls) against a running Squall:
schedule groups, schedules, their validation, and schedules firing on the real clock into SQS queues
and the default event bus, as their execution role.

Covers schedule groups (create with tags, the ConflictException for a duplicate, get, list with
NamePrefix and MaxResults/NextToken paging, delete, which deletes the group's schedules, the default
group that cannot be deleted, missing groups and bad names); ClientToken idempotency of
CreateScheduleGroup; tags on groups (TagResource, UntagResource, ListTagsForResource, a missing
group and a schedule's ARN); schedules in the default group and in a custom group (GetSchedule's
fields exactly, defaults included: ActionAfterCompletion NONE, ScheduleExpressionTimezone UTC,
RetryPolicy 185/86400, FlexibleTimeWindow OFF; every field round-tripping, StartDate and EndDate
included; UpdateSchedule replacing every field, what it leaves out going back to its default, and
keeping CreationDate; ListSchedules by group, name prefix and state, MaxResults paging across
groups, and the patterns of its filters; DeleteSchedule; ClientToken idempotency); what
CreateSchedule refuses with ValidationException (bad rate, cron and at expressions, an unknown time
zone, EndDate before StartDate, a recurring schedule's StartDate more than 5 minutes ago,
FlexibleTimeWindow inconsistencies and range, a RoleArn that is not a role, universal targets, ECS
targets and parameters, KmsKeyArn, FIFO and standard queue parameters and the MessageGroupId's
length, an event bus target without EventBridgeParameters, non-JSON Input for a function, a
RetryPolicy out of range, a dead-letter queue that is not a standard queue, a bad name, state,
ActionAfterCompletion or ClientToken), a missing group (ResourceNotFoundException), and that nothing
is half-created by a refusal. Firing: an IAM role trusting scheduler.amazonaws.com and allowed
sqs:SendMessage / events:PutEvents; a rate(1 minute) schedule without StartDate fires at once with
Input's context attributes filled in; a one-time at() schedule fires once at its time, stays with
ActionAfterCompletion NONE, is deleted after firing with DELETE and ignores its EndDate; a FIFO
queue target with its MessageGroupId; a role without permission on the target (the firing goes to
the dead-letter queue with EventBridge Scheduler's message attributes); a role whose trust policy
does not name scheduler.amazonaws.com (nothing is delivered anywhere); an event bus target (the
event reaches an EventBridge rule's SQS queue with the Input as its detail); a DISABLED schedule (it
does not fire). And through the aws CLI: create-schedule with shorthand and JSON arguments,
get-schedule, list-schedules, delete-schedule and an error's exit code and message.

Left out: Lambda, SNS and custom bus targets firing, retries with backoff (RetryPolicy exhaustion,
EXHAUSTED_RETRY_CONDITION), flexible windows actually spreading firings, cron schedules and time
zones actually firing, StartDate/EndDate bounding real firings, missed firings after a restart,
universal targets and the ECS, Kinesis and SageMaker targets (Squall refuses them by
name; AWS serves them), KmsKeyArn (refused by name; AWS takes a customer managed key), the
ServiceQuotaExceededException limits, ClientToken on UpdateSchedule and DeleteSchedule, the default
notification a target without Input gets, the default group's dates, and IAM authorization of the
Scheduler API itself (iam:PassRole).

Run by the end-to-end tests with AWS_ENDPOINT_URL, root credentials and AWS_DEFAULT_REGION=us-east-1
in the environment (account 000000000000); exits non-zero with the failing check on the first
failure. Every wait is bounded and the whole run takes well under a minute.

botocore speaks EventBridge Scheduler's rest-json protocol (signing name scheduler) and takes the
error code from the answer; the model gives ValidationException HTTP 400, ResourceNotFoundException
404 and ConflictException 409, and each refusal here is checked for its code and status. botocore
fills in ClientToken (an idempotency token) with a fresh UUID when the caller gives none, so two
CreateSchedule calls without one are two different requests. botocore validates only minimums
client-side (MaximumWindowInMinutes 0 or MaximumEventAgeInSeconds 59 never reach the server), so the
range checks here use values above the maximums. Where a check rests on a constraint of the API's
model (a pattern or a maximum AWS enforces with ValidationException) or on the service's documented
or recorded behaviour, a comment says which. Each check line prints what came back.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

cfg = Config(retries={"total_max_attempts": 1})  # no retries: a 500 shows at once, and waits stay bounded
sched = boto3.client("scheduler", config=cfg)
sqs = boto3.client("sqs", config=cfg)
iam = boto3.client("iam", config=cfg)
events = boto3.client("events", config=cfg)
RUN = str(int(time.time() * 1000))[-7:]  # names unique per run: reruns and deleted names don't collide
ACCOUNT = "000000000000"
REGION = "us-east-1"
ENDPOINT = os.environ["AWS_ENDPOINT_URL"]
GROUP_ARN = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/"
SCHEDULE_ARN = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/"
DEFAULT_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:nothing-{RUN}"
NEVER = "cron(0 12 1 1 ? 2099)"  # a valid schedule that does not fire while this runs
OFF = {"Mode": "OFF"}
T0 = time.time()

INVALID = ("ValidationException", 400)
NOT_FOUND = ("ResourceNotFoundException", 404)
CONFLICT = ("ConflictException", 409)
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"  # <aws.scheduler.scheduled-time>: 2026-12-06T16:56:49Z


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


def refused(want, what, fn, *args, msg=None, **kwargs):
    """Check that `fn` fails with the code and HTTP status of `want` and, when `msg` is given, with
    that message (a string: exactly; a compiled pattern: found in it)."""
    c, e = code(fn, *args, **kwargs)
    m = message(e)
    ok = (c, http(e)) == want
    if msg is not None:
        ok = ok and (m == msg if isinstance(msg, str) else m is not None and msg.search(m) is not None)
    check(ok, f"{what} ({c}, HTTP {http(e)}: {m!r})")


def succeeds(what, fn, *args, **kwargs):
    c, e = code(fn, *args, **kwargs)
    check(c is None, f"{what} ({c}: {message(e)!r})")


def answer(r):
    """An answer without its ResponseMetadata."""
    return {k: v for k, v in r.items() if k != "ResponseMetadata"}


def utc(dt):
    return dt.astimezone(datetime.timezone.utc)


def recent(dt, slack=120):
    """A datetime botocore parsed, within `slack` seconds of now (and not before the run)."""
    return isinstance(dt, datetime.datetime) and T0 - 5 <= dt.timestamp() <= time.time() + slack


def make_queue(name, **attributes):
    """A queue; its URL and ARN."""
    url = sqs.create_queue(QueueName=name, Attributes=dict({"VisibilityTimeout": "30"}, **attributes))["QueueUrl"]
    q_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queues.append(url)
    return url, q_arn


def recv(url, wait):
    """One ReceiveMessage (long poll of `wait` seconds, at most 5) of up to 10 messages, with their
    attributes and message attributes; what it returns is deleted."""
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                              AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    if got:
        sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                                                        for i, m in enumerate(got)])
    return got


def arrived(url, want=1, within=10):
    """The messages that arrive, receiving until `want` came back or `within` seconds passed (bounded)."""
    got, deadline = [], time.time() + within
    while len(got) < want and time.time() < deadline:
        got += recv(url, max(1, min(5, int(deadline - time.time()))))
    return got


def quiet(url, wait=1):
    """Nothing (more) arrives within a `wait` s long poll."""
    return recv(url, wait) == []


def as_json(body):
    try:
        return json.loads(body)
    except (TypeError, ValueError):
        return body


def target(arn, **kw):
    return dict({"Arn": arn, "RoleArn": role_arn}, **kw)


def create(name, expression=NEVER, tgt=None, **kw):
    """CreateSchedule with a FlexibleTimeWindow OFF unless given; its ARN."""
    kw.setdefault("FlexibleTimeWindow", OFF)
    arn = sched.create_schedule(Name=name, ScheduleExpression=expression, Target=tgt or target(idle_arn), **kw)["ScheduleArn"]
    created.append((name, kw.get("GroupName")))
    return arn


def got_schedule(name, group=None):
    return answer(sched.get_schedule(Name=name, **({"GroupName": group} if group else {})))


def listed(**kw):
    """Every schedule ListSchedules lists with these filters, through its NextToken pages (bounded)."""
    out, token = [], None
    for _ in range(100):
        page = sched.list_schedules(**kw, **({"NextToken": token} if token else {}))
        out += page.get("Schedules", [])
        token = page.get("NextToken")
        if not token:
            break
    return out


def tags_of(arn):
    return {t["Key"]: t["Value"] for t in sched.list_tags_for_resource(ResourceArn=arn).get("Tags", [])}


def gone(name, group=None, within=10):
    """Whether GetSchedule answers ResourceNotFoundException within `within` seconds (polled)."""
    deadline = time.time() + within
    while True:
        c, _ = code(sched.get_schedule, Name=name, **({"GroupName": group} if group else {}))
        if c == "ResourceNotFoundException" or time.time() > deadline:
            return c == "ResourceNotFoundException"
        time.sleep(0.25)


def group_gone(name, within=10):
    """Whether GetScheduleGroup answers ResourceNotFoundException within `within` seconds (polled)."""
    deadline = time.time() + within
    while True:
        c, _ = code(sched.get_schedule_group, Name=name)
        if c == "ResourceNotFoundException" or time.time() > deadline:
            return c == "ResourceNotFoundException"
        time.sleep(0.25)


def trust(service):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})


def allow(action, *resources):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": action, "Resource": list(resources)}]})


def make_role(name, service, policy=None):
    r = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust(service))["Role"]
    roles.append(name)
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="targets", PolicyDocument=policy)
    return r["Arn"]


def aws(*args):
    """`aws <args> --endpoint-url ...` with this environment; (exit code, stdout, stderr)."""
    p = subprocess.run(["aws", *args, "--endpoint-url", ENDPOINT], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, AWS_PAGER=""))
    return p.returncode, p.stdout, p.stderr


queues, roles, created, groups = [], [], [], []  # for the clean-up

# Queues and the execution role the definitions below name (the role only acts once a schedule fires).
idle_url, idle_arn = make_queue(f"sch-idle-{RUN}")  # the CRUD schedules' target: nothing arrives
role_name = f"sched-{RUN}"
role_arn = make_role(role_name, "scheduler.amazonaws.com")

# ---------------------------------------------------------------------------------------------
# Schedule groups
# ---------------------------------------------------------------------------------------------
d = answer(sched.get_schedule_group(Name="default"))
check((d.get("Name"), d.get("Arn"), d.get("State")) == ("default", GROUP_ARN + "default", "ACTIVE"),
      f"the default group exists: {GROUP_ARN}default, ACTIVE ({d.get('Arn')}, {d.get('State')})")

team = f"team-{RUN}"
r = sched.create_schedule_group(Name=team, Tags=[{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
groups.append(team)
team_arn = r.get("ScheduleGroupArn")
check(team_arn == GROUP_ARN + team, f"create_schedule_group returns ScheduleGroupArn {GROUP_ARN}<name> ({team_arn})")
d = answer(sched.get_schedule_group(Name=team))
check(set(d) == {"Arn", "CreationDate", "LastModificationDate", "Name", "State"},
      f"get_schedule_group answers Arn, CreationDate, LastModificationDate, Name, State ({sorted(d)})")
check((d.get("Name"), d.get("Arn"), d.get("State")) == (team, team_arn, "ACTIVE"),
      f"with its Name, Arn and State ACTIVE ({d.get('Name')}, {d.get('Arn')}, {d.get('State')})")
check(recent(d.get("CreationDate")) and recent(d.get("LastModificationDate")),
      f"and CreationDate and LastModificationDate of now ({d.get('CreationDate')}, {d.get('LastModificationDate')})")
refused(CONFLICT, "creating the group again is ConflictException (409)", sched.create_schedule_group, Name=team,
        msg=re.compile(r"already exists"))
ghost = f"ghost-{RUN}"
refused(NOT_FOUND, "get_schedule_group of a missing group is ResourceNotFoundException (404)", sched.get_schedule_group,
        Name=ghost, msg=re.compile(re.escape(ghost)))
refused(NOT_FOUND, "delete_schedule_group of a missing group is ResourceNotFoundException", sched.delete_schedule_group,
        Name=ghost)
refused(INVALID, "deleting the default group is ValidationException", sched.delete_schedule_group, Name="default")
check(answer(sched.get_schedule_group(Name="default")).get("State") == "ACTIVE", "and the default group is still there")
# ScheduleGroupName: ^[0-9a-zA-Z-_.]+$, 1 to 64 characters (botocore checks neither the pattern nor the maximum).
for bad, why in [(f"bad name {RUN}!", "a space and '!'"), (RUN.ljust(65, "g"), "65 characters")]:
    refused(INVALID, f"a group name with {why} is ValidationException", sched.create_schedule_group, Name=bad)

# ListScheduleGroups: prefix and paging
lst = [f"grp{RUN}-{x}" for x in ("a", "b", "c")]
for n in lst:
    sched.create_schedule_group(Name=n)
    groups.append(n)
got = sched.list_schedule_groups(NamePrefix=f"grp{RUN}-").get("ScheduleGroups", [])
check(sorted(g["Name"] for g in got) == lst, f"list_schedule_groups NamePrefix lists exactly the three groups ({[g['Name'] for g in got]})")
check(all(g.get("Arn") == GROUP_ARN + g["Name"] and g.get("State") == "ACTIVE" and recent(g.get("CreationDate")) for g in got),
      "each with its Arn, State ACTIVE and CreationDate")
check("NextToken" not in sched.list_schedule_groups(NamePrefix=f"grp{RUN}-"), "without MaxResults all fit and there is no NextToken")
page = sched.list_schedule_groups(NamePrefix=f"grp{RUN}-", MaxResults=2)
check(len(page.get("ScheduleGroups", [])) == 2 and page.get("NextToken"), "MaxResults=2 returns two groups and a NextToken")
page2 = sched.list_schedule_groups(NamePrefix=f"grp{RUN}-", MaxResults=2, NextToken=page.get("NextToken", "x"))
names = [g["Name"] for g in page.get("ScheduleGroups", []) + page2.get("ScheduleGroups", [])]
check(sorted(names) == lst and "NextToken" not in page2, f"the NextToken page has the third group and no NextToken ({names})")
every = [g["Name"] for p in sched.get_paginator("list_schedule_groups").paginate(PaginationConfig={"PageSize": 1, "MaxItems": 1000})
         for g in p.get("ScheduleGroups", [])]
check("default" in every and team in every and set(lst) <= set(every) and len(every) == len(set(every)),
      "the paginator with PageSize 1 lists the default group and the new ones, each once")

# ClientToken (CreateScheduleGroup: "Unique, case-sensitive identifier you provide to ensure the
# idempotency of the request"): the same request again with the same token answers as the first did.
idem = f"idem-{RUN}"
first = sched.create_schedule_group(Name=idem, ClientToken=f"gtoken-{RUN}").get("ScheduleGroupArn")
groups.append(idem)
c, e = code(sched.create_schedule_group, Name=idem, ClientToken=f"gtoken-{RUN}")
check(c is None, f"create_schedule_group again with the same ClientToken succeeds, as a retry ({c}, HTTP {http(e)}: {message(e)!r})")
refused(CONFLICT, "with another ClientToken it is ConflictException", sched.create_schedule_group, Name=idem,
        ClientToken=f"gother-{RUN}")
check(first == GROUP_ARN + idem, f"and the group is {GROUP_ARN}{idem} ({first})")
# NamePrefix: ^[0-9a-zA-Z-_.]+$ (botocore does not check the pattern; AWS answers ValidationException).
refused(INVALID, "list_schedule_groups with a NamePrefix outside [0-9a-zA-Z-_.] is ValidationException",
        sched.list_schedule_groups, NamePrefix="bad prefix!")
refused(INVALID, "list_schedule_groups MaxResults=101 is ValidationException", sched.list_schedule_groups, MaxResults=101)

# Tags on groups
check(tags_of(team_arn) == {"team": "ops", "env": "dev"}, f"the group keeps the Tags it was created with ({tags_of(team_arn)})")
sched.tag_resource(ResourceArn=team_arn, Tags=[{"Key": "team", "Value": "platform"}, {"Key": "cost", "Value": "42"}])
check(tags_of(team_arn) == {"team": "platform", "env": "dev", "cost": "42"}, "tag_resource adds a tag and replaces a value")
sched.untag_resource(ResourceArn=team_arn, TagKeys=["env", "cost"])
check(tags_of(team_arn) == {"team": "platform"}, "untag_resource removes tags")
check(tags_of(GROUP_ARN + lst[0]) == {}, "a group created without tags has none")
for what, fn, kw in [("list_tags_for_resource", sched.list_tags_for_resource, {}),
                     ("tag_resource", sched.tag_resource, {"Tags": [{"Key": "k", "Value": "v"}]}),
                     ("untag_resource", sched.untag_resource, {"TagKeys": ["k"]})]:
    refused(NOT_FOUND, f"{what} of a missing group is ResourceNotFoundException", fn, ResourceArn=GROUP_ARN + ghost, **kw)
# Only groups have tags: TagResourceArn is ^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\-]+:\d{12}:schedule-group\/[0-9a-zA-Z-_.]+$,
# so a schedule's ARN fails the request's validation.
refused(INVALID, "list_tags_for_resource of a schedule's ARN (not a group's) is ValidationException",
        sched.list_tags_for_resource, ResourceArn=f"{SCHEDULE_ARN}default/any-{RUN}")

# ---------------------------------------------------------------------------------------------
# Schedules: create, get, update
# ---------------------------------------------------------------------------------------------
plain = f"plain-{RUN}"
plain_arn = create(plain)
check(plain_arn == f"{SCHEDULE_ARN}default/{plain}", f"create_schedule without GroupName returns {SCHEDULE_ARN}default/<name> ({plain_arn})")
d = got_schedule(plain)
want = {"ActionAfterCompletion": "NONE", "Arn": plain_arn, "FlexibleTimeWindow": {"Mode": "OFF"}, "GroupName": "default",
        "Name": plain, "ScheduleExpression": NEVER, "ScheduleExpressionTimezone": "UTC", "State": "ENABLED",
        "Target": {"Arn": idle_arn, "RoleArn": role_arn,
                   "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}}}
dates = {k: d.pop(k, None) for k in ("CreationDate", "LastModificationDate")}
check(d == want, f"get_schedule answers exactly the schedule with its defaults: ActionAfterCompletion NONE, "
                 f"ScheduleExpressionTimezone UTC, State ENABLED, RetryPolicy 185/86400 ({d})")
check(recent(dates["CreationDate"]) and dates["CreationDate"] == dates["LastModificationDate"],
      f"and CreationDate = LastModificationDate, now ({dates})")
check(got_schedule(plain, "default").get("Arn") == plain_arn, "GroupName=default names the same schedule")
refused(CONFLICT, "creating it again (botocore's fresh ClientToken) is ConflictException (409)", create, plain,
        msg=re.compile(r"already exists"))
refused(NOT_FOUND, "get_schedule of a missing schedule is ResourceNotFoundException (404)", sched.get_schedule,
        Name=f"ghost-{RUN}", msg=re.compile(f"ghost-{RUN}"))
refused(NOT_FOUND, "get_schedule in a missing group is ResourceNotFoundException", sched.get_schedule,
        Name=plain, GroupName=ghost)
refused(NOT_FOUND, "the default group's schedule is not in another group", sched.get_schedule, Name=plain, GroupName=team)

# Every field, in a custom group
full = f"full-{RUN}"
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
start, end = now + datetime.timedelta(days=1), now + datetime.timedelta(days=30)
dlq_arn_for_def = f"arn:aws:sqs:{REGION}:{ACCOUNT}:sch-dlq-{RUN}"
full_target = target(idle_arn, Input="hello <aws.scheduler.schedule-arn>",
                     RetryPolicy={"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3},
                     DeadLetterConfig={"Arn": dlq_arn_for_def})
full_arn = create(full, "cron(15 10 ? * MON-FRI *)", full_target, GroupName=team, Description="weekday mornings",
                  ScheduleExpressionTimezone="Europe/Paris", StartDate=start, EndDate=end, State="DISABLED",
                  FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}, ActionAfterCompletion="NONE")
check(full_arn == f"{SCHEDULE_ARN}{team}/{full}", f"create_schedule in a group returns {SCHEDULE_ARN}<group>/<name> ({full_arn})")
d = got_schedule(full, team)
created_at = d.pop("CreationDate", None)
d.pop("LastModificationDate", None)
want = {"ActionAfterCompletion": "NONE", "Arn": full_arn, "Description": "weekday mornings", "EndDate": end,
        "FlexibleTimeWindow": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}, "GroupName": team, "Name": full,
        "ScheduleExpression": "cron(15 10 ? * MON-FRI *)", "ScheduleExpressionTimezone": "Europe/Paris",
        "StartDate": start, "State": "DISABLED", "Target": full_target}
check(set(d) == set(want), f"get_schedule answers every field given ({sorted(d)})")
for k in sorted(want):
    v = d.get(k)
    if isinstance(v, datetime.datetime):
        v = utc(v)
    check(v == want[k], f"{k} round-trips ({v!r})")
refused(NOT_FOUND, "a group's schedule is not in the default group", sched.get_schedule, Name=full)

# UpdateSchedule replaces every field: what it leaves out goes back to its default
time.sleep(1.1)  # LastModificationDate moves on
r = sched.update_schedule(Name=full, GroupName=team, ScheduleExpression="rate(7 days)", FlexibleTimeWindow=OFF,
                          Target=target(idle_arn), StartDate=start, ActionAfterCompletion="NONE")
check(r.get("ScheduleArn") == full_arn, f"update_schedule returns the same ScheduleArn ({r.get('ScheduleArn')})")
d = got_schedule(full, team)
check(d.get("ScheduleExpression") == "rate(7 days)", "the new ScheduleExpression reads back")
check("Description" not in d, f"the Description left out is gone ({d.get('Description')!r})")
check("EndDate" not in d and utc(d.get("StartDate")) == start,
      f"the EndDate left out is gone, the StartDate given stays ({d.get('EndDate')}, {d.get('StartDate')})")
check(d.get("ScheduleExpressionTimezone") == "UTC", f"the time zone left out is UTC again ({d.get('ScheduleExpressionTimezone')})")
check(d.get("State") == "ENABLED", f"the State left out is ENABLED again ({d.get('State')})")
check(d.get("FlexibleTimeWindow") == {"Mode": "OFF"}, f"FlexibleTimeWindow is OFF ({d.get('FlexibleTimeWindow')})")
check(d.get("Target") == {"Arn": idle_arn, "RoleArn": role_arn,
                          "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}},
      f"the Target's Input, RetryPolicy and DeadLetterConfig left out go back to their defaults ({d.get('Target')})")
check(d.get("CreationDate") == created_at, f"CreationDate is kept ({d.get('CreationDate')}, was {created_at})")
check(d.get("LastModificationDate") and created_at and d["LastModificationDate"] > created_at,
      f"LastModificationDate moves on ({d.get('LastModificationDate')})")
refused(NOT_FOUND, "update_schedule of a missing schedule is ResourceNotFoundException", sched.update_schedule,
        Name=f"ghost-{RUN}", ScheduleExpression=NEVER, FlexibleTimeWindow=OFF, Target=target(idle_arn))
refused(NOT_FOUND, "update_schedule without its GroupName looks in the default group", sched.update_schedule,
        Name=full, ScheduleExpression=NEVER, FlexibleTimeWindow=OFF, Target=target(idle_arn))
refused(INVALID, "update_schedule to rate(5 minute) is ValidationException", sched.update_schedule, Name=full, GroupName=team,
        ScheduleExpression="rate(5 minute)", FlexibleTimeWindow=OFF, Target=target(idle_arn))
check(got_schedule(full, team).get("ScheduleExpression") == "rate(7 days)", "and leaves the schedule as it was")
sched.update_schedule(Name=full, GroupName=team, ScheduleExpression=NEVER, FlexibleTimeWindow=OFF, Target=target(idle_arn),
                      State="DISABLED")

# ClientToken: a repeated CreateSchedule with the same token answers as the first did
tok = f"tok-{RUN}"
tok_arn = create(tok, ClientToken=f"token-{RUN}")
r = sched.create_schedule(Name=tok, ScheduleExpression=NEVER, FlexibleTimeWindow=OFF, Target=target(idle_arn),
                          ClientToken=f"token-{RUN}")
check(r.get("ScheduleArn") == tok_arn, f"create_schedule again with the same ClientToken succeeds with the same ARN ({r.get('ScheduleArn')})")
refused(CONFLICT, "with another ClientToken it is ConflictException", sched.create_schedule, Name=tok, ScheduleExpression=NEVER,
        FlexibleTimeWindow=OFF, Target=target(idle_arn), ClientToken=f"other-{RUN}")
check(len(listed(NamePrefix=tok)) == 1, "and there is one such schedule")

# ---------------------------------------------------------------------------------------------
# ListSchedules, DeleteSchedule
# ---------------------------------------------------------------------------------------------
other = f"other-{RUN}"
sched.create_schedule_group(Name=other)
groups.append(other)
lsch = {(None, f"lst{RUN}-a"): "ENABLED", (None, f"lst{RUN}-b"): "DISABLED",
        (team, f"lst{RUN}-c"): "DISABLED", (other, f"lst{RUN}-d"): "ENABLED", (other, f"lst{RUN}-e"): "DISABLED"}
for (g, n), st in lsch.items():
    create(n, State=st, **({"GroupName": g} if g else {}))
everything = sorted((g or "default", n) for g, n in lsch)
got = listed(NamePrefix=f"lst{RUN}-")
check(sorted((s["GroupName"], s["Name"]) for s in got) == everything,
      f"list_schedules NamePrefix lists the five schedules of every group ({[(s['GroupName'], s['Name']) for s in got]})")
one = next((s for s in got if s["Name"] == f"lst{RUN}-d"), {})
check(set(one) == {"Arn", "CreationDate", "GroupName", "LastModificationDate", "Name", "State", "Target"},
      f"an entry has Arn, CreationDate, GroupName, LastModificationDate, Name, State and Target ({sorted(one)})")
check(one.get("Arn") == f"{SCHEDULE_ARN}{other}/lst{RUN}-d" and one.get("State") == "ENABLED" and one.get("Target") == {"Arn": idle_arn}
      and recent(one.get("CreationDate")), f"with its ARN, State and Target {{Arn}} ({one})")
check(sorted(s["Name"] for s in listed(GroupName=other)) == [f"lst{RUN}-d", f"lst{RUN}-e"],
      "list_schedules GroupName lists only that group's schedules")
check(sorted(s["Name"] for s in listed(GroupName="default", NamePrefix=f"lst{RUN}-")) == [f"lst{RUN}-a", f"lst{RUN}-b"],
      "GroupName=default with NamePrefix lists the default group's two")
dis = listed(NamePrefix=f"lst{RUN}-", State="DISABLED")
check(sorted(s["Name"] for s in dis) == [f"lst{RUN}-b", f"lst{RUN}-c", f"lst{RUN}-e"] and all(s["State"] == "DISABLED" for s in dis),
      f"State=DISABLED lists the three disabled ones across groups ({[s['Name'] for s in dis]})")
check(sorted(s["Name"] for s in listed(NamePrefix=f"lst{RUN}-", State="ENABLED")) == [f"lst{RUN}-a", f"lst{RUN}-d"],
      "State=ENABLED the two enabled ones")
page = sched.list_schedules(NamePrefix=f"lst{RUN}-", MaxResults=2)
check(len(page.get("Schedules", [])) == 2 and page.get("NextToken"), "MaxResults=2 returns two schedules and a NextToken")
pages, token = [], None
for _ in range(10):
    p = sched.list_schedules(NamePrefix=f"lst{RUN}-", MaxResults=2, **({"NextToken": token} if token else {}))
    pages.append([(s["GroupName"], s["Name"]) for s in p.get("Schedules", [])])
    token = p.get("NextToken")
    if not token:
        break
check([len(p) for p in pages] == [2, 2, 1] and sorted(sum(pages, [])) == everything,
      f"paging with MaxResults=2 crosses groups: pages of 2, 2 and 1, each schedule once ({pages})")
paged = [(s["GroupName"], s["Name"]) for p in sched.get_paginator("list_schedules").paginate(
    NamePrefix=f"lst{RUN}-", PaginationConfig={"PageSize": 1, "MaxItems": 50}) for s in p.get("Schedules", [])]
check(sorted(paged) == everything, "the list_schedules paginator with PageSize 1 finds all five once")
refused(NOT_FOUND, "list_schedules of a missing group is ResourceNotFoundException", sched.list_schedules, GroupName=ghost)
# ListSchedules' NamePrefix and GroupName are ^[0-9a-zA-Z-_.]+$ (botocore does not check patterns).
refused(INVALID, "list_schedules with a NamePrefix outside [0-9a-zA-Z-_.] is ValidationException", sched.list_schedules,
        NamePrefix="bad prefix!")
refused(INVALID, "list_schedules with a GroupName outside [0-9a-zA-Z-_.] is ValidationException", sched.list_schedules,
        GroupName="bad group!")
refused(INVALID, "list_schedules MaxResults=101 is ValidationException", sched.list_schedules, MaxResults=101)

succeeds("delete_schedule of a default group schedule", sched.delete_schedule, Name=f"lst{RUN}-a")
refused(NOT_FOUND, "and get_schedule no longer finds it", sched.get_schedule, Name=f"lst{RUN}-a")
refused(NOT_FOUND, "deleting it again is ResourceNotFoundException", sched.delete_schedule, Name=f"lst{RUN}-a")
refused(NOT_FOUND, "delete_schedule of a group's schedule without its GroupName is ResourceNotFoundException",
        sched.delete_schedule, Name=f"lst{RUN}-c")
succeeds("delete_schedule with GroupName", sched.delete_schedule, Name=f"lst{RUN}-c", GroupName=team)
check(sorted(s["Name"] for s in listed(NamePrefix=f"lst{RUN}-")) == [f"lst{RUN}-b", f"lst{RUN}-d", f"lst{RUN}-e"],
      "the deleted schedules are no longer listed")

# Deleting a group deletes its schedules (AWS deletes them asynchronously: polled, bounded)
succeeds("delete_schedule_group of a group with two schedules", sched.delete_schedule_group, Name=other)
groups.remove(other)
check(group_gone(other), "the group is gone (get_schedule_group is ResourceNotFoundException)")
check(gone(f"lst{RUN}-d", other) and gone(f"lst{RUN}-e", other), "and so are its schedules")
check(sorted(s["Name"] for s in listed(NamePrefix=f"lst{RUN}-")) == [f"lst{RUN}-b"], "which are no longer listed")
refused(NOT_FOUND, "list_schedules of the deleted group is ResourceNotFoundException", sched.list_schedules, GroupName=other)
check(other not in [g["Name"] for g in sched.list_schedule_groups(NamePrefix=other).get("ScheduleGroups", [])],
      "and list_schedule_groups no longer lists it")
check(got_schedule(full, team).get("Arn") == full_arn, "while other groups' schedules stay")

# ---------------------------------------------------------------------------------------------
# What CreateSchedule refuses (nothing is created)
# ---------------------------------------------------------------------------------------------
fifo_named = f"arn:aws:sqs:{REGION}:{ACCOUNT}:sch-any-{RUN}.fifo"
refusals = []


def refused_create(what, expression=NEVER, tgt=None, want=INVALID, msg=None, **kw):
    """Check that CreateSchedule refuses, then that no schedule of that name is in the default group
    (each case has a name of its own)."""
    refusals.append(f"bad-{RUN}-{len(refusals)}")
    kw.setdefault("FlexibleTimeWindow", OFF)
    refused(want, f"{what} is {want[0]}", sched.create_schedule, Name=kw.pop("Name", refusals[-1]), ScheduleExpression=expression,
            Target=tgt or target(idle_arn), msg=msg, **kw)
    c, _ = code(sched.get_schedule, Name=refusals[-1])
    check(c == "ResourceNotFoundException", f"  and no schedule was created ({c})")


# Schedule types (user guide): a rate's unit is singular for 1 and plural otherwise; a cron has ? in
# exactly one of day-of-month and day-of-week; at() takes yyyy-mm-ddThh:mm:ss.
for expr in ("rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(5 seconds)", "cron(0 12 1 * MON *)",
             "cron(0 12 * * * *)", "cron(0 12 * *)", "at(2027-01-01)", "every day"):
    refused_create(f"the expression {expr}", expr)
refused_create("an unknown ScheduleExpressionTimezone", ScheduleExpressionTimezone="Mars/Olympus_Mons")
refused_create("an EndDate before the StartDate", StartDate=now + datetime.timedelta(days=2), EndDate=now + datetime.timedelta(days=1))
refused_create("FlexibleTimeWindow FLEXIBLE without MaximumWindowInMinutes", FlexibleTimeWindow={"Mode": "FLEXIBLE"})
refused_create("FlexibleTimeWindow OFF with MaximumWindowInMinutes", FlexibleTimeWindow={"Mode": "OFF", "MaximumWindowInMinutes": 5})
refused_create("MaximumWindowInMinutes 1441", FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441})
refused_create("a RoleArn that is a user, not a role", tgt={"Arn": idle_arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:user/bob"})
# Squall serves templated targets only; AWS serves universal targets too (Squall refuses them naming them).
refused_create("a universal target (arn:aws:scheduler:::aws-sdk:sqs:sendMessage)",
               tgt=target("arn:aws:scheduler:::aws-sdk:sqs:sendMessage", Input=json.dumps({"QueueUrl": idle_url, "MessageBody": "x"})),
               msg=re.compile(r"(?i)universal|aws-sdk"))
refused_create("an ECS target with EcsParameters (refused naming the member)",
               tgt=target(f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/c-{RUN}",
                          EcsParameters={"TaskDefinitionArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/t:1"}),
               msg=re.compile("EcsParameters"))
refused_create("an ECS cluster as the target", tgt=target(f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/c-{RUN}"))
refused_create("KmsKeyArn (refused naming it)", KmsKeyArn=f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
               msg=re.compile("KmsKeyArn"))
refused_create("a FIFO queue target without SqsParameters.MessageGroupId", tgt=target(fifo_named))
refused_create("SqsParameters on a standard queue target", tgt=target(idle_arn, SqsParameters={"MessageGroupId": "g"}))
refused_create("an event bus target without EventBridgeParameters", tgt=target(DEFAULT_BUS, Input="{}"))
refused_create("non-JSON Input for a Lambda function target", tgt=target(FUNCTION, Input="not json {"))
refused_create("RetryPolicy MaximumRetryAttempts 186", tgt=target(idle_arn, RetryPolicy={"MaximumRetryAttempts": 186}))
refused_create("RetryPolicy MaximumEventAgeInSeconds 86401", tgt=target(idle_arn, RetryPolicy={"MaximumEventAgeInSeconds": 86401}))
refused_create("a DeadLetterConfig that is not an SQS queue",
               tgt=target(idle_arn, DeadLetterConfig={"Arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:topic-{RUN}"}))
refused_create("a State that is neither ENABLED nor DISABLED", State="PAUSED")
# A recurring schedule's StartDate may not be more than 5 minutes in the past: AWS answers "The StartDate
# you specify cannot be earlier than 5 minutes ago." (recorded by moto's getmoto/moto#8172, and guarded
# client-side by aws-cdk's Schedule construct).
refused_create("a cron schedule with a StartDate an hour ago", "cron(0 12 * * ? *)",
               StartDate=now - datetime.timedelta(hours=1), msg=re.compile("StartDate"))
# DeadLetterConfig.Arn is ^arn:aws(-[a-z]+)?:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+$ ("EventBridge Scheduler does
# not support using a FIFO queue as your schedule's DLQ", user guide).
refused_create("a FIFO queue as the dead-letter queue", tgt=target(idle_arn, DeadLetterConfig={"Arn": fifo_named}))
# SqsParameters.MessageGroupId is 1 to 128 characters (botocore checks only the minimum).
refused_create("a MessageGroupId of 129 characters", tgt=target(fifo_named, SqsParameters={"MessageGroupId": "g" * 129}))
# ClientToken is ^[a-zA-Z0-9-_]+$, 1 to 64 characters.
refused_create("a ClientToken with a space and '!'", ClientToken="bad token!")
refused_create("ActionAfterCompletion KEEP", ActionAfterCompletion="KEEP")
refused_create("a schedule name with a space and '!'", Name=f"bad name {RUN}!")
refused_create("a schedule in a missing group", GroupName=ghost, want=NOT_FOUND)
check(not any(RUN in s["Name"] for s in listed(NamePrefix="bad")), "no refused schedule is listed")

# ---------------------------------------------------------------------------------------------
# Firing on the real clock, as the execution role
# ---------------------------------------------------------------------------------------------
q = {k: make_queue(f"sch-{k}-{RUN}") for k in ("fire", "at", "del", "end", "denied", "dlq", "untr", "untrdlq", "off", "bus")}
q["fifo"] = make_queue(f"sch-fifo-{RUN}.fifo", FifoQueue="true", ContentBasedDeduplication="true")
src = f"app.scheduler.r{RUN}"
rule = f"sch-rule-{RUN}"
rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [src]}))["RuleArn"]
sqs.set_queue_attributes(QueueUrl=q["bus"][0], Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
    "Resource": q["bus"][1], "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]})})
check(events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": q["bus"][1]}]).get("FailedEntryCount") == 0,
      "an EventBridge rule on the default bus for the schedule's source, targeting a queue")

# The execution role may send to its target queues and put events on the default bus; the second
# role only to the dead-letter queue; the third trusts Lambda, not EventBridge Scheduler.
iam.put_role_policy(RoleName=role_name, PolicyName="targets", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": [q[k][1] for k in ("fire", "at", "del", "end", "fifo", "off")]},
    {"Effect": "Allow", "Action": "events:PutEvents", "Resource": DEFAULT_BUS}]}))
dlq_role = make_role(f"sched-dlq-{RUN}", "scheduler.amazonaws.com", allow("sqs:SendMessage", q["dlq"][1]))
untrusted_role = make_role(f"sched-lambda-{RUN}", "lambda.amazonaws.com",
                           allow("sqs:SendMessage", q["untr"][1], q["untrdlq"][1]))
check(all(a.startswith(f"arn:aws:iam::{ACCOUNT}:role/") for a in (role_arn, dlq_role, untrusted_role)),
      f"three execution roles ({role_arn}, {dlq_role}, {untrusted_role})")

context = json.dumps({"arn": "<aws.scheduler.schedule-arn>", "time": "<aws.scheduler.scheduled-time>",
                      "id": "<aws.scheduler.execution-id>", "attempt": "<aws.scheduler.attempt-number>"})

# One-time schedules a few seconds from now (UTC), created first so their time is still ahead.
at_when = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=7)).replace(microsecond=0, tzinfo=None)
at_epoch = at_when.replace(tzinfo=datetime.timezone.utc).timestamp()
at_expr = f"at({at_when.isoformat()})"
at_name, del_name, end_name = f"once-{RUN}", f"once-del-{RUN}", f"once-end-{RUN}"
# EndDate: "EventBridge Scheduler ignores EndDate for one-time schedules" (CreateSchedule): one whose
# EndDate (still ahead when it is created) falls before its at() time fires all the same.
create(end_name, at_expr, target(q["end"][1], Input="ignored EndDate"), ScheduleExpressionTimezone="UTC",
       EndDate=datetime.datetime.fromtimestamp(at_epoch - 4, datetime.timezone.utc))
at_arn = create(at_name, at_expr, target(q["at"][1], Input=context), ScheduleExpressionTimezone="UTC")
del_arn = create(del_name, at_expr, target(q["del"][1], Input="bye <aws.scheduler.schedule-arn>"),
                 ScheduleExpressionTimezone="UTC", ActionAfterCompletion="DELETE")
t_rate = time.time()
fire_name = f"every-{RUN}"
fire_arn = create(fire_name, "rate(1 minute)", target(q["fire"][1], Input=context))
create(f"fifo-{RUN}", "rate(1 minute)", target(q["fifo"][1], Input="fifo <aws.scheduler.attempt-number>",
                                              SqsParameters={"MessageGroupId": f"grp-{RUN}"}))
denied_arn = create(f"denied-{RUN}", "rate(1 minute)",
                    {"Arn": q["denied"][1], "RoleArn": dlq_role, "Input": context, "DeadLetterConfig": {"Arn": q["dlq"][1]}},
                    GroupName=team)
create(f"untrusted-{RUN}", "rate(1 minute)",
       {"Arn": q["untr"][1], "RoleArn": untrusted_role, "Input": "x", "DeadLetterConfig": {"Arn": q["untrdlq"][1]}})
create(f"off-{RUN}", "rate(1 minute)", target(q["off"][1], Input="never"), State="DISABLED")
bus_input = {"job": "nightly", "at": "<aws.scheduler.scheduled-time>", "n": 3}
bus_arn = create(f"bus-{RUN}", "rate(1 minute)", target(DEFAULT_BUS, Input=json.dumps(bus_input),
                                                      EventBridgeParameters={"DetailType": "Nightly Job", "Source": src}))

# A rate schedule without StartDate fires at once, its Input's context attributes filled in.
got = arrived(q["fire"][0], 1, 10)
check(len(got) == 1, f"a rate(1 minute) schedule without StartDate fires at once: one message on its queue ({len(got)}, "
                     f"{time.time() - t_rate:.1f} s)")
body = as_json(got[0]["Body"]) if got else None
check(isinstance(body, dict) and set(body) == {"arn", "time", "id", "attempt"}, f"the body is the Input with its attributes filled in ({body})")
body = body if isinstance(body, dict) else {}
check(body.get("arn") == fire_arn, f"<aws.scheduler.schedule-arn> is the schedule's ARN ({body.get('arn')})")
stamp = body.get("time", "")
check(re.fullmatch(STAMP, stamp) is not None
      and abs(datetime.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp() - t_rate) < 10,
      f"<aws.scheduler.scheduled-time> is yyyy-mm-ddThh:mm:ssZ, the time it was created ({stamp})")
check(isinstance(body.get("id"), str) and len(body["id"]) >= 8 and "<" not in body["id"],
      f"<aws.scheduler.execution-id> is an id ({body.get('id')})")
check(body.get("attempt") == "1", f"<aws.scheduler.attempt-number> is 1 ({body.get('attempt')})")
sched.delete_schedule(Name=fire_name)
check(quiet(q["fire"][0]), "and it fires once, not again before its minute is up")

# A FIFO queue target with its MessageGroupId
got = arrived(q["fifo"][0], 1, 10)
check(len(got) == 1 and got[0]["Body"] == "fifo 1", f"a FIFO queue target gets the firing ({[m['Body'] for m in got]})")
check(got and got[0].get("Attributes", {}).get("MessageGroupId") == f"grp-{RUN}",
      f"in the schedule's MessageGroupId ({got[0].get('Attributes', {}).get('MessageGroupId') if got else None})")

# A role without permission on its target: the firing goes to the dead-letter queue
got = arrived(q["dlq"][0], 1, 10)
check(len(got) == 1, f"a role not allowed to send to its target: the firing goes to the dead-letter queue ({len(got)})")
dead = got[0] if got else {}
body = as_json(dead.get("Body"))
check(isinstance(body, dict) and body.get("arn") == denied_arn and body.get("attempt") == "1",
      f"the dead letter's body is the Input as the target would have got it ({body})")
attrs = {k: v.get("StringValue") for k, v in dead.get("MessageAttributes", {}).items()}
check(attrs.get("ERROR_CODE") == "AccessDenied", f"ERROR_CODE AccessDenied ({attrs.get('ERROR_CODE')})")
check(bool(attrs.get("ERROR_MESSAGE")), f"ERROR_MESSAGE says why ({attrs.get('ERROR_MESSAGE')!r})")
check(attrs.get("TARGET_ARN") == q["denied"][1], f"TARGET_ARN is the target ({attrs.get('TARGET_ARN')})")
check(attrs.get("RETRY_ATTEMPTS") == "0", f"RETRY_ATTEMPTS 0 (permission errors are not retried) ({attrs.get('RETRY_ATTEMPTS')})")
check(attrs.get("X-Amz-Scheduler-Schedule-Arn") == denied_arn, f"X-Amz-Scheduler-Schedule-Arn ({attrs.get('X-Amz-Scheduler-Schedule-Arn')})")
check(attrs.get("X-Amz-Scheduler-Group") == team, f"X-Amz-Scheduler-Group ({attrs.get('X-Amz-Scheduler-Group')})")
check(attrs.get("X-Amz-Scheduler-Attempt") == "1", f"X-Amz-Scheduler-Attempt ({attrs.get('X-Amz-Scheduler-Attempt')})")
check(quiet(q["denied"][0]), "and nothing reaches the target")

# An event bus target: the event reaches the rule's queue
got = arrived(q["bus"][0], 1, 10)
ev = as_json(got[0]["Body"]) if got else None
check(len(got) == 1 and isinstance(ev, dict), f"an event bus target puts an event the rule delivers ({len(got)})")
ev = ev if isinstance(ev, dict) else {}
det = ev.get("detail") if isinstance(ev.get("detail"), dict) else {}
check(set(det) == {"job", "at", "n"} and det.get("job") == "nightly" and det.get("n") == 3 and re.fullmatch(STAMP, str(det.get("at"))),
      f"its detail is the Input, context attributes filled in ({ev.get('detail')})")
check((ev.get("detail-type"), ev.get("source")) == ("Nightly Job", src),
      f"its detail-type and source are EventBridgeParameters' ({ev.get('detail-type')}, {ev.get('source')})")
check(ev.get("resources") == [bus_arn], f"its resources are [the schedule's ARN] ({ev.get('resources')})")
check((ev.get("account"), ev.get("region")) == (ACCOUNT, REGION), "its account and region")

# A one-time schedule fires once, at its time
got = arrived(q["at"][0], 1, max(0.0, at_epoch - time.time()) + 10)
fired_at = time.time()
check(len(got) == 1, f"the {at_expr} schedule fires ({len(got)}, {fired_at - at_epoch:+.1f} s from its time)")
check(fired_at >= at_epoch - 1, "not before its time")
body = as_json(got[0]["Body"]) if got else {}
body = body if isinstance(body, dict) else {}
check(body.get("time") == at_when.isoformat() + "Z" and body.get("arn") == at_arn,
      f"<aws.scheduler.scheduled-time> is its at() time ({body.get('time')})")
got = arrived(q["del"][0], 1, 10)
check([m["Body"] for m in got] == [f"bye {del_arn}"], f"the one with ActionAfterCompletion DELETE fires too ({[m['Body'] for m in got]})")
check(gone(del_name, within=10), "and is deleted after it fired (get_schedule is ResourceNotFoundException)")
d = got_schedule(at_name)
check(d.get("ActionAfterCompletion") == "NONE" and d.get("ScheduleExpression") == at_expr,
      "the one with ActionAfterCompletion NONE stays after it fired")
got = arrived(q["end"][0], 1, 5)
check([m["Body"] for m in got] == ["ignored EndDate"],
      f"a one-time schedule whose EndDate is before its time fires all the same (EndDate is ignored) ({[m['Body'] for m in got]})")
check(quiet(q["at"][0], 2) and quiet(q["del"][0]) and quiet(q["end"][0]), "each one-time schedule fired once")

# A role that does not trust EventBridge Scheduler, and a disabled schedule: nothing is delivered
check(quiet(q["untr"][0], 2), "a role whose trust policy does not name scheduler.amazonaws.com delivers nothing to the target")
check(quiet(q["untrdlq"][0]), "nor to its dead-letter queue (sent to as the same role)")
check(quiet(q["off"][0], 1), "a DISABLED rate(1 minute) schedule does not fire")
check(got_schedule(f"off-{RUN}").get("State") == "DISABLED", "and stays DISABLED")
check(quiet(idle_url), "and none of the CRUD schedules fired (their queue is empty)")

# ---------------------------------------------------------------------------------------------
# The aws CLI
# ---------------------------------------------------------------------------------------------
cli = f"cli-{RUN}"


def printed(out):
    """The JSON the CLI printed ({} when none)."""
    v = as_json(out)
    return v if isinstance(v, dict) else {}


def tail(rc, out, err):
    """What the CLI said, on one line: its JSON when it succeeded, else its error."""
    return json.dumps(printed(out))[:200] if rc == 0 else err.strip()[-300:]


rc, out, err = aws("scheduler", "create-schedule", "--name", cli, "--schedule-expression", "rate(12 hours)",
                   "--flexible-time-window", "Mode=OFF", "--state", "DISABLED",
                   "--target", json.dumps({"Arn": idle_arn, "RoleArn": role_arn, "Input": '{"from": "cli"}'}))
created.append((cli, None))
check(rc == 0 and printed(out).get("ScheduleArn") == f"{SCHEDULE_ARN}default/{cli}",
      f"aws scheduler create-schedule --flexible-time-window Mode=OFF --target '{{...}}' prints the ScheduleArn (exit {rc}: {tail(rc, out, err)})")
rc, out, err = aws("scheduler", "get-schedule", "--name", cli)
d = printed(out)
check(rc == 0 and d.get("Name") == cli and d.get("FlexibleTimeWindow") == {"Mode": "OFF"} and d.get("State") == "DISABLED"
      and d.get("Target", {}).get("Input") == '{"from": "cli"}' and d.get("ScheduleExpression") == "rate(12 hours)",
      f"aws scheduler get-schedule prints it (exit {rc}: {tail(rc, out, err)})")
rc, out, err = aws("scheduler", "list-schedules", "--group-name", "default", "--name-prefix", cli)
check(rc == 0 and [s.get("Name") for s in printed(out).get("Schedules", [])] == [cli],
      f"aws scheduler list-schedules --group-name default --name-prefix lists it (exit {rc}: {tail(rc, out, err)})")
rc, out, err = aws("scheduler", "delete-schedule", "--name", cli)
check(rc == 0, f"aws scheduler delete-schedule succeeds (exit {rc}: {tail(rc, out, err)})")
# aws CLI v1 exits 255 on a service error and prints "An error occurred (<code>) when calling the <op> operation: <message>".
rc, out, err = aws("scheduler", "get-schedule", "--name", cli)
check(rc == 255 and "(ResourceNotFoundException) when calling the GetSchedule operation" in err,
      f"get-schedule of the deleted schedule exits 255 with ResourceNotFoundException (exit {rc}: {tail(rc, out, err)})")
rc, out, err = aws("scheduler", "create-schedule", "--name", cli, "--schedule-expression", "rate(1 minutes)",
                   "--flexible-time-window", "Mode=OFF", "--target", json.dumps({"Arn": idle_arn, "RoleArn": role_arn}))
check(rc == 255 and "(ValidationException) when calling the CreateSchedule operation" in err,
      f"create-schedule with rate(1 minutes) exits 255 with ValidationException (exit {rc}: {tail(rc, out, err)})")

# ---------------------------------------------------------------------------------------------
# Clean-up: schedules, groups, the rule, queues, roles
# ---------------------------------------------------------------------------------------------
for name, group in created:
    c, e = code(sched.delete_schedule, Name=name, **({"GroupName": group} if group else {}))
    check(c in (None, "ResourceNotFoundException"), f"clean-up: delete_schedule {name} ({c}: {message(e)!r})")
for g in groups:
    sched.delete_schedule_group(Name=g)
check(all(group_gone(g) for g in groups), "every group of the run is deleted")
check(not listed(NamePrefix=f"lst{RUN}-") and not any(RUN in s["Name"] for s in listed()), "and every schedule of the run")
events.remove_targets(Rule=rule, Ids=["q"])
events.delete_rule(Name=rule)
for u in queues:
    sqs.delete_queue(QueueUrl=u)
for r in roles:
    for p in iam.list_role_policies(RoleName=r).get("PolicyNames", []):
        iam.delete_role_policy(RoleName=r, PolicyName=p)
    iam.delete_role(RoleName=r)
print(f"({time.time() - T0:.1f} s)")
print("done")
