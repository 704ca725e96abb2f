//! Condition and filter expressions: resolving a parsed condition against the request's
//! placeholders with DynamoDB's checks, and evaluating it against an item.

use super::parse::{self, CmpOp, RawCond, RawElem, RawOperand, RawPath};
use super::{
    ExprContext, ExprKind, Path, PathStep, check_operator_count, first, invalid, reserved, show_value, syntax_error,
    tokens,
};
use crate::Error;
use crate::number::Number;
use crate::value::{AttributeValue, Item};
use std::borrow::Cow;
use std::cmp::Ordering;

/// Most operands an `IN` may have, the one before `IN` included.
const MAX_IN_OPERANDS: usize = 100;

/// The type names `attribute_type` accepts.
const TYPE_NAMES: [&str; 10] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// A parsed condition or filter expression.
#[derive(Debug, Clone)]
pub struct Condition {
    pub(crate) root: Cond,
}

/// A resolved operand.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    Path(Path),
    Value(AttributeValue),
    Size(Box<Operand>),
}

/// A resolved condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Cmp(CmpOp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    Exists(Path),
    NotExists(Path),
    Type(Operand, String),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    /// Stands in where an error was recorded; never evaluated.
    Invalid,
}

/// Parses a condition-like expression (`kind` names it in errors), resolving its placeholders
/// through `cx` (and marking them used).
pub fn parse_condition(src: &str, kind: ExprKind, cx: &ExprContext) -> Result<Condition, Error> {
    let tokens = tokens(src, kind)?;
    let parsed = parse::condition(&tokens).map_err(|at| syntax_error(kind, &tokens, at))?;
    check_operator_count(kind, parse::count_condition_operators(&parsed.cond))?;
    let mut r = Resolver { cx, global: Global::default(), cur: PerCondition::default(), condition: None };
    if parsed.redundant_parens {
        r.global.parens = Some("The expression has redundant parentheses;".to_string());
    }
    let root = r.cond(&parsed.cond);
    let g = r.global;
    if let Some(msg) = g.parens.or(g.unknown_function).or(g.misused_function).or(g.reserved).or(r.condition) {
        return Err(invalid(kind, msg));
    }
    Ok(Condition { root })
}

/// Errors that concern the whole expression, in DynamoDB's order of precedence.
#[derive(Default)]
struct Global {
    parens: Option<String>,
    unknown_function: Option<String>,
    misused_function: Option<String>,
    reserved: Option<String>,
}

/// Errors within one primitive condition, in DynamoDB's order of precedence.
#[derive(Default)]
struct PerCondition {
    undefined: Option<String>,
    operands: Option<String>,
    distinct: Option<String>,
    function: Option<String>,
}

struct Resolver<'c, 'a> {
    cx: &'c ExprContext<'a>,
    global: Global,
    cur: PerCondition,
    /// The error of the first primitive condition that had one.
    condition: Option<String>,
}

/// Resolves a path's placeholders through `cx`, reporting reserved words and undefined names.
pub(crate) fn resolve_path(
    cx: &ExprContext,
    raw: &RawPath,
    reserved_word: &mut Option<String>,
    undefined: &mut Option<String>,
) -> Path {
    let mut names = raw.iter().map(|e| match e {
        RawElem::Name(n) => {
            if reserved::is_reserved(n) {
                first(reserved_word, || format!("Attribute name is a reserved keyword; reserved keyword: {n}"));
            }
            PathStep::Name(n.clone())
        }
        RawElem::NameRef(r) => match cx.name(r) {
            Some(n) => PathStep::Name(n.to_string()),
            None => {
                first(undefined, || {
                    format!(
                        "An expression attribute name used in the document path is not defined; attribute name: {r}"
                    )
                });
                PathStep::Name(r.clone())
            }
        },
        RawElem::Index(i) => PathStep::Index(*i),
    });
    let top = match names.next() {
        Some(PathStep::Name(n)) => n,
        // The grammar starts every path with a name.
        _ => String::new(),
    };
    Path { top, steps: names.collect() }
}

/// Resolves `:value` through `cx`, reporting it when undefined.
pub(crate) fn resolve_value(cx: &ExprContext, key: &str, undefined: &mut Option<String>) -> AttributeValue {
    match cx.value(key) {
        Some(v) => v.clone(),
        None => {
            first(undefined, || {
                format!("An expression attribute value used in expression is not defined; attribute value: {key}")
            });
            AttributeValue::Null
        }
    }
}

