//! Projection expressions: which attributes (or nested parts of them) to return.

use super::condition::resolve_path;
use super::{ExprContext, ExprKind, Path, PathStep, check_paths, invalid, parse, syntax_error, tokens};
use crate::Error;
use crate::value::{AttributeValue, Item};
use std::collections::BTreeMap;

/// A parsed projection expression.
#[derive(Debug, Clone)]
pub struct Projection {
    paths: Vec<Path>,
}

/// Parses a projection expression, resolving its `#names` through `cx`.
pub fn parse_projection(src: &str, cx: &ExprContext) -> Result<Projection, Error> {
    let kind = ExprKind::Projection;
    let tokens = tokens(src, kind)?;
    let raw = parse::projection(&tokens).map_err(|at| syntax_error(kind, &tokens, at))?;
    let (mut reserved, mut undefined) = (None, None);
    let paths: Vec<Path> = raw.iter().map(|p| resolve_path(cx, p, &mut reserved, &mut undefined)).collect();
    let (overlap, conflict) = check_paths(&paths);
    if let Some(msg) = reserved.or(undefined).or(overlap).or(conflict) {
        return Err(invalid(kind, msg));
    }
    Ok(Projection { paths })
}

/// A projected document under construction.
enum Node {
    Value(AttributeValue),
    Map(BTreeMap<String, Node>),
    /// Selected elements by their index in the original list.
    List(BTreeMap<usize, Node>),
}

impl Node {
    /// An empty container for the step that follows (a placeholder at the end).
    fn for_step(step: Option<&PathStep>) -> Node {
        match step {
            Some(PathStep::Name(_)) => Node::Map(BTreeMap::new()),
            Some(PathStep::Index(_)) => Node::List(BTreeMap::new()),
            None => Node::Value(AttributeValue::Null),
        }
    }

    fn into_value(self) -> AttributeValue {
        match self {
            Node::Value(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, n)| (k, n.into_value())).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(Node::into_value).collect()),
        }
    }
}

impl Projection {
    /// The projected paths, in the order written.
    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The top-level attributes the projection reads, in the order written, without repeats.
    pub fn top_level_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for p in &self.paths {
            if !names.iter().any(|n| n == p.top()) {
                names.push(p.top().to_string());
            }
        }
        names
    }

    /// A new item holding only the projected paths of `item`: nested paths keep their
    /// nesting, list elements keep their order (as a shorter list); missing paths are skipped.
    pub fn apply(&self, item: &Item) -> Item {
        let mut root: BTreeMap<String, Node> = BTreeMap::new();
        for path in &self.paths {
            let Some(value) = path.resolve(item) else { continue };
            let mut slot = root.entry(path.top.clone()).or_insert_with(|| Node::for_step(path.steps.first()));
            for (i, step) in path.steps.iter().enumerate() {
                let next = path.steps.get(i + 1);
                slot = match (step, slot) {
                    (PathStep::Name(n), Node::Map(m)) => m.entry(n.clone()).or_insert_with(|| Node::for_step(next)),
                    (PathStep::Index(x), Node::List(l)) => l.entry(*x).or_insert_with(|| Node::for_step(next)),
                    // Overlapping or conflicting paths were refused when parsing.
                    (_, other) => other,
                };
            }
            *slot = Node::Value(value.clone());
        }
        root.into_iter().map(|(k, n)| (k, n.into_value())).collect()
    }
}
