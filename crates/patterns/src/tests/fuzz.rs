//! Totality: thousands of generated and mangled documents parse or are refused without panicking,
//! and whatever parses matches odd events without panicking either.

use serde_json::{Value, json};

use super::{Rng, generate};
use crate::{Pattern, PatternIndex};

/// Characters that steer mutations toward interesting syntax.
const ALPHABET: &[char] = &[
    '{', '}', '[', ']', '"', ':', ',', ' ', '\\', '*', '$', '-', '.', 'e', '0', '1', '5', '9', 'a', 'x', 'n', 't', 'u',
    '/', '\n', '\u{0}', 'é', '😀',
];
/// Fragments that are operators or near misses.
const FRAGMENTS: &[&str] = &[
    "\"$or\"",
    "\"prefix\"",
    "\"suffix\"",
    "\"anything-but\"",
    "\"numeric\"",
    "\"exists\"",
    "\"cidr\"",
    "\"wildcard\"",
    "\"equals-ignore-case\"",
    "\"exactly\"",
    "\">=\"",
    "\"<\"",
    "5e9",
    "-1e400",
    "1e-7",
    "null",
    "true",
    "[]",
    "{}",
    "\"10.0.0.0/24\"",
    "\"::/0\"",
    "\"*a**\"",
];

/// Odd events: deep arrays, dotted keys, extreme numbers, non-objects.
fn odd_events() -> Vec<Value> {
    let mut deep = json!("leaf");
    for _ in 0..200 {
        deep = json!([{"a": deep}]);
    }
    vec![
        json!({}),
        json!([]),
        json!(null),
        json!("text"),
        json!({"source": [[[["aws.s3"]]]], "detail": {"state": [[], {}, null]}}),
        json!({"detail.state": "running", "detail": {"state": {"": "x"}}, "": {"": 1}}),
        json!({"detail": {"count": 1e308, "ip": "::", "items": [[{"a": "x"}], [{"b": "y"}]]}}),
        json!({"detail": {"count": -5e9, "flag": [true, false, null]}, "source": "😀"}),
        json!({"a": deep}),
    ]
}

/// Mangles `text` with a few random edits.
fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 if at < chars.len() => {
                chars.remove(at);
            }
            1 if at < chars.len() => chars[at] = *rng.pick(ALPHABET),
            2 => chars.splice(at..at, rng.pick(FRAGMENTS).chars()).for_each(drop),
            _ => chars.insert(at, *rng.pick(ALPHABET)),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn generated_documents_never_panic() {
    let mut rng = Rng::new(0xf00d_cafe);
    let mut events = odd_events();
    events.extend((0..40).map(|_| generate::event(&mut rng)));
    let mut index = PatternIndex::new();
    let (mut accepted, mut refused) = (0, 0);
    for i in 0..4000 {
        let base = generate::pattern(&mut rng).to_string();
        let text = match i % 4 {
            0 => base,
            3 => (0..rng.below(40)).map(|_| *rng.pick(ALPHABET)).collect(),
            _ => mutate(&mut rng, &base),
        };
        match Pattern::parse(&text) {
            Ok(p) => {
                accepted += 1;
                for event in events.iter().take(12) {
                    let _ = p.matches(event);
                }
                index.insert(i % 300, p);
            }
            Err(e) => {
                refused += 1;
                assert!(e.message().starts_with("Event pattern is not valid. Reason: "));
                assert!(!e.reason().is_empty(), "empty reason for {text:?}");
            }
        }
    }
    assert!(accepted > 1000 && refused > 1000, "accepted {accepted}, refused {refused}");
    for event in &events {
        let _ = index.matching(event);
    }
}

#[test]
fn long_wildcards_are_judged_quickly() {
    // Long operands after one star, repeating and not: the estimate stays cheap.
    let repeating: String = (0..3000).map(|i| char::from(b'a' + u8::try_from(i % 26).expect("small"))).collect();
    let varied: String = (0..1500).filter_map(|i| char::from_u32(0x4e00 + i * 7)).collect();
    let mut rng = Rng::new(7);
    let random: String = (0..3000).map(|_| char::from(b'a' + u8::try_from(rng.below(26)).expect("small"))).collect();
    for tail in [repeating, varied, random] {
        let text = format!(r#"{{"a": [{{"wildcard": "x*{tail}*"}}]}}"#);
        let started = std::time::Instant::now();
        let _ = Pattern::parse(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "took {:?}", started.elapsed());
    }
}
