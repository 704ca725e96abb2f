//! The `States.*` intrinsic functions of JSONPath-mode payload templates
//! (`"key.$": "States.Format('Hello {}', $.name)"`): recognised, checked when a definition is
//! validated, and evaluated with paths resolved by the caller.
//!
//! Where AWS's documentation and the service's observed behaviour differ, this follows the
//! service: fractional integer arguments are truncated (only `States.MathAdd` rounds),
//! `States.Base64Decode` decodes as leniently as a MIME decoder, `States.StringSplit` drops empty
//! strings, `States.ArrayContains` compares scalars by their text.

use crate::Failure;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde_json::{Map, Number, Value};
use sha2::Digest as _;
use std::collections::HashSet;

/// The error name of every runtime failure raised here (path failures keep the caller's):
/// Step Functions reports a failing intrinsic as `States.Runtime` ("Invalid arguments in
/// States.X"), which no Retry or Catch takes, though the specification also names
/// `States.IntrinsicFailure`.
const INTRINSIC_FAILURE: &str = "States.Runtime";
/// AWS allows 10 nested calls in a field; the bound also keeps the parser's recursion shallow.
const MAX_DEPTH: usize = 10;
/// AWS's limit on the text `States.Base64Encode`, `States.Base64Decode` and `States.Hash` take.
const MAX_TEXT_CHARS: usize = 10_000;
/// AWS's limit on the array `States.ArrayRange` builds.
const MAX_RANGE_ITEMS: i128 = 1000;
/// A MIME-style decoder: AWS accepts Base64 without padding and with stray trailing bits.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Resolves a path argument (`$.a`, `$$.Execution.Id`, ...) to its value.
type Reader<'a> = &'a dyn Fn(&str) -> Result<Value, Failure>;

/// Whether a string value of a `.$` field is an intrinsic function call (starts with `States.`
/// and a known function's name followed by `(`) — used to tell it from a path.
pub fn is_intrinsic(text: &str) -> bool {
    let text = text.trim_start();
    FUNCS.iter().any(|func| text.strip_prefix(func.name()).is_some_and(|rest| rest.starts_with('(')))
}

/// Parses a call and checks it: known function, argument count and the literal arguments' types
/// where they are fixed, nested calls included (a nested call counts as the type it returns).
/// Err is a human message naming the problem, for definition validation, e.g. "The function
/// 'States.Foo' is not supported" or "States.Format: needs at least 1 argument". What AWS only
/// finds at run time (a malformed `States.Format` template, values out of range) passes.
pub fn check(text: &str) -> Result<(), String> {
    validate(&parse(text)?)
}

/// Evaluates a call. `read` resolves a path argument (`$`, `$.a.b`, `$['x']`, `$$.Execution.Id`,
/// ...) to its value or fails with the caller's Failure, which is passed through unchanged. Every
/// other failure is `States.Runtime` with a cause in AWS's words, e.g. "Invalid
/// arguments in States.ArrayGetItem" (or the parse message, for text `check` would reject).
pub fn evaluate(text: &str, read: &dyn Fn(&str) -> Result<Value, Failure>) -> Result<Value, Failure> {
    let call = parse(text).map_err(|message| Failure::new(INTRINSIC_FAILURE, message))?;
    eval_call(&call, read)
}

// ---------------------------------------------------------------------------------------------
// The functions and what they take.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Format,
    StringToJson,
    JsonToString,
    Array,
    ArrayPartition,
    ArrayContains,
    ArrayRange,
    ArrayGetItem,
    ArrayLength,
    ArrayUnique,
    Base64Encode,
    Base64Decode,
    Hash,
    JsonMerge,
    MathRandom,
    MathAdd,
    StringSplit,
    Uuid,
}

