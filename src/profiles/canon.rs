//! Canonical compact JSON text of a raw value, for payloads kept as strings
//! (`aws.cloudtrail.request_parameters` and friends).
//!
//! The rule is RFC 8785 (JCS) except for numbers: no insignificant whitespace; object members
//! sorted by key (UTF-16 code units); a duplicate key keeps its last value (as `JSON.parse`
//! does); strings re-escaped minimally (`\u00e9` becomes `é`); numbers kept exactly as written,
//! so integers beyond 2^53 survive. Two records whose payloads are equal as JSON give equal text.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::json;

/// Appends the canonical text of `raw` (a valid JSON value) to `out`.
#[cfg(test)]
pub(crate) fn write_canonical(out: &mut Vec<u8>, raw: &[u8]) {
    write_canonical_depth(out, &mut Vec::new(), raw);
}

/// The canonical text of `raw` (a valid JSON value), appended to `out`.
///
/// One pass that writes only where the canonical text differs from the input: it is mostly the
/// input's own bytes (compact, strings without escapes), so the input is copied in runs as long
/// as possible, cut only by whitespace to drop, a string to re-escape or an object whose members
/// are out of order (reordered through one copy); what the pass does not handle itself (escaped
/// keys, invalid text) goes to `write_slow`, the reference form (collect, sort, recurse: ~15 % of
/// the ecs profile, with an allocation per object). (Writing each key, string and comma on its
/// own was ~2 % of the ecs profile.)
/// Also gives `depth(raw)` when the one pass saw the whole value (`None` when part of it went
/// to the reference form).
fn write_canonical_depth(out: &mut Vec<u8>, members: &mut Vec<Member>, raw: &[u8]) -> Option<usize> {
    let v = trim(raw);
    let start = out.len();
    // The members' stack is the caller's, kept between payloads (its allocation per payload
    // was ~1 % of the ecs profile).
    members.clear();
    // A key can need the UTF-16 order only if it holds a byte from 0xEE up: none in ASCII text.
    let mut st = Pass { members: core::mem::take(members), from: 0, depth: 0, max: 0, slow: false, ascii: v.is_ascii() };
    let ok = !v.is_empty() && value(&mut st, out, v, 0) == Some(v.len());
    if ok {
        st.flush(out, v, v.len());
    }
    *members = st.members;
    if !ok {
        out.truncate(start);
        write_slow(out, raw);
        return None;
    }
    (!st.slow).then_some(st.max)
}

/// Where a member's `"key":value` text is in the output (`m..e`), its key's length, and its
/// key's first eight bytes (big-endian, zero-padded).
#[derive(Clone, Copy)]
pub(crate) struct Member {
    m: usize,
    e: usize,
    len: usize,
    head: u64,
}

/// A key's first eight bytes as one integer, zero-padded: comparing two of them orders keys as
/// their bytes do, up to the eighth (shared with OCSF's `unmapped`).
pub(super) fn head8(k: &[u8]) -> u64 {
    // A load for a key of eight bytes or more (the copy into a zeroed array was a `memcpy` call
    // per key).
    if let Some(w) = k.get(..8) {
        return u64::from_be_bytes(w.try_into().unwrap_or_default());
    }
    head_short(k)
}

/// [`head8`] of a key shorter than eight bytes (most of them): natively, two overlapping loads,
/// each shifted to its place (the copy into a zeroed array was a `memcpy` call here too); in
/// the wasm that copy (this code made it ~200 B larger, ~50 B out of line).
#[cfg(target_arch = "wasm32")]
fn head_short(k: &[u8]) -> u64 {
    let mut h = [0u8; 8];
    h[..k.len()].copy_from_slice(k);
    u64::from_be_bytes(h)
}

#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
fn head_short(k: &[u8]) -> u64 {
    let n = k.len();
    let be = |s: &[u8]| s.iter().fold(0u64, |h, &c| h << 8 | u64::from(c));
    if n >= 4 {
        be(&k[..4]) << 32 | be(&k[n - 4..]) << (8 * (8 - n))
    } else if n >= 2 {
        be(&k[..2]) << 48 | be(&k[n - 2..]) << (8 * (8 - n))
    } else {
        be(k) << 56
    }
}