/// The type an operand is known to have before evaluation: a value's own, `N` for size().
fn static_type(op: &Operand) -> Option<&'static str> {
    match op {
        Operand::Path(_) => None,
        Operand::Value(v) => Some(v.type_name()),
        Operand::Size(_) => Some("N"),
    }
}

fn operand_count(name: &str, n: usize) -> String {
    format!(
        "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {n}"
    )
}

fn operand_type(name: &str, t: &str) -> String {
    format!("Incorrect operand type for operator or function; operator or function: {name}, operand type: {t}")
}

fn misused(name: &str) -> String {
    format!("The function is not allowed to be used this way in an expression; function: {name}")
}

impl Resolver<'_, '_> {
    fn cond(&mut self, raw: &RawCond) -> Cond {
        match raw {
            RawCond::And(a, b) => Cond::And(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::Or(a, b) => Cond::Or(Box::new(self.cond(a)), Box::new(self.cond(b))),
            RawCond::Not(a) => Cond::Not(Box::new(self.cond(a))),
            primitive => {
                let c = self.primitive(primitive);
                let cur = std::mem::take(&mut self.cur);
                if self.condition.is_none() {
                    self.condition = cur.undefined.or(cur.operands).or(cur.distinct).or(cur.function);
                }
                c
            }
        }
    }

    fn primitive(&mut self, raw: &RawCond) -> Cond {
        match raw {
            RawCond::Cmp(op, l, r) => {
                let (l, r) = (self.operand(l), self.operand(r));
                self.distinct(op.text(), &l, &r);
                if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                    for side in [&l, &r] {
                        self.orderable(op.text(), side);
                    }
                }
                Cond::Cmp(*op, l, r)
            }
            RawCond::Between(x, lo, hi) => {
                let (x, lo, hi) = (self.operand(x), self.operand(lo), self.operand(hi));
                for side in [&lo, &hi] {
                    self.orderable("BETWEEN", side);
                }
                if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                    let bounds = || {
                        format!(
                            "lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                            show_value(a),
                            show_value(b)
                        )
                    };
                    if a.type_name() != b.type_name() {
                        first(&mut self.cur.function, || {
                            format!(
                                "The BETWEEN operator requires same data type for lower and upper bounds; {}",
                                bounds()
                            )
                        });
                    } else if order(a, b) == Some(Ordering::Greater) {
                        first(&mut self.cur.function, || {
                            format!(
                                "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {}",
                                bounds()
                            )
                        });
                    }
                }
                Cond::Between(x, lo, hi)
            }
            RawCond::In(x, list) => {
                let x = self.operand(x);
                let list: Vec<Operand> = list.iter().map(|o| self.operand(o)).collect();
                if list.len() + 1 > MAX_IN_OPERANDS {
                    first(&mut self.cur.operands, || {
                        format!(
                            "The IN operator is provided with too many operands; number of operands: {}",
                            list.len() + 1
                        )
                    });
                }
                Cond::In(x, list)
            }
            RawCond::Call(name, args) => self.function(name, args),
            // Composite conditions are handled by `cond`.
            RawCond::And(..) | RawCond::Or(..) | RawCond::Not(..) => Cond::Invalid,
        }
    }

    /// A comparison that orders its operands refuses constants that have no order.
    fn orderable(&mut self, op: &str, side: &Operand) {
        if let Some(t) = static_type(side)
            && !matches!(t, "N" | "S" | "B")
        {
            first(&mut self.cur.function, || operand_type(op, t));
        }
    }

    fn distinct(&mut self, op: &str, a: &Operand, b: &Operand) {
        if let (Operand::Path(p), Operand::Path(q)) = (a, b)
            && p == q
        {
            first(&mut self.cur.distinct, || {
                format!(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: {op}, first operand: {p}"
                )
            });
        }
    }

    /// A function used as a condition.
    fn function(&mut self, name: &str, raw_args: &[RawOperand]) -> Cond {
        let args: Vec<Operand> = raw_args.iter().map(|a| self.operand(a)).collect();
        let arity = match name {
            "attribute_exists" | "attribute_not_exists" | "size" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            _ => {
                self.unknown_function(name);
                return Cond::Invalid;
            }
        };
        if name == "size" {
            first(&mut self.global.misused_function, || misused(name));
        }
        if args.len() != arity {
            first(&mut self.cur.operands, || operand_count(name, args.len()));
            return Cond::Invalid;
        }
        let mut args = args.into_iter();
        let (a, b) = (args.next().unwrap_or(Operand::Value(AttributeValue::Null)), args.next());
        if let Some(b) = &b {
            self.distinct(name, &a, b);
        }
        match (name, b) {
            ("attribute_exists" | "attribute_not_exists", _) => match a {
                Operand::Path(p) if name == "attribute_exists" => Cond::Exists(p),
                Operand::Path(p) => Cond::NotExists(p),
                _ => {
                    first(&mut self.cur.function, || {
                        format!("Operator or function requires a document path; operator or function: {name}")
                    });
                    Cond::Invalid
                }
            },
            ("attribute_type", Some(b)) => match b {
                Operand::Value(AttributeValue::S(t)) if TYPE_NAMES.contains(&t.as_str()) => Cond::Type(a, t),
                Operand::Value(AttributeValue::S(t)) => {
                    first(&mut self.cur.function, || {
                        format!(
                            "Invalid attribute type name found; type: {t}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                        )
                    });
                    Cond::Invalid
                }
                other => {
                    let t = static_type(&other).unwrap_or("{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
                    first(&mut self.cur.function, || operand_type(name, t));
                    Cond::Invalid
                }
            },
            ("begins_with", Some(b)) => {
                for side in [&a, &b] {
                    if let Some(t) = static_type(side)
                        && !matches!(t, "S" | "B")
                    {
                        first(&mut self.cur.function, || operand_type(name, t));
                    }
                }
                Cond::BeginsWith(a, b)
            }
            ("contains", Some(b)) => Cond::Contains(a, b),
            _ => Cond::Invalid,
        }
    }

    fn unknown_function(&mut self, name: &str) {
        first(&mut self.global.unknown_function, || match name {
            "if_not_exists" | "list_append" => {
                format!("The function is not allowed in a condition expression; function: {name}")
            }
            _ => format!("Invalid function name; function: {name}"),
        });
    }

    /// An operand of a comparison or a function: only size() may be a function here.
    fn operand(&mut self, raw: &RawOperand) -> Operand {
        match raw {
            RawOperand::Path(p) => {
                Operand::Path(resolve_path(self.cx, p, &mut self.global.reserved, &mut self.cur.undefined))
            }
            RawOperand::Value(v) => Operand::Value(resolve_value(self.cx, v, &mut self.cur.undefined)),
            RawOperand::Call(name, raw_args) if name == "size" => {
                let mut args: Vec<Operand> = raw_args.iter().map(|a| self.operand(a)).collect();
                if args.len() != 1 {
                    first(&mut self.cur.operands, || operand_count(name, args.len()));
                    return Operand::Value(AttributeValue::Null);
                }
                let arg = args.remove(0);
                if let Some(t) = static_type(&arg)
                    && matches!(t, "N" | "BOOL" | "NULL")
                {
                    first(&mut self.cur.function, || operand_type(name, t));
                }
                Operand::Size(Box::new(arg))
            }
            RawOperand::Call(name, raw_args) => {
                if matches!(
                    name.as_str(),
                    "attribute_exists" | "attribute_not_exists" | "attribute_type" | "begins_with" | "contains"
                ) {
                    // Still checked as a function, then refused as an operand.
                    self.function(name, raw_args);
                    first(&mut self.global.misused_function, || misused(name));
                } else {
                    for a in raw_args {
                        self.operand(a);
                    }
                    self.unknown_function(name);
                }
                Operand::Value(AttributeValue::Null)
            }
        }
    }
}

// ---- evaluation ----

impl Condition {
    /// Whether `item` (empty for a missing item) satisfies the condition.
    pub fn eval(&self, item: &Item) -> Result<bool, Error> {
        Ok(eval(&self.root, item))
    }
}

fn eval(cond: &Cond, item: &Item) -> bool {
    match cond {
        Cond::And(a, b) => eval(a, item) && eval(b, item),
        Cond::Or(a, b) => eval(a, item) || eval(b, item),
        Cond::Not(a) => !eval(a, item),
        Cond::Cmp(op, a, b) => {
            let (a, b) = (value(a, item), value(b, item));
            match op {
                CmpOp::Eq => matches!((&a, &b), (Some(a), Some(b)) if values_equal(a, b)),
                CmpOp::Ne => !matches!((&a, &b), (Some(a), Some(b)) if values_equal(a, b)),
                _ => {
                    let ord = match (&a, &b) {
                        (Some(a), Some(b)) => order(a, b),
                        _ => None,
                    };
                    ord.is_some_and(|o| match op {
                        CmpOp::Lt => o == Ordering::Less,
                        CmpOp::Le => o != Ordering::Greater,
                        CmpOp::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    })
                }
            }
        }
        Cond::Between(x, lo, hi) => {
            let (Some(x), Some(lo), Some(hi)) = (value(x, item), value(lo, item), value(hi, item)) else {
                return false;
            };
            order(&lo, &x).is_some_and(|o| o != Ordering::Greater)
                && order(&x, &hi).is_some_and(|o| o != Ordering::Greater)
        }
        Cond::In(x, list) => {
            let Some(x) = value(x, item) else { return false };
            list.iter().any(|o| value(o, item).is_some_and(|v| values_equal(&x, &v)))
        }
        Cond::Exists(p) => p.resolve(item).is_some(),
        Cond::NotExists(p) => p.resolve(item).is_none(),
        Cond::Type(x, t) => value(x, item).is_some_and(|v| v.type_name() == t),
        Cond::BeginsWith(a, b) => match (value(a, item).as_deref(), value(b, item).as_deref()) {
            (Some(AttributeValue::S(a)), Some(AttributeValue::S(b))) => a.starts_with(b.as_str()),
            (Some(AttributeValue::B(a)), Some(AttributeValue::B(b))) => a.starts_with(b),
            _ => false,
        },
        Cond::Contains(a, b) => match (value(a, item), value(b, item)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
        Cond::Invalid => false,
    }
}

/// An operand's value in `item`; `None` when a path is missing or size() has no meaning.
pub(crate) fn value<'i>(op: &'i Operand, item: &'i Item) -> Option<Cow<'i, AttributeValue>> {
    match op {
        Operand::Path(p) => p.resolve(item).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(inner) => {
            let v = value(inner, item)?;
            size(&v).map(|n| Cow::Owned(AttributeValue::N(n)))
        }
    }
}

/// DynamoDB's size(): a string's length in UTF-16 code units (as DynamoDB counts it), a
/// binary's bytes, a collection's members.
fn size(v: &AttributeValue) -> Option<Number> {
    let n = match v {
        AttributeValue::S(s) => s.encode_utf16().count(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null => return None,
    };
    Number::parse(&n.to_string()).ok()
}

fn contains(haystack: &AttributeValue, needle: &AttributeValue) -> bool {
    match (haystack, needle) {
        (AttributeValue::S(h), AttributeValue::S(n)) => h.contains(n.as_str()),
        (AttributeValue::B(h), AttributeValue::B(n)) => n.is_empty() || h.windows(n.len()).any(|w| w == n.as_slice()),
        (AttributeValue::Ss(h), AttributeValue::S(n)) => h.contains(n),
        (AttributeValue::Ns(h), AttributeValue::N(n)) => h.contains(n),
        (AttributeValue::Bs(h), AttributeValue::B(n)) => h.contains(n),
        (AttributeValue::L(h), n) => h.iter().any(|v| values_equal(v, n)),
        _ => false,
    }
}

/// The order of two values of one orderable type (N numerically, S and B by bytes); `None`
/// for different or unorderable types.
pub(crate) fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    match (a, b) {
        (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
        (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
        (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// DynamoDB's equality: same type, numbers numerically, sets whatever their order, and
/// lists and maps member by member.
pub(crate) fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    fn same_members<T: PartialEq>(a: &[T], b: &[T]) -> bool {
        a.len() == b.len() && a.iter().all(|x| b.contains(x))
    }
    match (a, b) {
        (AttributeValue::Ss(a), AttributeValue::Ss(b)) => same_members(a, b),
        (AttributeValue::Ns(a), AttributeValue::Ns(b)) => same_members(a, b),
        (AttributeValue::Bs(a), AttributeValue::Bs(b)) => same_members(a, b),
        (AttributeValue::L(a), AttributeValue::L(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equal(x, y))
        }
        (AttributeValue::M(a), AttributeValue::M(b)) => {
            a.len() == b.len() && a.iter().all(|(k, x)| b.get(k).is_some_and(|y| values_equal(x, y)))
        }
        _ => a == b,
    }
}
