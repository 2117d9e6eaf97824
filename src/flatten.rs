//! Flattening: one pass over a record's bytes that validates it, writes every field as one flat
//! key straight into the output buffer, and captures the fields enrichment reads on the way.
//!
//! Key rule (documented in docs/FLATTENING.md): a path joins keys with the separator; inside a
//! key, `~` is written `~0` and the separator `~1` (RFC 6901's escapes). Nothing else changes, so
//! ordinary CloudTrail keys are copied byte for byte. Values are copied as written (numbers keep
//! every digit). Arrays stay arrays unless `arrays: "index"`; objects inside them are flattened
//! with the same rule. Empty objects and arrays are kept as `{}` and `[]` values.
//!
//! Limits: an object at `maxDepth` levels (so flat keys have at most `maxDepth` parts) is kept
//! as one JSON-string field at its path; after
//! `maxFields - 1` fields, the rest of the record goes, nested as it was, into one JSON-string
//! field named `~overflow` (a key flattening itself can never produce, since `~` is escaped).

use alloc::vec::Vec;

use crate::fields::{step, Fields, Node};
use crate::json::{self, fail, put, scan_literal, scan_number, scan_string, skip_ws, Code, Res, MAX_NESTING};
use crate::options::{Arrays, Options};

/// The key that holds whatever did not fit under `maxFields`.
pub const OVERFLOW_KEY: &str = "~overflow";

/// Reusable buffers for flattening; keep one per thread/stream to avoid per-record allocation.
#[derive(Default)]
pub(crate) struct Scratch {
    path: Vec<u8>,
    overflow: Vec<u8>,
    /// Decoded keys (cold path: keys with escapes).
    key: alloc::string::String,
    /// Open levels of the top-level flattening context (keys of the current path), kept here
    /// so that a record costs no allocation for them.
    levels: Vec<Level>,
}

/// One level of the path, for rebuilding the nesting when the overflow starts.
#[derive(Clone, Copy)]
enum Level {
    Key(usize, usize),
    Index(usize),
}

struct Walker<'a, 's> {
    b: &'a [u8],
    out: &'s mut Vec<u8>,
    s: &'s mut Scratch,
    fields: &'s mut Fields<'a>,
    sep: [u8; 4],
    sep_len: usize,
    index_arrays: bool,
    max_depth: usize,
    max_fields: usize,
    written: usize,
    /// Set once `maxFields` is reached: members then go to `s.overflow`, nested.
    overflowing: bool,
}

/// Flattens the object starting at `rec[start]` (must be `{`) into `out` as `{"k":v,...` without
/// the closing brace (so enrichment can append). Returns the index just past the record and the
/// number of fields written.
pub(crate) fn flatten_record<'a>(
    rec: &'a [u8],
    start: usize,
    opts: &Options,
    out: &mut Vec<u8>,
    scratch: &mut Scratch,
    fields: &mut Fields<'a>,
) -> Res<(usize, usize)> {
    if rec.get(start) != Some(&b'{') {
        return match rec.get(start) {
            None => fail(Code::Eof, start),
            Some(_) => fail(Code::NotObject, start),
        };
    }
    let mut sep = [0u8; 4];
    let sep_len = opts.sep_bytes(&mut sep);
    scratch.path.clear();
    scratch.overflow.clear();
    scratch.levels.clear();
    let mut w = Walker {
        b: rec,
        out,
        s: scratch,
        fields,
        sep,
        sep_len,
        index_arrays: opts.arrays == Arrays::Index,
        max_depth: opts.max_depth,
        max_fields: opts.max_fields,
        written: 0,
        overflowing: false,
    };
    w.out.push(b'{');
    let mut first = true;
    // The capture trie is followed only when something reads the fields: enrichment, `strict`'s
    // CloudTrail check, detection rules. Without them a key costs no trie step.
    let root = if opts.enrich || opts.strict || opts.rules.set().is_some() { Node::Root } else { Node::None };
    let end = w.object(start, 0, 0, false, root, true, &mut first)?;
    if w.overflowing {
        // Close the levels that were open when the overflow began.
        let written = w.written;
        w.s.overflow.push(b'}');
        let ov = core::mem::take(&mut w.s.overflow);
        if !first {
            w.out.push(b',');
        }
        w.out.push(b'"');
        w.out.extend_from_slice(OVERFLOW_KEY.as_bytes());
        w.out.extend_from_slice(b"\":");
        json::write_json_as_str(w.out, &ov);
        w.s.overflow = ov;
        return Ok((end, written + 1));
    }
    Ok((end, w.written))
}

