//! Lines of keys in block-style YAML.
//!
//! The YAML parser does not keep positions, so this index re-reads the text: every key
//! line and list dash with its indentation. It understands block mappings and sequences
//! (what manifests are written in); inside flow collections (`{a: 1}`) it answers with
//! the line of the enclosing key.

/// One key or list dash: where it is and how deep.
#[derive(Debug, Clone)]
struct Token {
    line: usize,
    indent: usize,
    /// `Some(key)` for `key:`, `None` for a `-` list item.
    key: Option<String>,
}

/// Finds the line of a key path.
#[derive(Debug, Clone, Default)]
pub struct Locator {
    tokens: Vec<Token>,
}

impl Locator {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut tokens = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let mut indent = raw.len() - raw.trim_start_matches(' ').len();
            let mut rest = raw.trim_start_matches(' ');
            if rest.starts_with('#') || rest.trim().is_empty() || rest.starts_with("---") {
                continue;
            }
            while rest == "-" || rest.starts_with("- ") {
                tokens.push(Token { line: i + 1, indent, key: None });
                let after = &rest[1..];
                let skipped = after.len() - after.trim_start_matches(' ').len();
                indent += 1 + skipped;
                rest = after.trim_start_matches(' ');
            }
            if let Some(key) = key_of(rest) {
                tokens.push(Token { line: i + 1, indent, key: Some(key) });
            }
        }
        Locator { tokens }
    }

    /// The line of `path`; segments that parse as numbers index lists. When the full path
    /// cannot be found, the line of the deepest ancestor that can.
    pub fn line_of(&self, path: &[&str]) -> Option<usize> {
        let mut range = 0..self.tokens.len();
        let mut parent_indent: Option<usize> = None;
        let mut found = None;
        for seg in path {
            let children: Vec<usize> =
                range.clone().filter(|&i| parent_indent.is_none_or(|p| self.tokens[i].indent > p)).collect();
            let Some(level) = children.iter().map(|&i| self.tokens[i].indent).min() else { break };
            let at_level = children.into_iter().filter(|&i| self.tokens[i].indent == level);
            let hit = match seg.parse::<usize>() {
                Ok(n) => at_level.filter(|&i| self.tokens[i].key.is_none()).nth(n),
                Err(_) => at_level.into_iter().find(|&i| self.tokens[i].key.as_deref() == Some(*seg)),
            };
            let Some(i) = hit else { break };
            found = Some(self.tokens[i].line);
            let indent = self.tokens[i].indent;
            let end = (i + 1..range.end).find(|&j| self.tokens[j].indent <= indent).unwrap_or(range.end);
            range = i + 1..end;
            parent_indent = Some(indent);
        }
        found
    }
}

/// The key of a `key: value` or `key:` line, unquoted.
fn key_of(line: &str) -> Option<String> {
    let (key, rest) = if let Some(q) = line.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = line[1..].find(q)? + 1;
        (&line[1..end], &line[end + 1..])
    } else {
        let colon = line.find(": ").or_else(|| line.strip_suffix(':').map(|s| s.len()))?;
        (&line[..colon], &line[colon..])
    };
    if !rest.starts_with(':') || key.contains(['{', '[', '#']) {
        return None;
    }
    Some(key.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
service: hello
provider:
  name: aws
  environment:
    A: b
functions:
  greet:
    handler: x.wasm
    events:
      - httpApi: 'GET /a'
      - httpApi:
          method: get
          path: /b
  other:
    'handler': y.wasm
";

    #[test]
    fn finds_nested_keys_and_list_items() {
        let l = Locator::new(YAML);
        assert_eq!(l.line_of(&["service"]), Some(1));
        assert_eq!(l.line_of(&["provider", "environment", "A"]), Some(5));
        assert_eq!(l.line_of(&["functions", "greet", "handler"]), Some(8));
        assert_eq!(l.line_of(&["functions", "greet", "events", "0", "httpApi"]), Some(10));
        assert_eq!(l.line_of(&["functions", "greet", "events", "1", "httpApi", "path"]), Some(13));
        assert_eq!(l.line_of(&["functions", "other", "handler"]), Some(15));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        let l = Locator::new(YAML);
        assert_eq!(l.line_of(&["functions", "greet", "timeout"]), Some(7));
        assert_eq!(l.line_of(&["nothing"]), None);
        // `handler` under `other` must not be found under `greet`.
        assert_eq!(l.line_of(&["functions", "greet", "events", "5"]), Some(9));
    }
}