const FUNCS: [Func; 18] = [
    Func::Format,
    Func::StringToJson,
    Func::JsonToString,
    Func::Array,
    Func::ArrayPartition,
    Func::ArrayContains,
    Func::ArrayRange,
    Func::ArrayGetItem,
    Func::ArrayLength,
    Func::ArrayUnique,
    Func::Base64Encode,
    Func::Base64Decode,
    Func::Hash,
    Func::JsonMerge,
    Func::MathRandom,
    Func::MathAdd,
    Func::StringSplit,
    Func::Uuid,
];

impl Func {
    fn name(self) -> &'static str {
        match self {
            Func::Format => "States.Format",
            Func::StringToJson => "States.StringToJson",
            Func::JsonToString => "States.JsonToString",
            Func::Array => "States.Array",
            Func::ArrayPartition => "States.ArrayPartition",
            Func::ArrayContains => "States.ArrayContains",
            Func::ArrayRange => "States.ArrayRange",
            Func::ArrayGetItem => "States.ArrayGetItem",
            Func::ArrayLength => "States.ArrayLength",
            Func::ArrayUnique => "States.ArrayUnique",
            Func::Base64Encode => "States.Base64Encode",
            Func::Base64Decode => "States.Base64Decode",
            Func::Hash => "States.Hash",
            Func::JsonMerge => "States.JsonMerge",
            Func::MathRandom => "States.MathRandom",
            Func::MathAdd => "States.MathAdd",
            Func::StringSplit => "States.StringSplit",
            Func::Uuid => "States.UUID",
        }
    }

    fn named(name: &str) -> Option<Func> {
        FUNCS.into_iter().find(|func| func.name() == name)
    }

    /// The fewest and the most arguments (`None`: any number).
    fn arity(self) -> (usize, Option<usize>) {
        match self {
            Func::Uuid => (0, Some(0)),
            Func::Array => (0, None),
            Func::Format => (1, None),
            Func::StringToJson
            | Func::JsonToString
            | Func::ArrayLength
            | Func::ArrayUnique
            | Func::Base64Encode
            | Func::Base64Decode => (1, Some(1)),
            Func::ArrayPartition
            | Func::ArrayContains
            | Func::ArrayGetItem
            | Func::Hash
            | Func::MathAdd
            | Func::StringSplit => (2, Some(2)),
            Func::MathRandom => (2, Some(3)),
            Func::ArrayRange | Func::JsonMerge => (3, Some(3)),
        }
    }

    /// What argument `index` must be; literal and nested-call arguments are checked against it.
    fn param(self, index: usize) -> Kind {
        match (self, index) {
            (Func::Format, 0)
            | (Func::StringToJson | Func::Base64Encode | Func::Base64Decode | Func::StringSplit, _)
            | (Func::Hash, 1) => Kind::Text,
            (Func::Format, _) => Kind::Scalar,
            (Func::ArrayPartition | Func::ArrayContains | Func::ArrayGetItem, 0)
            | (Func::ArrayLength | Func::ArrayUnique, _) => Kind::Array,
            (Func::ArrayPartition | Func::ArrayGetItem, 1)
            | (Func::ArrayRange | Func::MathRandom | Func::MathAdd, _) => Kind::Number,
            (Func::JsonMerge, 0 | 1) => Kind::Object,
            (Func::JsonMerge, _) => Kind::Boolean,
            _ => Kind::Any,
        }
    }

    /// What a call returns, so that a nested call can be checked like a literal.
    fn returns(self) -> Kind {
        match self {
            Func::Format | Func::JsonToString | Func::Base64Encode | Func::Base64Decode | Func::Hash | Func::Uuid => {
                Kind::Text
            }
            Func::StringToJson | Func::ArrayGetItem => Kind::Any,
            Func::Array | Func::ArrayPartition | Func::ArrayRange | Func::ArrayUnique | Func::StringSplit => {
                Kind::Array
            }
            Func::ArrayContains => Kind::Boolean,
            Func::ArrayLength | Func::MathRandom | Func::MathAdd => Kind::Number,
            Func::JsonMerge => Kind::Object,
        }
    }
}

/// A JSON type as far as definition checking can know it; `Any` for paths and untyped results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    Scalar,
    Text,
    Number,
    Boolean,
    Null,
    Array,
    Object,
}

