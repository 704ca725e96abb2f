//! IAM's wildcards: `*` matches any run of characters, `?` any one character.

/// Whether `text` matches `pattern`, in time proportional to their lengths' product at
/// worst (a greedy match that only ever backtracks to the last `*`, so no pattern makes it
/// exponential). ASCII, the usual case, is matched byte by byte without allocating.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        let same = |a: &u8, b: &u8| if ignore_case { a.eq_ignore_ascii_case(b) } else { a == b };
        return glob(pattern.as_bytes(), text.as_bytes(), same);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    glob(&p, &t, |a: &char, b: &char| if ignore_case { a.to_lowercase().eq(b.to_lowercase()) } else { a == b })
}

/// The match over any alphabet whose `*` and `?` are the given units.
fn glob<T: Copy + Wild>(p: &[T], t: &[T], same: impl Fn(&T, &T) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and where in the text it started matching.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi].is_one() || (!p[pi].is_any() && same(&p[pi], &t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi].is_any() {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| c.is_any())
}

/// The wildcard units of an alphabet.
trait Wild {
    /// `*`.
    fn is_any(&self) -> bool;
    /// `?`.
    fn is_one(&self) -> bool;
}

impl Wild for u8 {
    fn is_any(&self) -> bool {
        *self == b'*'
    }
    fn is_one(&self) -> bool {
        *self == b'?'
    }
}

impl Wild for char {
    fn is_any(&self) -> bool {
        *self == '*'
    }
    fn is_one(&self) -> bool {
        *self == '?'
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("s3:Get*", "s3:GetObject", false));
        assert!(matches("*", "", false));
        assert!(matches("arn:aws:s3:::b/*", "arn:aws:s3:::b/a/b/c", false));
        assert!(!matches("arn:aws:s3:::b/*", "arn:aws:s3:::bb/a", false));
        assert!(matches("a?c", "abc", false) && !matches("a?c", "ac", false));
        assert!(matches("*a*b*c*", "xxaxxbxxcxx", false));
        assert!(!matches("abc", "ABC", false) && matches("abc", "ABC", true));
        assert!(matches("dynamodb:*item", "dynamodb:GetItem", true));
        assert!(matches("ünï*", "ünïcode", false) && matches("ÜN?*", "ünïcode", true), "beyond ASCII too");
    }

    #[test]
    fn pathological_patterns_take_bounded_time() {
        let text = "a".repeat(5_000);
        let pattern = format!("{}b", "*a".repeat(500));
        // Quadratic at worst: this ends, where exponential backtracking would not.
        assert!(!matches(&pattern, &text, false));
    }
}