impl<'a, 's> Walker<'a, 's> {
    /// Walks the object at `b[i]` (a `{`). `base` is where this flattening context's keys begin
    /// in the path buffer; `joined` is true when the path already names a parent (so keys are
    /// joined with the separator, even when that parent's key is empty); `top` is true for the
    /// record's own context (fields count there).
    #[allow(clippy::too_many_arguments)]
    fn object(&mut self, i: usize, depth: usize, base: usize, joined: bool, node: Node, top: bool, first: &mut bool) -> Res<usize> {
        if depth >= MAX_NESTING {
            return fail(Code::TooDeep, i);
        }
        let b = self.b;
        let mut j = skip_ws(b, i + 1);
        if b.get(j) == Some(&b'}') {
            return Ok(j + 1);
        }
        let path_len = self.s.path.len();
        let mut member_index = 0usize;
        let mut seen = 0u32; // trie members met in this object (duplicates: the last wins)
        loop {
            // With SIMD the key's scan also says whether it holds `~` or the separator's first
            // byte; without, the plain scan and a loop over the key (smaller code in the wasm).
            #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
            let (json::MemberKey { ks, ke, esc: kesc, value: vstart }, special) = json::member_key_or(b, j, b'~', self.sep[0])?;
            #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
            let (json::MemberKey { ks, ke, esc: kesc, value: vstart }, special) = (json::member_key(b, j)?, false);

            // Which captured field (if any) lives here, and where the trie goes below.
            let (cap, child) = if node == Node::None {
                (None, Node::None)
            } else if kesc {
                let mut key = core::mem::take(&mut self.s.key);
                key.clear();
                key.push_str(&json::unescape(&b[ks..ke]).unwrap_or_default());
                let r = step(node, key.as_bytes());
                self.s.key = key;
                r
            } else {
                step(node, &b[ks..ke])
            };
            if child != Node::None {
                self.fields.enter(&mut seen, child);
            }

            let vend = if top && self.overflowing {
                // Nested copy into the overflow buffer.
                let ov = &mut self.s.overflow;
                if member_index > 0 || !ov.ends_with(b"{") {
                    ov.push(b',');
                }
                ov.extend_from_slice(&b[ks - 1..ke + 1]);
                ov.push(b':');
                self.nested_value(vstart, depth + 1, child)?
            } else {
                if top && self.written + 1 >= self.max_fields {
                    self.start_overflow(depth, member_index);
                    let ov = &mut self.s.overflow;
                    ov.extend_from_slice(&b[ks - 1..ke + 1]);
                    ov.push(b':');
                    self.nested_value(vstart, depth + 1, child)?
                } else if !matches!(b.get(vstart), Some(b'{' | b'[')) {
                    // A scalar (most members): written here, without the call into `value` (and
                    // no level to record: nothing below it can start the overflow). Strings
                    // (most values) scanned right here, the rest by `scalar`.
                    let end = if b.get(vstart) == Some(&b'"') { scan_string(b, vstart)?.0 } else { self.scalar(vstart)? };
                    // At a context's first level (no parent in the path) a key without escapes,
                    // `~` or separator is its own flat key: written from the record, not copied
                    // into the path first. (SIMD builds, where the key scan says `special`.)
                    #[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
                    let direct = !(joined || kesc || special);
                    #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
                    let direct = false;
                    if direct {
                        emit_field(self.out, first, &b[ks..ke], &b[vstart..end]);
                    } else {
                        self.s.path.truncate(path_len);
                        if joined {
                            put(&mut self.s.path, &self.sep[..self.sep_len]);
                        }
                        self.push_key(ks, ke, kesc, special);
                        emit_field(self.out, first, &self.s.path[base..], &b[vstart..end]);
                    }
                    if top {
                        self.written += 1;
                    }
                    end
                } else {
                    self.s.path.truncate(path_len);
                    if joined {
                        put(&mut self.s.path, &self.sep[..self.sep_len]);
                    }
                    self.push_key(ks, ke, kesc, special);
                    if top {
                        self.s.levels.push(Level::Key(ks, ke));
                    }
                    let e = self.value(vstart, depth + 1, base, child, top, first)?;
                    if top {
                        self.s.levels.pop();
                    }
                    e
                }
            };
            if let Some(f) = cap {
                self.fields.set(f, &b[vstart..vend]);
            }
            if node == Node::Request {
                self.fields.push_request_member(&b[ks..ke], &b[vstart..vend]);
            }
            member_index += 1;
            match json::member_next(b, vend)? {
                Ok(next) => j = next,
                Err(end) => {
                    self.s.path.truncate(path_len);
                    if top && self.overflowing && depth > 0 {
                        self.s.overflow.push(b'}');
                    }
                    return Ok(end);
                }
            }
        }
    }