impl Kind {
    fn of(value: &Value) -> Kind {
        match value {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Boolean,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::Text,
            Value::Array(_) => Kind::Array,
            Value::Object(_) => Kind::Object,
        }
    }

    fn accepts(self, found: Kind) -> bool {
        match self {
            Kind::Any => true,
            Kind::Scalar => !matches!(found, Kind::Array | Kind::Object),
            _ => found == Kind::Any || found == self,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Any => "any value",
            Kind::Scalar => "a string, number, boolean or null",
            Kind::Text => "a string",
            Kind::Number => "a number",
            Kind::Boolean => "a boolean",
            Kind::Null => "null",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing.

#[derive(Debug)]
struct Call {
    func: Func,
    args: Vec<Expr>,
}

#[derive(Debug)]
enum Expr {
    /// A quoted string: its value, and its text with the escapes kept, which `States.Format`
    /// needs to tell a literal `\{` from a placeholder's `{`.
    Text {
        value: String,
        raw: String,
    },
    /// A number, `true`, `false` or `null`.
    Literal(Value),
    Path(String),
    Call(Call),
}

impl Expr {
    fn kind(&self) -> Kind {
        match self {
            Expr::Text { .. } => Kind::Text,
            Expr::Literal(value) => Kind::of(value),
            Expr::Path(_) => Kind::Any,
            Expr::Call(call) => call.func.returns(),
        }
    }
}

fn parse(text: &str) -> Result<Call, String> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_spaces();
    let call = parser.call(1)?;
    parser.skip_spaces();
    match parser.peek() {
        None => Ok(call),
        Some(_) => Err(parser.error("unexpected text after the call")),
    }
}

/// A recursive-descent reader over the call's text; `pos` is a byte offset.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, wanted: char) -> bool {
        let found = self.peek() == Some(wanted);
        if found {
            self.pos += wanted.len_utf8();
        }
        found
    }

    fn skip_spaces(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn error(&self, problem: &str) -> String {
        let at = self.text[..self.pos].chars().count();
        format!("Malformed intrinsic function '{}': {problem} at character {at}", self.text)
    }

    fn call(&mut self, depth: usize) -> Result<Call, String> {
        if depth > MAX_DEPTH {
            return Err(format!("Intrinsic functions can be nested at most {MAX_DEPTH} deep"));
        }
        let start = self.pos;
        if !self.rest().starts_with("States.") {
            return Err(self.error("expected a States. function"));
        }
        self.pos += "States.".len();
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.bump();
        }
        let name = &self.text[start..self.pos];
        let func = Func::named(name).ok_or_else(|| format!("The function '{name}' is not supported"))?;
        if !self.eat('(') {
            return Err(self.error("expected '(' after the function's name"));
        }
        Ok(Call { func, args: self.arguments(depth)? })
    }

    fn arguments(&mut self, depth: usize) -> Result<Vec<Expr>, String> {
        let mut args = Vec::new();
        self.skip_spaces();
        if self.eat(')') {
            return Ok(args);
        }
        loop {
            self.skip_spaces();
            args.push(self.argument(depth)?);
            self.skip_spaces();
            if self.eat(')') {
                return Ok(args);
            }
            if !self.eat(',') {
                return Err(self.error("expected ',' or ')'"));
            }
        }
    }

