//! The parser and the evaluator on documents made of random pieces of policy: they answer,
//! refuse or decide, and never panic.

use squall_iam::{Context, Policy, PolicyKind, Request};

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"Version\"",
    "\"2012-10-17\"",
    "\"2008-10-17\"",
    "\"Statement\"",
    "\"Effect\"",
    "\"Allow\"",
    "\"Deny\"",
    "\"Action\"",
    "\"NotAction\"",
    "\"Resource\"",
    "\"NotResource\"",
    "\"Principal\"",
    "\"NotPrincipal\"",
    "\"Condition\"",
    "\"StringLike\"",
    "\"ForAllValues:StringEquals\"",
    "\"NumericLessThanIfExists\"",
    "\"Null\"",
    "\"IpAddress\"",
    "\"DateGreaterThan\"",
    "\"aws:SourceIp\"",
    "\"aws:username\"",
    "\"s3:*\"",
    "\"*\"",
    "\"arn:aws:s3:::b/${aws:username}/*\"",
    "\"10.0.0.0/8\"",
    "true",
    "1",
    "\"AWS\"",
    "\"Service\"",
    "\"${\"",
    "\"*?*?*\"",
    "\"Sid\"",
    "\"a\"",
    "null",
];

fn document(rng: &mut Rng) -> String {
    let n = 1 + rng.next() % 40;
    (0..n).map(|_| rng.pick(PIECES)).collect::<Vec<_>>().join("")
}

/// A well-formed policy with random elements, so evaluation is reached often.
fn shaped(rng: &mut Rng) -> String {
    let action = rng.pick(&["\"s3:*\"", "\"*\"", "[\"s3:Get*\",\"sqs:?endMessage\"]", "\"*?*?*?*?*?*?*b\""]);
    let resource =
        rng.pick(&["\"*\"", "\"arn:aws:s3:::b/${aws:username}/*\"", "\"arn:*:*:*:*:*\"", "\"*a*a*a*a*a*a*c\""]);
    let condition = rng.pick(&[
        "{}",
        r#"{"StringLike":{"aws:username":"a*"}}"#,
        r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["x","y"]}}"#,
        r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
        r#"{"DateLessThanIfExists":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}"#,
        r#"{"Null":{"aws:username":"false"}}"#,
    ]);
    let effect = rng.pick(&["Allow", "Deny"]);
    format!(
        r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{effect}","Action":{action},"Resource":{resource},"Condition":{condition}}}}}"#
    )
}

#[test]
fn random_documents_never_panic_the_parser_or_the_evaluator() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut context = Context::default();
    context.set("aws:username", "a".repeat(300)).set("aws:SourceIp", "10.2.3.4");
    context.set_all("aws:TagKeys", vec!["x".into(), "z".into()]);
    let resource = format!("arn:aws:s3:::b/{}/{}", "a".repeat(300), "a".repeat(2000));
    let mut parsed = 0;
    for i in 0..20_000 {
        let doc = if i % 2 == 0 { document(&mut rng) } else { shaped(&mut rng) };
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust] {
            if let Ok(p) = Policy::parse(&doc, kind) {
                parsed += 1;
                let r = Request {
                    principal: "arn:aws:iam::000000000000:user/a",
                    action: "s3:GetObject",
                    resource: &resource,
                    context: &context,
                };
                let _ = p.evaluate(&r);
            }
        }
    }
    assert!(parsed > 1_000, "the shaped documents parse ({parsed})");
}