    /// Appends the escaped form of the key `b[ks..ke]` to the path. `special`: the key holds `~`
    /// or the separator's first byte (with SIMD, found while the key was scanned; without, looked
    /// for here).
    #[inline]
    fn push_key(&mut self, ks: usize, ke: usize, kesc: bool, special: bool) {
        let raw = &self.b[ks..ke];
        #[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
        let special = {
            let s0 = self.sep[0];
            special || raw.iter().any(|&c| c == b'~' || c == s0)
        };
        if !(kesc || special) {
            put(&mut self.s.path, raw);
        } else {
            self.push_key_slow(raw, kesc);
        }
    }

    #[cold]
    fn push_key_slow(&mut self, raw: &[u8], kesc: bool) {
        // WTF-8: a lone surrogate escape stays itself, so two keys never fold into one.
        let decoded = if kesc { json::unescape_wtf8(raw).unwrap_or_default() } else { raw.to_vec() };
        let sep = &self.sep[..self.sep_len];
        let mut esc = Vec::with_capacity(decoded.len() + 4);
        let d = &decoded[..];
        let mut i = 0;
        while i < d.len() {
            if d[i] == b'~' {
                esc.extend_from_slice(b"~0");
                i += 1;
            } else if d[i..].starts_with(sep) {
                esc.extend_from_slice(b"~1");
                i += sep.len();
            } else {
                esc.push(d[i]);
                i += 1;
            }
        }
        json::write_wtf8_content(&mut self.s.path, &esc);
    }

    /// Writes `"path":` into the output, with a comma when needed.
    #[inline]
    fn field_key(&mut self, first: &mut bool, base: usize) {
        if !*first {
            self.out.push(b',');
        }
        *first = false;
        self.out.push(b'"');
        put(self.out, &self.s.path[base..]);
        self.out.extend_from_slice(b"\":");
    }

    /// A member or element value at path `s.path` (flat mode).
    fn value(&mut self, i: usize, depth: usize, base: usize, node: Node, top: bool, first: &mut bool) -> Res<usize> {
        let b = self.b;
        match b.get(i) {
            Some(b'{') => {
                let j = skip_ws(b, i + 1);
                if b.get(j) == Some(&b'}') {
                    self.field_key(first, base);
                    self.out.extend_from_slice(b"{}");
                    if top {
                        self.written += 1;
                    }
                    return Ok(j + 1);
                }
                if depth >= self.max_depth {
                    return self.cut(i, depth, base, node, top, first);
                }
                self.object(i, depth, base, true, node, top, first)
            }
            Some(b'[') => {
                let j = skip_ws(b, i + 1);
                if self.index_arrays && b.get(j) != Some(&b']') && depth < self.max_depth {
                    return self.indexed_array(i, depth, base, top, first);
                }
                self.field_key(first, base);
                if top {
                    self.written += 1;
                }
                self.kept_array(i, depth)
            }
            _ => {
                let end = self.scalar(i)?;
                emit_field(self.out, first, &self.s.path[base..], &b[i..end]);
                if top {
                    self.written += 1;
                }
                Ok(end)
            }
        }
    }