    fn argument(&mut self, depth: usize) -> Result<Expr, String> {
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => Ok(Expr::Path(self.path())),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            Some(_) if self.rest().starts_with("States.") => Ok(Expr::Call(self.call(depth + 1)?)),
            Some(c) if c.is_ascii_alphabetic() => self.keyword(),
            _ => Err(self.error("expected an argument")),
        }
    }

    /// A quoted string; only `\'`, `\{`, `\}` and `\\` are escapes, and AWS rejects any other.
    fn string(&mut self) -> Result<Expr, String> {
        self.bump();
        let start = self.pos;
        let mut value = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string literal")),
                Some('\'') => break,
                Some('\\') => match self.bump() {
                    Some(c @ ('\'' | '{' | '}' | '\\')) => value.push(c),
                    Some(c) => return Err(self.error(&format!("invalid escape sequence '\\{c}' in a string literal"))),
                    None => return Err(self.error("unterminated string literal")),
                },
                Some(c) => value.push(c),
            }
        }
        let raw = self.text[start..self.pos - 1].to_string();
        Ok(Expr::Text { value, raw })
    }

    /// A path's text, up to the `,`, `)` or space that ends the argument; brackets may hold
    /// quoted names, commas, spaces and filter parentheses (`$['a, b']`, `$[?(@.x == 1)]`).
    fn path(&mut self) -> String {
        let start = self.pos;
        let (mut brackets, mut parens, mut quote) = (0usize, 0usize, None::<char>);
        while let Some(c) = self.peek() {
            if let Some(open) = quote {
                self.bump();
                if c == '\\' {
                    self.bump();
                } else if c == open {
                    quote = None;
                }
                continue;
            }
            match c {
                '\'' | '"' if brackets > 0 => quote = Some(c),
                '[' => brackets += 1,
                ']' if brackets > 0 => brackets -= 1,
                '(' if brackets > 0 => parens += 1,
                ')' if parens > 0 => parens -= 1,
                ',' | ')' if brackets == 0 => break,
                c if c.is_whitespace() && brackets == 0 => break,
                _ => {}
            }
            self.bump();
        }
        self.text[start..self.pos].to_string()
    }

    /// A JSON number (so `1.`, `.5` and `01` are rejected, as AWS's grammar does).
    fn number(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')) {
            self.bump();
        }
        let token = &self.text[start..self.pos];
        match serde_json::from_str::<Number>(token) {
            Ok(number) => Ok(Expr::Literal(Value::Number(number))),
            Err(_) => Err(self.error(&format!("invalid number '{token}'"))),
        }
    }

    fn keyword(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.bump();
        }
        match &self.text[start..self.pos] {
            "true" => Ok(Expr::Literal(Value::Bool(true))),
            "false" => Ok(Expr::Literal(Value::Bool(false))),
            "null" => Ok(Expr::Literal(Value::Null)),
            word => Err(self.error(&format!("unexpected '{word}'"))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checking.

fn validate(call: &Call) -> Result<(), String> {
    let func = call.func;
    let (min, max) = func.arity();
    let count = call.args.len();
    if count < min || max.is_some_and(|max| count > max) {
        return Err(arity_message(func, min, max));
    }
    for (index, arg) in call.args.iter().enumerate() {
        let (wanted, found) = (func.param(index), arg.kind());
        if !wanted.accepts(found) {
            return Err(format!(
                "{}: argument {} must be {}, not {}",
                func.name(),
                index + 1,
                wanted.noun(),
                found.noun()
            ));
        }
        if let Expr::Call(inner) = arg {
            validate(inner)?;
        }
    }
    Ok(())
}

fn arity_message(func: Func, min: usize, max: Option<usize>) -> String {
    let plural = |n: usize| if n == 1 { "argument" } else { "arguments" };
    let needs = match max {
        Some(0) => "takes no arguments".to_string(),
        None => format!("needs at least {min} {}", plural(min)),
        Some(max) if max == min => format!("needs exactly {min} {}", plural(min)),
        Some(max) => format!("needs {min} or {max} arguments"),
    };
    format!("{}: {needs}", func.name())
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

/// A function's arguments are unusable; reported in AWS's words, naming only the function.
struct Invalid;

type Outcome = Result<Value, Invalid>;

fn eval_call(call: &Call, read: Reader) -> Result<Value, Failure> {
    let args = call.args.iter().map(|arg| eval_expr(arg, read)).collect::<Result<Vec<_>, _>>()?;
    run(call, &args)
        .map_err(|Invalid| Failure::new(INTRINSIC_FAILURE, format!("Invalid arguments in {}", call.func.name())))
}

fn eval_expr(expr: &Expr, read: Reader) -> Result<Value, Failure> {
    match expr {
        Expr::Text { value, .. } => Ok(Value::String(value.clone())),
        Expr::Literal(value) => Ok(value.clone()),
        Expr::Path(path) => read(path),
        Expr::Call(call) => eval_call(call, read),
    }
}

/// Applies a function to its evaluated arguments; a wrong count matches no arm.
fn run(call: &Call, args: &[Value]) -> Outcome {
    match (call.func, args) {
        (Func::Format, [template, values @ ..]) => match call.args.first() {
            Some(Expr::Text { raw, .. }) => format(raw, true, values),
            _ => format(text(template)?, false, values),
        },
        (Func::StringToJson, [json]) => serde_json::from_str(text(json)?).map_err(|_| Invalid),
        (Func::JsonToString, [value]) => Ok(Value::String(value.to_string())),
        (Func::Array, items) => Ok(Value::Array(items.to_vec())),
        (Func::ArrayPartition, [items, size]) => array_partition(items, size),
        (Func::ArrayContains, [items, wanted]) => array_contains(items, wanted),
        (Func::ArrayRange, [first, last, step]) => array_range(first, last, step),
        (Func::ArrayGetItem, [items, index]) => array_get_item(items, index),
        (Func::ArrayLength, [items]) => Ok(Value::from(array(items)?.len())),
        (Func::ArrayUnique, [items]) => array_unique(items),
        (Func::Base64Encode, [data]) => Ok(Value::String(STANDARD.encode(limited(text(data)?)?))),
        (Func::Base64Decode, [data]) => base64_decode(data),
        (Func::Hash, [data, algorithm]) => hash(data, algorithm),
        (Func::JsonMerge, [left, right, deep]) => json_merge(left, right, deep),
        (Func::MathRandom, [start, end]) => math_random(start, end, None),
        (Func::MathRandom, [start, end, seed]) => math_random(start, end, Some(seed)),
        (Func::MathAdd, [a, b]) => Ok(Value::from(java_int(a)?.checked_add(java_int(b)?).ok_or(Invalid)?)),
        (Func::StringSplit, [input, delimiters]) => string_split(input, delimiters),
        (Func::Uuid, []) => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
        _ => Err(Invalid),
    }
}

fn text(value: &Value) -> Result<&str, Invalid> {
    value.as_str().ok_or(Invalid)
}

fn array(value: &Value) -> Result<&[Value], Invalid> {
    value.as_array().map(Vec::as_slice).ok_or(Invalid)
}

fn object(value: &Value) -> Result<&Map<String, Value>, Invalid> {
    value.as_object().ok_or(Invalid)
}

fn limited(text: &str) -> Result<&str, Invalid> {
    if text.chars().count() > MAX_TEXT_CHARS { Err(Invalid) } else { Ok(text) }
}

/// An integer argument. AWS documents rounding but truncates toward zero (observed:
/// `States.ArrayGetItem($.a, 1.2)` is item 1, `States.ArrayPartition($.a, 2.6)` makes pairs).
fn truncated(value: &Value) -> Result<i64, Invalid> {
    integer(value, f64::trunc)
}

/// `States.MathAdd`'s operand: rounded as Java's `Math.round` (AWS adds 1.6 and 2.7 to 5) and
/// within Java's `int`, as AWS documents.
fn java_int(value: &Value) -> Result<i32, Invalid> {
    i32::try_from(integer(value, |f| (f + 0.5).floor())?).map_err(|_| Invalid)
}

fn integer(value: &Value, to_whole: fn(f64) -> f64) -> Result<i64, Invalid> {
    let Value::Number(number) = value else { return Err(Invalid) };
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    let whole = to_whole(number.as_f64().ok_or(Invalid)?);
    // The cast saturates; a saturated value then fails the caller's own range check.
    if whole.is_finite() { Ok(whole as i64) } else { Err(Invalid) }
}

/// A value as `States.Format` writes it and `States.ArrayContains` compares it: a string's own
/// text, anything else as JSON text.
fn natural_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Fills `{}` placeholders in order. A literal template (`escaped`) keeps its escapes, and a
/// brace that is neither escaped nor part of `{}` fails, as on AWS; a template read from a path
/// is taken as it is.
fn format(template: &str, escaped: bool, values: &[Value]) -> Outcome {
    let mut out = String::with_capacity(template.len());
    let mut values = values.iter();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if escaped => out.push(chars.next().ok_or(Invalid)?),
            '{' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push_str(&placeholder(values.next().ok_or(Invalid)?)?);
            }
            '{' | '}' if escaped => return Err(Invalid),
            c => out.push(c),
        }
    }
    match values.next() {
        Some(_) => Err(Invalid),
        None => Ok(Value::String(out)),
    }
}

