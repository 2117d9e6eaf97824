//! A nested JSON document built from (path, value) pairs, for the nested profiles (ecs, ocsf).
//!
//! A profile adds leaves in any order, addressed by paths (`event.action`, or a static prefix plus
//! a literal key taken from the record); `finish` sorts them by path and writes nested objects.
//! Rules that keep the output valid whatever the input:
//! - the first value added at a path wins; later ones at the same path are dropped;
//! - a leaf blocks everything below it (`a.b` set, then `a.b.c` is dropped), so a key is never
//!   written twice and never both as a value and as an object;
//! - objects are only opened for a leaf, so there are no empty objects.
//!
//! Paths are stored as JSON-escaped segments separated by a NUL byte; escaped text never holds a
//! raw control character, so the separator cannot occur inside a segment, and byte order of the
//! stored paths is segment-wise order (NUL sorts below every other byte).

use alloc::vec::Vec;

use crate::json;

/// One part of a path.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Part<'p> {
    /// Static segments joined by `.` (`aws.cloudtrail`): the crate's own names, `'static` so
    /// that `Doc` can keep each one's stored form by address (see `Doc::cache`).
    Dotted(&'static str),
    /// One literal key, dots and all (a key taken from the record).
    Key(&'p str),
}

#[derive(Clone, Copy)]
struct Item {
    /// The path's first sixteen bytes, big-endian (zero-padded): most comparisons in `finish`'s
    /// sort end on this one integer (a full-path comparison per pair cost ~11 % of the ecs profile).
    head: u128,
    /// Insertion order, so that among equal paths the first added stays first (and wins).
    n: u32,
    path: (u32, u32),
    val: (u32, u32),
}

#[derive(Default)]
pub(crate) struct Doc {
    paths: Vec<u8>,
    vals: Vec<u8>,
    items: Vec<Item>,
    /// The stored form of `Dotted` paths seen before, by the address and length of their
    /// `&'static str` (direct-mapped, `CACHE_SLOTS`): a static string's address names its text
    /// for the whole run, so a hit is one copy (encoding each path per record was ~10 % of the
    /// ecs profile). Kept with the buffers from record to record (`SPARE`).
    cache: Vec<(usize, usize, u32, u32)>,
    cache_bytes: Vec<u8>,
}

const CACHE_SLOTS: usize = 512;

std::thread_local! {
    /// The buffers of the last finished document, taken by the next: a stream of records then
    /// allocates nothing per record once they have grown (they grew by reallocation per record,
    /// ~20 % of the ocsf profile's instructions).
    static SPARE: core::cell::RefCell<Option<Doc>> = const { core::cell::RefCell::new(None) };
}

/// Appends one path segment as stored (JSON-escaped). A plain key (the profiles' own names,
/// nearly every key of a record) is its own escaped form: copied without the escaper.
#[inline]
fn push_segment(paths: &mut Vec<u8>, seg: &[u8]) {
    // A fold without early exit: the compiler checks sixteen bytes at a time.
    if !seg.iter().fold(false, |bad, &c| bad | !(0x20..0x7f).contains(&c) | (c == b'"') | (c == b'\\')) {
        paths.extend_from_slice(seg);
    } else {
        json::write_str_content(paths, seg);
    }
}

impl Doc {
    pub(crate) fn new() -> Doc {
        let mut d = SPARE.with(|s| s.borrow_mut().take()).unwrap_or_default();
        d.paths.clear();
        d.vals.clear();
        d.items.clear();
        d
    }

    fn push_path(&mut self, parts: &[Part<'_>]) -> (u32, u32) {
        let start = self.paths.len();
        let mut first = true;
        for part in parts {
            if !first {
                self.paths.push(0);
            }
            first = false;
            match part {
                Part::Dotted(s) => {
                    let (ptr, len) = (s.as_ptr() as usize, s.len());
                    let slot = ((ptr >> 2) ^ (ptr >> 11) ^ len) % CACHE_SLOTS;
                    if let Some(&(p, l, a, b)) = self.cache.get(slot) {
                        if p == ptr && l == len {
                            self.paths.extend_from_slice(self.cache_bytes.get(a as usize..b as usize).unwrap_or(&[]));
                            continue;
                        }
                    }
                    let at = self.paths.len();
                    push_segment(&mut self.paths, s.as_bytes());
                    // Escaping leaves no raw `.` that was not one in `s`: every dot separates.
                    if self.paths.len() - at == s.len() {
                        for c in &mut self.paths[at..] {
                            *c = if *c == b'.' { 0 } else { *c };
                        }
                    } else {
                        self.paths.truncate(at);
                        for (n, seg) in s.split('.').enumerate() {
                            if n > 0 {
                                self.paths.push(0);
                            }
                            json::write_str_content(&mut self.paths, seg.as_bytes());
                        }
                    }
                    if self.cache_bytes.len() > 1 << 16 {
                        self.cache.clear();
                        self.cache_bytes.clear();
                    }
                    if self.cache.is_empty() {
                        self.cache.resize(CACHE_SLOTS, (0, 0, 0, 0));
                    }
                    let a = self.cache_bytes.len() as u32;
                    self.cache_bytes.extend_from_slice(&self.paths[at..]);
                    self.cache[slot] = (ptr, len, a, self.cache_bytes.len() as u32);
                }
                Part::Key(k) => push_segment(&mut self.paths, k.as_bytes()),
            }
        }
        (start as u32, self.paths.len() as u32)
    }

    /// Adds a leaf whose value `write` appends as valid JSON text.
    pub(crate) fn put_with(&mut self, parts: &[Part<'_>], write: impl FnOnce(&mut Vec<u8>)) {
        let path = self.push_path(parts);
        let start = self.vals.len();
        write(&mut self.vals);
        let head = head(&self.paths[path.0 as usize..path.1 as usize]);
        let n = self.items.len() as u32;
        self.items.push(Item { head, n, path, val: (start as u32, self.vals.len() as u32) });
    }

    /// A raw JSON value (must be valid JSON: a slice of a validated record, or written by us).
    pub(crate) fn raw_at(&mut self, parts: &[Part<'_>], v: &[u8]) {
        self.put_with(parts, |o| json::write_compact(o, v));
    }

    pub(crate) fn str_at(&mut self, parts: &[Part<'_>], v: &str) {
        self.put_with(parts, |o| json::write_str(o, v));
    }

    pub(crate) fn str(&mut self, path: &'static str, v: &str) {
        self.str_at(&[Part::Dotted(path)], v);
    }

    pub(crate) fn raw(&mut self, path: &'static str, v: &[u8]) {
        self.raw_at(&[Part::Dotted(path)], v);
    }

    pub(crate) fn bool(&mut self, path: &'static str, v: bool) {
        self.put_with(&[Part::Dotted(path)], |o| o.extend_from_slice(if v { b"true" } else { b"false" }));
    }

    pub(crate) fn int(&mut self, path: &'static str, v: i64) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_int(o, v));
    }

    pub(crate) fn str_array<S: AsRef<str>>(&mut self, path: &'static str, items: impl IntoIterator<Item = S>) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_str_array(o, items));
    }

    /// True when a value was already added at exactly this static path.
    pub(crate) fn has(&self, path: &str) -> bool {
        if crate::profiles::plain_key(path) {
            // Plain segments are stored as they are, a NUL for each dot: compare in place,
            // after the length and the head.
            let p = path.as_bytes();
            let mut h = [0u8; 16];
            for (d, &c) in h.iter_mut().zip(p) {
                *d = if c == b'.' { 0 } else { c };
            }
            let h = u128::from_be_bytes(h);
            let same = |q: &[u8]| q.len() == p.len() && q.iter().zip(p).all(|(&a, &b)| a == b || (a == 0 && b == b'.'));
            return self.items.iter().any(|it| it.head == h && (it.path.1 - it.path.0) as usize == p.len() && same(self.path_of(it)));
        }
        let mut probe = Vec::new();
        for (n, seg) in path.split('.').enumerate() {
            if n > 0 {
                probe.push(0);
            }
            json::write_str_content(&mut probe, seg.as_bytes());
        }
        self.items.iter().any(|it| self.path_of(it) == &probe[..])
    }

    fn path_of(&self, it: &Item) -> &[u8] {
        self.paths.get(it.path.0 as usize..it.path.1 as usize).unwrap_or(&[])
    }

    /// Writes the document as one JSON object into `out`.
    pub(crate) fn finish(mut self, out: &mut Vec<u8>) {
        let mut items = core::mem::take(&mut self.items);
        // By path; among equal paths the first added stays first (and wins).
        items.sort_unstable_by(|a, b| a.head.cmp(&b.head).then_with(|| self.path_of(a).cmp(self.path_of(b))).then(a.n.cmp(&b.n)));
        out.push(b'{');
        // Objects open below the root: the parent segments of the last leaf written.
        let mut open = 0usize;
        let mut last_leaf: &[u8] = &[];
        let mut any = false;
        for it in &items {
            let path = self.path_of(it);
            if any {
                let leaf = last_leaf;
                let blocked = path == leaf || (path.starts_with(leaf) && path.get(leaf.len()) == Some(&0));
                if blocked {
                    continue;
                }
            }
            // Segments both paths share whole: the NULs before their first difference.
            let same = path.iter().zip(last_leaf).take_while(|(a, b)| a == b).count();
            let common = path[..same].iter().filter(|&&c| c == 0).count().min(open);
            for _ in common..open {
                out.push(b'}');
            }
            open = common;
            // Past the `common` shared segments: the new parents, then the leaf key.
            let mut rest = path;
            for _ in 0..common {
                let at = rest.iter().position(|&c| c == 0).unwrap_or(rest.len());
                rest = rest.get(at + 1..).unwrap_or(&[]);
            }
            let mut segs = rest.split(|&c| c == 0).peekable();
            while let Some(seg) = segs.next() {
                member_key(out, seg);
                if segs.peek().is_some() {
                    out.push(b'{');
                    open += 1;
                }
            }
            out.extend_from_slice(self.vals.get(it.val.0 as usize..it.val.1 as usize).unwrap_or(b"null"));
            last_leaf = path;
            any = true;
        }
        for _ in 0..open {
            out.push(b'}');
        }
        out.push(b'}');
        // Kept for the next record unless a huge record grew them (then they are let go).
        if self.paths.capacity() + self.vals.capacity() <= 1 << 20 {
            self.items = items;
            SPARE.with(|s| *s.borrow_mut() = Some(self));
        }
    }
}

/// The first sixteen bytes of a stored path as a big-endian integer, zero-padded: ordered as
/// the paths are, except that paths equal in these bytes tie.
#[inline]
fn head(p: &[u8]) -> u128 {
    let mut h = [0u8; 16];
    let k = p.len().min(16);
    h[..k].copy_from_slice(&p[..k]);
    u128::from_be_bytes(h)
}

/// A member's key: after a comma unless it is the first in its object (just after its `{`).
fn member_key(out: &mut Vec<u8>, escaped_key: &[u8]) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
    out.push(b'"');
    out.extend_from_slice(escaped_key);
    out.extend_from_slice(b"\":");
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn build(f: impl FnOnce(&mut Doc)) -> String {
        let mut d = Doc::new();
        f(&mut d);
        let mut out = Vec::new();
        d.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn nesting_table() {
        let cases: &[(&str, fn(&mut Doc), &str)] = &[
            ("empty", |_| {}, "{}"),
            ("one", |d| d.str("a", "x"), r#"{"a":"x"}"#),
            ("nested and sorted", |d| {
                d.str("event.action", "A");
                d.str("cloud.region", "r");
                d.str("event.kind", "event");
            }, r#"{"cloud":{"region":"r"},"event":{"action":"A","kind":"event"}}"#),
            ("first wins", |d| {
                d.str("a.b", "1");
                d.str("a.b", "2");
            }, r#"{"a":{"b":"1"}}"#),
            ("leaf blocks subtree", |d| {
                d.str("a.b.c", "deep");
                d.str("a.b", "leaf");
                d.str("a.bc", "sibling");
            }, r#"{"a":{"b":"leaf","bc":"sibling"}}"#),
            ("literal key with dots and quotes", |d| {
                d.raw_at(&[Part::Dotted("unmapped"), Part::Key("x.y\"z")], b" [1, 2] ");
            }, r#"{"unmapped":{"x.y\"z":[1,2]}}"#),
            ("prefix segment sorts before longer", |d| {
                d.int("ab.c", -5);
                d.bool("a.c", true);
            }, r#"{"a":{"c":true},"ab":{"c":-5}}"#),
            ("deep close and reopen", |d| {
                d.str("a.b.c.d", "1");
                d.str("a.e", "2");
                d.str_array("f", &["x", "y"]);
            }, r#"{"a":{"b":{"c":{"d":"1"}},"e":"2"},"f":["x","y"]}"#),
        ];
        for (name, f, want) in cases {
            assert_eq!(build(f), *want, "{name}");
        }
    }

    #[test]
    fn control_characters_in_keys_stay_escaped() {
        let got = build(|d| d.str_at(&[Part::Key("a\u{0}b"), Part::Key("c")], "v"));
        assert_eq!(got, r#"{"a\u0000b":{"c":"v"}}"#);
    }
}
