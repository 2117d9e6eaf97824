//! Resynchronising after an unreadable stretch: where the next record starts.

use super::{ArrayKind, Sink, Splitter, State, Step};
use crate::error::{Error, ErrorKind, Result};
use crate::input::unit;
use crate::json::{self, skip_ws, Code, Fail};

impl Splitter {
    /// A value starting at `p` could not be read. Waits for more input if it may just be
    /// incomplete; otherwise finds where the next unit starts and reports the stretch between.
    pub(super) fn broken(&mut self, d: &[u8], p: usize, f: Fail, fin: bool, in_array: Option<ArrayKind>, sink: &mut Sink<'_>) -> Result<Step> {
        if f.code == Code::Eof && !fin {
            return Ok(Step::Wait(p));
        }
        if in_array.is_none() && self.state == State::Top {
            let read = d.get(p..f.at.min(d.len())).unwrap_or(&[]);
            self.note_top_unit(d.get(p).copied().unwrap_or(0), read);
        }
        let e = Error::from_fail(Fail { code: f.code, at: f.at.saturating_sub(p) }, &d[p..], 0);
        // Line and column (within the stretch's own text) stay on the error as data.
        let err = e.at_offset(self.base + f.at as u64);
        self.pending_error = Some(err);
        self.state = State::Resync { in_array, from: 1 };
        self.resync_spent = 0;
        self.resync(d, p, in_array, 1, fin, sink)
    }

