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
    /// that `Doc` can keep each one's stored form by address (see `Statics`).
    Dotted(&'static str),
    /// One literal key, dots and all (a key taken from the record).
    Key(&'p str),
}

/// A leaf at a dynamic path (not one `&'static str`).
#[derive(Clone, Copy)]
struct Item {
    /// The path's first sixteen bytes, big-endian (zero-padded): most comparisons end on this
    /// one integer (a full-path comparison per pair cost ~11 % of the ecs profile).
    head: u128,
    /// Insertion order, so that among equal paths the first added stays first (and wins).
    n: u32,
    path: (u32, u32),
    val: (u32, u32),
}

const NONE: u32 = u32::MAX;

/// Paths given as one `&'static str` (`Part::Dotted` alone: nearly every leaf the profiles
/// write), stored once for the whole run and kept in path order (`by_rank`): a document holds
/// its leaves at these paths in a slot per rank, so `finish` walks them in order with no sort
/// and no per-leaf item (a sort of every leaf was ~25 % of the nested profiles, the items and
/// the walk over every known path ~15 %). A static string's address names its text for the whole
/// run, so the table is keyed by address and length. Kept from record to record with the
/// buffers (`SPARE`).
#[derive(Default)]
struct Statics {
    /// Open addressing: (address, length, id + 1), 0 for an empty slot.
    table: Vec<(usize, usize, u32)>,
    bytes: Vec<u8>,
    /// By id: the stored form (a range of `bytes`) and its head.
    ranges: Vec<(u32, u32)>,
    heads: Vec<u128>,
    /// By id: the rank of the stored form among all of them; by rank: the id.
    rank: Vec<u32>,
    by_rank: Vec<u32>,
    /// What `finish` writes between two static leaves (closing braces, comma, keys, opening
    /// braces), by (previous id or `START`, id), direct-mapped: a stream of records repeats the
    /// same few sequences of paths, and a hit is one copy instead of a walk over both paths.
    /// (previous + 1, id + 1, start, end) with `BLOCKED` as start when the leaf is dropped.
    moves: Vec<(u32, u32, u32, u32)>,
    move_bytes: Vec<u8>,
}

const MOVE_SLOTS: usize = 4096;

/// The move cache's slot for the step from static leaf `last` to static leaf `id`.
#[inline(always)]
fn move_slot(last: u32, id: u32) -> usize {
    ((last as usize).wrapping_mul(0x9E37_79B1) ^ id as usize) % MOVE_SLOTS
}

/// The writer's "previous leaf" before the first leaf.
const START: u32 = u32::MAX - 1;
const BLOCKED: u32 = u32::MAX;

const TABLE_SLOTS: usize = 1024;
/// More distinct static paths than this (never, with the crate's own names) and the table starts
/// again at the next document; past `TABLE_SLOTS - 1` a path is simply stored as a dynamic one.
const MAX_STATICS: usize = 768;

impl Statics {
    /// The id of `s`, stored on first sight; `NONE` when the table is full.
    #[inline]
    fn intern(&mut self, s: &'static str) -> u32 {
        let (ptr, len) = (s.as_ptr() as usize, s.len());
        // The slot it hashes to holds it, nearly always.
        let i = ((ptr >> 3) ^ (ptr >> 13) ^ len.wrapping_mul(31)) % TABLE_SLOTS;
        match self.table.get(i) {
            Some(&(p, l, id)) if p == ptr && l == len && id != 0 => id - 1,
            _ => self.intern_slow(s, i),
        }
    }

    #[inline(never)]
    fn intern_slow(&mut self, s: &'static str, mut i: usize) -> u32 {
        let (ptr, len) = (s.as_ptr() as usize, s.len());
        if self.table.is_empty() {
            self.table.resize(TABLE_SLOTS, (0, 0, 0));
        }
        loop {
            let (p, l, id) = self.table[i];
            if id == 0 {
                break;
            }
            if p == ptr && l == len {
                return id - 1;
            }
            i = (i + 1) % TABLE_SLOTS;
        }
        if self.ranges.len() >= TABLE_SLOTS - 1 {
            return NONE;
        }
        let at = self.bytes.len();
        push_dotted(&mut self.bytes, s);
        // One id per path text: the same name at another address (an equal literal the
        // compiler kept twice) shares it, so that `finish` keeps the first leaf at that path and
        // `has` finds it. (Once per address: a scan is fine.)
        let (bytes, ranges) = (&self.bytes, &self.ranges);
        let id = match ranges.iter().position(|r| bytes.get(r.0 as usize..r.1 as usize) == Some(&bytes[at..])) {
            Some(id) => {
                self.bytes.truncate(at);
                id as u32
            }
            None => {
                self.ranges.push((at as u32, self.bytes.len() as u32));
                self.heads.push(head(&self.bytes[at..]));
                (self.ranges.len() - 1) as u32
            }
        };
        self.table[i] = (ptr, len, id + 1);
        id
    }

    fn path(&self, id: u32) -> &[u8] {
        self.ranges.get(id as usize).and_then(|r| self.bytes.get(r.0 as usize..r.1 as usize)).unwrap_or(&[])
    }
}

/// A document's leaf at a static path (by rank): its value and insertion order.
#[derive(Clone, Copy, Default)]
struct Slot {
    val: (u32, u32),
    n: u32,
}

/// Where the value being written by `put_with` goes.
#[derive(Clone, Copy)]
enum Open {
    /// To the static slot of this rank.
    Static(u32),
    /// To the last dynamic item.
    Dynamic,
    /// Nowhere: an earlier leaf holds the same static path (the first wins); the value written
    /// from this position of `vals` is dropped.
    Dropped(u32),
}

pub(crate) struct Doc {
    paths: Vec<u8>,
    vals: Vec<u8>,
    /// Leaves at dynamic paths.
    items: Vec<Item>,
    statics: Statics,
    /// By rank of a static path: the leaf there, valid where its bit in `bits` is set.
    slots: Vec<Slot>,
    bits: Vec<u64>,
    open: Open,
    /// Leaves added so far (the next one's insertion order).
    n: u32,
    /// `finish`'s list of the items with dynamic paths, and its `Writer`'s stack (kept for
    /// their capacity).
    dynamic: Vec<u32>,
    stops: Vec<usize>,
}

impl Default for Doc {
    fn default() -> Doc {
        Doc {
            paths: Vec::new(),
            vals: Vec::new(),
            items: Vec::new(),
            statics: Statics::default(),
            slots: Vec::new(),
            bits: Vec::new(),
            open: Open::Dynamic,
            n: 0,
            dynamic: Vec::new(),
            stops: Vec::new(),
        }
    }
}

std::thread_local! {
    /// The buffers of the last finished document, taken by the next: a stream of records then
    /// allocates nothing per record once they have grown (they grew by reallocation per record,
    /// ~20 % of the ocsf profile's instructions).
    /// Boxed: a `Doc` is a few hundred bytes, copied at each move (~0.9 M instructions of the
    /// ecs profile on the mix went to `memcpy` calls moving it in and out).
    static SPARE: core::cell::RefCell<Option<alloc::boxed::Box<Doc>>> = const { core::cell::RefCell::new(None) };
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

/// Appends the stored form of dotted static segments (`aws.cloudtrail`).
fn push_dotted(paths: &mut Vec<u8>, s: &str) {
    let at = paths.len();
    push_segment(paths, s.as_bytes());
    // Escaping leaves no raw `.` that was not one in `s`: every dot separates.
    if paths.len() - at == s.len() {
        for c in &mut paths[at..] {
            *c = if *c == b'.' { 0 } else { *c };
        }
    } else {
        paths.truncate(at);
        for (n, seg) in s.split('.').enumerate() {
            if n > 0 {
                paths.push(0);
            }
            json::write_str_content(paths, seg.as_bytes());
        }
    }
}

impl Doc {
    pub(crate) fn new() -> alloc::boxed::Box<Doc> {
        let mut d = SPARE.with(|s| s.borrow_mut().take()).unwrap_or_default();
        d.paths.clear();
        d.vals.clear();
        d.items.clear();
        d.n = 0;
        if d.statics.ranges.len() > MAX_STATICS {
            d.statics = Statics::default();
            d.slots.clear();
            d.bits.clear();
        }
        d.bits.iter_mut().for_each(|w| *w = 0);
        d
    }

    /// `Statics::intern`, placing a path seen for the first time among the ranks.
    #[inline]
    fn intern(&mut self, s: &'static str) -> u32 {
        let known = self.statics.ranges.len();
        let id = self.statics.intern(s);
        if self.statics.ranges.len() != known {
            self.place(id);
        }
        id
    }

    /// Gives a new static id its rank; the slots of this document at higher ranks move up one.
    #[inline(never)]
    fn place(&mut self, id: u32) {
        let st = &mut self.statics;
        let p = st.by_rank.partition_point(|&o| st.path(o) < st.path(id));
        st.by_rank.insert(p, id);
        st.rank.resize(st.ranges.len(), 0);
        for (r, &i) in st.by_rank.iter().enumerate() {
            st.rank[i as usize] = r as u32;
        }
        let n = st.by_rank.len();
        self.slots.insert(p, Slot::default());
        self.bits.resize(n.div_ceil(64), 0);
        for r in (p + 1..n).rev() {
            let below = self.bits[(r - 1) / 64] >> ((r - 1) % 64) & 1;
            self.bits[r / 64] = self.bits[r / 64] & !(1 << (r % 64)) | below << (r % 64);
        }
        self.bits[p / 64] &= !(1 << (p % 64));
        if let Open::Static(r) = &mut self.open {
            if *r as usize >= p {
                *r += 1;
            }
        }
    }

    /// The bit of static rank `r`: (word, mask).
    #[inline]
    fn bit(r: u32) -> (usize, u64) {
        (r as usize / 64, 1 << (r % 64))
    }

    fn push_path(&mut self, parts: &[Part<'_>]) -> (u32, u32) {
        let start = self.paths.len();
        for (n, part) in parts.iter().enumerate() {
            if n > 0 {
                self.paths.push(0);
            }
            match part {
                Part::Dotted(s) => match self.intern(s) {
                    NONE => push_dotted(&mut self.paths, s),
                    id => {
                        let (a, b) = self.statics.ranges[id as usize];
                        self.paths.extend_from_slice(&self.statics.bytes[a as usize..b as usize]);
                    }
                },
                Part::Key(k) => push_segment(&mut self.paths, k.as_bytes()),
            }
        }
        (start as u32, self.paths.len() as u32)
    }

    /// Adds a leaf whose value `write` appends as valid JSON text.
    #[inline]
    pub(crate) fn put_with(&mut self, parts: &[Part<'_>], write: impl FnOnce(&mut Vec<u8>)) {
        self.begin(parts);
        write(&mut self.vals);
        self.end();
    }

    /// Closes the value `begin` opened (out of line: `put_with` has a copy per writer).
    #[inline(never)]
    fn end(&mut self) {
        let end = self.vals.len() as u32;
        match self.open {
            Open::Static(r) => {
                if let Some(s) = self.slots.get_mut(r as usize) {
                    s.val.1 = end;
                }
            }
            Open::Dynamic => {
                if let Some(it) = self.items.last_mut() {
                    it.val.1 = end;
                }
            }
            Open::Dropped(start) => self.vals.truncate(start as usize),
        }
    }

    /// `put_with`'s part that does not depend on the value's writer (one copy in the wasm, not
    /// one per writer): the leaf's slot or item, its value still empty.
    #[inline(never)]
    fn begin(&mut self, parts: &[Part<'_>]) {
        let start = self.vals.len() as u32;
        let n = self.n;
        self.n += 1;
        if let [Part::Dotted(s)] = parts {
            let id = self.intern(s);
            if let Some(&r) = self.statics.rank.get(id as usize) {
                let (w, b) = Doc::bit(r);
                self.open = Open::Dropped(start);
                if let (Some(word), Some(slot)) = (self.bits.get_mut(w), self.slots.get_mut(r as usize)) {
                    if *word & b == 0 {
                        *word |= b;
                        *slot = Slot { val: (start, start), n };
                        self.open = Open::Static(r);
                    }
                }
                return;
            }
        }
        let path = self.push_path(parts);
        let head = head(&self.paths[path.0 as usize..path.1 as usize]);
        self.items.push(Item { head, n, path, val: (start, start) });
        self.open = Open::Dynamic;
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

    #[cfg(test)]
    pub(crate) fn bool(&mut self, path: &'static str, v: bool) {
        self.put_with(&[Part::Dotted(path)], |o| o.extend_from_slice(if v { b"true" } else { b"false" }));
    }

    #[cfg(test)]
    pub(crate) fn int(&mut self, path: &'static str, v: i64) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_int(o, v));
    }

    pub(crate) fn str_array<S: AsRef<str>>(&mut self, path: &'static str, items: impl IntoIterator<Item = S>) {
        self.put_with(&[Part::Dotted(path)], |o| json::write_str_array(o, items));
    }

    fn path_of(&self, it: &Item) -> &[u8] {
        self.paths.get(it.path.0 as usize..it.path.1 as usize).unwrap_or(&[])
    }

    /// Writes the document as one JSON object into `out`.
    pub(crate) fn finish(mut self: alloc::boxed::Box<Self>, out: &mut Vec<u8>) {
        let mut dynamic = core::mem::take(&mut self.dynamic);
        let mut moves = core::mem::take(&mut self.statics.moves);
        let mut move_bytes = core::mem::take(&mut self.statics.move_bytes);
        let stops = core::mem::take(&mut self.stops);
        if moves.is_empty() || move_bytes.len() > 1 << 18 {
            moves.clear();
            moves.resize(MOVE_SLOTS, (0, 0, 0, 0));
            move_bytes.clear();
        }
        let mut stops = self.write(out, &mut dynamic, &mut moves, &mut move_bytes, stops);
        stops.clear();
        self.stops = stops;
        self.statics.moves = moves;
        self.statics.move_bytes = move_bytes;
        self.dynamic = dynamic;
        // Kept for the next record unless a huge record grew them (then they are let go).
        if self.paths.capacity() + self.vals.capacity() <= 1 << 20 {
            SPARE.with(|s| *s.borrow_mut() = Some(self));
        }
    }

    /// `finish`'s writing, through `&self` (a parameter, so nothing written to `out` can change
    /// it: read through the box instead, its fields were loaded again after each write, ~0.8 M
    /// instructions of the ecs profile). Gives back the `Writer`'s stack.
    fn write(&self, out: &mut Vec<u8>, dynamic: &mut Vec<u32>, moves: &mut Vec<(u32, u32, u32, u32)>, move_bytes: &mut Vec<u8>, stops: Vec<usize>) -> Vec<usize> {
        // Static leaves are in their ranks' slots, in path order; the dynamic ones are sorted
        // among themselves (path order; among equal paths the first added first), then both
        // sequences are merged.
        dynamic.clear();
        dynamic.extend(0..self.items.len() as u32);
        let items = &self.items;
        let order = |it: &Item| (it.head, self.path_of(it), it.n);
        if dynamic.len() > 1 {
            crate::sort::sort_by(dynamic, |&a, &b| order(&items[a as usize]).cmp(&order(&items[b as usize])));
        }
        out.push(b'{');
        let st = &self.statics;
        let mut w = Writer { st, last: &[], last_id: START, stops, stops_valid: true, any: false, moves, move_bytes };
        let mut d = 0;
        for (k, &word) in self.bits.iter().enumerate() {
            let mut m = word;
            while m != 0 {
                let r = k * 64 + m.trailing_zeros() as usize;
                m &= m - 1;
                let (Some(&id), Some(slot)) = (st.by_rank.get(r), self.slots.get(r)) else { continue };
                if d < dynamic.len() {
                    let key = (st.heads[id as usize], st.path(id), slot.n);
                    while let Some(&di) = dynamic.get(d) {
                        let dy = &items[di as usize];
                        if order(dy) >= key {
                            break;
                        }
                        w.leaf_slow(out, self.path_of(dy), self.value_of(dy.val), NONE);
                        d += 1;
                    }
                }
                w.leaf(out, self.value_of(slot.val), id);
            }
        }
        for &di in dynamic.get(d..).unwrap_or(&[]) {
            let dy = &items[di as usize];
            w.leaf_slow(out, self.path_of(dy), self.value_of(dy.val), NONE);
        }
        let open = if w.stops_valid { w.stops.len() } else { st.path(w.last_id).iter().filter(|&&c| c == 0).count() };
        for _ in 0..open {
            out.push(b'}');
        }
        out.push(b'}');
        w.stops
    }

    fn value_of(&self, val: (u32, u32)) -> &[u8] {
        self.vals.get(val.0 as usize..val.1 as usize).unwrap_or(b"null")
    }
}

/// `finish`'s state while it writes leaves in path order.
struct Writer<'p, 'm> {
    st: &'p Statics,
    /// The last leaf written, and its static id (`START` before the first, `NONE` if dynamic);
    /// after a cached move (`stops_valid` false) `last` is stale: the path of `last_id`.
    last: &'p [u8],
    last_id: u32,
    /// The positions of the NULs in `last`: one per object open below the root (recomputed
    /// from `last` after a cached move, when `stops_valid` is false).
    stops: Vec<usize>,
    stops_valid: bool,
    any: bool,
    moves: &'m mut Vec<(u32, u32, u32, u32)>,
    move_bytes: &'m mut Vec<u8>,
}

impl<'p, 'm> Writer<'p, 'm> {
    /// Writes the leaf at static id `id` unless an earlier one blocks it. A cached move is
    /// written here (inlined into `finish`'s loop: the call and its saved registers were a fifth
    /// of a leaf's cost; the path is not even looked up); the rest is `leaf_slow`.
    #[inline(always)]
    fn leaf(&mut self, out: &mut Vec<u8>, value: &[u8], id: u32) {
        if self.last_id != NONE {
            if let Some(&(p, i, a, b)) = self.moves.get(move_slot(self.last_id, id)) {
                if p == self.last_id.wrapping_add(1) && i == id + 1 {
                    if a == BLOCKED {
                        return;
                    }
                    put_two(out, self.move_bytes.get(a as usize..b as usize).unwrap_or(&[]), value);
                    self.last_id = id;
                    self.stops_valid = false;
                    self.any = true;
                    return;
                }
            }
        }
        self.leaf_slow(out, self.st.path(id), value, id);
    }

    #[inline(never)]
    fn leaf_slow(&mut self, out: &mut Vec<u8>, path: &'p [u8], value: &[u8], id: u32) {
        // `leaf` has looked for a cached move and found none; the other callers pass `NONE`.
        let record = (id != NONE && self.last_id != NONE).then(|| (move_slot(self.last_id, id), self.last_id));
        if !self.stops_valid {
            self.last = self.st.path(self.last_id);
            self.stops.clear();
            self.stops.extend(self.last.iter().enumerate().filter(|(_, &c)| c == 0).map(|(k, _)| k));
            self.stops_valid = true;
        }
        let same = common_prefix(path, self.last);
        // A leaf blocks itself (first wins) and everything below it.
        if self.any && same == self.last.len() && path.get(same).map_or(true, |&c| c == 0) {
            if let Some((slot, prev)) = record {
                self.moves[slot] = (prev.wrapping_add(1), id + 1, BLOCKED, 0);
            }
            return;
        }
        let before = out.len();
        // Segments both paths share whole: those closed by a NUL before their first difference
        // (the bytes before it are the same in both, so are those NULs).
        let common = self.stops.iter().take_while(|&&p| p < same).count();
        for _ in common..self.stops.len() {
            out.push(b'}');
        }
        self.stops.truncate(common);
        // Past the shared segments: the new parents, then the leaf key.
        let mut at = common.checked_sub(1).map_or(0, |k| self.stops[k] + 1);
        while let Some(end) = path.get(at..).and_then(|r| r.iter().position(|&c| c == 0)) {
            member_key(out, &path[at..at + end]);
            out.push(b'{');
            self.stops.push(at + end);
            at += end + 1;
        }
        member_key(out, path.get(at..).unwrap_or(&[]));
        if let Some((slot, prev)) = record {
            let a = self.move_bytes.len() as u32;
            self.move_bytes.extend_from_slice(&out[before..]);
            self.moves[slot] = (prev.wrapping_add(1), id + 1, a, self.move_bytes.len() as u32);
        }
        out.extend_from_slice(value);
        self.last = path;
        self.last_id = id;
        self.any = true;
    }
}

/// Appends `a` then `b` with one capacity check and no `memcpy` call for short ones (a cached
/// move and a value are a few dozen bytes; two `extend_from_slice` calls were ~25 % of a leaf).
#[inline(always)]
fn put_two(out: &mut Vec<u8>, a: &[u8], b: &[u8]) {
    out.reserve(a.len() + b.len());
    // SAFETY: the capacity holds `a.len() + b.len()` more bytes, all written by `copy_small`.
    unsafe {
        let len = out.len();
        let p = json::copy_small(out.as_mut_ptr().add(len), a);
        json::copy_small(p, b);
        out.set_len(len + a.len() + b.len());
    }
}

/// The length of the longest common prefix of `a` and `b`, eight bytes at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let mut x = [0u8; 8];
        let mut y = [0u8; 8];
        x.copy_from_slice(&a[i..i + 8]);
        y.copy_from_slice(&b[i..i + 8]);
        let d = u64::from_le_bytes(x) ^ u64::from_le_bytes(y);
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
            ("a dynamic path first wins over the same static path", |d| {
                d.str_at(&[Part::Dotted("a"), Part::Key("b")], "dynamic");
                d.str("a.b", "static");
            }, r#"{"a":{"b":"dynamic"}}"#),
            ("a static path first wins over the same dynamic path", |d| {
                d.str("a.b", "static");
                d.str_at(&[Part::Dotted("a"), Part::Key("b")], "dynamic");
            }, r#"{"a":{"b":"static"}}"#),
            ("dynamic keys merge between static ones", |d| {
                d.str("u.c", "3");
                d.str_at(&[Part::Dotted("u"), Part::Key("b.x")], "2");
                d.str("u.a", "1");
                d.str_at(&[Part::Dotted("u"), Part::Key("d")], "4");
                d.str_at(&[Part::Dotted("u.c"), Part::Key("blocked")], "no");
            }, r#"{"u":{"a":"1","b.x":"2","c":"3","d":"4"}}"#),
            ("deep close and reopen", |d| {
                d.str("a.b.c.d", "1");
                d.str("a.e", "2");
                d.str_array("f", &["x", "y"]);
            }, r#"{"a":{"b":{"c":{"d":"1"}},"e":"2"},"f":["x","y"]}"#),
        ];
        // Twice: the second time the moves between static leaves come from the cache.
        for round in 0..2 {
            for (name, f, want) in cases {
                assert_eq!(build(f), *want, "{name}, round {round}");
            }
        }
    }

    #[test]
    fn one_path_at_two_addresses_is_one_path() {
        // Equal names the compiler keeps at two addresses: the first leaf added still wins,
        // whichever address it came by.
        let leak = |s: &str| -> &'static str { alloc::boxed::Box::leak(String::from(s).into_boxed_str()) };
        let (p1, p2, p3) = (leak("x.y"), leak("x.y"), leak("x.y"));
        for _ in 0..2 {
            let mut d = Doc::new();
            d.str("x.z", "0");
            d.str(p2, "first");
            d.str(p1, "second");
            d.str(p3, "third");
            let mut out = Vec::new();
            d.finish(&mut out);
            assert_eq!(String::from_utf8(out).unwrap(), r#"{"x":{"y":"first","z":"0"}}"#);
        }
    }

    #[test]
    fn control_characters_in_keys_stay_escaped() {
        let got = build(|d| d.str_at(&[Part::Key("a\u{0}b"), Part::Key("c")], "v"));
        assert_eq!(got, r#"{"a\u0000b":{"c":"v"}}"#);
    }
}
