//! Sigma's wildcards: `*` any run, `?` one character, `\` escapes (`\*`, `\?`, `\\`). Matching
//! is iterative with one backtrack point, so time is at most pattern × text, never exponential.

use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum G {
    Ch(char),
    One,
    Star,
}

/// Reads a Sigma string into pattern items; `fold` lowercases literals (Sigma's default:
/// case-insensitive, ASCII letters only).
pub(crate) fn compile(s: &str, fold: bool) -> Vec<G> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            // Sigma: a backslash escapes only a wildcard or another backslash.
            '\\' if matches!(it.peek(), Some('*' | '?' | '\\')) => {
                out.push(G::Ch(it.next().unwrap_or('\\')))
            }
            '*' => {
                if out.last() != Some(&G::Star) {
                    out.push(G::Star)
                }
            }
            '?' => out.push(G::One),
            c => push_lit(&mut out, c, fold),
        }
    }
    out
}

fn push_lit(out: &mut Vec<G>, c: char, fold: bool) {
    // ASCII folding: CloudTrail's names and values are ASCII in practice, and Unicode case
    // tables would cost the wasm for nothing.
    out.push(G::Ch(if fold { c.to_ascii_lowercase() } else { c }));
}

/// The literal a pattern stands for, when it has no wildcard (for the rule index).
pub(crate) fn literal(p: &[G]) -> Option<alloc::string::String> {
    p.iter()
        .map(|g| if let G::Ch(c) = g { Some(*c) } else { None })
        .collect()
}

pub(crate) fn matches(p: &[G], text: &str, fold: bool) -> bool {
    let t: Vec<char> = text
        .chars()
        .map(|c| if fold { c.to_ascii_lowercase() } else { c })
        .collect();
    let (mut pi, mut ti) = (0, 0);
    let mut back: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(G::Star) => {
                back = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some(G::One) => {
                pi += 1;
                ti += 1;
                continue;
            }
            Some(G::Ch(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        match back {
            Some((bp, bt)) => {
                pi = bp + 1;
                ti = bt + 1;
                back = Some((bp, bt + 1));
            }
            None => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|g| *g == G::Star)
}

/// Selection-name patterns in conditions (`selection_*`): `*` only, case-sensitive.
pub(crate) fn name_matches(pat: &str, name: &str) -> bool {
    let p: Vec<G> = pat
        .chars()
        .map(|c| if c == '*' { G::Star } else { G::Ch(c) })
        .collect();
    matches(&p, name, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        for (p, t, want) in [
            ("abc", "ABC", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*", "", true),
            ("", "", true),
            ("", "a", false),
            ("a\\*c", "a*c", true),
            ("a\\*c", "abc", false),
            ("*a*b*", "xxaxxbxx", true),
            ("*a*b*", "xxbxxaxx", false),
            ("C:\\Windows", "c:\\windows", true),
        ] {
            assert_eq!(matches(&compile(p, true), t, true), want, "{p:?} ~ {t:?}");
        }
        assert!(!matches(&compile("ABC", false), "abc", false));
        assert_eq!(literal(&compile("Get\\*", true)).as_deref(), Some("get*"));
        assert_eq!(literal(&compile("Get*", true)), None);
    }
}