    pub(super) fn resync(&mut self, d: &[u8], p: usize, in_array: Option<ArrayKind>, from: usize, fin: bool, sink: &mut Sink<'_>) -> Result<Step> {
        let found = match in_array {
            None => next_line_value(d, p + from),
            Some(_) => next_element(d, p, p + from, fin, &mut self.resync_spent),
        };
        let (end, next, state) = match found {
            Found::At(end, next) => (trim_ws(d, p, end), next, in_array.map_or(State::Top, |kind| State::Array { kind, comma: false })),
            Found::More(resume) if !fin => {
                self.state = State::Resync { in_array, from: resume.max(p + 1) - p };
                return Ok(Step::Wait(p));
            }
            _ => {
                // Nothing follows: the rest is the bad record (less the closing brackets).
                let mut end = d.len();
                if in_array.is_some() {
                    end = trim_closers(d, p, end);
                }
                (end, d.len(), State::Top)
            }
        };
        let err = self.pending_error.take().unwrap_or_else(|| Error::new(ErrorKind::Syntax, "unreadable data"));
        // The rest of a stretch cut at maxRecordBytes may be empty: nothing more to report.
        let continued = err.kind() == ErrorKind::Limit && err.message().starts_with("continued:");
        if end > p || !continued {
            self.bad(err, &d[p..end], sink)?;
        }
        self.state = state;
        Ok(Step::Go(next))
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum Found {
    /// The bad stretch ends at `.0`; the next unit starts at `.1`.
    At(usize, usize),
    /// Not found yet; resume the search at this index when more input arrives.
    More(usize),
    None,
}

/// Top level: the next line that starts with `{` or `[`.
pub(super) fn next_line_value(d: &[u8], from: usize) -> Found {
    let mut i = from.min(d.len());
    while let Some(nl) = memchr::memchr(b'\n', &d[i..]) {
        let s = i + nl + 1;
        match d.get(s) {
            Some(b'{' | b'[') => return Found::At(s, s),
            None => return Found::More(i + nl),
            _ => i = s,
        }
    }
    Found::More(d.len())
}

/// Inside an array: the next `{` after a `,` that parses, is followed by `,` or `]`, and looks
/// like a record.
///
/// Each candidate is parsed in full, and nested candidates (`,{"a":[0,{"a":[0,...`) would each
/// rescan the rest of the stretch up to the nesting limit. So parsing is budgeted at 8 bytes
/// per byte of the stretch (which starts at `stretch`): once spent, the search skips over the
/// span a failed candidate covered. Only decided candidates count (not one that waits for more
/// input), so the decisions do not depend on how the input was chunked.
pub(super) fn next_element(d: &[u8], stretch: usize, from: usize, fin: bool, spent: &mut usize) -> Found {
    let mut i = from.min(d.len());
    while let Some(off) = memchr::memchr(b'{', &d[i..]) {
        let c = i + off;
        let mut next = c + 1;
        // Only inside the stretch: whatever precedes it was read already (and a stream no
        // longer has it), so looking further back would make the search depend on chunking.
        let before = d[stretch..c].iter().rposition(|&x| !json::is_ws(x)).map(|b| b + stretch);
        if let Some(comma) = before.filter(|&b| d[b] == b',') {
            let end = match json::skip_value(d, c, 1) {
                Ok(e) => {
                    let after = skip_ws(d, e);
                    match d.get(after) {
                        Some(b',' | b']') if unit::looks_like_unit(&d[c..e]) => return Found::At(comma, c),
                        None if !fin && unit::looks_like_unit(&d[c..e]) => return Found::More(c),
                        _ => {}
                    }
                    e
                }
                Err(Fail { code: Code::Eof, .. }) if !fin => return Found::More(c),
                Err(f) => f.at,
            };
            // One long candidate is fine (a record may follow inside it); only a search that has
            // already parsed far more than it searched skips.
            if *spent > 8 * (c + 1 - stretch) + 4096 {
                next = next.max(end);
            }
            *spent += end.saturating_sub(c);
        }
        i = next;
    }
    if fin {
        Found::None
    } else {
        Found::More(d.len())
    }
}

pub(super) fn trim_ws(d: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && json::is_ws(d[end - 1]) {
        end -= 1;
    }
    end
}

/// Drops the closing `]` and `}` (and whitespace) that end a log from a trailing bad stretch.
pub(super) fn trim_closers(d: &[u8], start: usize, mut end: usize) -> usize {
    let mut closers = 0;
    while end > start && closers < 2 {
        match d[end - 1] {
            c if json::is_ws(c) => end -= 1,
            b']' | b'}' => {
                end -= 1;
                closers += 1;
            }
            _ => break,
        }
    }
    while end > start && json::is_ws(d[end - 1]) {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::{next_element, next_line_value, trim_closers, trim_ws, Found};

    #[test]
    fn next_line_value_table() {
        let f = |(d, from): (&str, usize)| next_line_value(d.as_bytes(), from);
        crate::table_test!(f, [
            ("next line starts an object", ("bad\n{\"a\":1}", 1), Found::At(4, 4)),
            ("or an array", ("bad\n[1]", 1), Found::At(4, 4)),
            ("lines that start otherwise are skipped", ("bad\n x\nzz\n{}", 1), Found::At(10, 10)),
            ("indented is not a start", ("bad\n {}", 1), Found::More(7)),
            ("no newline yet", ("bad stretch", 1), Found::More(11)),
            ("newline last: wait for the next byte", ("bad\n", 1), Found::More(3)),
            ("search resumes at from", ("{x\n{y\n{z", 4), Found::At(6, 6)),
            ("from past the end", ("ab", 9), Found::More(2)),
        ]);
    }

    #[test]
    fn next_element_table() {
        // (text, stretch start, search from, fin)
        let f = |(d, stretch, from, fin): (&str, usize, usize, bool)| next_element(d.as_bytes(), stretch, from, fin, &mut 0);
        let rec = r#"{"eventName":"A"}"#;
        crate::table_test!(f, [
            ("a record after a comma", (&*alloc::format!("{{bad,{rec}]"), 0, 1, true), Found::At(4, 5)),
            ("followed by a comma", (&*alloc::format!("{{bad , {rec},{rec}]"), 0, 1, true), Found::At(5, 7)),
            ("not after a comma", (&*alloc::format!("{{bad:{rec}]"), 0, 1, true), Found::None),
            ("does not look like a record", (r#"{bad,{"id":"o"}]"#, 0, 1, true), Found::None),
            ("lookup-events element", (r#"{bad,{"EventId":"1"}]"#, 0, 1, true), Found::At(4, 5)),
            ("not followed by , or ]", (&*alloc::format!("{{bad,{rec}x"), 0, 1, true), Found::None),
            ("unfinished candidate: wait", (r#"{bad,{"eventName":"#, 0, 1, false), Found::More(5)),
            ("complete but its end unseen: wait", (&*alloc::format!("{{bad,{rec}"), 0, 1, false), Found::More(5)),
            ("nothing yet", ("{bad", 0, 1, false), Found::More(4)),
            ("nothing at the end", ("{bad", 0, 1, true), Found::None),
            ("a comma before the stretch does not count", (&*alloc::format!(",{rec}]"), 1, 1, true), Found::None),
        ]);
    }

    #[test]
    fn trim_table() {
        let ws = |(d, start, end): (&str, usize, usize)| trim_ws(d.as_bytes(), start, end);
        crate::table_test!(ws, [
            ("trailing whitespace", ("ab \n\t", 0, 5), 2),
            ("none", ("ab", 0, 2), 2),
            ("not before start", ("a   ", 2, 4), 2),
        ]);
        let closers = |(d, start, end): (&str, usize, usize)| trim_closers(d.as_bytes(), start, end);
        crate::table_test!(closers, [
            ("a log's closing ] and }", ("{bad ]\n}\n", 0, 9), 4),
            ("at most two", ("x]]]", 0, 4), 2),
            ("other text stays", ("x}a", 0, 3), 3),
            ("not before start", ("]]", 1, 2), 1),
        ]);
    }
}
