//! Update expressions: SET, REMOVE, ADD and DELETE clauses, and applying them to an item.

use super::condition::{resolve_path, resolve_value};
use super::parse::{self, RawAction, RawOperand, RawSetValue};
use super::{
    ExprContext, ExprKind, Path, PathStep, check_operator_count, check_paths, first, invalid, path_order, syntax_error,
    tokens,
};
use crate::Error;
use crate::value::{AttributeValue, Item};
use std::collections::BTreeMap;

/// A parsed update expression.
#[derive(Debug, Clone)]
pub struct Update {
    set: Vec<(Path, SetValue)>,
    remove: Vec<Path>,
    add: Vec<(Path, AttributeValue)>,
    delete: Vec<(Path, AttributeValue)>,
    /// Every path written, in the order written.
    targets: Vec<Path>,
}

#[derive(Debug, Clone)]
enum SetValue {
    Operand(Operand),
    Plus(Operand, Operand),
    Minus(Operand, Operand),
}

#[derive(Debug, Clone)]
enum Operand {
    Path(Path),
    Value(AttributeValue),
    IfNotExists(Path, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    /// Stands in where an error was recorded; never evaluated.
    Invalid,
}

/// Errors of an update expression, in DynamoDB's order of precedence.
#[derive(Default)]
struct Errors {
    reserved: Option<String>,
    unknown_function: Option<String>,
    section: Option<String>,
    undefined_name: Option<String>,
    undefined_value: Option<String>,
    operand: Option<String>,
    function: Option<String>,
}

const INVALID_PATH: &str = "The document path provided in the update expression is invalid for update";
const WRONG_TYPE: &str = "An operand in the update expression has an incorrect data type";
const MISSING: &str = "The provided expression refers to an attribute that does not exist in the item";

/// Parses an update expression, resolving its placeholders through `cx`.
pub fn parse_update(src: &str, cx: &ExprContext) -> Result<Update, Error> {
    let kind = ExprKind::Update;
    let tokens = tokens(src, kind)?;
    let parsed = parse::update(&tokens).map_err(|at| syntax_error(kind, &tokens, at))?;
    check_operator_count(kind, parse::count_update_operators(&parsed.actions))?;
    let mut r = Resolver { cx, e: Errors::default() };
    if let Some(s) = parsed.repeated_section {
        r.e.section = Some(format!("The \"{}\" section can only be used once in an update expression;", s.text()));
    }
    let mut update =
        Update { set: Vec::new(), remove: Vec::new(), add: Vec::new(), delete: Vec::new(), targets: Vec::new() };
    for action in &parsed.actions {
        let (RawAction::Set(p, _) | RawAction::Remove(p) | RawAction::Add(p, _) | RawAction::Delete(p, _)) = action;
        let path = resolve_path(cx, p, &mut r.e.reserved, &mut r.e.undefined_name);
        update.targets.push(path.clone());
        match action {
            RawAction::Set(_, v) => {
                let v = r.set_value(v);
                update.set.push((path, v));
            }
            RawAction::Remove(_) => update.remove.push(path),
            RawAction::Add(_, v) => {
                let v = r.clause_operand("ADD", v, &["N", "SS", "NS", "BS"]);
                update.add.push((path, v));
            }
            RawAction::Delete(_, v) => {
                let v = r.clause_operand("DELETE", v, &["SS", "NS", "BS"]);
                update.delete.push((path, v));
            }
        }
    }
    let (overlap, conflict) = check_paths(&update.targets);
    let e = r.e;
    let error = e
        .reserved
        .or(e.unknown_function)
        .or(e.section)
        .or(e.undefined_name)
        .or(e.undefined_value)
        .or(overlap)
        .or(conflict)
        .or(e.operand)
        .or(e.function);
    if let Some(msg) = error {
        return Err(invalid(kind, msg));
    }
    Ok(update)
}

struct Resolver<'c, 'a> {
    cx: &'c ExprContext<'a>,
    e: Errors,
}

/// DynamoDB's long type names in ADD/DELETE operand errors.
fn long_type_name(v: &AttributeValue) -> &'static str {
    match v {
        AttributeValue::S(_) => "STRING",
        AttributeValue::N(_) => "NUMBER",
        AttributeValue::B(_) => "BINARY",
        AttributeValue::Bool(_) => "BOOLEAN",
        AttributeValue::Null => "NULL",
        AttributeValue::M(_) => "MAP",
        AttributeValue::L(_) => "LIST",
        AttributeValue::Ss(_) => "STRING_SET",
        AttributeValue::Ns(_) => "NUMBER_SET",
        AttributeValue::Bs(_) => "BINARY_SET",
    }
}

impl Resolver<'_, '_> {
    /// Resolves `:value`; `None` (and an error recorded) when it is not defined.
    fn value(&mut self, key: &str) -> Option<AttributeValue> {
        let defined = self.cx.value(key).is_some();
        let v = resolve_value(self.cx, key, &mut self.e.undefined_value);
        defined.then_some(v)
    }