    #[inline]
    fn scalar(&self, i: usize) -> Res<usize> {
        let b = self.b;
        match b.get(i) {
            Some(b'"') => scan_string(b, i).map(|r| r.0),
            Some(b'-' | b'0'..=b'9') => scan_number(b, i),
            Some(b't' | b'f' | b'n') => scan_literal(b, i),
            None => fail(Code::Eof, i),
            Some(_) => fail(Code::ExpectedValue, i),
        }
    }

    /// Keeps a subtree deeper than `maxDepth` whole, as one JSON-string field.
    fn cut(&mut self, i: usize, depth: usize, base: usize, node: Node, top: bool, first: &mut bool) -> Res<usize> {
        let end = json::skip_value(self.b, i, depth)?;
        self.field_key(first, base);
        json::write_json_as_str(self.out, &self.b[i..end]);
        if top {
            self.written += 1;
        }
        if node != Node::None {
            let sub = Fields::capture_sub(&self.b[i..end], node);
            self.fields.merge(&sub);
        }
        Ok(end)
    }

    /// An array kept as an array: elements copied, objects inside flattened in their own context.
    fn kept_array(&mut self, i: usize, depth: usize) -> Res<usize> {
        if depth >= MAX_NESTING {
            return fail(Code::TooDeep, i);
        }
        let b = self.b;
        self.out.push(b'[');
        let mut j = skip_ws(b, i + 1);
        if b.get(j) == Some(&b']') {
            self.out.push(b']');
            return Ok(j + 1);
        }
        loop {
            let end = match b.get(j) {
                Some(b'{') => {
                    let k = skip_ws(b, j + 1);
                    if b.get(k) == Some(&b'}') {
                        self.out.extend_from_slice(b"{}");
                        k + 1
                    } else if depth + 1 >= self.max_depth {
                        let e = json::skip_value(b, j, depth)?;
                        json::write_json_as_str(self.out, &b[j..e]);
                        e
                    } else {
                        // A fresh flattening context for the element, after the current path.
                        let base = self.s.path.len();
                        self.out.push(b'{');
                        let mut first = true;
                        let e = self.object(j, depth + 1, base, false, Node::None, false, &mut first)?;
                        self.s.path.truncate(base);
                        self.out.push(b'}');
                        e
                    }
                }
                Some(b'[') => self.kept_array(j, depth + 1)?,
                _ => {
                    let e = self.scalar(j)?;
                    put(self.out, &b[j..e]);
                    e
                }
            };
            // The step of `json::element_next`, written out here and in `indexed_array`: the walk
            // through the shared stepper ran 0.08-0.15 % more instructions (callgrind, 5 MB corpus).
            j = skip_ws(b, end);
            match b.get(j) {
                Some(b',') => {
                    self.out.push(b',');
                    j = skip_ws(b, j + 1);
                }
                Some(b']') => {
                    self.out.push(b']');
                    return Ok(j + 1);
                }
                None => return fail(Code::Eof, j),
                _ => return fail(Code::ExpectedCommaOrBracket, j),
            }
        }
    }

    /// `arrays: "index"`: each element is a field (or subtree) under `path.N`.
    fn indexed_array(&mut self, i: usize, depth: usize, base: usize, top: bool, first: &mut bool) -> Res<usize> {
        if depth >= MAX_NESTING {
            return fail(Code::TooDeep, i);
        }
        let b = self.b;
        let path_len = self.s.path.len();
        let mut j = skip_ws(b, i + 1);
        let mut n = 0usize;
        loop {
            let end = if top && self.overflowing {
                let ov = &mut self.s.overflow;
                if n > 0 || !ov.ends_with(b"{") {
                    ov.push(b',');
                }
                push_index_key(ov, n);
                self.nested_value(j, depth + 1, Node::None)?
            } else if top && self.written + 1 >= self.max_fields {
                self.start_overflow(depth, n);
                push_index_key(&mut self.s.overflow, n);
                self.nested_value(j, depth + 1, Node::None)?
            } else {
                self.s.path.truncate(path_len);
                put(&mut self.s.path, &self.sep[..self.sep_len]);
                push_usize(&mut self.s.path, n);
                if top {
                    self.s.levels.push(Level::Index(n));
                }
                let e = self.value(j, depth + 1, base, Node::None, top, first)?;
                if top {
                    self.s.levels.pop();
                }
                e
            };
            n += 1;
            j = skip_ws(b, end);
            match b.get(j) {
                Some(b',') => j = skip_ws(b, j + 1),
                Some(b']') => {
                    self.s.path.truncate(path_len);
                    if top && self.overflowing {
                        self.s.overflow.push(b'}');
                    }
                    return Ok(j + 1);
                }
                None => return fail(Code::Eof, j),
                _ => return fail(Code::ExpectedCommaOrBracket, j),
            }
        }
    }