fn placeholder(value: &Value) -> Result<String, Invalid> {
    match value {
        Value::Array(_) | Value::Object(_) => Err(Invalid),
        scalar => Ok(natural_text(scalar)),
    }
}

fn array_partition(items: &Value, size: &Value) -> Outcome {
    let items = array(items)?;
    let size = truncated(size)?;
    if size <= 0 {
        return Err(Invalid);
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::Array(items.chunks(size).map(|chunk| Value::Array(chunk.to_vec())).collect()))
}

/// Compares by [`natural_text`]: AWS finds `true` in `["true"]` and a number in an array of
/// its digits (observed), so scalars are compared by their text rather than by type.
fn array_contains(items: &Value, wanted: &Value) -> Outcome {
    let wanted = natural_text(wanted);
    Ok(Value::Bool(array(items)?.iter().any(|item| natural_text(item) == wanted)))
}

/// `first`, `first + step`, ... up to and including `last`; empty when `step` points away.
fn array_range(first: &Value, last: &Value, step: &Value) -> Outcome {
    let (first, last, step) =
        (i128::from(truncated(first)?), i128::from(truncated(last)?), i128::from(truncated(step)?));
    if step == 0 {
        return Err(Invalid);
    }
    let span = last - first;
    let count = if span != 0 && (span > 0) != (step > 0) { 0 } else { span / step + 1 };
    if count > MAX_RANGE_ITEMS {
        return Err(Invalid);
    }
    (0..count).map(|i| i64::try_from(first + i * step).map(Value::from).map_err(|_| Invalid)).collect()
}

