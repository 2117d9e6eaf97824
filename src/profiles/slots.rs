//! A nested profile's event written from fixed slots: a profile lists every path its events
//! can hold (a `Layout`, worked out at compile time by `layout!`), sets values by slot
//! (`Slots::put`...) in any order, and `Slots::write` writes the slots that have one in one
//! ordered pass. No per-leaf path, sort or lookup: adding a leaf to a `Doc` and writing it cost
//! ~200 instructions; a slot is a few dozen.
//!
//! The rules are `Doc`'s (doc.rs), so the output is what a `Doc` would make of the same leaves
//! (tests hold them to it): the first value set at a slot wins; paths are in the document's
//! order (segment by segment) and none is a segment-prefix of another, so no value hides
//! another; objects are only opened around a value, so there are no empty objects.
//! One writer for every layout (`&'static Layout`, not a type parameter): one copy in the wasm.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::enrich::Facts;
use crate::fields::Fields;
use crate::json;
use crate::profiles::canon;
use crate::profiles::rows::{self, Conv, Row, Src};

/// Slots a layout may have: a bit each in `Slots::present`.
pub(crate) const MAX_SLOTS: usize = 128;
/// Objects around one value: a byte each in `Place::objs`.
const MAX_DEPTH: usize = 7;
/// Bytes after a layout's text, and spare bytes `write` reserves: openings are copied sixteen
/// bytes at a time and closing braces eight at a time, past their ends (a `memcpy` or `memset`
/// call per attribute cost more than the copy).
pub(crate) const PAD: usize = 32;

/// Where one slot's value goes, from its path: its opening in `Layout::text` (`at`, `len`:
/// for `a.b.c`, `"a":{"b":{"c":`), `depth` the objects around it, `starts[d]` where the
/// opening of segment `d` starts in its opening (for a value whose first `d` objects are open
/// already), and `objs` byte `d` the object at depth `d` by the first slot in it, plus one (two
/// slots in one object have the same byte there).
#[derive(Clone, Copy)]
pub(crate) struct Place {
    at: u16,
    len: u8,
    depth: u8,
    starts: [u8; MAX_DEPTH + 1],
    objs: u64,
}

/// A profile's paths, in the document's order, with what the writer needs of them.
pub(crate) struct Layout {
    pub paths: &'static [&'static str],
    text: &'static [u8],
    /// One per slot of the bits (past `paths`, unused): indexed with no bounds check.
    places: &'static [Place; MAX_SLOTS],
}

/// The layout of a `const` list of paths (compile errors when one does not fit).
macro_rules! layout {
    ($paths:expr) => {{
        const LEN: usize = $crate::profiles::slots::text_len($paths) + $crate::profiles::slots::PAD;
        const TEXT: [u8; LEN] = $crate::profiles::slots::text::<LEN>($paths);
        const PLACES: [$crate::profiles::slots::Place; $crate::profiles::slots::MAX_SLOTS] = $crate::profiles::slots::places($paths);
        $crate::profiles::slots::Layout::new($paths, &TEXT, &PLACES)
    }};
}
pub(crate) use layout;

/// A mapping table's rows by slot (`rows::apply` runs them), from a `const` table and the
/// profile's paths (a compile error when a target has no slot).
macro_rules! table_rows {
    ($table:expr, $paths:expr) => {{
        const ROWS: [$crate::profiles::rows::SlotRow; $table.len()] = $crate::profiles::slots::rows::<{ $table.len() }>($table, $paths);
        &ROWS
    }};
}
pub(crate) use table_rows;

/// A profile's slots from its `PATHS` and mapping `TABLE`: `LAYOUT`, `ROWS` (the table by slot,
/// as `rows::apply` runs it), `slot(path)` (a compile error in a `const` when the path is not in
/// the layout) and, for tests, `layout()` and `table_rows()`. Used with [`at`].
macro_rules! profile {
    ($paths:expr, $table:expr) => {
        static LAYOUT: $crate::profiles::slots::Layout = $crate::profiles::slots::layout!($paths);
        const ROWS: &[$crate::profiles::rows::SlotRow] = $crate::profiles::slots::table_rows!($table, $paths);
        pub(crate) const fn slot(path: &str) -> usize {
            $crate::profiles::slots::index($paths, path)
        }
        #[cfg(test)]
        pub(crate) fn layout() -> &'static $crate::profiles::slots::Layout {
            &LAYOUT
        }
        #[cfg(test)]
        pub(crate) fn table_rows() -> &'static [$crate::profiles::rows::SlotRow] {
            ROWS
        }
    };
}
pub(crate) use profile;

