"""Server access logging through boto3 against a running Squall (started with --dev, so the
test can move its clock between the two phases):

`before STATE`: GetBucketLogging with nothing set, the settings S3 refuses (a target that
does not exist, target grants, a target whose policy keeps log delivery out), logging put
and read back (simple and partitioned keys), then requests on the logged bucket: a PUT, a
GET, a HEAD, a GET of a missing key, a listing, a tagging. Their request ids go to STATE.
`after STATE` (once the clock has moved past the delivery interval): the target holds log
objects under the prefix whose lines are S3's access log format, one per request, with
the request ids, operations, keys, statuses and error codes of those requests; turning
logging off stops it.

Run by the end-to-end tests with AWS_ENDPOINT_URL, a key and AWS_DEFAULT_REGION=us-east-1 in
the environment; exits non-zero with the failing check on the first failure."""
import json
import shlex
import sys
import time

from s3_common import check, client, error

s3 = client()
phase, state_file = sys.argv[1], sys.argv[2]
source, target, parted = "logged-src", "logged-target", "logged-parted"

if phase == "before":
    for b in (source, target, parted):
        s3.create_bucket(Bucket=b)
    check("LoggingEnabled" not in s3.get_bucket_logging(Bucket=source), "a bucket logs nothing until told to")
    on = lambda t, **more: {"LoggingEnabled": {"TargetBucket": t, "TargetPrefix": "logs/", **more}}
    got = error(s3.put_bucket_logging, Bucket=source, BucketLoggingStatus=on("no-such-target"))
    check(got == ("InvalidTargetBucketForLogging", 400), f"a target that does not exist is refused ({got})")
    grants = [{"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}]
    got = error(s3.put_bucket_logging, Bucket=source, BucketLoggingStatus=on(target, TargetGrants=grants))
    check(got == ("NotImplemented", 501), f"target grants are refused by name ({got})")
    s3.put_bucket_policy(Bucket=parted, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
        "Resource": f"arn:aws:s3:::{parted}/*"}]}))
    got = error(s3.put_bucket_logging, Bucket=source, BucketLoggingStatus=on(parted))
    check(got[0] == "InvalidTargetBucketForLogging", f"a target whose policy keeps log delivery out is refused ({got})")
    s3.delete_bucket_policy(Bucket=parted)
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus=on(target))
    got = s3.get_bucket_logging(Bucket=source)["LoggingEnabled"]
    check(got["TargetBucket"] == target and got["TargetPrefix"] == "logs/", f"GetBucketLogging reads it back ({got})")
    s3.put_bucket_logging(Bucket=parted, BucketLoggingStatus=on(
        target, TargetObjectKeyFormat={"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}))
    fmt = s3.get_bucket_logging(Bucket=parted)["LoggingEnabled"]["TargetObjectKeyFormat"]
    check(fmt == {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}, f"partitioned keys read back ({fmt})")

    ids = {}
    ids["put"] = s3.put_object(Bucket=source, Key="dir/a b.txt", Body=b"12345")["ResponseMetadata"]["RequestId"]
    ids["get"] = s3.get_object(Bucket=source, Key="dir/a b.txt")["ResponseMetadata"]["RequestId"]
    ids["head"] = s3.head_object(Bucket=source, Key="dir/a b.txt")["ResponseMetadata"]["RequestId"]
    try:
        s3.get_object(Bucket=source, Key="missing")
    except s3.exceptions.NoSuchKey as e:
        ids["missing"] = e.response["ResponseMetadata"]["RequestId"]
    ids["list"] = s3.list_objects_v2(Bucket=source)["ResponseMetadata"]["RequestId"]
    ids["tag"] = s3.put_object_tagging(Bucket=source, Key="dir/a b.txt",
                                       Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})["ResponseMetadata"]["RequestId"]
    s3.put_object(Bucket=parted, Key="p", Body=b"p")
    check(not s3.list_objects_v2(Bucket=target).get("Contents"), "nothing is delivered before the interval")
    with open(state_file, "w") as f:
        json.dump(ids, f)
    print("all S3 logging checks passed (before)")
else:
    ids = json.load(open(state_file))
    objects = []
    for _ in range(100):
        objects = s3.list_objects_v2(Bucket=target).get("Contents", [])
        if len(objects) >= 2:
            break
        time.sleep(0.2)
    keys = [o["Key"] for o in objects]
    simple = [k for k in keys if k.startswith("logs/2")]
    parted_keys = [k for k in keys if k.startswith("logs/000000000000/us-east-1/logged-parted/")]
    check(len(simple) == 1, f"one log object under the prefix, named by its time ({keys})")
    check(len(parted_keys) == 1, f"and a partitioned one under account/region/bucket/date ({keys})")
    text = s3.get_object(Bucket=target, Key=simple[0])["Body"].read().decode()
    lines = [shlex.split(line.replace("[", '"').replace("]", '"')) for line in text.splitlines()]
    check(all(len(fields) == 26 for fields in lines), f"every line has S3's 26 fields ({text})")
    by_id = {fields[5]: fields for fields in lines}

    def line(name):
        fields = by_id.get(ids[name])
        check(fields is not None, f"the {name} request is logged with its request id")
        return fields

    put = line("put")
    check(put[1] == source and put[6] == "REST.PUT.OBJECT" and put[7] == "dir/a%20b.txt" and put[9] == "200",
          f"the PUT: bucket, REST.PUT.OBJECT, its URL-encoded key, 200 ({put})")
    check(put[4].startswith("arn:aws:iam::000000000000:root") and put[19] == "SigV4" and put[21] == "AuthHeader",
          f"who signed it, and how ({put[4]}, {put[19]}, {put[21]})")
    check(put[8].startswith("PUT /logged-src/dir/a%20b.txt") and put[12] == "5", f"its request line and size ({put})")
    get = line("get")
    check(get[6] == "REST.GET.OBJECT" and get[10] == "-" and get[11] == "5", f"the GET: 5 bytes sent ({get})")
    check(line("head")[6] == "REST.HEAD.OBJECT", "the HEAD")
    missing = line("missing")
    check(missing[9] == "404" and missing[10] == "NoSuchKey", f"the missing key: 404 NoSuchKey ({missing})")
    check(line("list")[6] == "REST.GET.BUCKET", "the listing")
    check(line("tag")[6] == "REST.PUT.OBJECT_TAGGING", "the tagging")
    check(all(fields[0] == lines[0][0] and len(fields[0]) == 64 for fields in lines), "the owner's canonical id leads")
    s3.put_bucket_logging(Bucket=source, BucketLoggingStatus={})
    check("LoggingEnabled" not in s3.get_bucket_logging(Bucket=source), "an empty status turns logging off")
    print("all S3 logging checks passed (after)")
