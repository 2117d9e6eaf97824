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
    /// Static segments joined by `.` (`aws.cloudtrail`).
    Dotted(&'p str),
    /// One literal key, dots and all (a key taken from the record).
    Key(&'p str),
}

#[derive(Clone, Copy)]
struct Item {
    path: (u32, u32),
    val: (u32, u32),
}

#[derive(Default)]
pub(crate) struct Doc {
    paths: Vec<u8>,
    vals: Vec<u8>,
    items: Vec<Item>,
}

std::thread_local! {
    /// The buffers of the last finished document, taken by the next: a stream of records then
    /// allocates nothing per record once they have grown (they grew by reallocation per record,
    /// ~20 % of the ocsf profile's instructions).
    static SPARE: core::cell::RefCell<Option<Doc>> = const { core::cell::RefCell::new(None) };
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
            match part {
                Part::Dotted(s) => {
                    for seg in s.split('.') {
                        if !first {
                            self.paths.push(0);
                        }
                        first = false;
                        json::write_str_content(&mut self.paths, seg.as_bytes());
                    }
                }
                Part::Key(k) => {
                    if !first {
                        self.paths.push(0);
                    }
                    first = false;
                    json::write_str_content(&mut self.paths, k.as_bytes());
                }
            }
        }
        (start as u32, self.paths.len() as u32)
    }

    /// Adds a leaf whose value `write` appends as valid JSON text.
    pub(crate) fn put_with(&mut self, parts: &[Part<'_>], write: impl FnOnce(&mut Vec<u8>)) {
        let path = self.push_path(parts);
        let start = self.vals.len();
        write(&mut self.vals);
        self.items.push(Item { path, val: (start as u32, self.vals.len() as u32) });
    }

    /// A raw JSON value (must be valid JSON: a slice of a validated record, or written by us).
    pub(crate) fn raw_at(&mut self, parts: &[Part<'_>], v: &[u8]) {
        self.put_with(parts, |o| json::write_compact(o, v));
    }

    pub(crate) fn str_at(&mut self, parts: &[Part<'_>], v: &str) {
        self.put_with(parts, |o| json::write_str(o, v));
    }

    pub(crate) fn str(&mut self, path: &str, v: &str) {
        self.str_at(&[Part::Dotted(path)], v);
    }

    pub(crate) fn raw(&mut self, path: &str, v: &[u8]) {
        self.raw_at(&[Part::Dotted(path)], v);
    }

    pub(crate) fn bool(&mut self, path: &str, v: bool) {
        self.put_with(&[Part::Dotted(path)], |o| o.extend_from_slice(if v { b"true" } else { b"false" }));
    }

    pub(crate) fn int(&mut self, path: &str, v: i64) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_int(o, v));
    }

    pub(crate) fn str_array<S: AsRef<str>>(&mut self, path: &str, items: impl IntoIterator<Item = S>) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_str_array(o, items));
    }

    /// True when a value was already added at exactly this static path.
    pub(crate) fn has(&self, path: &str) -> bool {
        if crate::profiles::plain_key(path) {
            // Plain segments are stored as they are, a NUL for each dot: compare in place.
            let p = path.as_bytes();
            let same = |q: &[u8]| q.len() == p.len() && q.iter().zip(p).all(|(&a, &b)| a == b || (a == 0 && b == b'.'));
            return self.items.iter().any(|it| same(self.path_of(it)));
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
        // Stable: among equal paths the first added stays first (and wins).
        items.sort_by(|a, b| self.path_of(a).cmp(self.path_of(b)));
        out.push(b'{');
        // Open object segments below the root, and whether each level has a member yet.
        let mut open: Vec<&[u8]> = Vec::new();
        let mut has_member: Vec<bool> = alloc::vec![false];
        let mut last_leaf: Option<&[u8]> = None;
        for it in &items {
            let path = self.path_of(it);
            if let Some(leaf) = last_leaf {
                let blocked = path == leaf || (path.starts_with(leaf) && path.get(leaf.len()) == Some(&0));
                if blocked {
                    continue;
                }
            }
            // The leaf key after the last NUL; the parent segments before it (none without one).
            let last = path.iter().rposition(|&c| c == 0);
            let leaf_key = &path[last.map_or(0, |p| p + 1)..];
            let mut parents = last.map(|p| path[..p].split(|&c| c == 0)).into_iter().flatten().peekable();
            let mut common = 0;
            while common < open.len() && parents.peek() == Some(&open[common]) {
                parents.next();
                common += 1;
            }
            while open.len() > common {
                open.pop();
                has_member.pop();
                out.push(b'}');
            }
            for seg in parents {
                member_key(out, &mut has_member, seg);
                out.push(b'{');
                open.push(seg);
                has_member.push(false);
            }
            member_key(out, &mut has_member, leaf_key);
            out.extend_from_slice(self.vals.get(it.val.0 as usize..it.val.1 as usize).unwrap_or(b"null"));
            last_leaf = Some(path);
        }
        for _ in &open {
            out.push(b'}');
        }
        out.push(b'}');
        drop(open);
        // Kept for the next record unless a huge record grew them (then they are let go).
        if self.paths.capacity() + self.vals.capacity() <= 1 << 20 {
            self.items = items;
            SPARE.with(|s| *s.borrow_mut() = Some(self));
        }
    }
}

fn member_key(out: &mut Vec<u8>, has_member: &mut [bool], escaped_key: &[u8]) {
    if let Some(h) = has_member.last_mut() {
        if *h {
            out.push(b',');
        }
        *h = true;
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
