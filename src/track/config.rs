//! A configuration object as compact flat text: one line per leaf, `key\tvalue\n`, in document
//! order (records of one API write their members in one order). Keys are the flat path
//! relative to the configuration object, array elements by index (`origins.items.1.domainName`),
//! written JSON-escaped without quotes; values are canonical JSON text (strings decoded and
//! re-escaped, so the same value reads the same however the record escaped it). Escaped JSON text
//! holds no raw tab or newline, so the two separators cannot occur inside a key or a value.
//!
//! Text, not a tree: one allocation per stored configuration, compared byte for byte when
//! nothing changed, line by line when the keys are the same in the same order (the common case),
//! and merged by key otherwise. Changes come out in key order (digit runs compared as numbers,
//! so `items.2` comes before `items.10`).

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::json;

/// Deeper than this, a subtree is one leaf holding its compact JSON text (configurations are a
/// few levels deep; this only bounds recursion on hostile input).
const MAX_DEPTH: usize = 32;

/// Flattens the configuration object `raw` into flat text. None when `raw` is not a non-empty
/// object (CloudTrail blanks some response configurations to `{}`: no state there).
pub(crate) fn flatten(raw: &[u8]) -> Option<String> {
    let raw = &raw[json::skip_ws(raw, 0)..];
    if raw.first() != Some(&b'{') || json::members(raw).next().is_none() {
        return None;
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 2);
    let mut path = Vec::with_capacity(128);
    walk(raw, 0, &mut path, 0, &mut out);
    // Built from escaped keys and canonical values of validated UTF-8 input.
    String::from_utf8(out).ok()
}

/// Walks the value at `b[i]` (validated JSON), writing a line per leaf; returns where it ends.
/// One pass: each byte is read once (not once per level, as iterating members would).
fn walk(b: &[u8], i: usize, path: &mut Vec<u8>, depth: usize, out: &mut Vec<u8>) -> usize {
    let i = json::skip_ws(b, i);
    let open = b.get(i).copied();
    let close = match open {
        Some(b'{') => b'}',
        Some(b'[') => b']',
        _ => {
            let end = json::skip_fast(b, i);
            leaf(path, &b[i..end], out);
            return end;
        }
    };
    let after_open = json::skip_ws(b, i + 1);
    if b.get(after_open) == Some(&close) || depth >= MAX_DEPTH {
        // Empty, or too deep: one leaf with the value's compact text.
        let end = json::skip_fast(b, i);
        leaf(path, &b[i..end], out);
        return end;
    }
    let len = path.len();
    let mut j = after_open;
    let mut index = 0usize;
    loop {
        push_part(path, len);
        if open == Some(b'{') {
            let Ok((kend, esc)) = json::scan_string(b, j) else { return b.len() };
            let k = &b[j + 1..kend - 1];
            // Decoded, then escaped as JSON string content: no raw tab or newline in a key.
            if esc {
                json::write_str_content(path, json::unescape(k).unwrap_or_default().as_bytes());
            } else {
                path.extend_from_slice(k);
            }
            j = json::skip_ws(b, kend);
            if b.get(j) != Some(&b':') {
                return b.len();
            }
            j += 1;
        } else {
            let mut n = [0u8; 20];
            path.extend_from_slice(digits(index, &mut n));
            index += 1;
        }
        j = walk(b, j, path, depth + 1, out);
        path.truncate(len);
        j = json::skip_ws(b, j);
        match b.get(j) {
            Some(b',') => j = json::skip_ws(b, j + 1),
            Some(&c) if c == close => return j + 1,
            _ => return b.len(),
        }
    }
}

fn leaf(path: &[u8], v: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(path);
    out.push(b'\t');
    canonical(v, out);
    out.push(b'\n');
}

fn push_part(path: &mut Vec<u8>, len: usize) {
    if len > 0 {
        path.push(b'.');
    }
}

fn digits(mut i: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (i % 10) as u8;
        i /= 10;
        if i == 0 {
            return &buf[at..];
        }
    }
}

