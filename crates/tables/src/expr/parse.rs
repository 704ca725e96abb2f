//! The grammars of condition, update and projection expressions, producing syntax trees
//! whose placeholders are still unresolved. A syntax error is the index of the token where
//! parsing failed (the furthest any alternative got).
//!
//! Conditions:
//! ```text
//! or       := and (OR and)*
//! and      := not (AND not)*
//! not      := NOT not | primary
//! primary  := '(' or ')' | simple
//! simple   := operand ( cmp operand | BETWEEN operand AND operand
//!                     | IN '(' operand (',' operand)* ')' )?      -- bare: a function call
//! operand  := '(' operand ')' ('.' name | '[' digits ']')* | :value | name '(' args ')' | path
//! path     := (name | #name) ('.' (name | #name) | '[' digits ']')*
//! ```
//! Updates:
//! ```text
//! update   := section+
//! section  := SET set (',' set)* | REMOVE path (',' path)*
//!           | ADD path :value (',' …)* | DELETE path :value (',' …)*
//! set      := path '=' ( '(' value ')' | value )
//! value    := operand (('+' | '-') operand)?
//! operand  := '(' term ')' | term
//! term     := :value | name '(' operand (',' operand)* ')' | path
//! ```
//! Projections: `path (',' path)*`.

use super::lexer::{TokKind, Tokens};

/// A syntax error: the index of the offending token.
pub(crate) type SyntaxError = usize;
type PResult<T> = Result<T, SyntaxError>;

/// A path element as written.
#[derive(Debug, Clone)]
pub(crate) enum RawElem {
    Name(String),
    NameRef(String),
    Index(usize),
}

pub(crate) type RawPath = Vec<RawElem>;