    /// The `:value` of an ADD or DELETE action, which must have one of `allowed` types.
    fn clause_operand(&mut self, clause: &str, key: &str, allowed: &[&str]) -> AttributeValue {
        let Some(v) = self.value(key) else { return AttributeValue::Null };
        if !allowed.contains(&v.type_name()) {
            first(&mut self.e.operand, || {
                format!(
                    "Incorrect operand type for operator or function; operator: {clause}, operand type: {}, typeSet: ALLOWED_FOR_{clause}_OPERAND",
                    long_type_name(&v)
                )
            });
        }
        v
    }

    fn set_value(&mut self, raw: &RawSetValue) -> SetValue {
        match raw {
            RawSetValue::Operand(o) => SetValue::Operand(self.operand(o)),
            RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b) => {
                let sign = if matches!(raw, RawSetValue::Plus(..)) { "+" } else { "-" };
                let (a, b) = (self.operand(a), self.operand(b));
                self.immediate_types(sign, [&a, &b], "N");
                if sign == "+" { SetValue::Plus(a, b) } else { SetValue::Minus(a, b) }
            }
        }
    }

    /// Values written in the expression itself must have type `want`.
    fn immediate_types(&mut self, name: &str, args: [&Operand; 2], want: &str) {
        for arg in args {
            if let Operand::Value(v) = arg
                && v.type_name() != want
            {
                first(&mut self.e.function, || {
                    format!(
                        "Incorrect operand type for operator or function; operator or function: {name}, operand type: {}",
                        v.type_name()
                    )
                });
            }
        }
    }

    fn operand(&mut self, raw: &RawOperand) -> Operand {
        match raw {
            RawOperand::Path(p) => {
                Operand::Path(resolve_path(self.cx, p, &mut self.e.reserved, &mut self.e.undefined_name))
            }
            RawOperand::Value(v) => self.value(v).map_or(Operand::Invalid, Operand::Value),
            RawOperand::Call(name, raw_args) => {
                let args: Vec<Operand> = raw_args.iter().map(|a| self.operand(a)).collect();
                if name != "if_not_exists" && name != "list_append" {
                    first(&mut self.e.unknown_function, || format!("Invalid function name; function: {name}"));
                    return Operand::Invalid;
                }
                let [a, b]: [Operand; 2] = match args.try_into() {
                    Ok(pair) => pair,
                    Err(args) => {
                        first(&mut self.e.function, || {
                            format!(
                                "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                                args.len()
                            )
                        });
                        return Operand::Invalid;
                    }
                };
                if name == "list_append" {
                    self.immediate_types(name, [&a, &b], "L");
                    return Operand::ListAppend(Box::new(a), Box::new(b));
                }
                match a {
                    Operand::Path(p) => Operand::IfNotExists(p, Box::new(b)),
                    _ => {
                        first(&mut self.e.function, || {
                            format!("Operator or function requires a document path; operator or function: {name}")
                        });
                        Operand::Invalid
                    }
                }
            }
        }
    }
}

// ---- applying ----

/// Where a path's value lives: a member of a map (the item itself at the top level) or
/// an element of a list.
enum Slot<'a> {
    Map(&'a mut BTreeMap<String, AttributeValue>, &'a str),
    List(&'a mut Vec<AttributeValue>, usize),
}

impl Slot<'_> {
    fn get(&self) -> Option<&AttributeValue> {
        match self {
            Slot::Map(m, k) => m.get(*k),
            Slot::List(l, i) => l.get(*i),
        }
    }

    /// Writes the value; past the end of a list, appends it.
    fn put(self, v: AttributeValue) {
        match self {
            Slot::Map(m, k) => {
                m.insert(k.to_string(), v);
            }
            Slot::List(l, i) if i < l.len() => l[i] = v,
            Slot::List(l, _) => l.push(v),
        }
    }

    fn remove(self) {
        match self {
            Slot::Map(m, k) => {
                m.remove(k);
            }
            Slot::List(l, i) if i < l.len() => {
                l.remove(i);
            }
            Slot::List(..) => {}
        }
    }
}