/// Canonical JSON text of a leaf value: strings decoded and re-escaped, containers compact,
/// other scalars as written.
pub(crate) fn canonical(v: &[u8], out: &mut Vec<u8>) {
    match v.first() {
        Some(b'"') if !v.contains(&b'\\') => out.extend_from_slice(v),
        Some(b'"') => match json::as_str(v) {
            Some(s) => json::write_str(out, &s),
            None => out.extend_from_slice(v),
        },
        Some(b'{' | b'[') => json::write_compact(out, v),
        _ => out.extend_from_slice(v),
    }
}

/// Byte order, except that runs of digits compare as numbers (`items.2` < `items.10`).
pub(crate) fn natural_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            let si = i;
            let sj = j;
            while i < a.len() && a[i].is_ascii_digit() {
                i += 1;
            }
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            // Leading zeros do not occur in indices; compare the runs by length, then bytes.
            let o = (i - si).cmp(&(j - sj)).then_with(|| a[si..i].cmp(&b[sj..j]));
            if o != Ordering::Equal {
                return o;
            }
        } else {
            if a[i] != b[j] {
                return a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a.len() - i).cmp(&(b.len() - j))
}

/// The lines of flat text as (key, value) pairs, in order. Into a vector sized from the text,
/// and the tab found by a plain byte loop (keys are short: `split_once` set up a searcher per
/// line, a tenth of tracking's cost in the profile).
pub(crate) fn entries(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::with_capacity(text.len() / 32 + 1);
    for line in text.split_terminator('\n') {
        // The separators are ASCII: the cut is at a character boundary.
        out.push(match line.bytes().position(|c| c == b'\t') {
            Some(t) => (&line[..t], &line[t + 1..]),
            None => (line, ""),
        });
    }
    out
}

/// The value at `key` (the last one, as JSON.parse keeps the last of duplicates). A scan: the
/// change flags look up a handful of keys, only on records that changed something.
pub(crate) fn get<'t>(entries: &[(&str, &'t str)], key: &str) -> Option<&'t str> {
    entries.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// One changed key: the value before and after as canonical JSON text, None where absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diff {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn d(k: &str, b: Option<&str>, a: Option<&str>) -> Diff {
    Diff { key: String::from(k), before: b.map(String::from), after: a.map(String::from) }
}