struct Pass {
    /// The members of the objects being written, innermost last.
    members: Vec<Member>,
    /// The input from `from` on is not written yet: up to the index being read it is its own
    /// canonical text, so input index `p >= from` lands at `out.len() + p - from`.
    from: usize,
    /// Nesting of the value being written, its maximum, and whether any part of it went to
    /// `write_slow` (whose parts are not counted).
    depth: usize,
    max: usize,
    slow: bool,
    /// The whole value is ASCII (no key needs the UTF-16 comparison).
    ascii: bool,
}

impl Pass {
    /// Where input index `p` (from `from` on) lands in the output.
    #[inline(always)]
    fn at(&self, out: &[u8], p: usize) -> usize {
        out.len() + p - self.from
    }

    /// Writes the input up to `p` as it is.
    #[inline]
    fn flush(&mut self, out: &mut Vec<u8>, b: &[u8], p: usize) {
        out.extend_from_slice(&b[self.from..p]);
        self.from = p;
    }

    /// The index of the first byte at or after `i` that is not whitespace, the whitespace
    /// dropped from the output (one compare when there is none, as in compact records).
    #[inline(always)]
    fn ws(&mut self, out: &mut Vec<u8>, b: &[u8], i: usize) -> usize {
        match b.get(i) {
            Some(&c) if c <= b' ' => self.drop_ws(out, b, i),
            _ => i,
        }
    }

    #[cold]
    #[inline(never)]
    fn drop_ws(&mut self, out: &mut Vec<u8>, b: &[u8], i: usize) -> usize {
        let j = json::skip_ws(b, i);
        if j > i {
            self.flush(out, b, i);
            self.from = j;
        }
        j
    }

    /// The string `b[i..end]` (with escapes) written in its minimal form instead.
    #[cold]
    #[inline(never)]
    fn rewrite_str(&mut self, out: &mut Vec<u8>, b: &[u8], i: usize, end: usize) {
        self.flush(out, b, i);
        write_slow(out, &b[i..end]);
        self.from = end;
    }
}

/// Reads the string at `b[i]`; returns the index after it.
#[inline(always)]
fn string(st: &mut Pass, out: &mut Vec<u8>, b: &[u8], i: usize) -> Option<usize> {
    let (end, escaped) = json::scan_str_fast(b, i).ok()?;
    if escaped {
        // A string: no nesting missed.
        st.rewrite_str(out, b, i, end);
    }
    // (Without a backslash the string is already minimal: the input's text.)
    Some(end)
}

/// [`value`], with strings (most values) read in line, without a call (and its saved registers).
#[inline(always)]
fn item(st: &mut Pass, out: &mut Vec<u8>, b: &[u8], i: usize) -> Option<usize> {
    match b.get(i) {
        Some(b'"') => string(st, out, b, i),
        _ => value(st, out, b, i),
    }
}

/// Reads the value at `b[i]` (whitespace before it dropped); returns the index after it.
fn value(st: &mut Pass, out: &mut Vec<u8>, b: &[u8], i: usize) -> Option<usize> {
    let i = st.ws(out, b, i);
    match *b.get(i)? {
        b'"' => string(st, out, b, i),
        b'[' => {
            st.depth += 1;
            st.max = st.max.max(st.depth);
            let mut i = st.ws(out, b, i + 1);
            if b.get(i) == Some(&b']') {
                st.depth -= 1;
                return Some(i + 1);
            }
            loop {
                i = item(st, out, b, i)?;
                i = st.ws(out, b, i);
                match *b.get(i)? {
                    b',' => i += 1,
                    b']' => {
                        st.depth -= 1;
                        return Some(i + 1);
                    }
                    _ => return None,
                }
            }
        }
        b'{' => {
            st.depth += 1;
            st.max = st.max.max(st.depth);
            let end = object(st, out, b, i);
            st.depth -= 1;
            end
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !json::is_ws(b[j]) {
                j += 1;
            }
            Some(j)
        }
    }
}