/// The slot of `path` in `item`; `None` when its parent is missing or is not the map or list
/// the path's last step needs.
fn slot<'a>(item: &'a mut Item, path: &'a Path) -> Option<Slot<'a>> {
    let Some((last, middle)) = path.steps.split_last() else {
        return Some(Slot::Map(item, &path.top));
    };
    let mut cur = item.get_mut(&path.top)?;
    for step in middle {
        cur = match (step, cur) {
            (PathStep::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathStep::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    match (last, cur) {
        (PathStep::Name(n), AttributeValue::M(m)) => Some(Slot::Map(m, n)),
        (PathStep::Index(i), AttributeValue::L(l)) => Some(Slot::List(l, *i)),
        _ => None,
    }
}

fn validation(msg: impl Into<String>) -> Error {
    Error::Validation(msg.into())
}

fn eval(op: &Operand, item: &Item) -> Result<AttributeValue, Error> {
    match op {
        Operand::Path(p) => p.resolve(item).cloned().ok_or_else(|| validation(MISSING)),
        Operand::Value(v) => Ok(v.clone()),
        Operand::IfNotExists(p, default) => match p.resolve(item) {
            Some(v) => Ok(v.clone()),
            None => eval(default, item),
        },
        Operand::ListAppend(a, b) => match (eval(a, item)?, eval(b, item)?) {
            (AttributeValue::L(mut a), AttributeValue::L(b)) => {
                a.extend(b);
                Ok(AttributeValue::L(a))
            }
            _ => Err(validation(WRONG_TYPE)),
        },
        Operand::Invalid => Err(validation(WRONG_TYPE)),
    }
}

fn eval_set(v: &SetValue, item: &Item) -> Result<AttributeValue, Error> {
    let arithmetic = |a: &Operand, b: &Operand, negate: bool| match (eval(a, item)?, eval(b, item)?) {
        (AttributeValue::N(a), AttributeValue::N(b)) => {
            let b = if negate { b.negate() } else { b };
            a.add(&b).map(AttributeValue::N).map_err(validation)
        }
        _ => Err(validation(WRONG_TYPE)),
    };
    match v {
        SetValue::Operand(o) => eval(o, item),
        SetValue::Plus(a, b) => arithmetic(a, b, false),
        SetValue::Minus(a, b) => arithmetic(a, b, true),
    }
}

fn union<T: PartialEq + Clone>(mut a: Vec<T>, b: &[T]) -> Vec<T> {
    for x in b {
        if !a.contains(x) {
            a.push(x.clone());
        }
    }
    a
}

fn difference<T: PartialEq>(mut a: Vec<T>, b: &[T]) -> Vec<T> {
    a.retain(|x| !b.contains(x));
    a
}

impl Update {
    /// Applies the SET, REMOVE, ADD and DELETE actions to `item` (empty for a new item).
    /// Every right-hand side is read from the item as it was before the update, and list
    /// indexes mean the original positions. On error `item` is left unchanged.
    pub fn apply(&self, item: &mut Item) -> Result<(), Error> {
        let is_new = item.is_empty();
        let mut sets = Vec::with_capacity(self.set.len());
        for (path, v) in &self.set {
            sets.push((path, eval_set(v, item)?));
        }
        let mut work = item.clone();
        // Appends past the end of one list happen in index order.
        sets.sort_by(|a, b| path_order(a.0, b.0));
        for (path, v) in sets {
            slot(&mut work, path).ok_or_else(|| validation(INVALID_PATH))?.put(v);
        }
        for (path, v) in &self.add {
            let slot = slot(&mut work, path).ok_or_else(|| validation(INVALID_PATH))?;
            let new = match (slot.get().cloned(), v) {
                (None, v) => v.clone(),
                (Some(AttributeValue::N(a)), AttributeValue::N(b)) => AttributeValue::N(a.add(b).map_err(validation)?),
                (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => AttributeValue::Ss(union(a, b)),
                (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => AttributeValue::Ns(union(a, b)),
                (Some(AttributeValue::Bs(a)), AttributeValue::Bs(b)) => AttributeValue::Bs(union(a, b)),
                _ => return Err(validation(WRONG_TYPE)),
            };
            slot.put(new);
        }
        for (path, v) in &self.delete {
            let Some(slot) = slot(&mut work, path) else {
                if is_new {
                    continue;
                }
                return Err(validation(INVALID_PATH));
            };
            let left = match (slot.get().cloned(), v) {
                (None, _) => continue,
                (Some(AttributeValue::Ss(a)), AttributeValue::Ss(b)) => AttributeValue::Ss(difference(a, b)),
                (Some(AttributeValue::Ns(a)), AttributeValue::Ns(b)) => AttributeValue::Ns(difference(a, b)),
                (Some(AttributeValue::Bs(a)), AttributeValue::Bs(b)) => AttributeValue::Bs(difference(a, b)),
                _ => return Err(validation(WRONG_TYPE)),
            };
            let empty = match &left {
                AttributeValue::Ss(s) => s.is_empty(),
                AttributeValue::Ns(s) => s.is_empty(),
                AttributeValue::Bs(s) => s.is_empty(),
                _ => false,
            };
            if empty { slot.remove() } else { slot.put(left) }
        }
        // Removing from a missing item does nothing (whatever the path); otherwise later
        // list elements go first, so earlier indexes still mean the original positions.
        if !is_new {
            let mut removes: Vec<&Path> = self.remove.iter().collect();
            removes.sort_by(|a, b| path_order(b, a));
            for path in removes {
                slot(&mut work, path).ok_or_else(|| validation(INVALID_PATH))?.remove();
            }
        }
        *item = work;
        Ok(())
    }

    /// The top-level attributes this update writes (so the caller can refuse updates to key
    /// attributes), in the order written, without repeats.
    pub fn top_level_targets(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for p in &self.targets {
            if !names.iter().any(|n| n == p.top()) {
                names.push(p.top().to_string());
            }
        }
        names
    }

    /// Every document path this update writes, in the order written.
    pub fn targets(&self) -> &[Path] {
        &self.targets
    }
}