fn array_get_item(items: &Value, index: &Value) -> Outcome {
    let items = array(items)?;
    let index = usize::try_from(truncated(index)?).map_err(|_| Invalid)?;
    // AWS answers null rather than failing for any index into an empty array (observed).
    if items.is_empty() {
        return Ok(Value::Null);
    }
    items.get(index).cloned().ok_or(Invalid)
}

/// Keeps each value's first occurrence; objects that differ only in key order are duplicates.
fn array_unique(items: &Value) -> Outcome {
    let mut seen = HashSet::new();
    let unique = array(items)?.iter().filter(|item| seen.insert(canonical(item))).cloned().collect();
    Ok(Value::Array(unique))
}

/// JSON text with object keys sorted and whole floats written as integers, so that equal values
/// write alike whatever order their keys were read in.
fn canonical(value: &Value) -> String {
    match value {
        Value::Object(fields) => {
            let mut fields: Vec<_> = fields.iter().collect();
            fields.sort_by(|a, b| a.0.cmp(b.0));
            let fields: Vec<_> = fields
                .iter()
                .map(|(key, value)| format!("{}:{}", Value::from(key.as_str()), canonical(value)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        Value::Number(number) => match number.as_f64() {
            Some(f) if number.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => number.to_string(),
        },
        other => other.to_string(),
    }
}

/// Decodes as a MIME decoder does, which AWS's behaviour matches (observed): characters outside
/// the alphabet are skipped, padding is optional and ends the data. Bytes that are not UTF-8
/// become U+FFFD.
fn base64_decode(data: &Value) -> Outcome {
    let digits: Vec<u8> = limited(text(data)?)?
        .bytes()
        .take_while(|&b| b != b'=')
        .filter(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        .collect();
    let bytes = LENIENT_BASE64.decode(digits).map_err(|_| Invalid)?;
    Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Lowercase hex of the digest; data that is not a string is hashed as its JSON text.
fn hash(data: &Value, algorithm: &Value) -> Outcome {
    let data = natural_text(data);
    let bytes = limited(&data)?.as_bytes();
    let digest = match text(algorithm)? {
        "MD5" => md5::Md5::digest(bytes).to_vec(),
        "SHA-1" => sha1::Sha1::digest(bytes).to_vec(),
        "SHA-256" => sha2::Sha256::digest(bytes).to_vec(),
        "SHA-384" => sha2::Sha384::digest(bytes).to_vec(),
        "SHA-512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return Err(Invalid),
    };
    Ok(Value::String(hex::encode(digest)))
}

/// A shallow merge, the right object's keys winning. Deep merging (`true`) is unsupported; AWS
/// treats any other flag, even the string `"false"`, as shallow (observed).
fn json_merge(left: &Value, right: &Value, deep: &Value) -> Outcome {
    if *deep == Value::Bool(true) {
        return Err(Invalid);
    }
    let mut merged = object(left)?.clone();
    merged.extend(object(right)?.iter().map(|(key, value)| (key.clone(), value.clone())));
    Ok(Value::Object(merged))
}

/// An integer in `[start, end)`. With a seed it is `java.util.Random(seed).nextInt(end - start)
/// + start`, which reproduces AWS's seeded answers (seed 42 over [-5, 5) gives -5).
fn math_random(start: &Value, end: &Value, seed: Option<&Value>) -> Outcome {
    let (start, end) = (truncated(start)?, truncated(end)?);
    let span = end.checked_sub(start).filter(|&span| span > 0).ok_or(Invalid)?;
    let seed = match seed {
        Some(seed) => truncated(seed)?,
        None => getrandom::u64().map_err(|_| Invalid)? as i64,
    };
    Ok(Value::from(start + JavaRandom::new(seed).below(span)))
}

fn string_split(input: &Value, delimiters: &Value) -> Outcome {
    let (input, delimiters) = (text(input)?, text(delimiters)?);
    let parts = input.split(|c| delimiters.contains(c)).filter(|part| !part.is_empty()).map(Value::from).collect();
    Ok(Value::Array(parts))
}

/// `java.util.Random`'s generator, for `States.MathRandom`'s seeded results to match AWS's.
struct JavaRandom(u64);

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    fn new(seed: i64) -> JavaRandom {
        JavaRandom((seed as u64 ^ Self::MULTIPLIER) & Self::MASK)
    }

    /// Java's `next(bits)`: the top `bits` of the 48-bit state, as a Java `int`.
    fn next(&mut self, bits: u32) -> i32 {
        self.0 = self.0.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB) & Self::MASK;
        (self.0 >> (48 - bits)) as i32
    }

    /// Java's `nextInt(bound)` for a bound that fits an `int`, else a 64-bit draw reduced
    /// modulo `bound` (Java has no `int` answer there).
    fn below(&mut self, bound: i64) -> i64 {
        let Ok(bound) = i32::try_from(bound) else {
            let draw = (i64::from(self.next(32)) << 32).wrapping_add(i64::from(self.next(32)));
            return (draw as u64 % bound as u64) as i64;
        };
        if bound & bound.wrapping_neg() == bound {
            return (i64::from(bound) * i64::from(self.next(31))) >> 31;
        }
        loop {
            let bits = self.next(31);
            let value = bits % bound;
            if bits.wrapping_sub(value).wrapping_add(bound - 1) >= 0 {
                return i64::from(value);
            }
        }
    }
}

#[cfg(test)]
#[path = "intrinsics_tests.rs"]
mod tests;