fn object(st: &mut Pass, out: &mut Vec<u8>, b: &[u8], open: usize) -> Option<usize> {
    let obj_out = st.at(out, open);
    let base = st.members.len();
    let mut i = st.ws(out, b, open + 1);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    // Whether the keys came in order (as bytes: checked again below when UTF-16 order applies),
    // checked against the previous key's head, start and length in the input as they come.
    let (mut escaped_key, mut high, mut sorted) = (false, false, true);
    let mut prev = (0u64, 0usize, 0usize);
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let (kend, esc) = json::scan_str_fast(b, i).ok()?;
        escaped_key |= esc;
        high |= !st.ascii && b[i..kend].iter().any(|&c| c >= 0xEE);
        let (len, head) = (kend - i - 2, head8(&b[i + 1..kend - 1]));
        if st.members.len() > base {
            sorted &= prev.0 < head || prev.0 == head && b[prev.1..prev.1 + prev.2] < b[i + 1..kend - 1];
        }
        prev = (head, i + 1, len);
        let m = st.at(out, i);
        i = st.ws(out, b, kend);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = item(st, out, b, i + 1)?;
        st.members.push(Member { m, e: st.at(out, i), len, head });
        i = st.ws(out, b, i);
        match *b.get(i)? {
            b',' => i = st.ws(out, b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    // `b[i]` is the closing brace.
    if escaped_key {
        // Keys to decode before they can be ordered: the reference form, for this object.
        st.flush(out, b, i + 1);
        st.members.truncate(base);
        out.truncate(obj_out);
        write_slow(out, &b[open..=i]);
        st.slow = true;
        return Some(i + 1);
    }
    if sorted && !high {
        // Its text (pending in the input) is canonical already.
        st.members.truncate(base);
        return Some(i + 1);
    }
    // The object's text up to its closing brace, in the output, to reorder there.
    st.flush(out, b, i);
    // Keys compared by their first eight bytes, then their text (`out[m + 1..][..len]`: no
    // escapes here), or as UTF-16 when one holds a character from U+E000 up; finding each key's
    // end per comparison and a sort call per object were ~50 % of the ecs profile on
    // CloudFront configurations.
    let key = |x: &Member| -> core::ops::Range<usize> { x.m + 1..x.m + 1 + x.len };
    let cmp = |out: &[u8], x: &Member, y: &Member| -> core::cmp::Ordering {
        if high {
            let (a, c) = (core::str::from_utf8(&out[key(x)]).unwrap_or_default(), core::str::from_utf8(&out[key(y)]).unwrap_or_default());
            a.encode_utf16().cmp(c.encode_utf16())
        } else {
            x.head.cmp(&y.head).then_with(|| out[key(x)].cmp(&out[key(y)]))
        }
    };
    let ms = &mut st.members[base..];
    if !ms.windows(2).all(|w| cmp(out, &w[0], &w[1]) == core::cmp::Ordering::Less) {
        // Stable sort, then keep the last of each run of equal keys (as the reference form).
        if ms.len() <= 32 {
            for n in 1..ms.len() {
                let mut j = n;
                while j > 0 && cmp(out, &ms[j - 1], &ms[j]) == core::cmp::Ordering::Greater {
                    ms.swap(j - 1, j);
                    j -= 1;
                }
            }
        } else {
            let text: &[u8] = out;
            crate::sort::sort_by(ms, |x, y| cmp(text, x, y));
        }
        // The members are rewritten in order from a copy of the object's text put after it
        // (the rewrite, never longer than the text, ends before the copy begins).
        let end = out.len();
        out.extend_from_within(obj_out..end);
        let sh = end - obj_out;
        let copied = |x: &Member| x.m + 1 + sh..x.m + 1 + sh + x.len;
        let mut w = obj_out + 1;
        for (n, x) in ms.iter().enumerate() {
            if ms.get(n + 1).is_some_and(|next| next.head == x.head && next.len == x.len && out[copied(next)] == out[copied(x)]) {
                continue;
            }
            if w > obj_out + 1 {
                out[w] = b',';
                w += 1;
            }
            out.copy_within(sh + x.m..sh + x.e, w);
            w += x.e - x.m;
        }
        out.truncate(w);
    }
    st.members.truncate(base);
    // (The closing brace is the input's, still to copy.)
    Some(i + 1)
}

/// The reference form of `write_canonical` (and its fallback).
fn write_slow(out: &mut Vec<u8>, raw: &[u8]) {
    let v = trim(raw);
    match v.first() {
        Some(b'{') => {
            let mut members: Vec<(Cow<'_, str>, &[u8])> =
                json::members(v).map(|(k, val)| (decode_key(k), val)).collect();
            // Stable sort, then keep the last of each run of equal keys. UTF-8 byte order is
            // UTF-16 order unless a key holds a character from U+E000 up (lead byte 0xEE or
            // more): bytes are compared unless one does (the UTF-16 walk cost ~10x more).
            if members.iter().any(|m| m.0.bytes().any(|c| c >= 0xEE)) {
                crate::sort::sort_by(&mut members, |a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            } else {
                crate::sort::sort_by(&mut members, |a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            out.push(b'{');
            let mut first = true;
            for (n, (k, val)) in members.iter().enumerate() {
                if members.get(n + 1).is_some_and(|next| next.0 == *k) {
                    continue;
                }
                if !first {
                    out.push(b',');
                }
                first = false;
                match k {
                    // A key without escapes is its own minimal form (valid JSON holds no raw
                    // quote or control byte): copied as it is.
                    Cow::Borrowed(k) => {
                        out.push(b'"');
                        out.extend_from_slice(k.as_bytes());
                        out.extend_from_slice(b"\":");
                    }
                    Cow::Owned(k) => {
                        json::write_str(out, k);
                        out.push(b':');
                    }
                }
                write_slow(out, val);
            }
            out.push(b'}');
        }
        Some(b'[') => {
            out.push(b'[');
            for (n, el) in json::elements(v).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_slow(out, el);
            }
            out.push(b']');
        }
        // Without a backslash the string is already minimal (see above): copied as it is.
        Some(b'"') if memchr::memchr(b'\\', v).is_none() => out.extend_from_slice(v),
        Some(b'"') => match json::as_str(v) {
            Some(s) => json::write_str(out, &s),
            // Invalid UTF-8 or escapes cannot reach here (records are validated); keep it valid anyway.
            None => json::write_str(out, &alloc::string::String::from_utf8_lossy(v)),
        },
        Some(_) => out.extend_from_slice(v),
        None => out.extend_from_slice(b"null"),
    }
}

/// The canonical text as a `String`.
#[cfg(test)]
pub(crate) fn to_canonical(raw: &[u8]) -> alloc::string::String {
    alloc::string::String::from_utf8(to_canonical_depth(raw).0).unwrap()
}

/// [`canonical_into`] a fresh buffer.
#[cfg(test)]
pub(crate) fn to_canonical_depth(raw: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let d = canonical_into(&mut out, &mut Vec::new(), raw);
    (out, d)
}

/// The canonical text into `out` (cleared first: a buffer kept between records), and returns
/// `depth(raw)` (counted on the way when it can be). Valid UTF-8 when `raw` is (the engine checks
/// each record first): its strings copied or decoded, ASCII punctuation and number text.
/// (Checking it again was ~2 % of the ecs profile.)
pub(crate) fn canonical_into(out: &mut Vec<u8>, members: &mut Vec<Member>, raw: &[u8]) -> usize {
    out.clear();
    out.reserve(raw.len());
    let d = write_canonical_depth(out, members, raw).unwrap_or_else(|| depth(raw));
    debug_assert!(core::str::from_utf8(raw).is_err() || core::str::from_utf8(out).is_ok());
    d
}

/// Appends canonical text as the content of a JSON string (what `json::write_str_content`
/// writes for it). Canonical text is dense with quotes, a run of plain bytes every few bytes:
/// eight bytes are checked and copied as one word, and a quote or backslash costs one store of
/// its escape (the generic escaper, a copy call per run, was ~11 instructions a byte here). A
/// control byte (none in canonical text: its strings keep theirs escaped) goes to the generic
/// escaper with the rest.
pub(crate) fn write_string_content(out: &mut Vec<u8>, s: &[u8]) {
    use core::ptr::{read_unaligned, write_unaligned};
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let n = s.len();
    // Worst case two bytes a byte, plus a word written past the last.
    out.reserve(2 * n + 8);
    let mut i = 0;
    // SAFETY: every write lands below `len + 2 * n + 8` (a byte of `s` becomes at most two
    // bytes, and a word store starts at most `2 * i` bytes in; a block store of the SSE2 loop
    // ends at most `2 * i + 47` bytes in (16 escapes and an offset of 15 within the block), below
    // `2 * n + 8` since `i + 32 <= n`); reads stay within `s`.
    unsafe {
        let base = out.as_mut_ptr().add(out.len());
        let mut p = base;
        let src = s.as_ptr();
        // Natively, sixteen bytes a step: the block stored whole, then for each quote or
        // backslash in it (exactly those, lowest first) a backslash stored in its place and the
        // block's bytes from there stored again one byte further on (~7 instructions a quote, where
        // the word loop below takes ~20). Not within 31 bytes of the end (that second load reads
        // 16 bytes from the quote on), nor past a control byte: the word loop does those.
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::*;
            while i + 32 <= n {
                let v = _mm_loadu_si128(src.add(i).cast::<__m128i>());
                let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let bs = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                if _mm_movemask_epi8(ctl) != 0 {
                    break;
                }
                let mut m = _mm_movemask_epi8(_mm_or_si128(q, bs)) as u32;
                _mm_storeu_si128(p.cast::<__m128i>(), v);
                while m != 0 {
                    let k = m.trailing_zeros() as usize;
                    *p.add(k) = b'\\';
                    p = p.add(1);
                    _mm_storeu_si128(p.add(k).cast::<__m128i>(), _mm_loadu_si128(src.add(i + k).cast::<__m128i>()));
                    m &= m - 1;
                }
                p = p.add(16);
                i += 16;
            }
        }
        while i < n {
            let c = if i + 8 <= n {
                let x = read_unaligned(src.add(i).cast::<u64>());
                write_unaligned(p.cast::<u64>(), x);
                let q = x ^ (LO * b'"' as u64);
                let b = x ^ (LO * b'\\' as u64);
                // The lowest flagged byte is a true match (a borrow only spreads upwards).
                let m = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b) | (x.wrapping_sub(LO * 0x20) & !x)) & HI;
                if m == 0 {
                    i += 8;
                    p = p.add(8);
                    continue;
                }
                let k = (m.trailing_zeros() / 8) as usize;
                i += k;
                p = p.add(k);
                *src.add(i)
            } else {
                *src.add(i)
            };
            if c < 0x20 {
                break;
            }
            if c == b'"' || c == b'\\' {
                *p = b'\\';
                p = p.add(1);
            }
            *p = c;
            p = p.add(1);
            i += 1;
        }
        let len = out.len() + p.offset_from(base) as usize;
        out.set_len(len);
    }
    if i < n {
        json::write_str_content(out, &s[i..]);
    }
}

/// Nesting depth of a raw value: scalars 0, `{}`/`[]` 1, `{"a":{}}` 2. Ignores brackets inside strings.
pub(crate) fn depth(raw: &[u8]) -> usize {
    let (mut d, mut max, mut i) = (0usize, 0usize, 0usize);
    while i < raw.len() {
        match raw[i] {
            b'"' => {
                i = json::scan_string(raw, i).map(|r| r.0).unwrap_or(raw.len());
                continue;
            }
            b'{' | b'[' => {
                d += 1;
                max = max.max(d);
            }
            b'}' | b']' => d = d.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    max
}

fn trim(v: &[u8]) -> &[u8] {
    let s = json::skip_ws(v, 0);
    let mut e = v.len();
    while e > s && json::is_ws(v[e - 1]) {
        e -= 1;
    }
    &v[s..e]
}

fn decode_key(k: &[u8]) -> Cow<'_, str> {
    if k.contains(&b'\\') {
        Cow::Owned(json::unescape(k).unwrap_or_default())
    } else {
        match alloc::string::String::from_utf8_lossy(k) {
            // Borrowed means "as written" to the writer above; a lossy copy must be re-escaped.
            Cow::Owned(s) => Cow::Owned(s),
            b => b,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_table() {
        crate::table_test!(|s: &str| to_canonical(s.as_bytes()), [
            ("scalars", " 12 ", "12".to_string()),
            ("big integer kept exactly", "12345678901234567890123", "12345678901234567890123".to_string()),
            ("float text kept", "1.50e+3", "1.50e+3".to_string()),
            ("whitespace removed, keys sorted", r#"{ "b" : [1, true, null], "a": {"d": "x", "c": {}} }"#,
                r#"{"a":{"c":{},"d":"x"},"b":[1,true,null]}"#.to_string()),
            ("duplicate key: last wins", r#"{"a":1,"b":2,"a":3}"#, r#"{"a":3,"b":2}"#.to_string()),
            ("escapes normalised", r#"{"k\u0065y":"caf\u00e9 \"q\" \/"}"#, r#"{"key":"café \"q\" /"}"#.to_string()),
            ("control characters stay escaped", r#""a\u0001\n""#, r#""a\u0001\n""#.to_string()),
            ("utf16 key order (astral before U+FFFD)", "{\"\u{FFFD}\":1,\"\u{1F600}\":2}", "{\"\u{1F600}\":2,\"\u{FFFD}\":1}".to_string()),
            ("empty", "", "null".to_string()),
        ]);
    }

    #[test]
    fn one_pass_agrees_with_the_reference_form() {
        let cases = [
            r#"{"b":1,"a":2}"#,
            r#"{"a":{"d":[{"z":1,"y":{"q":2,"p":3}}],"c":"x"},"b":[3,{"b":1,"a":1}]}"#,
            r#" { "b" : { "y" : 1 , "x" : [ 1 , 2 ] } , "a" : "s p a c e" } "#,
            r#"{"a":1,"b":2,"a":3,"c":{"k":1,"k":2}}"#,
            r#"{"a":{"k\u0065y":1,"b":2},"z":"\u00e9\n"}"#,
            r#"{"x":{"\u0062":1,"a":2,"b":3}}"#,
            "{\"\u{FFFD}\":1,\"\u{1F600}\":2,\"a\":{\"\u{E000}\":1,\"\u{10000}\":2}}",
            r#"[{"b":1,"a":2},[],{},"",true,null,-1.5e3]"#,
            r#"{"":1,"a":{},"b":[],"c":""}"#,
            r#""plain""#,
            "12",
            r#"{"a":"x\"y","b":"\\"}"#,
            // Keys alike in their first eight bytes, prefixes of each other, repeated.
            r#"{"abcdefghZ":1,"abcdefgh":2,"abcdefghA":3,"abcdefg":4,"abcdefghA":5,"abcdefgi":6,"abcdefgh":7}"#,
            // Keys of every short length (their heads), in and out of order.
            r#"{"ab":1,"a":2,"abcd":3,"abc":4,"abcdefg":5,"abcdef":6,"abcde":7,"b":8}"#,
            r#"{"a":1,"ab":2,"abc":3,"abcd":4,"abcde":5,"abcdef":6,"abcdefg":7,"abcdefgh":8}"#,
            // Whitespace, re-escaped strings and reordered objects mixed, at several depths:
            // what the pass writes around the input it copies as it is.
            r#"{ "a" : "x\u0041" , "c" : [ 1 , { "z" : 2 , "y" : "\n" } ] , "b" : { } }"#,
            r#"[ {"k\u0065y":1,"b":2} , {"d":1,"c":2} , "\u0041" ]"#,
            r#"{"z":{"b":1,"a":{"d":1,"c":2}},"y":[{"b":"q\"","a":1}],"x":1}"#,
            r#"{"b": true ,"a": null , "c":-0.5e+2 , "d" :[ false ,"\t" ] }"#,
            r#"{"a":{"x":"\u00e9"},"b":{"y":1,"x":2},"c":{"k\u0065y":{"b":1,"a":2}}}"#,
        ];
        // Objects past the insertion sort's 32 members: shuffled, with repeats.
        let big = |n: usize| alloc::format!("{{{}}}", (0..n).map(|k| alloc::format!("\"key{:02}\":{k}", (k * 7) % (n - 3))).collect::<Vec<_>>().join(","));
        let (b40, b33) = (big(40), big(33));
        for raw in cases.iter().copied().chain([b40.as_str(), b33.as_str()]) {
            let mut fast = Vec::new();
            write_canonical(&mut fast, raw.as_bytes());
            let mut slow = Vec::new();
            write_slow(&mut slow, raw.as_bytes());
            assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(slow).unwrap(), "{raw}");
            assert_eq!(to_canonical_depth(raw.as_bytes()).1, depth(raw.as_bytes()), "depth of {raw}");
        }
    }

    /// Generated values (seeded): objects in and out of order with repeated keys, escaped keys
    /// and strings, whitespace anywhere it may be; the one pass against the reference form.
    #[test]
    fn one_pass_agrees_on_generated_values() {
        fn rand(r: &mut u64, n: u64) -> u64 {
            *r ^= *r << 13;
            *r ^= *r >> 7;
            *r ^= *r << 17;
            *r % n
        }
        fn gen(r: &mut u64, depth: usize, o: &mut String) {
            let ws = |k: u64| [" ", "", "", "", "\n  ", "\t"][k as usize];
            let words = ["a", "b", "ab", "ba", "abcdefgh", "abcdefghi", "k\\u0065y", "x\\\"y", "é", "\u{FFFD}", "\u{1F600}", ""];
            let kind = if depth > 3 { 2 + rand(r, 2) } else { rand(r, 5) };
            match kind {
                0 | 1 => {
                    let (open, close) = if kind == 0 { ('{', '}') } else { ('[', ']') };
                    o.push(open);
                    o.push_str(ws(rand(r, 6)));
                    for n in 0..rand(r, 6) {
                        if n > 0 {
                            o.push(',');
                            o.push_str(ws(rand(r, 6)));
                        }
                        if kind == 0 {
                            o.push('"');
                            o.push_str(words[rand(r, words.len() as u64) as usize]);
                            o.push('"');
                            o.push_str(ws(rand(r, 6)));
                            o.push(':');
                            o.push_str(ws(rand(r, 6)));
                        }
                        gen(r, depth + 1, o);
                        o.push_str(ws(rand(r, 6)));
                    }
                    o.push(close);
                }
                2 => {
                    o.push('"');
                    o.push_str(words[rand(r, words.len() as u64) as usize]);
                    o.push('"');
                }
                _ => o.push_str(["1", "-2.5e3", "true", "false", "null"][rand(r, 5) as usize]),
            }
        }
        let mut r = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..3000 {
            let mut raw = String::new();
            gen(&mut r, 0, &mut raw);
            let (mut fast, mut slow) = (Vec::new(), Vec::new());
            write_canonical(&mut fast, raw.as_bytes());
            write_slow(&mut slow, raw.as_bytes());
            assert_eq!(String::from_utf8(fast).unwrap(), String::from_utf8(slow).unwrap(), "{raw}");
            assert_eq!(to_canonical_depth(raw.as_bytes()).1, depth(raw.as_bytes()), "depth of {raw}");
        }
    }

    #[test]
    fn string_content_is_what_the_generic_escaper_writes() {
        let long = "ab\"cdefgh\\ijklmnop\"\"qrstuvwxyz0123456789\u{1}\n\r\t\u{1f}é😀\"";
        let mut cases: Vec<alloc::string::String> = ["", "a", "\"", "\\", "abcdefgh", "abcdefg\"", "\"abcdefgh", "{\"a\":\"b\\\"c\"}", "\u{7f}\u{0}x"].iter().map(|s| s.to_string()).collect();
        // Canonical text, quotes dense (runs of them, at every place of a 16-byte block), and
        // the same with a control byte in the middle.
        let dense = r#"{"a":"b\"c","dd":["\\","\"\"",""],"eee":{"f":"g"},"h":"\"\\\"","iiiiiiiiiiiiiiii":"","j":[1,"x"]}"#.repeat(2);
        let ctl = alloc::format!("{}\u{2}{}", &dense[..40], &dense[40..]);
        // Every length and offset of texts with quotes, backslashes and control bytes.
        for t in [long, dense.as_str(), ctl.as_str()] {
            for a in 0..t.len() {
                for b in a..=t.len() {
                    if let Some(t) = t.get(a..b) {
                        cases.push(t.to_string());
                    }
                }
            }
        }
        for c in &cases {
            let (mut fast, mut slow) = (b"x".to_vec(), b"x".to_vec());
            write_string_content(&mut fast, c.as_bytes());
            json::write_str_content(&mut slow, c.as_bytes());
            assert_eq!(fast, slow, "{c:?}");
        }
    }

    /// `head8` is a key's first eight bytes, big-endian and zero-padded, at every length.
    #[test]
    fn head8_at_every_length() {
        let key = b"abcdefghijk\xff";
        for n in 0..=key.len() {
            let mut h = [0u8; 8];
            h[..n.min(8)].copy_from_slice(&key[..n.min(8)]);
            assert_eq!(head8(&key[..n]), u64::from_be_bytes(h), "{n}");
        }
    }

    #[test]
    fn depth_table() {
        crate::table_test!(|s: &str| depth(s.as_bytes()), [
            ("scalar", "1", 0usize),
            ("empty object", "{}", 1usize),
            ("nested", r#"{"a":[{"b":{}}]}"#, 4usize),
            ("brackets in strings ignored", r#"{"a":"{{[[\"]"}"#, 1usize),
        ]);
    }
}
