//! Requests and answers in the shapes botocore writes and reads them, for each protocol.

use crate::{ServiceError, answer, request};
use serde_json::{Value, json};

fn form(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn has(fields: &[(String, String)], key: &str, value: &str) -> bool {
    fields.iter().any(|(k, v)| k == key && v == value)
}

#[test]
fn query_requests_flatten_lists_maps_and_structures() {
    let params = json!({"TopicArn": "arn:t", "Message": "hi",
        "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}});
    let r = request("sns", "Publish", &params).unwrap();
    assert_eq!((r.method.as_str(), r.uri.as_str()), ("POST", "/"));
    let fields = form(&r.body);
    for (k, v) in [
        ("Action", "Publish"),
        ("Version", "2010-03-31"),
        ("TopicArn", "arn:t"),
        ("MessageAttributes.entry.1.Name", "k"),
        ("MessageAttributes.entry.1.Value.DataType", "String"),
        ("MessageAttributes.entry.1.Value.StringValue", "v"),
    ] {
        assert!(has(&fields, k, v), "{k}={v} in {fields:?}");
    }
    let r = request(
        "iam",
        "CreateRole",
        &json!({"RoleName": "r", "AssumeRolePolicyDocument": "{}",
        "Tags": [{"Key": "a", "Value": "1"}], "MaxSessionDuration": 3600}),
    )
    .unwrap();
    let fields = form(&r.body);
    assert!(has(&fields, "Tags.member.1.Key", "a") && has(&fields, "Tags.member.1.Value", "1"), "{fields:?}");
    assert!(has(&fields, "MaxSessionDuration", "3600"));
    let r = request("iam", "ListRoleTags", &json!({"RoleName": "r"})).unwrap();
    assert!(has(&form(&r.body), "RoleName", "r"));
}

#[test]
fn members_an_operation_does_not_take_are_refused_by_name() {
    let e = request("s3", "GetObject", &json!({"Bucket": "b", "Key": "k", "Bogus": 1})).unwrap_err();
    assert!(e.contains("'Bogus'"), "{e}");
    let e =
        request("s3", "PutBucketTagging", &json!({"Bucket": "b", "Tagging": {"TagSet": [{"Key": "a", "Nope": "1"}]}}))
            .unwrap_err();
    assert!(e.contains("'Tagging.TagSet.Nope'"), "{e}");
    let e = request("sns", "Publish", &json!({"TopicArn": ["not", "text"], "Message": "m"})).unwrap_err();
    assert!(e.contains("'TopicArn' must be a string"), "{e}");
    let e = request("s3", "ListObjectsV2", &json!({"Bucket": "b/x"})).unwrap_err();
    assert!(e.contains("Invalid bucket name"), "{e}");
    let e = request("s3", "PutObject", &json!({"Bucket": "b", "Key": "k", "Body": "hello", "ContentLength": 1}))
        .unwrap_err();
    assert!(e.contains("'ContentLength'"), "{e}");
    assert!(
        request("s3", "PutObject", &json!({"Bucket": "b", "Key": "k", "Body": "hello", "ContentLength": 5})).is_ok()
    );
    let e = request("s3", "GetObject", &json!({"Key": "k"})).unwrap_err();
    assert!(e.contains("'Bucket' is required"), "{e}");
    assert!(request("s3", "SelectObjectContent", &json!({})).is_err());
    assert!(request("ec2", "DescribeInstances", &json!({})).is_err());
}

#[test]
fn rest_xml_requests_bind_path_query_headers_and_body() {
    let r = request("s3", "GetObject", &json!({"Bucket": "b", "Key": "dir/a b+c", "Range": "bytes=0-1"})).unwrap();
    assert_eq!((r.method.as_str(), r.uri.as_str()), ("GET", "/b/dir/a%20b%2Bc"));
    assert_eq!(r.headers["range"], "bytes=0-1");
    let r = request(
        "s3",
        "PutObject",
        &json!({"Bucket": "b", "Key": "k", "Body": "hello",
        "ContentType": "text/plain", "Metadata": {"a": "1"}, "Expires": "2030-01-02T03:04:05Z"}),
    )
    .unwrap();
    assert_eq!((r.method.as_str(), r.uri.as_str(), &r.body[..]), ("PUT", "/b/k", &b"hello"[..]));
    assert_eq!(r.headers["content-type"], "text/plain");
    assert_eq!(r.headers["x-amz-meta-a"], "1");
    assert_eq!(r.headers["expires"], "Wed, 02 Jan 2030 03:04:05 GMT");
    let r = request("s3", "ListObjectsV2", &json!({"Bucket": "b", "Prefix": "p/", "MaxKeys": 2})).unwrap();
    assert_eq!(r.uri, "/b?list-type=2&max-keys=2&prefix=p%2F");
    let r = request(
        "s3",
        "PutBucketTagging",
        &json!({"Bucket": "b",
        "Tagging": {"TagSet": [{"Key": "a&b", "Value": "1"}]}}),
    )
    .unwrap();
    assert_eq!(r.uri, "/b?tagging");
    assert_eq!(
        std::str::from_utf8(&r.body).unwrap(),
        r#"<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>a&amp;b</Key><Value>1</Value></Tag></TagSet></Tagging>"#
    );
    let r = request(
        "s3",
        "DeleteObjects",
        &json!({"Bucket": "b",
        "Delete": {"Objects": [{"Key": "x"}, {"Key": "y"}], "Quiet": true}}),
    )
    .unwrap();
    let body = std::str::from_utf8(&r.body).unwrap();
    assert!(body.contains("<Object><Key>x</Key></Object><Object><Key>y</Key></Object>"), "{body}");
    assert!(body.contains("<Quiet>true</Quiet>"), "{body}");
}

#[test]
fn rest_json_requests_fill_idempotency_tokens_and_write_epoch_timestamps() {
    let r = request(
        "scheduler",
        "CreateSchedule",
        &json!({"Name": "n", "ScheduleExpression": "rate(1 hour)",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "StartDate": "2030-01-01T00:00:00Z",
        "Target": {"Arn": "arn:q", "RoleArn": "arn:r"}}),
    )
    .unwrap();
    assert_eq!((r.method.as_str(), r.uri.as_str()), ("POST", "/schedules/n"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["StartDate"], json!(1_893_456_000));
    assert_eq!(body["FlexibleTimeWindow"], json!({"Mode": "OFF"}));
    assert!(body["ClientToken"].as_str().is_some_and(|t| t.len() == 36), "{body}");
    let r = request("scheduler", "DeleteSchedule", &json!({"Name": "n", "ClientToken": null})).unwrap();
    assert!(r.uri.contains("clientToken="), "a token given as null is filled: {}", r.uri);
    assert!(body.get("Name").is_none(), "the name is in the path: {body}");
    let r = request("lambda", "ListFunctions", &json!({"MaxItems": 5})).unwrap();
    assert_eq!((r.method.as_str(), r.uri.as_str(), r.body.len()), ("GET", "/2015-03-31/functions?MaxItems=5", 0));
    let r = request(
        "lambda",
        "TagResource",
        &json!({"Resource": "arn:aws:lambda:us-east-1:1:function:f",
        "Tags": {"a": "1"}}),
    )
    .unwrap();
    assert_eq!(r.uri, "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Af");
    assert_eq!(serde_json::from_slice::<Value>(&r.body).unwrap(), json!({"Tags": {"a": "1"}}));
}

fn headers(pairs: &[(&str, &str)]) -> http::HeaderMap {
    pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
}

#[test]
fn query_answers_read_their_result_element() {
    let body = br#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
        <GetCallerIdentityResult><Arn>arn:aws:sts::1:assumed-role/r/s</Arn><UserId>AROA:s</UserId>
        <Account>1</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#;
    let v = answer("sts", "GetCallerIdentity", 200, &headers(&[]), body).unwrap();
    assert_eq!(v, json!({"Arn": "arn:aws:sts::1:assumed-role/r/s", "UserId": "AROA:s", "Account": "1"}));
    let body = br#"<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated><Roles>
        <member><RoleName>a</RoleName><Path>/</Path><CreateDate>2026-12-07T10:00:00.000Z</CreateDate>
        <MaxSessionDuration>3600</MaxSessionDuration><Tags><member><Key>k</Key><Value>v</Value></member></Tags></member>
        <member><RoleName>b</RoleName></member></Roles></ListRolesResult></ListRolesResponse>"#;
    let v = answer("iam", "ListRoles", 200, &headers(&[]), body).unwrap();
    assert_eq!(v["IsTruncated"], json!(false));
    assert_eq!(v["Roles"][0]["CreateDate"], json!("2026-12-07T10:00:00Z"));
    assert_eq!(v["Roles"][0]["MaxSessionDuration"], json!(3600));
    assert_eq!(v["Roles"][0]["Tags"], json!([{"Key": "k", "Value": "v"}]));
    assert_eq!(v["Roles"][1], json!({"RoleName": "b"}));
    let body = br#"<GetTopicAttributesResponse><GetTopicAttributesResult><Attributes>
        <entry><key>TopicArn</key><value>arn:t</value></entry><entry><key>Policy</key><value>{}</value></entry>
        </Attributes></GetTopicAttributesResult></GetTopicAttributesResponse>"#;
    let v = answer("sns", "GetTopicAttributes", 200, &headers(&[]), body).unwrap();
    assert_eq!(v, json!({"Attributes": {"TopicArn": "arn:t", "Policy": "{}"}}));
}

#[test]
fn rest_answers_read_headers_payloads_and_flattened_lists() {
    let h = headers(&[
        ("content-length", "5"),
        ("content-type", "text/plain"),
        ("etag", "\"abc\""),
        ("last-modified", "Mon, 07 Dec 2026 10:00:00 GMT"),
        ("x-amz-meta-a", "1"),
    ]);
    let v = answer("s3", "GetObject", 200, &h, b"hello").unwrap();
    assert_eq!(
        v,
        json!({"Body": "hello", "ContentLength": 5, "ContentType": "text/plain", "ETag": "\"abc\"",
            "LastModified": "2026-12-07T10:00:00Z", "Metadata": {"a": "1"}})
    );
    let body = br#"<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name>
        <KeyCount>2</KeyCount><IsTruncated>false</IsTruncated>
        <Contents><Key>a</Key><Size>1</Size><LastModified>2026-12-07T10:00:00.000Z</LastModified></Contents>
        <Contents><Key>b</Key><Size>2</Size></Contents><CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>
        </ListBucketResult>"#;
    let v = answer("s3", "ListObjectsV2", 200, &headers(&[]), body).unwrap();
    assert_eq!(v["Contents"][0], json!({"Key": "a", "Size": 1, "LastModified": "2026-12-07T10:00:00Z"}));
    assert_eq!(v["Contents"][1]["Key"], json!("b"));
    assert_eq!(v["CommonPrefixes"], json!([{"Prefix": "p/"}]));
    assert_eq!((v["KeyCount"].clone(), v["IsTruncated"].clone()), (json!(2), json!(false)));
    let body =
        br#"{"Name":"n","CreationDate":1796637600,"Target":{"Arn":"arn:q","RoleArn":"arn:r"},"State":"ENABLED"}"#;
    let v = answer("scheduler", "GetSchedule", 200, &headers(&[]), body).unwrap();
    assert_eq!(v["CreationDate"], json!("2026-12-07T10:00:00Z"));
    assert_eq!(v["Target"], json!({"Arn": "arn:q", "RoleArn": "arn:r"}));
    let v = answer("s3", "DeleteObject", 204, &headers(&[("x-amz-delete-marker", "true")]), b"").unwrap();
    assert_eq!(v, json!({"DeleteMarker": true}));
}

#[test]
fn errors_come_from_documents_headers_or_the_status() {
    let error = |code: &str, message: &str, status| ServiceError { status, code: code.into(), message: message.into() };
    let xml = b"<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
    assert_eq!(
        answer("s3", "GetObject", 404, &headers(&[]), xml),
        Err(error("NoSuchKey", "The specified key does not exist.", 404))
    );
    // CopyObject's failure after its 200 has gone out.
    assert_eq!(answer("s3", "CopyObject", 200, &headers(&[]), xml).unwrap_err().code, "NoSuchKey");
    assert_eq!(answer("s3", "HeadObject", 404, &headers(&[]), b"").unwrap_err().code, "NoSuchKey");
    assert_eq!(answer("s3", "HeadBucket", 403, &headers(&[]), b"").unwrap_err().code, "Forbidden");
    let query = b"<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no role</Message></Error></ErrorResponse>";
    assert_eq!(answer("iam", "GetRole", 404, &headers(&[]), query), Err(error("NoSuchEntity", "no role", 404)));
    let json = br#"{"Message":"Schedule n does not exist."}"#;
    let h = headers(&[("x-amzn-errortype", "ResourceNotFoundException:http://internal.amazon.com/")]);
    assert_eq!(
        answer("scheduler", "GetSchedule", 404, &h, json),
        Err(error("ResourceNotFoundException", "Schedule n does not exist.", 404))
    );
    let json = br#"{"__type":"A","code":"B"}"#;
    assert_eq!(answer("lambda", "GetFunction", 400, &headers(&[]), json).unwrap_err().code, "B");
    let json = br#"{"__type":"com.amazon#ResourceNotFoundException","message":"Function not found"}"#;
    assert_eq!(
        answer("lambda", "GetFunction", 404, &headers(&[]), json).unwrap_err().code,
        "ResourceNotFoundException"
    );
}

/// What botocore's handlers do for S3 beyond the model.
#[test]
fn s3_copy_sources_customer_keys_and_bucket_locations() {
    let r = request("s3", "CopyObject", &json!({"Bucket": "d", "Key": "k", "CopySource": "s/café ?.txt?versionId=v1"}))
        .unwrap();
    assert_eq!(r.headers["x-amz-copy-source"], "s/caf%C3%A9%20%3F.txt?versionId=v1");
    let r = request(
        "s3",
        "UploadPartCopy",
        &json!({"Bucket": "d", "Key": "k", "UploadId": "u", "PartNumber": 1,
        "CopySource": {"Bucket": "s", "Key": "a+b"}}),
    )
    .unwrap();
    assert_eq!(r.headers["x-amz-copy-source"], "s/a%2Bb");
    // A 32-byte key in base64 gets its MD5.
    let key = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    let r = request(
        "s3",
        "GetObject",
        &json!({"Bucket": "b", "Key": "k", "SSECustomerAlgorithm": "AES256",
        "SSECustomerKey": key}),
    )
    .unwrap();
    assert_eq!(r.headers["x-amz-server-side-encryption-customer-key"], key);
    assert_eq!(r.headers["x-amz-server-side-encryption-customer-key-md5"], "hRasmdxgYDKV3nvbahU1MA==");
    let body = br#"<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>"#;
    let v = answer("s3", "GetBucketLocation", 200, &headers(&[]), body).unwrap();
    assert_eq!(v, json!({"LocationConstraint": "eu-west-1"}));
    // An object whose text looks like an error is the object.
    let v = answer("s3", "GetObject", 200, &headers(&[]), b"<Error><Code>X</Code></Error>").unwrap();
    assert_eq!(v["Body"], json!("<Error><Code>X</Code></Error>"));
    // Declared timestamp formats hold in the query string; Grantee declares its xsi prefix.
    let r = request("s3", "GetObject", &json!({"Bucket": "b", "Key": "k", "ResponseExpires": "2030-01-02T03:04:05Z"}))
        .unwrap();
    assert_eq!(r.uri, "/b/k?response-expires=Wed%2C%2002%20Jan%202030%2003%3A04%3A05%20GMT");
    let r = request("s3", "PutBucketAcl", &json!({"Bucket": "b", "AccessControlPolicy": {
        "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "abc"}, "Permission": "READ"}], "Owner": {"ID": "abc"}}}))
    .unwrap();
    let body = std::str::from_utf8(&r.body).unwrap();
    assert!(
        body.contains(r#"<Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser">"#),
        "{body}"
    );
}

#[test]
fn services_and_operations_are_known_by_their_models() {
    assert!(
        !crate::knows("lambda", "InvokeWithResponseStream") && crate::modelled("lambda", "InvokeWithResponseStream")
    );
    assert!(crate::knows("s3", "GetObject") && crate::knows("lambda", "ListFunctions"));
    assert!(!crate::knows("s3", "SelectObjectContent") && !crate::knows("ec2", "DescribeInstances"));
    assert_eq!(crate::services(), ["s3", "iam", "sts", "sns", "scheduler", "lambda"]);
}
