//! Splits an expression into tokens, keeping each token's place in the source so a syntax
//! error can quote it the way DynamoDB does (`token: "x", near: "a x b"`).

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// A bare name: an ASCII letter, then letters, digits or `_`. Keywords (`AND`, `SET`…)
    /// and function names are names too; the parser tells them apart.
    Name,
    /// `#name`: an expression attribute name.
    NameRef,
    /// `:name`: an expression attribute value.
    ValueRef,
    /// Decimal digits (only meaningful as a list index).
    Digits,
    /// `=`, `<>`, `<`, `<=`, `>`, `>=`, `(`, `)`, `[`, `]`, `,`, `.`, `+`, `-`.
    Punct,
    /// Any other character, which no rule accepts: a syntax error wherever it appears.
    Stray,
    /// The end of the expression.
    Eof,
}

/// One token: its kind and where it sits in the source (byte offsets).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokKind,
    pub start: usize,
    pub end: usize,
}

/// The tokens of an expression, ending with one `Eof` token.
pub(crate) struct Tokens<'s> {
    pub src: &'s str,
    pub toks: Vec<Token>,
}

impl<'s> Tokens<'s> {
    /// Lexes `src`; never fails (unknown characters become `Stray` tokens).
    pub fn lex(src: &'s str) -> Tokens<'s> {
        let bytes = src.as_bytes();
        let mut toks = Vec::new();
        let mut i = 0;
        let is_part = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        while i < bytes.len() {
            let b = bytes[i];
            if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
                continue;
            }
            let start = i;
            let kind = if b.is_ascii_alphabetic() {
                while i < bytes.len() && is_part(bytes[i]) {
                    i += 1;
                }
                TokKind::Name
            } else if b.is_ascii_digit() {
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                TokKind::Digits
            } else if (b == b'#' || b == b':') && i + 1 < bytes.len() && is_part(bytes[i + 1]) {
                i += 1;
                while i < bytes.len() && is_part(bytes[i]) {
                    i += 1;
                }
                if b == b'#' { TokKind::NameRef } else { TokKind::ValueRef }
            } else if matches!(b, b'<' | b'>') && bytes.get(i + 1) == Some(&b'=')
                || (b == b'<' && bytes.get(i + 1) == Some(&b'>'))
            {
                i += 2;
                TokKind::Punct
            } else if matches!(b, b'=' | b'<' | b'>' | b'(' | b')' | b'[' | b']' | b',' | b'.' | b'+' | b'-') {
                i += 1;
                TokKind::Punct
            } else {
                // One whole character, however many bytes it takes.
                i += src[i..].chars().next().map_or(1, char::len_utf8);
                TokKind::Stray
            };
            toks.push(Token { kind, start, end: i });
        }
        let end = toks.last().map_or(0, |t| t.end);
        toks.push(Token { kind: TokKind::Eof, start: end, end });
        Tokens { src, toks }
    }

    /// The text of token `i` (`<EOF>` for the end).
    pub fn text(&self, i: usize) -> &str {
        let t = &self.toks[i];
        if t.kind == TokKind::Eof { "<EOF>" } else { &self.src[t.start..t.end] }
    }

    /// Whether the expression has no tokens at all.
    pub fn is_empty(&self) -> bool {
        self.toks.len() == 1
    }

    /// The first `(` that opens more than `max` nested parentheses, if any.
    pub fn nesting_beyond(&self, max: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, t) in self.toks.iter().enumerate() {
            if t.kind != TokKind::Punct {
                continue;
            }
            match &self.src[t.start..t.end] {
                "(" => {
                    depth += 1;
                    if depth > max {
                        return Some(i);
                    }
                }
                ")" => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        None
    }

    /// DynamoDB's context for a syntax error at token `i`: the source from the token before
    /// it to the token after it.
    pub fn near(&self, i: usize) -> &str {
        let from = if i == 0 { self.toks[0].start } else { self.toks[i - 1].start };
        let to = match self.toks.get(i + 1) {
            Some(next) if next.kind != TokKind::Eof => next.end,
            _ => self.toks[i].end,
        };
        &self.src[from..to.max(from)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokKind, String)> {
        let t = Tokens::lex(src);
        (0..t.toks.len()).map(|i| (t.toks[i].kind.clone(), t.text(i).to_string())).collect()
    }

    #[test]
    fn splits_tokens() {
        use TokKind::*;
        assert_eq!(
            kinds("a.b[12] <>:v1 AND #n_2>=x"),
            vec![
                (Name, "a".into()),
                (Punct, ".".into()),
                (Name, "b".into()),
                (Punct, "[".into()),
                (Digits, "12".into()),
                (Punct, "]".into()),
                (Punct, "<>".into()),
                (ValueRef, ":v1".into()),
                (Name, "AND".into()),
                (NameRef, "#n_2".into()),
                (Punct, ">=".into()),
                (Name, "x".into()),
                (Eof, "<EOF>".into()),
            ]
        );
        assert_eq!(kinds("_a")[0], (Stray, "_".into()));
        assert_eq!(kinds("# a")[0], (Stray, "#".into()));
        assert_eq!(kinds("ü")[0], (Stray, "ü".into()));
        assert_eq!(kinds("!=")[0], (Stray, "!".into()));
        assert!(Tokens::lex("  \n ").is_empty());
    }

    #[test]
    fn near_spans_the_neighbours() {
        let t = Tokens::lex("SET MyStr = myNum Mystr2 myNum2");
        assert_eq!(t.near(4), "myNum Mystr2 myNum2");
        let t = Tokens::lex("foo ");
        assert_eq!(t.near(1), "foo");
        let t = Tokens::lex("SET _123 = :v");
        assert_eq!(t.near(1), "SET _123");
    }
}
