//! Functions registered beside jsonata-rs's own: Step Functions' (`$partition`, `$range`,
//! `$hash`, `$random`, `$parse`; `$uuid` is the crate's) and the ones of JSONata's library
//! the crate lacks (`$type`, `$average`, `$shuffle`, `$spread`, `$formatBase`, `$encodeUrl`,
//! `$encodeUrlComponent`, `$decodeUrl`, `$decodeUrlComponent`).

use super::{from_j, to_j};
use jsonata_rs::{FunctionContext, Value as J};
use serde_json::Value;

type Answer<'a> = jsonata_rs::Result<&'a J<'a>>;

pub(super) fn bad<'a>(context: &FunctionContext<'a, '_>, why: &str) -> Answer<'a> {
    Err(jsonata_rs::Error::D3137Error(format!("${}: {why}", context.name)))
}

/// `$partition(array, size)`: the array in chunks of `size`.
fn partition<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let (Some(a), Some(n)) = (args.first(), args.get(1)) else { return bad(&context, "needs an array and a size") };
    if !a.is_array() || !n.is_number() || n.as_f64() < 1.0 {
        return bad(&context, "needs an array and a size of at least 1");
    }
    let items: Vec<Value> = match from_j(a) {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    let chunks: Vec<Value> = items.chunks(n.as_usize()).map(|c| Value::Array(c.to_vec())).collect();
    Ok(to_j(context.arena, &Value::Array(chunks)))
}

/// `$range(start, end, step)`: integers from start to end inclusive.
fn range<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let nums: Vec<f64> = args.iter().filter(|a| a.is_number()).map(|a| a.as_f64()).collect();
    let [start, end, step] = nums[..] else { return bad(&context, "needs a start, an end and a step") };
    let count = (end - start) / step;
    if step == 0.0 || !count.is_finite() || count > 1000.0 {
        return bad(&context, "the step must not be 0 and the range at most 1000 items");
    }
    // Counted, not stepped to the end: a step too small to move a large start would never get there.
    let items = if count < 0.0 { 0 } else { count.floor() as usize + 1 };
    let out: Vec<Value> = (0..items).map(|i| serde_json::json!((start + i as f64 * step) as i64)).collect();
    Ok(to_j(context.arena, &Value::Array(out)))
}

/// `$hash(value, algorithm)`: as States.Hash.
fn hash<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let (Some(v), Some(alg)) = (args.first(), args.get(1)) else {
        return bad(&context, "needs a value and an algorithm");
    };
    let data = match from_j(v) {
        Value::String(s) => s,
        other => other.to_string(),
    };
    let call = format!("States.Hash('{}', '{}')", data.replace('\\', "\\\\").replace('\'', "\\'"), alg.as_str());
    match crate::intrinsics::evaluate(&call, &|_| Ok(Value::Null)) {
        Ok(Value::String(h)) => Ok(J::string(context.arena, &h)),
        Ok(_) => bad(&context, "no digest"),
        Err(f) => bad(&context, &f.cause),
    }
}

/// `$random([seed])`: a number in [0, 1).
fn random<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let call = match args.first().filter(|a| a.is_number()) {
        Some(seed) => format!("States.MathRandom(0, 1000000000, {})", seed.as_f64() as i64),
        None => "States.MathRandom(0, 1000000000)".to_string(),
    };
    match crate::intrinsics::evaluate(&call, &|_| Ok(Value::Null)) {
        Ok(n) => Ok(J::number(context.arena, n.as_f64().unwrap_or(0.0) / 1_000_000_000.0)),
        Err(f) => bad(&context, &f.cause),
    }
}

/// `$parse(text)`: JSON text as its value.
fn parse<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(text) = args.first().filter(|a| a.is_string()) else { return bad(&context, "needs a string") };
    match serde_json::from_str::<Value>(&text.as_str()) {
        Ok(v) => Ok(to_j(context.arena, &v)),
        Err(e) => bad(&context, &format!("not JSON: {e}")),
    }
}

type Function = for<'a, 'e> fn(FunctionContext<'a, 'e>, &[&'a J<'a>]) -> Answer<'a>;

/// Every function added, with its arity.
pub(super) const ADDED: &[(&str, usize, Function)] = &[
    ("partition", 2, partition),
    ("range", 3, range),
    ("hash", 2, hash),
    ("random", 1, random),
    ("parse", 1, parse),
    ("type", 1, kind),
    ("average", 1, average),
    ("shuffle", 1, shuffle),
    ("spread", 1, spread),
    ("formatBase", 2, format_base),
    ("encodeUrlComponent", 1, encode_url_component),
    ("encodeUrl", 1, encode_url),
    ("decodeUrlComponent", 1, decode_url_component),
    ("decodeUrl", 1, decode_url),
];

/// `$type(value)`: `null`, `number`, `string`, `boolean`, `array`, `object` or `function`.
fn kind<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(v) = args.first().filter(|v| !v.is_undefined()) else { return Ok(J::undefined()) };
    let name = if v.is_null() {
        "null"
    } else if v.is_number() {
        "number"
    } else if v.is_string() {
        "string"
    } else if v.is_bool() {
        "boolean"
    } else if v.is_array() {
        "array"
    } else if v.is_function() {
        "function"
    } else {
        "object"
    };
    Ok(J::string(context.arena, name))
}

