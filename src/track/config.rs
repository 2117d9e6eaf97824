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
            json::write_int(path, index as i64);
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
    // Keys share long prefixes (`defaultCacheBehavior.forwardedValues.…`): skip the equal bytes
    // a word at a time, back to the start of a digit run they end in, and compare from there
    // (equal runs before it compare equal either way).
    let mut s = common_prefix(a, b);
    while s > 0 && a[s - 1].is_ascii_digit() {
        s -= 1;
    }
    natural_from(&a[s..], &b[s..])
}

/// The number of trailing bytes `a` and `b` share.
fn common_suffix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let (a, b) = (&a[a.len() - n..], &b[b.len() - n..]);
    let mut t = 0;
    while t + 8 <= n {
        let d = word(a, n - t - 8) ^ word(b, n - t - 8);
        if d != 0 {
            return t + (d.leading_zeros() / 8) as usize;
        }
        t += 8;
    }
    while t < n && a[n - t - 1] == b[n - t - 1] {
        t += 1;
    }
    t
}

/// The eight bytes at `i`, first byte lowest.
fn word(b: &[u8], i: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(x)
}

/// The number of leading bytes `a` and `b` share.
#[inline(never)]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let d = word(a, i) ^ word(b, i);
        if d != 0 {
            return i + (d.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// [`natural_cmp`] by a plain walk from the first byte.
fn natural_from(a: &[u8], b: &[u8]) -> Ordering {
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

/// The lines of flat text as (key, value) pairs, in order (as `split_terminator('\n')`, then
/// the first tab splitting; a line without one is all key).
#[inline(never)]
pub(crate) fn entries(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::with_capacity(text.len() / 32 + 1);
    lines(text, &mut |k, v| out.push((k, v)));
    out
}

/// The lines of flat text whose key `keep`s, as [`entries`] gives them.
pub(crate) fn entries_where(text: &str, keep: fn(&str) -> bool) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    lines(text, &mut |k, v| {
        if keep(k) {
            out.push((k, v));
        }
    });
    out
}

/// Calls `f` with each line's key and value. The separators are found eight bytes at a time
/// (a byte loop, or a searcher set up per line, cost more than the flattening did).
fn lines<'t>(text: &'t str, f: &mut dyn FnMut(&'t str, &'t str)) {
    let b = text.as_bytes();
    let mut start = 0;
    while start < b.len() {
        let sep = find(b, start, b'\t', b'\n');
        if b.get(sep) == Some(&b'\t') {
            let end = find(b, sep + 1, b'\n', b'\n');
            // The separators are ASCII: every cut is at a character boundary.
            f(&text[start..sep], &text[sep + 1..end]);
            start = end + 1;
        } else {
            f(&text[start..sep], "");
            start = sep + 1;
        }
    }
}

/// Where the first `x` or `y` byte at or after `i` is, else `b.len()`.
fn find(b: &[u8], mut i: usize, x: u8, y: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let (xs, ys) = (LO * x as u64, LO * y as u64);
    while i + 8 <= b.len() {
        let w = word(b, i);
        let (p, q) = (w ^ xs, w ^ ys);
        // A zero byte sets its high bit here; the lowest one set is the first match.
        let m = (p.wrapping_sub(LO) & !p | q.wrapping_sub(LO) & !q) & HI;
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != x && b[i] != y {
        i += 1;
    }
    i
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

/// Every key whose value differs between two flat texts (of duplicate keys, the last counts),
/// in key order.
///
/// The lines both texts begin and end with are the same lines, so only the lines between are
/// compared when the keys are the same in the same order (the common case: one call changes a
/// few values); otherwise both sides are sorted by key hash and merged.
/// Also gives every line of both texts when it had to read them ([`entries`]).
#[allow(clippy::type_complexity)]
pub(crate) fn diff<'t>(old: &'t str, new: &'t str) -> (Vec<Diff>, Option<(Vec<(&'t str, &'t str)>, Vec<(&'t str, &'t str)>)>) {
    let mut full = None;
    let (o, n) = (old.as_bytes(), new.as_bytes());
    // The shared head, back to a line start.
    let mut head = common_prefix(o, n);
    while head > 0 && o[head - 1] != b'\n' {
        head -= 1;
    }
    // The shared tail within what is left, forward to a line start in both.
    let (ro, rn) = (&o[head..], &n[head..]);
    let mut tail = common_suffix(ro, rn);
    let starts = |r: &[u8], t: usize| t == r.len() || r[r.len() - t - 1] == b'\n';
    if !(starts(ro, tail) && starts(rn, tail)) {
        let cut = ro[ro.len() - tail..].iter().position(|&c| c == b'\n').map_or(tail, |p| p + 1);
        tail -= cut;
    }
    let (mo, mn) = (entries(&old[head..old.len() - tail]), entries(&new[head..new.len() - tail]));
    let mut out = Vec::new();
    if mo.len() == mn.len() && mo.iter().zip(&mn).all(|(a, b)| a.0 == b.0) {
        // The same keys in the same order: compare line by line.
        for (a, b) in mo.iter().zip(&mn) {
            if a.1 != b.1 {
                out.push(d(b.0, Some(a.1), Some(b.1)));
            }
        }
    } else {
        // Every line: the shared head and tail read once for both.
        let (h, t) = (entries(&old[..head]), entries(&old[old.len() - tail..]));
        let all = |m: &[(&'t str, &'t str)]| {
            let mut v = h.clone();
            v.extend_from_slice(m);
            v.extend_from_slice(&t);
            v
        };
        let (eo, en) = (all(&mo), all(&mn));
        merge(&sorted(&eo), &sorted(&en), &mut out);
        full = Some((eo, en));
    }
    crate::sort::sort_by(&mut out, |a, b| natural_cmp(a.key.as_bytes(), b.key.as_bytes()));
    (out, full)
}

/// A multiplicative hash of a key, eight bytes at a time.
fn hash(k: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = k.len() as u64;
    let mut words = k.chunks_exact(8);
    for w in &mut words {
        h = (h.rotate_left(5) ^ word(w, 0)).wrapping_mul(K);
    }
    let rest = words.remainder();
    let mut x = [0u8; 8];
    x[..rest.len()].copy_from_slice(rest);
    (h.rotate_left(5) ^ u64::from_le_bytes(x)).wrapping_mul(K)
}

/// Entries sorted by key hash, then key (a u64 compare where comparing the keys would compare
/// their long shared prefixes; only the order matters to [`merge`], the changes are put in key
/// order afterwards), of duplicates the last kept (as JSON.parse does).
fn sorted<'t>(entries: &[(&'t str, &'t str)]) -> Vec<(u64, &'t str, &'t str)> {
    let mut v: Vec<(u64, &str, &str)> = entries.iter().map(|e| (hash(e.0.as_bytes()), e.0, e.1)).collect();
    // Stable: duplicates stay in their order.
    crate::sort::sort_by(&mut v, |a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
    let mut out: Vec<(u64, &str, &str)> = Vec::with_capacity(v.len());
    for e in v {
        match out.last_mut() {
            Some(l) if l.1 == e.1 => l.2 = e.2,
            _ => out.push(e),
        }
    }
    out
}

/// The changes between two [`sorted`] entry lists.
fn merge(old: &[(u64, &str, &str)], new: &[(u64, &str, &str)], out: &mut Vec<Diff>) {
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let o = match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) => a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match o {
            Ordering::Less => {
                out.push(d(old[i].1, Some(old[i].2), None));
                i += 1;
            }
            Ordering::Greater => {
                out.push(d(new[j].1, None, Some(new[j].2)));
                j += 1;
            }
            Ordering::Equal => {
                if old[i].2 != new[j].2 {
                    out.push(d(new[j].1, Some(old[i].2), Some(new[j].2)));
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
        let got = diff(&old, &new).0;
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
        assert_eq!(keys(diff(&a, &b).0), want);
        assert_eq!(keys(diff(&a, &c).0), want);
    }

    /// What `diff` computed before it trimmed the shared lines and matched keys by hash: the
    /// same keys in the same order line by line, else both sides sorted and merged.
    fn diff_reference(old: &str, new: &str) -> Vec<Diff> {
        let (old, new) = (entries(old), entries(new));
        let mut out = Vec::new();
        if old.len() == new.len() && old.iter().zip(&new).all(|(a, b)| a.0 == b.0) {
            for (a, b) in old.iter().zip(&new) {
                if a.1 != b.1 {
                    out.push(d(b.0, Some(a.1), Some(b.1)));
                }
            }
        } else {
            // Byte-sorted, the last of duplicates kept, merged.
            let last = |v: &[(&str, &str)]| {
                let mut m = alloc::collections::BTreeMap::new();
                for (k, val) in v {
                    m.insert(String::from(*k), String::from(*val));
                }
                m
            };
            let (o, n) = (last(&old), last(&new));
            let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (b, a) = (o.get(k).map(String::as_str), n.get(k).map(String::as_str));
                if b != a {
                    out.push(d(k, b, a));
                }
            }
        }
        out.sort_by(|a, b| natural_from(a.key.as_bytes(), b.key.as_bytes()));
        out
    }

    #[test]
    fn duplicates_around_shared_lines() {
        // The shared head and tail hold keys that repeat between them: the last of each counts.
        for (old, new) in [
            ("a\t1\nb\t2\na\t3\n", "a\t1\nb\t2\n"),
            ("a\t1\nb\t2\n", "a\t1\nb\t2\na\t3\n"),
            ("a\t1\nx\t1\na\t2\n", "a\t1\ny\t1\na\t2\n"),
            ("a\t1\nx\t1\na\t2\n", "a\t1\nx\t2\na\t2\n"),
            ("a\t9\nx\t1\n", "x\t1\na\t9\na\t9\n"),
            ("k\t1\nk\t2\n", "k\t2\nk\t1\n"),
            ("k\t1\n", "kk\t1\n"),
            ("q\t\"ab\"\n", "q\t\"b\"\n"),
        ] {
            assert_eq!(diff(old, new).0, diff_reference(old, new), "{old:?} → {new:?}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod same_as_before {
        use super::super::*;
        use super::diff_reference;
        use alloc::string::String;
        use alloc::vec::Vec;
        use proptest::prelude::*;

        /// Flat text of few distinct keys and values, so that keys repeat, shift and change.
        fn text() -> impl Strategy<Value = String> {
            let key = prop_oneof![Just("a"), Just("a.b"), Just("a.b0"), Just("a.b.10"), Just("a.b.2"), Just("a-b"), Just("items.1.id"), Just("items.10.id")];
            let line = (key, 0u8..3).prop_map(|(k, v)| alloc::format!("{k}\t{v}\n"));
            proptest::collection::vec(line, 0..12).prop_map(|v| v.concat())
        }

        /// [`sorted`] as if every key hashed to 0.
        fn colliding<'t>(v: &[(&'t str, &'t str)]) -> Vec<(u64, &'t str, &'t str)> {
            let mut r: Vec<(u64, &str, &str)> = v.iter().map(|e| (0, e.0, e.1)).collect();
            crate::sort::sort_by(&mut r, |a, b| a.1.cmp(b.1));
            let mut out: Vec<(u64, &str, &str)> = Vec::new();
            for e in r {
                match out.last_mut() {
                    Some(l) if l.1 == e.1 => l.2 = e.2,
                    _ => out.push(e),
                }
            }
            out
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]
            /// The same changes, in the same order, as the sort-and-merge diff.
            #[test]
            fn diff_same_as_reference(old in text(), new in text(), edit in 0usize..12) {
                let (got, lines) = diff(&old, &new);
                prop_assert_eq!(got, diff_reference(&old, &new));
                if let Some((o, n)) = lines {
                    prop_assert_eq!((o, n), (entries(&old), entries(&new)));
                }
                // A last line without its newline (flatten always writes one).
                let (o2, n2) = (alloc::format!("{old}a\t{edit}"), alloc::format!("{new}a\t1"));
                let (got, lines) = diff(&o2, &n2);
                prop_assert_eq!(got, diff_reference(&o2, &n2));
                if let Some((o, n)) = lines {
                    prop_assert_eq!((o, n), (entries(&o2), entries(&n2)));
                }
                // A small edit of one line: the shared head and tail are long.
                let mut lines: Vec<&str> = old.split_inclusive('\n').collect();
                let changed = alloc::format!("a.b\t{edit}\n");
                if edit < lines.len() {
                    lines[edit] = &changed;
                }
                let near = lines.concat();
                prop_assert_eq!(diff(&old, &near).0, diff_reference(&old, &near));
            }

            /// Keys that collide in the hash still pair by key: with every hash 0 the merge
            /// orders and pairs by key alone, and finds the same changes.
            #[test]
            fn merge_by_hash_then_key(old in text(), new in text()) {
                let (eo, en) = (entries(&old), entries(&new));
                let mut zero = Vec::new();
                merge(&colliding(&eo), &colliding(&en), &mut zero);
                let mut hashed = Vec::new();
                merge(&sorted(&eo), &sorted(&en), &mut hashed);
                let by_name = |v: &mut Vec<Diff>| v.sort_by(|a, b| a.key.cmp(&b.key));
                by_name(&mut zero);
                by_name(&mut hashed);
                prop_assert_eq!(zero, hashed);
            }

            /// The word-at-a-time split finds the lines and tabs `split_terminator` and
            /// `split_once` find, wherever they fall in a word.
            #[test]
            fn entries_same_as_split(text in "[a\t\né.]{0,40}") {
                let want: Vec<(&str, &str)> = text.split_terminator('\n').map(|l| l.split_once('\t').unwrap_or((l, ""))).collect();
                prop_assert_eq!(entries(&text), want.clone());
                prop_assert_eq!(entries_where(&text, |k| k.starts_with('a')), want.into_iter().filter(|e| e.0.starts_with('a')).collect::<Vec<_>>());
            }

            #[test]
            fn shared_head_and_tail(a in "[ab\n]{0,30}", b in "[ab\n]{0,30}") {
                let (a, b) = (a.as_bytes(), b.as_bytes());
                prop_assert_eq!(common_prefix(a, b), a.iter().zip(b).take_while(|(x, y)| x == y).count());
                prop_assert_eq!(common_suffix(a, b), a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count());
            }

            #[test]
            fn natural_cmp_same_as_walk(a in "[a.1-30]{0,12}", b in "[a.1-30]{0,12}") {
                prop_assert_eq!(natural_cmp(a.as_bytes(), b.as_bytes()), natural_from(a.as_bytes(), b.as_bytes()));
                let long = alloc::format!("defaultCacheBehavior.{a}");
                let long_b = alloc::format!("defaultCacheBehavior.{b}");
                prop_assert_eq!(natural_cmp(long.as_bytes(), long_b.as_bytes()), natural_from(long.as_bytes(), long_b.as_bytes()));
            }
        }
    }
}
