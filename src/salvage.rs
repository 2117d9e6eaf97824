//! Salvage: reads what can be read of a record that failed to parse (docs/INPUTS.md, "Salvage").
//!
//! Runs only after the fast reader gave up on a record, so it costs nothing on the hot path. It
//! rebuilds the record as valid JSON text that the ordinary pipeline (flatten, enrich, profile)
//! then reads unchanged:
//! - every member read intact is kept as it was (its text copied byte for byte);
//! - a damaged stretch is kept as its raw text, at the place it was found: a member whose key was
//!   read but whose value could not be becomes `"key": {"~damaged": "<raw value text>"}`; a
//!   stretch that is no member at all (garbage, a lost key, a stray closer) becomes a member
//!   `"~damaged"` (then `"~damaged2"`, ...) of the object it was found in;
//! - reading resumes at the next member of the enclosing object: brackets are counted outside
//!   strings, and a closer that closes nothing there (a stray `]` left by a lost `[{`) is part of
//!   the damage. When the record as a whole has more `}` than `{`, a stray closer right after a
//!   member means that member lost an opener, so the member stays open until one more `}`.
//! - a record cut short (the text ends inside it) is closed where it ends and marked truncated.
//!
//! Linear time: every byte is scanned a bounded number of times; objects nest by recursion only
//! up to [`MAX_RECURSION`] levels, deeper values are checked (and kept) whole.

use alloc::string::String;
use alloc::vec::Vec;

use crate::json::{self, skip_ws};

/// The member name a damaged stretch is kept under (flat key `<path>.~0damaged`: the flattening
/// escape rule writes `~` as `~0`).
pub const DAMAGED_KEY: &str = "~damaged";

/// Members whose intact presence at the top level makes a stretch a CloudTrail record worth
/// salvaging (the same four `strict` recognises).
const CLOUDTRAIL_KEYS: [&str; 4] = ["eventVersion", "eventTime", "eventName", "eventSource"];

/// Objects nest by recursion up to this depth; deeper values are validated and copied whole, or
/// kept as damage.
const MAX_RECURSION: usize = 128;

/// One damaged stretch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    /// Byte offset of the stretch in the record's raw text (`event.original`).
    pub offset: usize,
    /// Flat key (separator and `~0`/`~1` escapes as in flattening) of the object holding the
    /// damaged member, or of the damaged member itself (`""`: the record's top level).
    pub path: String,
    /// What was wrong.
    pub message: &'static str,
}

/// A salvaged record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Salvaged {
    /// The rebuilt record: valid JSON text of one object.
    pub json: Vec<u8>,
    pub damages: Vec<Damage>,
    /// The text ended inside the record.
    pub truncated: bool,
}

/// Salvages the record in `raw` (surrounding whitespace allowed). `None` when there is nothing
/// to salvage: no opening `{`, no intact CloudTrail member at the top level (so garbage never
/// turns into a fake record), or no damage found at all (the failure was of another kind).
pub fn salvage(raw: &[u8], separator: char) -> Option<Salvaged> {
    let start = skip_ws(raw, 0);
    if raw.get(start) != Some(&b'{') {
        return None;
    }
    let (mut open_curly, mut close_curly) = (0usize, 0usize);
    count_brackets(raw, start, &mut open_curly, &mut close_curly);
    let mut p = Reader {
        s: raw,
        out: Vec::with_capacity(raw.len() + 64),
        damages: Vec::new(),
        truncated: false,
        brace_debt: close_curly.saturating_sub(open_curly),
        keys: Vec::new(),
        separator,
        cloudtrail: false,
        damaged_values: 0,
    };
    p.object(start, 0);
    if p.damages.is_empty() || !p.cloudtrail {
        return None;
    }
    // The rebuilt text is valid UTF-8 (intact spans are checked, raw stretches decoded lossily).
    Some(Salvaged { json: p.out, damages: p.damages, truncated: p.truncated })
}

/// Counts `{` and `}` outside strings (a string cut by the end counts to the end).
fn count_brackets(s: &[u8], from: usize, open: &mut usize, close: &mut usize) {
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'"' => i = string_end(s, i),
            b'{' => *open += 1,
            b'}' => *close += 1,
            _ => {}
        }
        i += 1;
    }
}

/// The index of the closing quote of the string opened at `s[i]`, or `s.len()` when it is cut.
/// Lenient: only the escaped quote matters here.
fn string_end(s: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    while j < s.len() {
        match s[j] {
            b'\\' => j += 2,
            b'"' => return j,
            _ => j += 1,
        }
    }
    s.len()
}

struct Reader<'a> {
    s: &'a [u8],
    out: Vec<u8>,
    damages: Vec<Damage>,
    truncated: bool,
    /// `}` the record has beyond its `{`: openers lost somewhere, to be matched to stray closers.
    brace_debt: usize,
    /// The keys (raw, with quotes) of the objects being read, outermost first.
    keys: Vec<(usize, usize)>,
    separator: char,
    cloudtrail: bool,
    /// Damaged member values so far (any object).
    damaged_values: usize,
}

