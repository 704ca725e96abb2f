//! `wildcard` operands: event-ruler's parser (its messages and positions), matching, and an
//! approximation of its rule-complexity limit.

use std::collections::{HashSet, VecDeque};

/// The message EventBridge gives when a field's wildcards are too non-deterministic.
pub(crate) const TOO_COMPLEX: &str = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

/// The most NFA states one wildcard operand may keep active at once (see [`within_limit`]).
const MAX_COMPLEXITY: usize = 12;
/// Subset-construction states explored before the complexity estimate settles for what it has.
const MAX_EXPLORED: usize = 10_000;

/// One element of a wildcard: a literal byte or `*` (zero or more bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Byte(u8),
    Star,
}

/// A parsed wildcard operand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    parts: Vec<Part>,
}

impl Glob {
    /// Parses an operand like event-ruler's `WildcardParser`: `\*` is a literal star, `\\` a
    /// backslash, any other backslash and `**` are refused. Positions count UTF-8 bytes of the
    /// operand with a leading quote, as event-ruler parses `'"' + value + '"'` (so a trailing
    /// backslash escapes the closing quote and is refused too).
    pub(crate) fn parse(text: &str) -> Result<Glob, String> {
        let quoted = format!("\"{text}\"");
        let bytes = quoted.as_bytes();
        let mut parts = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'*' => {
                    if bytes.get(i + 1) == Some(&b'*') {
                        return Err(format!("Consecutive wildcard characters at pos {i}"));
                    }
                    parts.push(Part::Star);
                }
                b'\\' => match bytes.get(i + 1) {
                    Some(&next @ (b'*' | b'\\')) => {
                        parts.push(Part::Byte(next));
                        i += 1;
                    }
                    _ => return Err(format!("Invalid escape character at pos {i}")),
                },
                b => parts.push(Part::Byte(b)),
            }
            i += 1;
        }
        // Drop the quotes event-ruler wraps values in; they match nothing of the value itself.
        parts.remove(0);
        parts.pop();
        Ok(Glob { parts })
    }

    /// Whether the whole of `value` matches; `*` spans any bytes, including none.
    pub(crate) fn matches(&self, value: &str) -> bool {
        let text = value.as_bytes();
        let (mut p, mut t) = (0, 0);
        // The last star seen and the text position it was tried at, for backtracking.
        let mut star: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.parts.get(p) {
                Some(Part::Byte(b)) if *b == text[t] => {
                    p += 1;
                    t += 1;
                }
                Some(Part::Star) => {
                    star = Some((p, t));
                    p += 1;
                }
                _ => match star {
                    Some((sp, st)) => {
                        p = sp + 1;
                        t = st + 1;
                        star = Some((sp, st + 1));
                    }
                    None => return false,
                },
            }
        }
        self.parts[p.min(self.parts.len())..].iter().all(|part| *part == Part::Star)
    }
}

/// Whether a wildcard operand is within the complexity limit.
///
/// event-ruler's `MachineComplexityEvaluator` measures how many wildcard-rule states a worst-case
/// value can keep active at once in the compiled machine, and EventBridge refuses rules above a
/// limit it does not publish. This estimate runs the measure on each operand's own NFA (one state
/// per operand position, a star state staying active once reached), counting the states active
/// after each byte of a worst-case value. The limit of 12 is calibrated on the guide's examples,
/// leaning to acceptance: `*:*:*:*:*:event-bus/*` (up to 13 active states) is refused,
/// `/Users/*/dir/dir/dir/dir/dir/doc.txt` (up to 8) accepted. Operands are judged one by one, so a
/// field with many simple wildcards is accepted where event-ruler's machine-wide sum might not be:
/// when unsure, accept.
pub(crate) fn within_limit(glob: &Glob) -> bool {
    complexity(&[glob]) <= MAX_COMPLEXITY
}

/// The largest set of simultaneously active states of `globs` together (see [`within_limit`]).
fn complexity(globs: &[&Glob]) -> usize {
    // Bytes the operands mention, plus one they do not (every other byte behaves alike).
    let mut alphabet: Vec<u8> = globs
        .iter()
        .flat_map(|g| g.parts.iter())
        .filter_map(|p| if let Part::Byte(b) = p { Some(*b) } else { None })
        .collect();
    alphabet.sort_unstable();
    alphabet.dedup();
    if let Some(other) = (0..=u8::MAX).find(|b| alphabet.binary_search(b).is_err()) {
        alphabet.push(other);
    }

    // Like event-ruler, count from the first byte on: the start state itself is not a match prefix.
    let start: Vec<(usize, usize)> = closure(globs, (0..globs.len()).map(|g| (g, 0)).collect());
    let mut largest = 0;
    let mut seen: HashSet<Vec<(usize, usize)>> = HashSet::from([start.clone()]);
    let mut queue = VecDeque::from([start]);
    while let Some(states) = queue.pop_front() {
        for &byte in &alphabet {
            let next = step(globs, &states, byte);
            if next.is_empty() || seen.contains(&next) {
                continue;
            }
            largest = largest.max(next.len());
            if largest > MAX_COMPLEXITY || seen.len() >= MAX_EXPLORED {
                return largest;
            }
            seen.insert(next.clone());
            queue.push_back(next);
        }
    }
    largest
}

/// The states reachable from `states` on `byte`, closed over empty star matches.
fn step(globs: &[&Glob], states: &[(usize, usize)], byte: u8) -> Vec<(usize, usize)> {
    let mut next = Vec::new();
    for &(g, pos) in states {
        match globs[g].parts.get(pos) {
            Some(Part::Star) => next.push((g, pos)),
            Some(Part::Byte(b)) if *b == byte => next.push((g, pos + 1)),
            _ => {}
        }
    }
    closure(globs, next)
}

/// Adds the states a star can skip to without consuming anything; sorted and deduplicated.
fn closure(globs: &[&Glob], mut states: Vec<(usize, usize)>) -> Vec<(usize, usize)> {
    let mut i = 0;
    while i < states.len() {
        let (g, pos) = states[i];
        if globs[g].parts.get(pos) == Some(&Part::Star) && !states.contains(&(g, pos + 1)) {
            states.push((g, pos + 1));
        }
        i += 1;
    }
    states.sort_unstable();
    states.dedup();
    states
}