    /// Begins the overflow object: reopens every level of the current path, nested, so that
    /// merging `~overflow` back into the unflattened record restores it exactly. Array levels
    /// (index mode) are written as objects keyed by index.
    #[cold]
    fn start_overflow(&mut self, _depth: usize, _member_index: usize) {
        self.overflowing = true;
        let ov = &mut self.s.overflow;
        ov.clear();
        ov.push(b'{');
        for level in &self.s.levels {
            match *level {
                Level::Key(ks, ke) => ov.extend_from_slice(&self.b[ks - 1..ke + 1]),
                Level::Index(n) => {
                    // The key alone: the colon follows for every level.
                    ov.push(b'"');
                    push_usize(ov, n);
                    ov.push(b'"');
                }
            }
            ov.extend_from_slice(b":{");
        }
    }

    /// Copies a value into the overflow buffer as compact JSON, descending only where the
    /// capture trie still wants fields.
    fn nested_value(&mut self, i: usize, depth: usize, node: Node) -> Res<usize> {
        let b = self.b;
        if node != Node::None && b.get(i) == Some(&b'{') {
            let end = json::skip_value(b, i, depth)?;
            let sub = Fields::capture_sub(&b[i..end], node);
            self.fields.merge(&sub);
            json::write_compact(&mut self.s.overflow, &b[i..end]);
            return Ok(end);
        }
        let end = json::skip_value(b, i, depth)?;
        json::write_compact(&mut self.s.overflow, &b[i..end]);
        Ok(end)
    }
}

/// Writes `"key":value` into `out`, with a comma unless `first`: one capacity check and short
/// copies without `memcpy` calls (this runs for every scalar field).
#[inline(always)]
fn emit_field(out: &mut Vec<u8>, first: &mut bool, key: &[u8], v: &[u8]) {
    let n = usize::from(!*first) + key.len() + 3 + v.len();
    out.reserve(n);
    // SAFETY: the capacity holds `n` more bytes, and exactly `n` are written below.
    unsafe {
        let len = out.len();
        let mut p = out.as_mut_ptr().add(len);
        if !*first {
            *p = b',';
            p = p.add(1);
        }
        *p = b'"';
        p = json::copy_small(p.add(1), key);
        core::ptr::write_unaligned(p.cast::<[u8; 2]>(), *b"\":");
        json::copy_small(p.add(2), v);
        out.set_len(len + n);
    }
    *first = false;
}

fn push_index_key(out: &mut Vec<u8>, n: usize) {
    out.push(b'"');
    push_usize(out, n);
    out.extend_from_slice(b"\":");
}

fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut buf = [0u8; 20];
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[k..]);
}

#[cfg(test)]
mod tests {
    /// `json::put` (the walker's copy) appends exactly what `extend_from_slice` does, for every length around its word
    /// sizes and whatever room the vector has left.
    #[test]
    fn put_appends_as_extend() {
        let src: Vec<u8> = (0u8..40).map(|i| i.wrapping_mul(37).wrapping_add(1)).collect();
        for n in 0..=src.len() {
            for have in [0usize, 1, 7, 15, 16, 17] {
                for room in [0usize, 1, 8, 16, 64] {
                    let mut a: Vec<u8> = Vec::with_capacity(have + room);
                    a.extend((0..have).map(|i| i as u8 ^ 0x55));
                    let mut b = a.clone();
                    crate::json::put(&mut a, &src[..n]);
                    b.extend_from_slice(&src[..n]);
                    assert_eq!(a, b, "n {n} have {have} room {room}");
                }
            }
        }
    }
}