/// The numbers of an array (or one number), or why not.
fn numbers<'a>(v: &'a J<'a>) -> Result<Vec<f64>, &'static str> {
    match from_j(v) {
        Value::Number(n) => Ok(vec![n.as_f64().unwrap_or(0.0)]),
        Value::Array(items) => items.iter().map(|i| i.as_f64().ok_or("needs an array of numbers")).collect(),
        _ => Err("needs an array of numbers"),
    }
}

/// `$average(array)`: the mean of its numbers; undefined for an empty array.
fn average<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(v) = args.first().filter(|v| !v.is_undefined()) else { return Ok(J::undefined()) };
    match numbers(v) {
        Ok(n) if n.is_empty() => Ok(J::undefined()),
        Ok(n) => Ok(J::number(context.arena, n.iter().sum::<f64>() / n.len() as f64)),
        Err(why) => bad(&context, why),
    }
}

/// `$shuffle(array)`: its items in a random order.
fn shuffle<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(v) = args.first().filter(|v| !v.is_undefined()) else { return Ok(J::undefined()) };
    let mut items = match from_j(v) {
        Value::Array(items) => items,
        other => vec![other],
    };
    // Fisher–Yates with the system's randomness.
    for i in (1..items.len()).rev() {
        let r = getrandom::u64().map_err(|e| jsonata_rs::Error::D3137Error(format!("$shuffle: {e}")))?;
        items.swap(i, (r % (i as u64 + 1)) as usize);
    }
    Ok(to_j(context.arena, &Value::Array(items)))
}

/// `$spread(object)`: an array of one-pair objects (an array of objects spread each).
fn spread<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(v) = args.first().filter(|v| !v.is_undefined()) else { return Ok(J::undefined()) };
    let pairs = |o: serde_json::Map<String, Value>| {
        o.into_iter().map(|(k, v)| Value::Object([(k, v)].into_iter().collect())).collect::<Vec<_>>()
    };
    let out = match from_j(v) {
        Value::Object(o) => pairs(o),
        Value::Array(items) => items
            .into_iter()
            .flat_map(|i| match i {
                Value::Object(o) => pairs(o),
                other => vec![other],
            })
            .collect(),
        _ => return Ok(v),
    };
    Ok(to_j(context.arena, &Value::Array(out)))
}

/// `$formatBase(number[, radix])`: the number, rounded, in base 2 to 36 (10 by default).
fn format_base<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(n) = args.first().filter(|v| !v.is_undefined()) else { return Ok(J::undefined()) };
    if !n.is_number() {
        return bad(&context, "needs a number");
    }
    let radix = args.get(1).filter(|r| r.is_number()).map_or(10.0, |r| r.as_f64());
    if !(2.0..=36.0).contains(&radix) {
        return bad(&context, "the radix must be between 2 and 36");
    }
    let (radix, value) = (radix as u64, n.as_f64().round());
    let mut magnitude = value.abs() as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(std::char::from_digit((magnitude % radix) as u32, radix as u32).unwrap_or('0'));
        magnitude /= radix;
        if magnitude == 0 {
            break;
        }
    }
    if value < 0.0 {
        digits.push('-');
    }
    Ok(J::string(context.arena, &digits.iter().rev().collect::<String>()))
}

/// What JavaScript's `encodeURIComponent` leaves as it is.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');
/// What `encodeURI` leaves besides: the URL's reserved characters.
const URL: &percent_encoding::AsciiSet = &COMPONENT
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'#');

/// The characters `decodeURI` leaves escaped.
const RESERVED: &[u8] = b";,/?:@&=+$#";

fn text_arg<'a>(args: &[&'a J<'a>]) -> Option<String> {
    args.first().filter(|v| v.is_string()).map(|v| v.as_str().to_string())
}

fn encode_url_component<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(s) = text_arg(args) else { return Ok(J::undefined()) };
    Ok(J::string(context.arena, &percent_encoding::utf8_percent_encode(&s, COMPONENT).to_string()))
}

fn encode_url<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    let Some(s) = text_arg(args) else { return Ok(J::undefined()) };
    Ok(J::string(context.arena, &percent_encoding::utf8_percent_encode(&s, URL).to_string()))
}

/// Decodes `%XX` escapes (all of them, or, for `$decodeUrl`, all but the reserved
/// characters', as `decodeURI`); a malformed one is an error.
fn decode<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>], keep_reserved: bool) -> Answer<'a> {
    let Some(s) = text_arg(args) else { return Ok(J::undefined()) };
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
            return bad(&context, "a malformed escape");
        };
        if keep_reserved && RESERVED.contains(&b) {
            out.extend_from_slice(&bytes[i..i + 3]);
        } else {
            out.push(b);
        }
        i += 3;
    }
    match String::from_utf8(out) {
        Ok(text) => Ok(J::string(context.arena, &text)),
        Err(_) => bad(&context, "escapes that are not UTF-8"),
    }
}

fn decode_url_component<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    decode(context, args, false)
}

fn decode_url<'a>(context: FunctionContext<'a, '_>, args: &[&'a J<'a>]) -> Answer<'a> {
    decode(context, args, true)
}