/// The slot of a path of the calling profile's layout (its `slot`, from [`profile`]), at
/// compile time.
macro_rules! at {
    ($path:literal) => {
        const { slot($path) }
    };
}
pub(crate) use at;

impl Layout {
    pub(crate) const fn new(paths: &'static [&'static str], text: &'static [u8], places: &'static [Place; MAX_SLOTS]) -> Layout {
        assert!(paths.len() <= MAX_SLOTS, "too many paths for the slots' bits");
        // `write` reads up to sixteen bytes past an opening's end, and from a segment's start
        // within it.
        let mut i = 0;
        while i < places.len() {
            let pl = &places[i];
            assert!(pl.at as usize + pl.len as usize + PAD <= text.len() && pl.depth as usize <= MAX_DEPTH);
            let mut d = 0;
            while d <= MAX_DEPTH {
                assert!(pl.starts[d] <= pl.len);
                d += 1;
            }
            i += 1;
        }
        Layout { paths, text, places }
    }
}

/// True when `a` and `b` both have at least `n` bytes and their first `n` are the same.
pub(crate) const fn same_start(a: &[u8], b: &[u8], n: usize) -> bool {
    if a.len() < n || b.len() < n {
        return false;
    }
    let mut i = 0;
    while i < n {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The index of `path` in `paths` (a compile error in a `const` when it is not there).
pub(crate) const fn index(paths: &[&str], path: &str) -> usize {
    let mut i = 0;
    while i < paths.len() {
        if paths[i].len() == path.len() && same_start(paths[i].as_bytes(), path.as_bytes(), path.len()) {
            return i;
        }
        i += 1;
    }
    panic!("not in the layout's paths")
}

/// One path's opening: three bytes more than its own, and three more per dot.
const fn opening_len(p: &[u8]) -> usize {
    let (mut n, mut k) = (p.len() + 3, 0);
    while k < p.len() {
        if p[k] == b'.' {
            n += 3;
        }
        k += 1;
    }
    n
}

pub(crate) const fn text_len(paths: &[&str]) -> usize {
    let (mut n, mut i) = (0, 0);
    while i < paths.len() {
        n += opening_len(paths[i].as_bytes());
        i += 1;
    }
    n
}

/// Every path's opening, one after another: for `a.b.c`, `"a":{"b":{"c":` (the crate's own
/// names: nothing to escape; a test checks).
pub(crate) const fn text<const N: usize>(paths: &[&str]) -> [u8; N] {
    let mut t = [0u8; N];
    let (mut n, mut i) = (0, 0);
    while i < paths.len() {
        let p = paths[i].as_bytes();
        t[n] = b'"';
        n += 1;
        let mut k = 0;
        while k < p.len() {
            if p[k] == b'.' {
                t[n] = b'"';
                t[n + 1] = b':';
                t[n + 2] = b'{';
                t[n + 3] = b'"';
                n += 4;
            } else {
                t[n] = p[k];
                n += 1;
            }
            k += 1;
        }
        t[n] = b'"';
        t[n + 1] = b':';
        n += 2;
        i += 1;
    }
    t
}

pub(crate) const fn places(paths: &[&str]) -> [Place; MAX_SLOTS] {
    let mut places = [Place { at: 0, len: 0, depth: 0, starts: [0; MAX_DEPTH + 1], objs: 0 }; MAX_SLOTS];
    let (mut s, mut at) = (0, 0);
    while s < paths.len() {
        let p = paths[s].as_bytes();
        let len = opening_len(p);
        assert!(len <= u8::MAX as usize && at + len <= u16::MAX as usize, "a path too long for its place");
        places[s].at = at as u16;
        places[s].len = len as u8;
        at += len;
        let mut i = 0;
        while i < p.len() {
            if p[i] == b'.' {
                // The object is the one of the first slot whose path starts the same up to here.
                let mut j = 0;
                while !same_start(paths[j].as_bytes(), p, i + 1) {
                    j += 1;
                }
                let d = places[s].depth as usize;
                assert!(d < MAX_DEPTH, "a path too deep for its place");
                // (Numbered from 1: a zero byte is no object.)
                places[s].objs |= (j as u64 + 1) << (8 * d);
                places[s].depth += 1;
                // `"` of the next segment: after `seg":{`, three bytes more per dot so far.
                places[s].starts[d + 1] = (i + 1 + 3 * (d + 1)) as u8;
            }
            i += 1;
        }
        s += 1;
    }
    places
}

pub(crate) const fn rows<const N: usize>(table: &[Row], paths: &[&str]) -> [rows::SlotRow; N] {
    let mut r = [rows::SlotRow { from: &[] as &[Src], conv: Conv::Str, slot: 0 }; N];
    let mut i = 0;
    while i < N {
        r[i] = rows::SlotRow { from: table[i].from, conv: table[i].conv, slot: index(paths, table[i].target) as u8 };
        i += 1;
    }
    r
}

/// An event's buffers, kept from record to record (`SPARE`).
pub(crate) struct State {
    /// The values, one after another.
    buf: Vec<u8>,
    /// By slot: its value's range in `buf`, valid where the slot's bit is set.
    at: [(u32, u32); MAX_SLOTS],
    /// Canonical text of a payload and its writer's stack of members (`rows::apply`).
    pub(crate) text: Vec<u8>,
    pub(crate) members: Vec<canon::Member>,
}

std::thread_local! {
    /// The last event's buffers, taken by the next (no allocation per record once they have grown).
    static SPARE: core::cell::Cell<Option<Box<State>>> = const { core::cell::Cell::new(None) };
}

/// One event's values by slot of its `layout`.
pub(crate) struct Slots {
    /// (Taken back by `drop`.)
    st: core::mem::ManuallyDrop<Box<State>>,
    /// A bit per slot that has a value.
    present: [u64; 2],
    layout: &'static Layout,
}

impl Drop for Slots {
    fn drop(&mut self) {
        // SAFETY: `st` is not used again.
        let mut st = unsafe { core::mem::ManuallyDrop::take(&mut self.st) };
        // Kept unless a huge record grew them.
        if st.buf.capacity() <= 1 << 20 && st.text.capacity() <= 1 << 16 && st.members.capacity() <= 1 << 10 {
            st.buf.clear();
            SPARE.with(|s| s.set(Some(st)));
        }
    }
}

/// What `rows::apply` writes to: the slots' buffers and bits, borrowed once for a table.
pub(crate) struct Parts<'s> {
    pub buf: &'s mut Vec<u8>,
    pub at: &'s mut [(u32, u32); MAX_SLOTS],
    pub present: &'s mut [u64; 2],
    pub text: &'s mut Vec<u8>,
    pub members: &'s mut Vec<canon::Member>,
}

/// The word and mask of `slot`'s bit.
#[inline(always)]
pub(crate) fn bit(slot: usize) -> (usize, u64) {
    (slot / 64 % 2, 1 << (slot % 64))
}

impl Slots {
    pub(crate) fn new(layout: &'static Layout) -> Slots {
        let st = SPARE.with(|s| s.take()).unwrap_or_else(|| Box::new(State { buf: Vec::new(), at: [(0, 0); MAX_SLOTS], text: Vec::new(), members: Vec::new() }));
        Slots { st: core::mem::ManuallyDrop::new(st), present: [0; 2], layout }
    }

    /// Whether `slot` has a value (never for a slot past the layout's paths: `put` sets none).
    #[inline(always)]
    pub(crate) fn has(&self, slot: usize) -> bool {
        let (w, b) = bit(slot);
        slot < MAX_SLOTS && self.present[w] & b != 0
    }

    /// True when one of `slots` is present.
    pub(crate) fn any(&self, slots: &[usize]) -> bool {
        slots.iter().any(|&s| self.has(s))
    }

    /// Sets `slot` to what `write` appends (valid JSON text), unless it has a value.
    #[inline]
    pub(crate) fn put(&mut self, slot: usize, write: impl FnOnce(&mut Vec<u8>)) {
        self.put_if(slot, |o| {
            write(o);
            true
        });
    }

    /// `put` for a writer that may decline (returns false): nothing is set then.
    #[inline]
    pub(crate) fn put_if(&mut self, slot: usize, write: impl FnOnce(&mut Vec<u8>) -> bool) {
        let (w, b) = bit(slot);
        if slot >= self.layout.paths.len() || self.present[w] & b != 0 {
            return;
        }
        let start = self.st.buf.len();
        if write(&mut self.st.buf) {
            self.st.at[slot % MAX_SLOTS] = (start as u32, self.st.buf.len() as u32);
            self.present[w] |= b;
        } else {
            self.st.buf.truncate(start);
        }
    }

    /// The buffers and bits, for `rows::apply` (its rows' slots are the layout's: `table_rows!`).
    #[inline(always)]
    pub(crate) fn parts(&mut self) -> Parts<'_> {
        let st = &mut **self.st;
        Parts { buf: &mut st.buf, at: &mut st.at, present: &mut self.present, text: &mut st.text, members: &mut st.members }
    }

    #[inline(never)]
    pub(crate) fn str(&mut self, slot: usize, v: &str) {
        self.put(slot, |o| json::write_str(o, v));
    }

    #[inline(never)]
    pub(crate) fn int(&mut self, slot: usize, v: i64) {
        self.put(slot, |o| json::write_int(o, v));
    }

    pub(crate) fn bool(&mut self, slot: usize, v: bool) {
        self.put(slot, |o| o.extend_from_slice(if v { b"true" } else { b"false" }));
    }

    pub(crate) fn str_array<S: AsRef<str>>(&mut self, slot: usize, items: impl IntoIterator<Item = S>) {
        self.put(slot, |o| json::write_str_array(o, items));
    }

    /// Runs a mapping table's rows into the slots (`rows::apply`).
    #[inline(always)]
    pub(crate) fn apply(&mut self, rows: &[rows::SlotRow], fields: &Fields<'_>, facts: Option<&Facts<'_>>) {
        rows::apply(rows, fields, facts, self);
    }

    /// Writes the event: the slots that have a value, nested (objects only around a value).
    /// (`&mut`: it makes room after the values for its copies, see `copy_over`.)
    #[inline(never)]
    pub(crate) fn write(&mut self, o: &mut Vec<u8>) {
        if self.present == [0, 0] {
            o.extend_from_slice(b"{}");
            return;
        }
        self.st.buf.reserve(PAD);
        let (places, text) = (self.layout.places, self.layout.text);
        let st = &**self.st;
        let buf = &st.buf;
        // The most it can take: every value, every opening (whose `{` bound the closing
        // braces), a comma each and the outer braces, and `PAD` for the copies past an end;
        // reserved once, written by raw copies.
        let most = buf.len() + 2 * text.len() + MAX_SLOTS + 2 + PAD;
        o.reserve(most);
        let start = o.len();
        const BRACES: u64 = u64::from_ne_bytes([b'}'; 8]);
        // SAFETY: every write below goes to `p`, which advances by what was written; what is
        // written (with what the copies put past the end) is bounded by `most` (above), so it
        // stays within the reserved capacity. The copies read up to fifteen bytes past an
        // opening (within `text`: `Layout::new` checks `PAD` bytes after the last one) or a
        // value (within `buf`'s allocation: `PAD` bytes reserved past its end).
        unsafe {
            let base = o.as_mut_ptr().add(start);
            // Each value is written after a comma; the first comma becomes the opening brace.
            let mut p = base;
            // The last place written: its depth and objects.
            let (mut depth, mut objs) = (0usize, 0u64);
            for (w, &word) in self.present.iter().enumerate() {
                let mut m = word;
                while m != 0 {
                    let s = w * 64 + m.trailing_zeros() as usize;
                    m &= m - 1;
                    let (pl, (a, b)) = (&places[s % MAX_SLOTS], st.at[s % MAX_SLOTS]);
                    let Some(value) = buf.get(a as usize..b as usize) else { continue };
                    let d = pl.depth as usize;
                    // The objects it shares with the last value stay open; the others close
                    // (at most seven: one store). The first byte where their objects differ is
                    // at most the shallower depth: past its depth a place's bytes are zero, and
                    // no object is numbered zero.
                    let shared = (((objs ^ pl.objs).trailing_zeros() / 8) as usize).min(depth);
                    core::ptr::write_unaligned(p.cast::<u64>(), BRACES);
                    p = p.add(depth - shared);
                    p.write(b',');
                    p = p.add(1);
                    let from = pl.starts[shared % (MAX_DEPTH + 1)] as usize;
                    let n = pl.len as usize - from;
                    copy_over(p, text.as_ptr().add(pl.at as usize + from), n);
                    p = p.add(n);
                    if value.len() > 64 {
                        core::ptr::copy_nonoverlapping(value.as_ptr(), p, value.len());
                    } else {
                        copy_over(p, value.as_ptr(), value.len());
                    }
                    p = p.add(value.len());
                    depth = d;
                    objs = pl.objs;
                }
            }
            core::ptr::write_unaligned(p.cast::<u64>(), BRACES);
            p = p.add(depth);
            p.write(b'}');
            p = p.add(1);
            base.write(b'{');
            o.set_len(start + p.offset_from(base) as usize);
        }
    }
}