/// An operand as written.
#[derive(Debug, Clone)]
pub(crate) enum RawOperand {
    Path(RawPath),
    Value(String),
    Call(String, Vec<RawOperand>),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn text(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn from_text(text: &str) -> Option<CmpOp> {
        Some(match text {
            "=" => CmpOp::Eq,
            "<>" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// A condition as written.
#[derive(Debug, Clone)]
pub(crate) enum RawCond {
    Cmp(CmpOp, RawOperand, RawOperand),
    Between(RawOperand, RawOperand, RawOperand),
    In(RawOperand, Vec<RawOperand>),
    Call(String, Vec<RawOperand>),
    And(Box<RawCond>, Box<RawCond>),
    Or(Box<RawCond>, Box<RawCond>),
    Not(Box<RawCond>),
}

/// A parsed condition, and whether it had a redundant pair of parentheses (DynamoDB's
/// "The expression has redundant parentheses;").
pub(crate) struct ParsedCondition {
    pub cond: RawCond,
    pub redundant_parens: bool,
}

/// The right-hand side of a SET action as written.
#[derive(Debug, Clone)]
pub(crate) enum RawSetValue {
    Operand(RawOperand),
    Plus(RawOperand, RawOperand),
    Minus(RawOperand, RawOperand),
}

/// An update clause keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Set,
    Remove,
    Add,
    Delete,
}

impl Section {
    pub fn text(self) -> &'static str {
        match self {
            Section::Set => "SET",
            Section::Remove => "REMOVE",
            Section::Add => "ADD",
            Section::Delete => "DELETE",
        }
    }

    fn from_text(text: &str) -> Option<Section> {
        [Section::Set, Section::Remove, Section::Add, Section::Delete]
            .into_iter()
            .find(|s| s.text().eq_ignore_ascii_case(text))
    }
}

/// One update action as written.
#[derive(Debug, Clone)]
pub(crate) enum RawAction {
    Set(RawPath, RawSetValue),
    Remove(RawPath),
    Add(RawPath, String),
    Delete(RawPath, String),
}

/// A parsed update expression, and the first clause keyword that appeared twice.
pub(crate) struct ParsedUpdate {
    pub actions: Vec<RawAction>,
    pub repeated_section: Option<Section>,
}

/// Operators and functions in an operand (DynamoDB limits them per expression).
fn count_operand_operators(op: &RawOperand) -> usize {
    match op {
        RawOperand::Call(_, args) => 1 + args.iter().map(count_operand_operators).sum::<usize>(),
        _ => 0,
    }
}

/// Operators and functions in a condition: AND, OR, NOT, comparisons, BETWEEN, IN, functions.
pub(crate) fn count_condition_operators(cond: &RawCond) -> usize {
    let operands = |ops: &[&RawOperand]| ops.iter().map(|o| count_operand_operators(o)).sum::<usize>();
    match cond {
        RawCond::And(a, b) | RawCond::Or(a, b) => 1 + count_condition_operators(a) + count_condition_operators(b),
        RawCond::Not(a) => 1 + count_condition_operators(a),
        RawCond::Cmp(_, a, b) => 1 + operands(&[a, b]),
        RawCond::Between(a, b, c) => 1 + operands(&[a, b, c]),
        RawCond::In(a, list) => 1 + operands(&[a]) + list.iter().map(count_operand_operators).sum::<usize>(),
        RawCond::Call(_, args) => 1 + args.iter().map(count_operand_operators).sum::<usize>(),
    }
}

/// Operators and functions in an update: `+`, `-` and functions.
pub(crate) fn count_update_operators(actions: &[RawAction]) -> usize {
    actions
        .iter()
        .map(|a| match a {
            RawAction::Set(_, RawSetValue::Operand(o)) => count_operand_operators(o),
            RawAction::Set(_, RawSetValue::Plus(a, b) | RawSetValue::Minus(a, b)) => {
                1 + count_operand_operators(a) + count_operand_operators(b)
            }
            _ => 0,
        })
        .sum()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Grammar {
    Condition,
    Update,
    Projection,
}

struct Parser<'t, 's> {
    t: &'t Tokens<'s>,
    pos: usize,
    redundant: bool,
    grammar: Grammar,
}

/// Parses a condition (condition, filter or key condition expression).
pub(crate) fn condition(t: &Tokens<'_>) -> PResult<ParsedCondition> {
    let mut p = Parser { t, pos: 0, redundant: false, grammar: Grammar::Condition };
    let (cond, _) = p.or()?;
    p.expect_eof()?;
    Ok(ParsedCondition { cond, redundant_parens: p.redundant })
}

/// Parses an update expression.
pub(crate) fn update(t: &Tokens<'_>) -> PResult<ParsedUpdate> {
    let mut p = Parser { t, pos: 0, redundant: false, grammar: Grammar::Update };
    p.update()
}

/// Parses a projection expression.
pub(crate) fn projection(t: &Tokens<'_>) -> PResult<Vec<RawPath>> {
    let mut p = Parser { t, pos: 0, redundant: false, grammar: Grammar::Projection };
    let mut paths = vec![p.path()?];
    while p.eat_punct(",") {
        paths.push(p.path()?);
    }
    p.expect_eof()?;
    Ok(paths)
}

impl Parser<'_, '_> {
    fn kind(&self) -> &TokKind {
        &self.t.toks[self.pos].kind
    }

    fn text(&self) -> &str {
        self.t.text(self.pos)
    }

    fn is_punct(&self, p: &str) -> bool {
        *self.kind() == TokKind::Punct && self.text() == p
    }

    fn eat_punct(&mut self, p: &str) -> bool {
        let yes = self.is_punct(p);
        if yes {
            self.pos += 1;
        }
        yes
    }

    fn expect_punct(&mut self, p: &str) -> PResult<()> {
        if self.eat_punct(p) { Ok(()) } else { Err(self.pos) }
    }

    fn expect_eof(&self) -> PResult<()> {
        if *self.kind() == TokKind::Eof { Ok(()) } else { Err(self.pos) }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        *self.kind() == TokKind::Name && self.text().eq_ignore_ascii_case(kw)
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        let yes = self.is_keyword(kw);
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// Whether the current token is a keyword of the grammar (never an attribute name).
    fn at_keyword(&self) -> bool {
        if *self.kind() != TokKind::Name {
            return false;
        }
        let text = self.text();
        match self.grammar {
            Grammar::Condition => ["AND", "OR", "NOT", "BETWEEN", "IN"].iter().any(|k| k.eq_ignore_ascii_case(text)),
            Grammar::Update => Section::from_text(text).is_some(),
            Grammar::Projection => false,
        }
    }

    fn peek_is_punct(&self, offset: usize, p: &str) -> bool {
        self.t.toks.get(self.pos + offset).is_some_and(|t| t.kind == TokKind::Punct)
            && self.t.text(self.pos + offset) == p
    }

    /// Runs `first`; if it fails (or `accept` refuses where it stopped), rewinds and runs
    /// `second`. When both fail, the error is the furthest one.
    fn either<T>(
        &mut self,
        first: impl FnOnce(&mut Self) -> PResult<T>,
        accept: impl FnOnce(&Self) -> bool,
        second: impl FnOnce(&mut Self) -> PResult<T>,
    ) -> PResult<T> {
        let (pos, redundant) = (self.pos, self.redundant);
        let first_err = match first(self) {
            Ok(v) if accept(self) => return Ok(v),
            Ok(_) => None,
            Err(e) => Some(e),
        };
        self.pos = pos;
        self.redundant = redundant;
        second(self).map_err(|e| first_err.map_or(e, |f| f.max(e)))
    }

    // ---- paths ----

    fn path_name(&mut self) -> PResult<RawElem> {
        match self.kind() {
            TokKind::Name if !self.at_keyword() => {
                let n = self.text().to_string();
                self.pos += 1;
                Ok(RawElem::Name(n))
            }
            TokKind::NameRef => {
                let n = self.text().to_string();
                self.pos += 1;
                Ok(RawElem::NameRef(n))
            }
            _ => Err(self.pos),
        }
    }

    fn path(&mut self) -> PResult<RawPath> {
        let mut path = vec![self.path_name()?];
        self.path_steps(&mut path)?;
        Ok(path)
    }

    fn path_steps(&mut self, path: &mut RawPath) -> PResult<()> {
        loop {
            if self.eat_punct(".") {
                path.push(self.path_name()?);
            } else if self.eat_punct("[") {
                if *self.kind() != TokKind::Digits {
                    return Err(self.pos);
                }
                let index = self.text().parse::<usize>().map_err(|_| self.pos)?;
                self.pos += 1;
                self.expect_punct("]")?;
                path.push(RawElem::Index(index));
            } else {
                return Ok(());
            }
        }
    }

    /// A value reference, a function call or a path.
    fn term(&mut self, arg: fn(&mut Self) -> PResult<RawOperand>) -> PResult<RawOperand> {
        match self.kind() {
            TokKind::ValueRef => {
                let v = self.text().to_string();
                self.pos += 1;
                Ok(RawOperand::Value(v))
            }
            TokKind::Name if !self.at_keyword() && self.peek_is_punct(1, "(") => {
                let name = self.text().to_string();
                self.pos += 2;
                let mut args = vec![arg(self)?];
                while self.eat_punct(",") {
                    args.push(arg(self)?);
                }
                self.expect_punct(")")?;
                Ok(RawOperand::Call(name, args))
            }
            _ => Ok(RawOperand::Path(self.path()?)),
        }
    }

    // ---- conditions ----

    /// Returns the condition and whether it is exactly a parenthesized condition.
    fn or(&mut self) -> PResult<(RawCond, bool)> {
        let (mut cond, mut paren) = self.and()?;
        while self.eat_keyword("OR") {
            let (right, _) = self.and()?;
            cond = RawCond::Or(Box::new(cond), Box::new(right));
            paren = false;
        }
        Ok((cond, paren))
    }

    fn and(&mut self) -> PResult<(RawCond, bool)> {
        let (mut cond, mut paren) = self.not()?;
        while self.eat_keyword("AND") {
            let (right, _) = self.not()?;
            cond = RawCond::And(Box::new(cond), Box::new(right));
            paren = false;
        }
        Ok((cond, paren))
    }

    fn not(&mut self) -> PResult<(RawCond, bool)> {
        if self.eat_keyword("NOT") {
            let (inner, _) = self.not()?;
            return Ok((RawCond::Not(Box::new(inner)), false));
        }
        self.primary()
    }

    fn at_comparison(&self) -> bool {
        (*self.kind() == TokKind::Punct && CmpOp::from_text(self.text()).is_some())
            || self.is_keyword("BETWEEN")
            || self.is_keyword("IN")
    }

    fn primary(&mut self) -> PResult<(RawCond, bool)> {
        if !self.is_punct("(") {
            return Ok((self.simple()?, false));
        }
        // `(` opens either a parenthesized condition or a parenthesized operand; a condition
        // can't be followed by a comparison, so that decides it.
        self.either(
            |p| {
                p.pos += 1;
                let (inner, inner_paren) = p.or()?;
                p.expect_punct(")")?;
                if inner_paren {
                    p.redundant = true;
                }
                Ok((inner, true))
            },
            |p| !p.at_comparison(),
            |p| Ok((p.simple()?, false)),
        )
    }

    fn simple(&mut self) -> PResult<RawCond> {
        let (left, _) = self.cond_operand()?;
        if *self.kind() == TokKind::Punct
            && let Some(op) = CmpOp::from_text(self.text())
        {
            self.pos += 1;
            let (right, _) = self.cond_operand()?;
            return Ok(RawCond::Cmp(op, left, right));
        }
        if self.eat_keyword("BETWEEN") {
            let (low, _) = self.cond_operand()?;
            if !self.eat_keyword("AND") {
                return Err(self.pos);
            }
            let (high, _) = self.cond_operand()?;
            return Ok(RawCond::Between(left, low, high));
        }
        if self.eat_keyword("IN") {
            self.expect_punct("(")?;
            let mut list = vec![self.cond_operand()?.0];
            while self.eat_punct(",") {
                list.push(self.cond_operand()?.0);
            }
            self.expect_punct(")")?;
            return Ok(RawCond::In(left, list));
        }
        match left {
            RawOperand::Call(name, args) => Ok(RawCond::Call(name, args)),
            _ => Err(self.pos),
        }
    }

    /// Returns the operand and whether it is exactly a parenthesized operand.
    fn cond_operand(&mut self) -> PResult<(RawOperand, bool)> {
        if !self.eat_punct("(") {
            return Ok((self.term(|p| Ok(p.cond_operand()?.0))?, false));
        }
        let (mut inner, inner_paren) = self.cond_operand()?;
        self.expect_punct(")")?;
        if inner_paren {
            self.redundant = true;
        }
        if self.is_punct(".") || self.is_punct("[") {
            // A parenthesized path may go on: `(a.b).c`.
            match &mut inner {
                RawOperand::Path(path) => self.path_steps(path)?,
                _ => return Err(self.pos),
            }
            return Ok((inner, false));
        }
        Ok((inner, true))
    }

    // ---- updates ----

    fn update(&mut self) -> PResult<ParsedUpdate> {
        let mut actions = Vec::new();
        let mut seen: Vec<Section> = Vec::new();
        let mut repeated_section = None;
        loop {
            let section = match self.kind() {
                TokKind::Eof if !actions.is_empty() => break,
                TokKind::Name => Section::from_text(self.text()).ok_or(self.pos)?,
                _ => return Err(self.pos),
            };
            self.pos += 1;
            if seen.contains(&section) {
                repeated_section.get_or_insert(section);
            }
            seen.push(section);
            loop {
                let path = self.path()?;
                let action = match section {
                    Section::Set => {
                        self.expect_punct("=")?;
                        RawAction::Set(path, self.set_value()?)
                    }
                    Section::Remove => RawAction::Remove(path),
                    Section::Add => RawAction::Add(path, self.value_ref()?),
                    Section::Delete => RawAction::Delete(path, self.value_ref()?),
                };
                actions.push(action);
                if !self.eat_punct(",") {
                    break;
                }
            }
        }
        Ok(ParsedUpdate { actions, repeated_section })
    }

    fn value_ref(&mut self) -> PResult<String> {
        if *self.kind() != TokKind::ValueRef {
            return Err(self.pos);
        }
        let v = self.text().to_string();
        self.pos += 1;
        Ok(v)
    }

    fn set_value(&mut self) -> PResult<RawSetValue> {
        if !self.is_punct("(") {
            return self.arithmetic();
        }
        self.either(
            |p| {
                p.pos += 1;
                let v = p.arithmetic()?;
                p.expect_punct(")")?;
                Ok(v)
            },
            |p| !p.is_punct("+") && !p.is_punct("-"),
            Self::arithmetic,
        )
    }

    fn arithmetic(&mut self) -> PResult<RawSetValue> {
        let left = self.update_operand()?;
        if self.eat_punct("+") {
            return Ok(RawSetValue::Plus(left, self.update_operand()?));
        }
        if self.eat_punct("-") {
            return Ok(RawSetValue::Minus(left, self.update_operand()?));
        }
        Ok(RawSetValue::Operand(left))
    }

    fn update_operand(&mut self) -> PResult<RawOperand> {
        if self.eat_punct("(") {
            let inner = self.term(Self::update_operand)?;
            self.expect_punct(")")?;
            return Ok(inner);
        }
        self.term(Self::update_operand)
    }
}