/// Every key whose value differs between two flat texts, in key order.
pub(crate) fn diff(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<Diff> {
    let mut out = Vec::new();
    if old.len() == new.len() && old.iter().zip(new).all(|(a, b)| a.0 == b.0) {
        // The same keys in the same order: compare line by line.
        for (a, b) in old.iter().zip(new) {
            if a.1 != b.1 {
                out.push(d(b.0, Some(a.1), Some(b.1)));
            }
        }
    } else {
        merge(&sorted(old), &sorted(new), &mut out);
    }
    crate::sort::sort_by(&mut out, |a, b| natural_cmp(a.key.as_bytes(), b.key.as_bytes()));
    out
}

/// Entries sorted by key (plain byte order: a memcmp, unlike [`natural_cmp`]; only the few
/// changes found are put in natural order), of duplicates the last kept (as JSON.parse does).
fn sorted<'t>(entries: &[(&'t str, &'t str)]) -> Vec<(&'t str, &'t str)> {
    let mut v: Vec<(&str, &str, usize)> = entries.iter().enumerate().map(|(i, e)| (e.0, e.1, i)).collect();
    crate::sort::sort_by(&mut v, |a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
    let mut out: Vec<(&str, &str)> = Vec::with_capacity(v.len());
    for (k, val, _) in v {
        match out.last_mut() {
            Some(l) if l.0 == k => l.1 = val,
            _ => out.push((k, val)),
        }
    }
    out
}

/// The changes between two key-sorted entry lists.
fn merge(old: &[(&str, &str)], new: &[(&str, &str)], out: &mut Vec<Diff>) {
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let o = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(b.0),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match o {
            Ordering::Less => {
                out.push(d(old[i].0, Some(old[i].1), None));
                i += 1;
            }
            Ordering::Greater => {
                out.push(d(new[j].0, None, Some(new[j].1)));
                j += 1;
            }
            Ordering::Equal => {
                if old[i].1 != new[j].1 {
                    out.push(d(new[j].0, Some(old[i].1), Some(new[j].1)));
                }
                i += 1;
                j += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(s: &str) -> Option<String> {
        flatten(s.as_bytes())
    }

    #[test]
    fn flatten_table() {
        crate::table_test!(flat, [
            ("not an object", "[1]", None::<String>),
            ("empty object is no configuration", " {} ", None::<String>),
            ("scalars, in document order", r#"{"b":true,"a":"x","c":1.50}"#, Some(String::from("b\ttrue\na\t\"x\"\nc\t1.50\n"))),
            ("nested and arrays by index, numerically", r#"{"o":{"items":[{"id":"a"},1,2,3,4,5,6,7,8,9,{"id":"k"}]}}"#,
                Some(String::from("o.items.0.id\t\"a\"\no.items.1\t1\no.items.2\t2\no.items.3\t3\no.items.4\t4\no.items.5\t5\no.items.6\t6\no.items.7\t7\no.items.8\t8\no.items.9\t9\no.items.10.id\t\"k\"\n"))),
            ("empty containers are leaves", r#"{"a":{},"b":[]}"#, Some(String::from("a\t{}\nb\t[]\n"))),
            ("escapes canonical, tab and newline cannot break lines", "{\"k\\tx\":\"a\\u0062\\n\"}", Some(String::from("k\\tx\t\"ab\\n\"\n"))),
            ("duplicates kept as lines", r#"{"a":1,"a":2}"#, Some(String::from("a\t1\na\t2\n"))),
        ]);
    }

    #[test]
    fn entries_lines() {
        // As `split_terminator('\n')` then `split_once('\t')`, the first tab splitting.
        for text in ["", "a\t1\n", "a\t1\nb\t\"x\ty\"\n", "a\t1\nno tab\n\nlast\t2", "\n\n", "k\t"] {
            let want: Vec<(&str, &str)> = text.split_terminator('\n').map(|l| l.split_once('\t').unwrap_or((l, ""))).collect();
            assert_eq!(entries(text), want, "{text:?}");
        }
    }

    #[test]
    fn natural_order() {
        assert_eq!(natural_cmp(b"items.2", b"items.10"), Ordering::Less);
        assert_eq!(natural_cmp(b"items.10.a", b"items.10.b"), Ordering::Less);
        assert_eq!(natural_cmp(b"a", b"a.b"), Ordering::Less);
        assert_eq!(natural_cmp(b"x1", b"x1"), Ordering::Equal);
    }

    #[test]
    fn diff_added_removed_changed() {
        let old = flat(r#"{"a":1,"b":{"c":"x"},"d":[1,2]}"#).unwrap();
        let new = flat(r#"{"a":1,"b":{"c":"y"},"d":[1],"e":null}"#).unwrap();
        let got = diff(&entries(&old), &entries(&new));
        let s = |v: &str| Some(String::from(v));
        assert_eq!(
            got,
            alloc::vec![
                Diff { key: "b.c".into(), before: s("\"x\""), after: s("\"y\"") },
                Diff { key: "d.1".into(), before: s("2"), after: None },
                Diff { key: "e".into(), before: None, after: s("null") },
            ]
        );
        assert_eq!(get(&entries(&new), "b.c"), Some("\"y\""));
        assert_eq!(get(&entries(&new), "zz"), None);
        // Same keys in the same order (the line-by-line path), and reordered keys (the merge):
        // the same changes, in key order; of duplicate keys the last counts.
        let a = flat(r#"{"x":{"items":[1,2,3,4,5,6,7,8,9,10,11]},"a":1,"a":0}"#).unwrap();
        let b = flat(r#"{"x":{"items":[1,2,3,4,5,6,7,8,9,10,12]},"a":1,"a":9}"#).unwrap();
        let c = flat(r#"{"a":2,"a":9,"x":{"items":[1,2,3,4,5,6,7,8,9,10,12]}}"#).unwrap();
        let keys = |v: Vec<Diff>| v.into_iter().map(|d| (d.key, d.before, d.after)).collect::<Vec<_>>();
        let want = alloc::vec![(String::from("a"), s("0"), s("9")), (String::from("x.items.10"), s("11"), s("12"))];
        assert_eq!(keys(diff(&entries(&a), &entries(&b))), want);
        assert_eq!(keys(diff(&entries(&a), &entries(&c))), want);
    }
}