/// Copies `n` bytes from `src` to `dst` sixteen at a time: it reads and writes up to fifteen
/// bytes past both ends (a branch per length class, or a `memcpy` call, cost more for the
/// short openings and values of an event). The bytes past the end are taken as they are
/// (`MaybeUninit`): the writer's next copy overwrites them, or they stay past its length.
///
/// # Safety
/// `src..src + n + 15` must be readable (within one allocation) and `dst..dst + n + 15`
/// writable, not overlapping it.
#[inline(always)]
unsafe fn copy_over(dst: *mut u8, src: *const u8, n: usize) {
    type Block = core::mem::MaybeUninit<[u8; 16]>;
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n`, so both blocks are within the bounds the caller guarantees.
        unsafe { core::ptr::write_unaligned(dst.add(i).cast::<Block>(), core::ptr::read_unaligned(src.add(i).cast::<Block>())) };
        i += 16;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::profiles::doc::Doc;
    use alloc::string::String;

    /// The layouts of the crate's profiles.
    pub(crate) fn layouts() -> [(&'static str, &'static Layout); 2] {
        [("ecs", crate::profiles::ecs::layout()), ("ocsf", crate::profiles::ocsf::layout())]
    }

    /// The document builder's order of two dotted paths (segment by segment).
    fn doc_order(a: &str, b: &str) -> core::cmp::Ordering {
        a.split('.').cmp(b.split('.'))
    }

    #[test]
    fn paths_are_in_the_documents_order_and_none_is_a_parent() {
        for (name, l) in layouts() {
            assert!(l.paths.len() <= MAX_SLOTS, "{name}: a bit each in `present`");
            for w in l.paths.windows(2) {
                assert_eq!(doc_order(w[0], w[1]), core::cmp::Ordering::Less, "{name}: {} before {}", w[0], w[1]);
            }
            for a in l.paths {
                assert!(crate::profiles::plain_key(a) && !a.is_empty(), "{name}: {a} is written as it is");
                assert!(a.split('.').all(|s| !s.is_empty()), "{name}: {a}");
                for b in l.paths {
                    assert!(!b.starts_with(&alloc::format!("{a}.")), "{name}: {a} is a leaf and a parent of {b}");
                }
            }
        }
    }

    /// Writes the slots of `m` into a `Slots` and a `Doc`, each the slot's number.
    fn both(l: &'static Layout, m: u128) -> (String, String) {
        let mut a = Slots::new(l);
        let mut doc = Doc::new();
        for (s, path) in l.paths.iter().enumerate().filter(|(s, _)| m >> s & 1 != 0) {
            a.int(s, s as i64);
            doc.int(path, s as i64);
        }
        let (mut x, mut y) = (Vec::new(), Vec::new());
        a.write(&mut x);
        doc.finish(&mut y);
        (String::from_utf8(x).unwrap(), String::from_utf8(y).unwrap())
    }

    /// The slots write what the document builder makes of the same leaves, for every slot
    /// alone, every pair of neighbours, all of them, and many subsets.
    #[test]
    fn slots_nest_as_the_document_does() {
        for (name, l) in layouts() {
            let n = l.paths.len();
            let all = if n == 128 { u128::MAX } else { (1u128 << n) - 1 };
            let mut masks: Vec<u128> = (0..n).map(|s| 1 << s).collect();
            masks.extend((1..n).map(|s| 3 << (s - 1)));
            masks.push(all);
            let mut x = 0x9E37_79B9_7F4A_7C15_u64;
            for _ in 0..3000 {
                // xorshift: subsets of every density.
                let mut m = 0u128;
                for _ in 0..2 {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    m = m << 64 | x as u128;
                }
                let keep = [m, m & m.rotate_left(3), m | m.rotate_left(5), m & m.rotate_left(3) & m.rotate_left(7)][(x % 4) as usize];
                masks.push(keep & all);
            }
            for m in masks {
                let (got, want) = both(l, m);
                assert_eq!(got, want, "{name} {m:#x}");
            }
        }
    }

    #[test]
    fn the_first_value_wins_and_declined_values_leave_nothing() {
        let l = crate::profiles::ocsf::layout();
        let mut a = Slots::new(l);
        a.str(0, "first");
        a.str(0, "second");
        a.put_if(1, |o| {
            o.extend_from_slice(b"junk");
            false
        });
        assert!(a.has(0) && !a.has(1) && !a.has(l.paths.len()) && !a.any(&[1, 2, 500]));
        a.int(1, 7);
        a.int(l.paths.len() + 3, 9);
        let mut out = Vec::new();
        a.write(&mut out);
        let want = alloc::format!(r#"{{"{}":"first","{}":7}}"#, l.paths[0], l.paths[1]);
        assert_eq!(String::from_utf8(out).unwrap(), want);
    }

    /// Records of the fixtures (and the samples in ../shared when present), one by one.
    pub(crate) fn fixture_records() -> Vec<Vec<u8>> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["tests/fixtures/enrich", "tests/fixtures/profiles", "tests/fixtures/ecs", "tests/fixtures/viewer", "tests/fixtures/js", "../shared/samples/real", "../shared/samples/seed"] {
            for e in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
                if e.path().extension().is_some_and(|x| x == "json") && !e.path().to_string_lossy().contains("expected") {
                    files.push(e.path());
                }
            }
        }
        let mut out = Vec::new();
        for f in files {
            let data = std::fs::read(&f).unwrap_or_default();
            match json::get(&data, &["Records"]).filter(|r| r.first() == Some(&b'[')) {
                Some(arr) => out.extend(json::elements(arr).map(<[u8]>::to_vec)),
                None if data.first() == Some(&b'{') => out.push(data.clone()),
                None => {}
            }
        }
        assert!(out.len() > 50, "fixtures found ({})", out.len());
        out
    }

    /// Each profile's table run into slots over every fixture record, enriched and not, then
    /// written: what a `Doc` makes of the same leaves, and each value what `rows`' own readers
    /// give for its row.
    #[test]
    fn tables_run_into_slots_as_the_document_takes_them() {
        let mut records = fixture_records();
        records.push(br#"{"eventName":"a\u0062c","eventSource":"","eventTime":"2024-01-02T03:04:05Z","eventVersion":1.08,"awsRegion":true,"userIdentity":{"userName":"\"q\"","sessionContext":{"attributes":{"mfaAuthenticated":"TRUE","creationDate":"x"}}},"requestParameters":{"b":[1,{"z":null,"a":"\u00e9"}],"a":"x"},"responseElements":"s"}"#.to_vec());
        let tables = [("ecs", crate::profiles::ecs::layout(), crate::profiles::ecs::TABLE, crate::profiles::ecs::table_rows()), ("ocsf", crate::profiles::ocsf::layout(), crate::profiles::ocsf::TABLE, crate::profiles::ocsf::table_rows())];
        let mut seen = 0;
        for rec in &records {
            let fields = Fields::capture(rec);
            let facts = crate::enrich::enrich(&fields);
            for facts in [None, Some(&facts)] {
                for (name, l, table, rows) in &tables {
                    let mut a = Slots::new(l);
                    a.apply(rows, &fields, facts);
                    let mut doc = Doc::new();
                    for (s, path) in l.paths.iter().enumerate() {
                        if a.has(s) {
                            let (x, y) = a.st.at[s];
                            doc.raw_at(&[crate::profiles::doc::Part::Dotted(path)], &a.st.buf[x as usize..y as usize]);
                            seen += 1;
                        }
                    }
                    let (mut x, mut y) = (Vec::new(), Vec::new());
                    a.write(&mut x);
                    doc.finish(&mut y);
                    assert_eq!(String::from_utf8_lossy(&x), String::from_utf8_lossy(&y), "{name} {}", String::from_utf8_lossy(rec));
                    // Each text row's value is what `write_text` gives alone.
                    for (row, sr) in table.iter().zip(rows.iter()) {
                        if row.conv == Conv::Str {
                            let mut v = Vec::new();
                            let set = rows::write_text(row.from, &fields, facts, &mut v);
                            let got = a.has(sr.slot as usize).then(|| {
                                let (x, y) = a.st.at[sr.slot as usize];
                                a.st.buf[x as usize..y as usize].to_vec()
                            });
                            assert_eq!(got, set.then_some(v), "{name} {}", row.target);
                        }
                    }
                }
            }
        }
        assert!(seen > 1000, "{seen} values");
    }
}
