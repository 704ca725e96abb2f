//! `AWS::S3::Bucket` resources and `s3` events, good and bad, and where their errors point.

use super::{check_bucket_name, default_bucket_name, implied_logical_id};
use crate::parse;

fn errors(yaml: &str) -> String {
    match parse("serverless.yml", yaml) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

const YAML: &str = "\
service: shop
provider:
  name: aws
  runtime: python3.12
  region: eu-west-1
  environment:
    UPLOADS: !Ref Uploads
    UPLOADS_ARN: !GetAtt Uploads.Arn
    PHOTOS: !Ref S3BucketShopphotos
functions:
  resize:
    handler: h.resize
    environment:
      NAMED:
        Fn::GetAtt: [Named, Arn]
    events:
      - s3: shop-photos
      - s3:
          bucket: shop-photos
          event: s3:ObjectRemoved:*
      - s3:
          bucket: !Ref Uploads
          event: s3:ObjectCreated:Put
          rules:
            - prefix: incoming/
            - suffix: .jpg
      - s3:
          bucket: shop-named
          rules:
            - prefix: a/
      - s3:
          bucket: elsewhere
          existing: true
          forceDeploy: true
  audit:
    name: shop-auditor
    handler: h.audit
    events:
      - s3:
          bucket: !Ref Uploads
          rules:
            - prefix: other/
resources:
  Resources:
    Uploads:
      Type: AWS::S3::Bucket
      DeletionPolicy: Retain
      Properties:
        BucketEncryption:
          ServerSideEncryptionConfiguration: []
        CorsConfiguration:
          CorsRules:
            - Id: browsers
              AllowedOrigins: ['https://shop.example']
              AllowedMethods: [GET, PUT]
              AllowedHeaders: ['*']
              ExposedHeaders: [ETag]
              MaxAge: 600
    Named:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: shop-named
        AccessControl: Private
";

#[test]
fn buckets_and_s3_events_are_read_and_referenced() {
    let m = parse("serverless.yml", YAML).unwrap();
    let env = &m.functions[0].config.environment;
    assert_eq!(env["UPLOADS"], "shop-dev-uploads");
    assert_eq!(env["UPLOADS_ARN"], "arn:aws:s3:::shop-dev-uploads");
    assert_eq!(env["PHOTOS"], "shop-photos", "the framework's id for the bucket an event creates");
    assert_eq!(env["NAMED"], "arn:aws:s3:::shop-named");

    // Declared first, then implied; `existing: true` creates nothing.
    let buckets: Vec<(&str, &str)> = m.buckets.iter().map(|b| (b.logical_id.as_str(), b.name.as_str())).collect();
    assert_eq!(buckets, [("Uploads", "shop-dev-uploads"), ("Named", "shop-named"), ("", "shop-photos")]);
    let cors = m.buckets[0].cors.as_ref().unwrap();
    assert_eq!(cors.len(), 1);
    assert_eq!(cors[0].id.as_deref(), Some("browsers"));
    assert_eq!(cors[0].allowed_origins, ["https://shop.example"]);
    assert_eq!(cors[0].allowed_methods, ["GET", "PUT"]);
    assert_eq!(cors[0].allowed_headers, ["*"]);
    assert_eq!(cors[0].exposed_headers, ["ETag"]);
    assert_eq!(cors[0].max_age, Some(600));
    assert!(m.buckets[1].cors.is_none() && m.buckets[2].cors.is_none());
    for w in ["Uploads.DeletionPolicy: ignored", "BucketEncryption: has no effect", "forceDeploy: has no effect"] {
        assert!(m.warnings.iter().any(|x| x.contains(w)), "{w}: {:?}", m.warnings);
    }

    assert!(m.functions.iter().all(|f| f.config.event_sources.is_empty()), "s3 events are not mappings");
    let got: Vec<(&str, &str, &str, &str, &str, &str, bool)> = m
        .bucket_notifications
        .iter()
        .map(|n| {
            let (b, f, e) = (n.bucket.as_str(), n.function_name.as_str(), n.event.as_str());
            (n.id.as_str(), b, f, e, n.prefix.as_str(), n.suffix.as_str(), n.existing)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("shop-dev-resize-1", "shop-photos", "shop-dev-resize", "s3:ObjectCreated:*", "", "", false),
            ("shop-dev-resize-2", "shop-photos", "shop-dev-resize", "s3:ObjectRemoved:*", "", "", false),
            (
                "shop-dev-resize-3",
                "shop-dev-uploads",
                "shop-dev-resize",
                "s3:ObjectCreated:Put",
                "incoming/",
                ".jpg",
                false
            ),
            ("shop-dev-resize-4", "shop-named", "shop-dev-resize", "s3:ObjectCreated:*", "a/", "", false),
            ("shop-dev-resize-5", "elsewhere", "shop-dev-resize", "s3:ObjectCreated:*", "", "", true),
            ("shop-dev-audit-1", "shop-dev-uploads", "shop-auditor", "s3:ObjectCreated:*", "other/", "", false),
        ]
    );
    let n = &m.bucket_notifications[5];
    assert_eq!(n.function_key, "audit");
    assert_eq!(n.function_arn, "arn:aws:lambda:eu-west-1:000000000000:function:shop-auditor");
    assert_eq!(m.bucket_notifications[2].origin, "functions.resize.events[2].s3");
}

#[test]
fn bucket_errors_are_located() {
    let bad = |from: &str, to: &str| {
        assert!(YAML.contains(from), "{from}");
        errors(&YAML.replace(from, to))
    };
    let e = bad("AccessControl: Private", "AccessControl: PublicRead");
    assert!(
        e.contains(
            "serverless.yml:63: resources.Resources.Named.Properties.AccessControl: PublicRead is not supported (squall's buckets are private)"
        ),
        "{e}"
    );
    let e = bad("AccessControl: Private", "Tags:\n          - {Key: team, Value: shop}");
    assert!(e.contains("serverless.yml:63: resources.Resources.Named.Properties.Tags: is not supported yet"), "{e}");
    let e = bad("AccessControl: Private", "VersioningConfiguration: {Status: Enabled}");
    assert!(
        e.contains(
            "serverless.yml:63: resources.Resources.Named.Properties.VersioningConfiguration: is not supported yet"
        ),
        "{e}"
    );
    let e = bad("AccessControl: Private", "Colour: blue");
    assert!(e.contains("serverless.yml:63: resources.Resources.Named.Properties.Colour: unknown property"), "{e}");
    let e = bad("AccessControl: Private", "NotificationConfiguration: {LambdaConfigurations: []}");
    assert!(
        e.contains(
            "NotificationConfiguration.LambdaConfigurations: is not supported yet; give the function an s3 event"
        ),
        "{e}"
    );
    let e = bad(
        "AccessControl: Private",
        "NotificationConfiguration: {EventBridgeConfiguration: {EventBridgeEnabled: yes please}}",
    );
    assert!(e.contains("EventBridgeEnabled: must be true or false"), "{e}");
    let e = bad("AccessControl: Private", "NotificationConfiguration: {EventBridgeConfiguration: {}}");
    assert!(e.contains("EventBridgeConfiguration: needs EventBridgeEnabled"), "{e}");
    let m = crate::parse(
        "serverless.yml",
        &YAML.replace(
            "AccessControl: Private",
            "NotificationConfiguration: {EventBridgeConfiguration: {EventBridgeEnabled: true}}",
        ),
    )
    .unwrap();
    assert_eq!(m.buckets.iter().find(|b| b.logical_id == "Named").and_then(|b| b.eventbridge), Some(true));
    let e = bad("BucketName: shop-named", "BucketName: Shop_Named");
    assert!(
        e.contains(
            "serverless.yml:62: resources.Resources.Named.Properties.BucketName: bucket name \"Shop_Named\" is invalid"
        ),
        "{e}"
    );
    let e = bad("BucketName: shop-named", "BucketName: shop-dev-uploads");
    assert!(
        e.contains("serverless.yml:59: resources.Resources.Named: bucket shop-dev-uploads is also declared as resources.Resources.Uploads"),
        "{e}"
    );
    let e = bad("UPLOADS: !Ref Uploads", "UPLOADS: !GetAtt Uploads.DomainName");
    assert!(
        e.contains(
            "serverless.yml:7: provider.environment.UPLOADS: attribute DomainName of Uploads is not supported (Arn are)"
        ),
        "{e}"
    );
    let e = bad("AllowedMethods: [GET, PUT]", "AllowedMethods: [GET, PATCH]");
    assert!(
        e.contains("serverless.yml:55: resources.Resources.Uploads.Properties.CorsConfiguration.CorsRules[0].AllowedMethods: PATCH is not one of"),
        "{e}"
    );
    let e = bad("              AllowedOrigins: ['https://shop.example']\n", "");
    assert!(
        e.contains("serverless.yml:53: resources.Resources.Uploads.Properties.CorsConfiguration.CorsRules[0]: needs AllowedOrigins"),
        "{e}"
    );
    let e = bad("MaxAge: 600", "MaxAgeSeconds: 600");
    assert!(e.contains("CorsRules[0].MaxAgeSeconds: unknown property"), "{e}");
    let e = bad(
        "          CorsRules:\n            - Id: browsers",
        "          CorsRules: []\n          Other:\n            - Id: browsers",
    );
    assert!(
        e.contains(
            "serverless.yml:52: resources.Resources.Uploads.Properties.CorsConfiguration.CorsRules: S3 takes 1 to 100"
        ),
        "{e}"
    );
    let e = bad("CorsRules:", "Rules:");
    assert!(e.contains("Properties.CorsConfiguration.Rules: unknown property"), "{e}");
    assert!(e.contains("Properties.CorsConfiguration: needs CorsRules"), "{e}");
}

#[test]
fn s3_event_errors_are_located() {
    let bad = |from: &str, to: &str| {
        assert!(YAML.contains(from), "{from}");
        errors(&YAML.replace(from, to))
    };
    let e = bad("      - s3: shop-photos\n", "      - s3: Shop_Photos\n");
    assert!(
        e.contains("serverless.yml:17: functions.resize.events[0].s3: bucket name \"Shop_Photos\" is invalid"),
        "{e}"
    );
    let e = bad("event: s3:ObjectRemoved:*", "event: s3:Replication:*");
    assert!(
        e.contains("serverless.yml:20: functions.resize.events[1].s3.event: s3:Replication:* is not supported yet"),
        "{e}"
    );
    let e = bad("event: s3:ObjectRemoved:*", "event: ObjectRemoved");
    assert!(e.contains("events[1].s3.event: ObjectRemoved is not an S3 event type"), "{e}");
    let e = bad("            - suffix: .jpg", "            - prefix: more/");
    assert!(
        e.contains(
            "serverless.yml:26: functions.resize.events[2].s3.rules[1].prefix: S3 takes one prefix rule per event"
        ),
        "{e}"
    );
    let e = bad("            - suffix: .jpg", "            - contains: jpg");
    assert!(e.contains("events[2].s3.rules[1].contains: unknown rule contains (prefix and suffix are)"), "{e}");
    let e = bad("            - suffix: .jpg", "            - {prefix: x/, suffix: .png}");
    assert!(e.contains("events[2].s3.rules[1]: a rule has exactly one of prefix and suffix"), "{e}");
    let e = bad("bucket: !Ref Uploads\n          event", "bucket: !Ref Resize\n          event");
    assert!(e.contains("events[2].s3.bucket: Resize is not an AWS::S3::Bucket of this service"), "{e}");
    let e = bad("bucket: !Ref Uploads\n          event", "bucket: !GetAtt Uploads.Arn\n          event");
    assert!(e.contains("events[2].s3.bucket: must be a bucket name or !Ref to a bucket, not Uploads.Arn"), "{e}");
    let e = bad("existing: true", "existing: yes please");
    assert!(e.contains("serverless.yml:33: functions.resize.events[4].s3.existing: must be true or false"), "{e}");
    let e = bad("forceDeploy: true", "batchSize: 10");
    assert!(e.contains("events[4].s3.batchSize: s3 setting batchSize is not supported yet"), "{e}");
    let e = bad("          bucket: elsewhere\n", "");
    assert!(e.contains("serverless.yml:31: functions.resize.events[4].s3: needs a bucket"), "{e}");
    // The same events and filters twice on one bucket: S3 refuses overlapping targets.
    let e = bad("            - prefix: other/", "            - prefix: incoming/");
    assert!(
        e.contains(
            "serverless.yml:39: functions.audit.events[0].s3: overlaps functions.resize.events[2].s3 on bucket shop-dev-uploads"
        ),
        "{e}"
    );
    // The short form takes a reference too.
    let e = bad("      - s3: shop-photos\n", "      - s3: !Ref Named\n");
    assert!(
        e.contains("functions.resize.events[3].s3: overlaps functions.resize.events[0].s3 on bucket shop-named"),
        "{e}"
    );
    let e = bad("            - prefix: a/", "            - prefix: ''");
    assert!(e.is_empty(), "s3:ObjectCreated:* of shop-named overlaps nothing: {e}");
    let e = bad("          event: s3:ObjectRemoved:*\n", "");
    assert!(
        e.contains("functions.resize.events[1].s3: overlaps functions.resize.events[0].s3 on bucket shop-photos"),
        "{e}"
    );
}

#[test]
fn bucket_names_follow_s3_rules() {
    assert_eq!(default_bucket_name("shop", "Photo_Uploads"), "shop-photo-uploads");
    assert_eq!(default_bucket_name("My-Service", "Bucket"), "my-service-bucket");
    let long = default_bucket_name(&"s".repeat(60), "UploadsBucket");
    assert_eq!(long.len(), 63);
    assert!(check_bucket_name(&long).is_ok());
    // A cut that ends on a hyphen is trimmed.
    assert_eq!(default_bucket_name(&"s".repeat(62), "X"), "s".repeat(62));
    assert_eq!(implied_logical_id("my-photos.2"), "S3BucketMyphotos2");
    for ok in ["abc", "my-bucket.2", &"a".repeat(63)] {
        assert!(check_bucket_name(ok).is_ok(), "{ok}");
    }
    for bad in ["ab", "Abc", "-abc", "a..b", "a.-b", "192.168.1.1", "xn--abc", "abc-s3alias", "a_b"] {
        assert!(check_bucket_name(bad).is_err(), "{bad}");
    }
}