/// Where a resynchronising scan stopped.
struct Stop {
    /// End of the damaged stretch (exclusive, trailing whitespace excluded).
    end: usize,
    /// Where reading goes on: at a `,` or `}` of the enclosing object, or the end of the text.
    next: usize,
}

impl Reader<'_> {
    /// Reads the object whose `{` is at `s[i]`, writing it (salvaged) to `out`. Returns the index
    /// just past its `}` (or the end of the text).
    fn object(&mut self, i: usize, depth: usize) -> usize {
        let s = self.s;
        self.out.push(b'{');
        let mut first = true;
        let mut damaged_members = 0usize;
        // Damaged member values counted so far, to tell whether this object holds damage.
        let values_before = self.damaged_values;
        let mut p = i + 1;
        // Expecting a member (true) or `,`/`}` after one (false).
        let mut want_member = true;
        // The last member read (output length and `first` before it, key start, value start),
        // to reopen it when a stray closer follows.
        let mut last: Option<(usize, bool, usize, usize)> = None;
        loop {
            p = skip_ws(s, p);
            let Some(&c) = s.get(p) else {
                // Once per record: the enclosing objects end at the same place.
                if !self.truncated {
                    self.damage(p, None, "record cut short: the text ends inside this object");
                }
                self.truncated = true;
                self.out.push(b'}');
                return p;
            };
            if c == b'}' {
                // The record has more `}` than `{` and this object already holds damage: the
                // damage most likely lost the opener this `}` closes, so it closes nothing here.
                if depth > 0 && self.brace_debt > 0 && damaged_members + self.damaged_values > values_before {
                    self.brace_debt -= 1;
                    self.keep_stretch(p, p + 1, &mut first, &mut damaged_members, "a closing brace without its opener (lost in the damage before it)");
                    p += 1;
                    want_member = false;
                    last = None;
                    continue;
                }
                // At the top level a `}` before the end of the text closes nothing: stray.
                if depth == 0 && skip_ws(s, p + 1) < s.len() {
                    let stop = Stop { end: p + 1, next: p + 1 };
                    self.keep_stretch(p, stop.end, &mut first, &mut damaged_members, "stray '}' before the end of the record");
                    p = stop.next;
                    want_member = false;
                    last = None;
                    continue;
                }
                self.out.push(b'}');
                return p + 1;
            }
            if !want_member {
                if c == b',' {
                    p += 1;
                    want_member = true;
                    continue;
                }
                // A stray closer right after a member whose opener count says an opener was lost:
                // the member lost it, so it stays open until one more `}`.
                // Likewise a `:` after a string value: that string was the first key of an
                // object whose `{` was lost.
                if let (b']' | b'}' | b':', Some((out_len, was_first, key, v)), true) = (c, last, self.brace_debt > 0) {
                    if matches!((c, s[v]), (b']' | b'}', b'{' | b'[') | (b':', b'"')) {
                        self.brace_debt -= 1;
                        self.out.truncate(out_len);
                        first = was_first;
                        // Damage found inside the member (now superseded) goes with it.
                        // (Damages are recorded in offset order: drop from the end.)
                        while self.damages.last().is_some_and(|d| d.offset >= v) {
                            self.damages.pop();
                        }
                        let stop = self.resync(p + 1, 1);
                        let msg = if c == b':' { "a member without its object: the value lost its opening brace" } else { "a closing bracket without its opener: the member lost an opening bracket" };
                        self.member_damage(key, v, stop.end, &mut first, msg);
                        p = stop.next;
                        last = None;
                        continue;
                    }
                }
                let msg = if matches!(c, b']' | b'}') { "stray closing bracket" } else { "expected ',' or '}' after a member" };
                let stop = self.resync(p, 0);
                self.keep_stretch(p, stop.end, &mut first, &mut damaged_members, msg);
                p = stop.next;
                last = None;
                continue;
            }
            // A member: key, colon, value.
            let key_end = match (c, json::skip_value(s, p, 0)) {
                (b'"', Ok(e)) if core::str::from_utf8(&s[p..e]).is_ok() => e,
                _ => {
                    let stop = self.resync(p, 0);
                    self.keep_stretch(p, stop.end, &mut first, &mut damaged_members, "not a member: a key was expected");
                    p = stop.next;
                    want_member = false;
                    last = None;
                    continue;
                }
            };
            let colon = skip_ws(s, key_end);
            if s.get(colon) != Some(&b':') {
                let stop = self.resync(p, 0);
                self.keep_stretch(p, stop.end, &mut first, &mut damaged_members, "a key without ':' and value");
                p = stop.next;
                want_member = false;
                last = None;
                continue;
            }
            let k = p;
            let v = skip_ws(s, colon + 1);
            let out_len = self.out.len();
            let was_first = first;
            if v >= s.len() {
                // Cut right after the colon.
                self.truncated = true;
                self.member_damage(p, v, v, &mut first, "record cut short: a member without its value");
                self.out.push(b'}');
                return v;
            }
            if s[v] == b'{' && depth < MAX_RECURSION {
                self.member_key(p, key_end, &mut first);
                self.keys.push((p, key_end));
                p = self.object(v, depth + 1);
                self.keys.pop();
            } else {
                match json::skip_value(s, v, depth) {
                    Ok(e) if core::str::from_utf8(&s[v..e]).is_ok() => {
                        self.member_key(p, key_end, &mut first);
                        self.out.extend_from_slice(&s[v..e]);
                        if depth == 0 && CLOUDTRAIL_KEYS.iter().any(|k| json::key_eq(&s[p + 1..key_end - 1], k)) {
                            self.cloudtrail = true;
                        }
                        p = e;
                    }
                    Ok(_) => {
                        let stop = self.resync(v, 0);
                        self.member_damage(p, v, stop.end, &mut first, "a value that is not valid UTF-8");
                        p = stop.next;
                    }
                    Err(f) => {
                        let stop = self.resync(v, 0);
                        self.member_damage(p, v, stop.end, &mut first, f.code.describe());
                        p = stop.next;
                    }
                }
            }
            want_member = false;
            last = Some((out_len, was_first, k, v));
        }
    }

    /// Scans from `from` (inside the object being read, `open` extra levels deep) to where that
    /// object can go on: a `,` followed by a key, or its `}`, at its own level. Closers that close
    /// nothing are skipped as part of the damage. Brackets inside strings do not count.
    fn resync(&mut self, from: usize, open: usize) -> Stop {
        let s = self.s;
        // The openers seen and not yet closed; `open` levels are objects already open.
        let mut stack: Vec<u8> = alloc::vec![b'{'; open];
        let mut i = from;
        while i < s.len() {
            match s[i] {
                b'"' => i = string_end(s, i),
                c @ (b'{' | b'[') => stack.push(c),
                b'}' => {
                    // A `}` closes the innermost object: arrays still open lost their `]`.
                    while stack.last() == Some(&b'[') {
                        stack.pop();
                    }
                    if stack.pop().is_none() {
                        // The object being read closes here.
                        return Stop { end: trim_end(s, from, i), next: i };
                    }
                    if stack.is_empty() && open > 0 {
                        return Stop { end: i + 1, next: i + 1 };
                    }
                }
                // A `]` with no open array is stray: part of the damage.
                b']' if stack.last() == Some(&b'[') => {
                    stack.pop();
                }
                b',' if stack.is_empty() && s.get(skip_ws(s, i + 1)) == Some(&b'"') => {
                    return Stop { end: trim_end(s, from, i), next: i };
                }
                _ => {}
            }
            i += 1;
        }
        self.truncated = true;
        Stop { end: trim_end(s, from, s.len()), next: s.len() }
    }

    fn comma(&mut self, first: &mut bool) {
        if !*first {
            self.out.push(b',');
        }
        *first = false;
    }

    fn member_key(&mut self, k: usize, key_end: usize, first: &mut bool) {
        self.comma(first);
        self.out.extend_from_slice(&self.s[k..key_end]);
        self.out.push(b':');
    }

    /// The member whose key starts at `k` has a damaged value `s[v..end]`: `"key": {"~damaged": raw}`.
    fn member_damage(&mut self, k: usize, v: usize, end: usize, first: &mut bool, message: &'static str) {
        let key_end = json::skip_value(self.s, k, 0).unwrap_or(k);
        self.member_key(k, key_end, first);
        self.out.push(b'{');
        json::write_str(&mut self.out, DAMAGED_KEY);
        self.out.push(b':');
        self.raw_str(v, end);
        self.out.push(b'}');
        self.damaged_values += 1;
        self.damage(v, Some((k, key_end)), message);
    }

    /// A stretch `s[from..end]` that is no member: kept as `"~damaged"` (`~damaged2`, ...).
    fn keep_stretch(&mut self, from: usize, end: usize, first: &mut bool, n: &mut usize, message: &'static str) {
        self.comma(first);
        *n += 1;
        self.out.push(b'"');
        self.out.extend_from_slice(DAMAGED_KEY.as_bytes());
        if *n > 1 {
            json::write_int(&mut self.out, *n as i64);
        }
        self.out.extend_from_slice(b"\":");
        self.raw_str(from, end.max(from));
        self.damage(from, None, message);
    }

    fn raw_str(&mut self, from: usize, end: usize) {
        let raw = String::from_utf8_lossy(&self.s[from..end.min(self.s.len())]);
        json::write_str(&mut self.out, &raw);
    }

    fn damage(&mut self, offset: usize, member: Option<(usize, usize)>, message: &'static str) {
        let mut path = String::new();
        let mut sep = [0u8; 4];
        let sep = self.separator.encode_utf8(&mut sep);
        for &(k, e) in self.keys.iter().chain(member.iter()) {
            if !path.is_empty() {
                path.push_str(sep);
            }
            let key = json::unescape(&self.s[k + 1..e.saturating_sub(1).max(k + 1)]).unwrap_or_default();
            for ch in key.chars() {
                match ch {
                    '~' => path.push_str("~0"),
                    c if c == self.separator => path.push_str("~1"),
                    c => path.push(c),
                }
            }
        }
        self.damages.push(Damage { offset, path, message });
    }
}

fn trim_end(s: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && json::is_ws(s[end - 1]) {
        end -= 1;
    }
    end
}
