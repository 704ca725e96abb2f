//! Bucket policies and Lambda permissions: read, checked, recorded.

use crate::parse;
use serde_json::{Value, json};

const MANIFEST: &str = "\
service: site
provider:
  name: aws
  runtime: python3.12
functions:
  resize:
    handler: h.f
resources:
  Resources:
    Site:
      Type: AWS::S3::Bucket
      Properties:
        BucketName: site-assets
    SitePolicy:
      Type: AWS::S3::BucketPolicy
      Properties:
        Bucket: !Ref Site
        PolicyDocument:
          Version: '2012-10-17'
          Statement:
            - Sid: PublicRead
              Effect: Allow
              Principal: '*'
              Action: s3:GetObject
              Resource: !Join ['', [!GetAtt Site.Arn, '/*']]
    ResizePermission:
      Type: AWS::Lambda::Permission
      Properties:
        Action: lambda:InvokeFunction
        FunctionName: !GetAtt ResizeLambdaFunction.Arn
        Principal: s3.amazonaws.com
        SourceArn: !GetAtt Site.Arn
        SourceAccount: !Ref AWS::AccountId
";

#[test]
fn resource_policies_are_recorded() {
    let m = parse("serverless.yml", MANIFEST).unwrap();
    let [bucket, permission] = &m.resource_policies[..] else { panic!("{:?}", m.resource_policies) };
    assert_eq!(bucket.resource, "arn:aws:s3:::site-assets");
    let doc: Value = serde_json::from_str(&bucket.document).unwrap();
    assert_eq!(doc["Statement"][0]["Principal"], "*");
    assert_eq!(doc["Statement"][0]["Resource"], json!(["arn:aws:s3:::site-assets/*"]));
    assert_eq!(permission.resource, "arn:aws:lambda:us-east-1:000000000000:function:site-dev-resize");
    let doc: Value = serde_json::from_str(&permission.document).unwrap();
    let s = &doc["Statement"][0];
    assert_eq!(s["Principal"], json!({"Service": "s3.amazonaws.com"}));
    assert_eq!(s["Condition"]["ArnLike"]["AWS:SourceArn"], "arn:aws:s3:::site-assets");
    assert_eq!(s["Condition"]["StringEquals"]["AWS:SourceAccount"], "000000000000");
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
}

#[test]
fn a_permission_on_another_services_function_is_refused() {
    let other = MANIFEST.replace("!GetAtt ResizeLambdaFunction.Arn", "elsewhere-dev-thumb");
    let err = parse("serverless.yml", &other).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        err.contains("ResizePermission.Properties.FunctionName: arn:aws:lambda:us-east-1:000000000000:function:elsewhere-dev-thumb is not a function of this service"),
        "{err}"
    );
}

#[test]
fn malformed_resource_policies_are_refused() {
    let cases = [
        (
            "              Principal: '*'\n",
            "              Principal: {Person: bob}\n",
            "Person is not a kind of principal",
        ),
        ("              Principal: '*'\n", "", "needs Principal or NotPrincipal"),
        (
            "        Action: lambda:InvokeFunction\n",
            "        Action: s3:GetObject\n",
            "s3:GetObject is not a Lambda action",
        ),
        ("        Principal: s3.amazonaws.com\n", "", "needs Principal"),
        ("          Version: '2012-10-17'\n", "          Version: '2020-01-01'\n", "must be 2012-10-17"),
    ];
    for (from, to, expected) in cases {
        let yaml = MANIFEST.replace(from, to);
        let err = parse("serverless.yml", &yaml).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains(expected), "expected {expected:?} in {err:?}");
    }
}
