//! A configuration object as compact flat text: one line per leaf, `key\tvalue\n`, sorted by key
//! (digit runs compared as numbers, so `items.2` comes before `items.10`). Keys are the flat path
//! relative to the configuration object, array elements by index (`origins.items.1.domainName`),
//! written JSON-escaped without quotes; values are canonical JSON text (strings decoded and
//! re-escaped, so the same value reads the same however the record escaped it). Escaped JSON text
//! holds no raw tab or newline, so the two separators cannot occur inside a key or a value.
//!
//! Text, not a tree: one allocation per stored configuration, compared byte for byte when
//! nothing changed (the common case) and merged line by line when something did.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::json;

/// Deeper than this, a subtree is one leaf holding its compact JSON text (configurations are a
/// few levels deep; this only bounds recursion on hostile input).
const MAX_DEPTH: usize = 32;

/// One leaf while flattening: byte ranges into the scratch buffer.
#[derive(Clone, Copy)]
struct Leaf {
    key: (u32, u32),
    value: (u32, u32),
}

/// Flattens the configuration object `raw` into sorted flat text. None when `raw` is not a
/// non-empty object (CloudTrail blanks some response configurations to `{}`: no state there).
pub(crate) fn flatten(raw: &[u8]) -> Option<String> {
    let raw = &raw[json::skip_ws(raw, 0)..];
    if raw.first() != Some(&b'{') || json::members(raw).next().is_none() {
        return None;
    }
    let mut buf = Vec::with_capacity(raw.len());
    let mut leaves = Vec::new();
    let mut path = Vec::with_capacity(64);
    walk(raw, &mut path, 0, &mut buf, &mut leaves);
    let at = |r: (u32, u32)| &buf[r.0 as usize..r.1 as usize];
    // Stable: of duplicate keys the last stays last, and is the one kept (as JSON.parse does).
    leaves.sort_by(|a, b| natural_cmp(at(a.key), at(b.key)));
    let mut out = Vec::with_capacity(buf.len() + leaves.len() * 2);
    for (i, l) in leaves.iter().enumerate() {
        if leaves.get(i + 1).is_some_and(|n| at(n.key) == at(l.key)) {
            continue;
        }
        out.extend_from_slice(at(l.key));
        out.push(b'\t');
        out.extend_from_slice(at(l.value));
        out.push(b'\n');
    }
    // Built from escaped keys and canonical values of validated UTF-8 input.
    String::from_utf8(out).ok()
}

fn walk(v: &[u8], path: &mut Vec<u8>, depth: usize, buf: &mut Vec<u8>, leaves: &mut Vec<Leaf>) {
    let first = v.first().copied();
    let container = matches!(first, Some(b'{' | b'['));
    let empty = match first {
        Some(b'{') => json::members(v).next().is_none(),
        Some(b'[') => json::elements(v).next().is_none(),
        _ => false,
    };
    if container && !empty && depth < MAX_DEPTH {
        let len = path.len();
        if first == Some(b'{') {
            for (k, child) in json::members(v) {
                push_part(path, len);
                // Decoded, then escaped as JSON string content: no raw tab or newline in a key.
                if k.contains(&b'\\') {
                    json::write_str_content(path, json::unescape(k).unwrap_or_default().as_bytes());
                } else {
                    json::write_str_content(path, k);
                }
                walk(child, path, depth + 1, buf, leaves);
                path.truncate(len);
            }
        } else {
            for (i, child) in json::elements(v).enumerate() {
                push_part(path, len);
                let mut n = [0u8; 20];
                path.extend_from_slice(digits(i, &mut n));
                walk(child, path, depth + 1, buf, leaves);
                path.truncate(len);
            }
        }
        return;
    }
    let ks = buf.len() as u32;
    buf.extend_from_slice(path);
    let ke = buf.len() as u32;
    canonical(v, buf);
    leaves.push(Leaf { key: (ks, ke), value: (ke, buf.len() as u32) });
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

/// The lines of flat text as (key, value) pairs, in order.
pub(crate) fn entries(text: &str) -> Vec<(&str, &str)> {
    text.split_terminator('\n').map(|line| line.split_once('\t').unwrap_or((line, ""))).collect()
}

/// The value at `key` in sorted entries.
pub(crate) fn get<'t>(entries: &[(&str, &'t str)], key: &str) -> Option<&'t str> {
    entries.binary_search_by(|(k, _)| natural_cmp(k.as_bytes(), key.as_bytes())).ok().map(|i| entries[i].1)
}

/// One changed key: the value before and after as canonical JSON text, None where absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Diff {
    pub key: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Every key whose value differs between two sorted entry lists, in key order.
pub(crate) fn diff(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<Diff> {
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    let d = |k: &str, b: Option<&str>, a: Option<&str>| Diff { key: String::from(k), before: b.map(String::from), after: a.map(String::from) };
    while i < old.len() || j < new.len() {
        let o = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => natural_cmp(a.0.as_bytes(), b.0.as_bytes()),
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
    out
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
            ("scalars", r#"{"b":true,"a":"x","c":1.50}"#, Some(String::from("a\t\"x\"\nb\ttrue\nc\t1.50\n"))),
            ("nested and arrays by index, numerically", r#"{"o":{"items":[{"id":"a"},1,2,3,4,5,6,7,8,9,{"id":"k"}]}}"#,
                Some(String::from("o.items.0.id\t\"a\"\no.items.1\t1\no.items.2\t2\no.items.3\t3\no.items.4\t4\no.items.5\t5\no.items.6\t6\no.items.7\t7\no.items.8\t8\no.items.9\t9\no.items.10.id\t\"k\"\n"))),
            ("empty containers are leaves", r#"{"a":{},"b":[]}"#, Some(String::from("a\t{}\nb\t[]\n"))),
            ("escapes canonical, tab and newline cannot break lines", "{\"k\\tx\":\"a\\u0062\\n\"}", Some(String::from("k\\tx\t\"ab\\n\"\n"))),
            ("a later duplicate wins", r#"{"a":1,"a":2}"#, Some(String::from("a\t2\n"))),
        ]);
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
    }
}
