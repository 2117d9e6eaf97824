//! Byte-level JSON scanning shared by every stage: validation, skipping, string decoding and
//! encoding. Nothing here allocates on the success path except the explicit decode/encode helpers.
//! Errors are a small `Fail` (code + byte index); the public `Error` is built from it off the hot path.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Hard nesting limit for any JSON we read. Deeper input is an error (`ErrorKind::Limit`), which
/// keeps recursion bounded whatever the input (a 200,000-level record must not blow the stack).
pub(crate) const MAX_NESTING: usize = 512;

/// Why scanning stopped. `Eof` is special: a streaming caller may retry with more bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    Eof,
    ExpectedValue,
    ExpectedColon,
    ExpectedCommaOrBrace,
    ExpectedCommaOrBracket,
    ExpectedKey,
    ControlInString,
    BadEscape,
    BadNumber,
    BadLiteral,
    TooDeep,
    TrailingData,
    NotObject,
    InvalidUtf8,
    AfterRecords,
    /// A JSON object with none of CloudTrail's identifying members (only with `strict`, or in
    /// the ocsf profile).
    NotCloudTrail,
    /// The ocsf profile: the record lacks what every event of its OCSF class requires.
    OcsfIncomplete,
}

impl Code {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Code::Eof => "unexpected end of input",
            Code::ExpectedValue => "expected a JSON value",
            Code::ExpectedColon => "expected ':' after an object key",
            Code::ExpectedCommaOrBrace => "expected ',' or '}' after an object member",
            Code::ExpectedCommaOrBracket => "expected ',' or ']' after an array element",
            Code::ExpectedKey => "expected a string key",
            Code::ControlInString => "control character inside a string (must be escaped)",
            Code::BadEscape => "invalid escape sequence in a string",
            Code::BadNumber => "invalid number",
            Code::BadLiteral => "invalid literal (expected true, false or null)",
            Code::TooDeep => "nesting deeper than the limit of 512 levels",
            Code::TrailingData => "unexpected data after the record",
            Code::NotObject => "a record must be a JSON object",
            Code::InvalidUtf8 => "invalid UTF-8",
            Code::AfterRecords => "unexpected data after the records array (only the closing `}` may follow it)",
            Code::NotCloudTrail => crate::enrich::NOT_CLOUDTRAIL,
            Code::OcsfIncomplete => {
                "ocsf: the record lacks what its OCSF 1.1.0 class requires (a valid eventTime; for API Activity eventName and a caller; for a sign-in the user and eventSource; for an Insights event its id)"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fail {
    pub code: Code,
    pub at: usize,
}

#[cold]
#[inline(never)]
pub(crate) fn fail<T>(code: Code, at: usize) -> Result<T, Fail> {
    Err(Fail { code, at })
}

pub(crate) type Res<T> = Result<T, Fail>;

#[inline]
pub(crate) fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | b'\r' | b'\t')
}

#[inline]
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    i
}

/// Bytes that stop the fast string scan: quote, backslash, and control characters.
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Checks that `b` is UTF-8; `Err(n)` when it is not, `n` the length of its valid prefix (as
/// `from_utf8`'s `valid_up_to`). Runs of ASCII are skipped 32 bytes at a time with SSE2 (x86_64)
/// or simd128 (when the wasm build enables it), each other character checked by [`utf8_char`],
/// and the skip taken again after it: most records are all ASCII, and a few hold a non-ASCII
/// character or two, after which `from_utf8` (words of four bytes in the wasm) ran over the rest.
#[inline]
pub(crate) fn check_utf8(b: &[u8]) -> Result<(), usize> {
    let mut j = 0;
    loop {
        j += ascii_prefix(&b[j..]);
        // The rest of a block that holds a non-ASCII byte, or the tail.
        while j < b.len() && b[j] < 0x80 {
            j += 1;
        }
        if j == b.len() {
            return Ok(());
        }
        j += utf8_char(b, j).ok_or(j)?;
    }
}

/// The length of the UTF-8 character (of two to four bytes) at `b[j]`, if it is a valid one
/// (shortest form, no surrogate, at most U+10FFFF: the table of the Unicode standard, D92).
/// Not inlined: one copy, for the few characters that are not ASCII.
#[inline(never)]
fn utf8_char(b: &[u8], j: usize) -> Option<usize> {
    let cont = |k: usize| b.get(j + k).is_some_and(|&x| x & 0xC0 == 0x80);
    let c = b[j];
    let c1 = *b.get(j + 1)?;
    match c {
        0xC2..=0xDF => (c1 & 0xC0 == 0x80).then_some(2),
        0xE0..=0xEF => {
            let ok = match c {
                0xE0 => (0xA0..=0xBF).contains(&c1),
                0xED => (0x80..=0x9F).contains(&c1),
                _ => c1 & 0xC0 == 0x80,
            };
            (ok && cont(2)).then_some(3)
        }
        0xF0..=0xF4 => {
            let ok = match c {
                0xF0 => (0x90..=0xBF).contains(&c1),
                0xF4 => (0x80..=0x8F).contains(&c1),
                _ => c1 & 0xC0 == 0x80,
            };
            (ok && cont(2) && cont(3)).then_some(4)
        }
        _ => None,
    }
}

/// A length `k` such that `b[..k]` is all ASCII (not always the longest: whole blocks only).
#[inline]
#[cfg_attr(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))), allow(unused_variables))]
fn ascii_prefix(b: &[u8]) -> usize {
    #[allow(unused_mut)]
    let mut j = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::*;
        while j + 32 <= b.len() {
            // SAFETY: `j + 32 <= b.len()`; unaligned loads; SSE2 is x86_64's baseline.
            let m = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(j).cast::<__m128i>());
                let w = _mm_loadu_si128(b.as_ptr().add(j + 16).cast::<__m128i>());
                _mm_movemask_epi8(_mm_or_si128(v, w))
            };
            if m != 0 {
                break;
            }
            j += 32;
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        while j + 32 <= b.len() {
            // SAFETY: `j + 32 <= b.len()`; v128 loads need no alignment.
            let (v, w) = unsafe { (v128_load(b.as_ptr().add(j).cast::<v128>()), v128_load(b.as_ptr().add(j + 16).cast::<v128>())) };
            if u8x16_bitmask(v128_or(v, w)) != 0 {
                break;
            }
            j += 32;
        }
    }
    j
}

/// Scans a string whose opening quote is at `b[i]`. Returns the index just past the closing quote
/// and whether the content holds escapes. UTF-8 is validated once per record by the caller.
#[inline]
pub(crate) fn scan_string(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = find_stop(b, j);
        if j >= b.len() {
            return fail(Code::Eof, b.len());
        }
        match b[j] {
            b'"' => return Ok((j + 1, escaped)),
            b'\\' => {
                escaped = true;
                j = scan_escape(b, j)?;
            }
            _ => return fail(Code::ControlInString, j),
        }
    }
}

/// [`scan_string`] for the loops that read most strings (`skip_value`, `member_key_inl`, the
/// capture pass, the canonical writer): most strings hold no escape, so their first stop is the
/// closing quote; anything else (escapes, errors) is scanned again from the start out of line.
/// Native builds only: in the wasm a copy of the stop search at each of those callers cost
/// ~470 B gzipped, so there it is [`scan_string`] itself.
#[cfg(not(target_arch = "wasm32"))]
#[inline(always)]
pub(crate) fn scan_str_fast(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let j = find_stop(b, i + 1);
    if b.get(j) == Some(&b'"') {
        return Ok((j + 1, false));
    }
    scan_string_slow(b, i)
}

/// (The wasm: see above.)
#[cfg(target_arch = "wasm32")]
#[inline]
pub(crate) fn scan_str_fast(b: &[u8], i: usize) -> Res<(usize, bool)> {
    scan_string(b, i)
}

/// [`scan_str_fast`] that also says whether the string is plain: no escape and all ASCII, so its
/// content is its text as it stands (the capture pass notes that, and `Fields::text` then neither
/// decodes nor checks it again). The high bits come out of the same 16-byte steps as the stops.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn scan_str_plain(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let (j, high) = find_stop_high(b, i + 1);
    if b.get(j) == Some(&b'"') {
        return Ok((j + 1, !high));
    }
    scan_string_slow(b, i).map(|(end, _)| (end, false))
}

/// (Elsewhere: the escape flag of the scan, then an ASCII check of the content. In the wasm a
/// SIMD copy of the scan that also gathers the high bits cost ~150 B gzipped.)
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn scan_str_plain(b: &[u8], i: usize) -> Res<(usize, bool)> {
    let (end, esc) = scan_str_fast(b, i)?;
    Ok((end, !esc && b[i + 1..end - 1].is_ascii()))
}

#[cfg(not(target_arch = "wasm32"))]
#[inline(never)]
fn scan_string_slow(b: &[u8], i: usize) -> Res<(usize, bool)> {
    scan_string(b, i)
}

/// The index of the first quote, backslash or control byte at or after `j` (or `b.len()`).
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
fn find_stop(b: &[u8], j: usize) -> usize {
    find_stop_or(b, j, b'"', b'"')
}

/// The index of the first quote, backslash or control byte at or after `j` (or `b.len()`).
/// Eight bytes at a time (SWAR, portable to wasm32): the lowest flagged byte of each word is
/// always a true match, which is all we use.
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
#[inline]
fn find_stop(b: &[u8], mut j: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while j + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[j..j + 8]);
        let x = u64::from_le_bytes(w);
        let q = x ^ (LO * b'"' as u64);
        let s = x ^ (LO * b'\\' as u64);
        let t = ((q.wrapping_sub(LO) & !q) | (s.wrapping_sub(LO) & !s) | (x.wrapping_sub(LO * 0x20) & !x)) & HI;
        if t != 0 {
            return j + (t.trailing_zeros() / 8) as usize;
        }
        j += 8;
    }
    while j < b.len() && !STOP[b[j] as usize] {
        j += 1;
    }
    j
}

/// [`find_stop`] that also stops at the bytes `x1` and `x2` (pass `"` for none: a compare
/// already made costs nothing more once inlined). Sixteen bytes at a time with SSE2 (x86_64's
/// baseline) or wasm simd128 (when the build enables it); the tail byte by byte. The first
/// flagged byte is always a true match. Without SIMD the portable code above is used instead:
/// a SWAR copy of this made the wasm 1 KB larger gzipped.
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline(always)]
fn find_stop_or(b: &[u8], mut j: usize, x1: u8, x2: u8) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::*;
        while j + 16 <= b.len() {
            // SAFETY: `j + 16 <= b.len()`, and the load is unaligned; SSE2 is always present on x86_64.
            let m = unsafe {
                let v = _mm_loadu_si128(b.as_ptr().add(j).cast::<__m128i>());
                let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
                let s = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
                let a = _mm_cmpeq_epi8(v, _mm_set1_epi8(x1 as i8));
                let c = _mm_cmpeq_epi8(v, _mm_set1_epi8(x2 as i8));
                // Control bytes: unsigned v <= 0x1f.
                let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
                _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_or_si128(q, s), _mm_or_si128(a, c)), ctl)) as u32
            };
            if m != 0 {
                return j + m.trailing_zeros() as usize;
            }
            j += 16;
        }
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        use core::arch::wasm32::*;
        while j + 16 <= b.len() {
            // SAFETY: `j + 16 <= b.len()`; v128 loads need no alignment.
            let v = unsafe { v128_load(b.as_ptr().add(j).cast::<v128>()) };
            let hit = v128_or(
                v128_or(u8x16_eq(v, u8x16_splat(b'"')), u8x16_eq(v, u8x16_splat(b'\\'))),
                v128_or(v128_or(u8x16_eq(v, u8x16_splat(x1)), u8x16_eq(v, u8x16_splat(x2))), u8x16_lt(v, u8x16_splat(0x20))),
            );
            let m = u8x16_bitmask(hit) as u32;
            if m != 0 {
                return j + m.trailing_zeros() as usize;
            }
            j += 16;
        }
    }
    while j < b.len() && !STOP[b[j] as usize] && b[j] != x1 && b[j] != x2 {
        j += 1;
    }
    j
}

/// [`find_stop`] that also says whether a byte before the stop is not ASCII (has its high bit).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn find_stop_high(b: &[u8], mut j: usize) -> (usize, bool) {
    use core::arch::x86_64::*;
    let mut high = 0u32;
    while j + 16 <= b.len() {
        // SAFETY: `j + 16 <= b.len()`, and the load is unaligned; SSE2 is always present on x86_64.
        let (m, h) = unsafe {
            let v = _mm_loadu_si128(b.as_ptr().add(j).cast::<__m128i>());
            let q = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let s = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            let ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, s), ctl)) as u32, _mm_movemask_epi8(v) as u32)
        };
        if m != 0 {
            // The high bits up to the stop (the stop byte itself is ASCII).
            return (j + m.trailing_zeros() as usize, (high | (h & (m ^ (m - 1)))) != 0);
        }
        high |= h;
        j += 16;
    }
    while j < b.len() && !STOP[b[j] as usize] {
        high |= (b[j] >> 7) as u32;
        j += 1;
    }
    (j, high != 0)
}

/// Scans a key whose opening quote is at `b[i]`, as [`scan_string`] does, and also says whether
/// its content holds `x1` or `x2` (the flattening walker's `~` and separator byte, which make the
/// key need escaping in a path) — one pass instead of a second loop over the key.
#[cfg(all(test, not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))))]
pub(crate) fn scan_key(b: &[u8], i: usize, x1: u8, x2: u8) -> Res<(usize, bool, bool)> {
    let (end, esc) = scan_string(b, i)?;
    Ok((end, esc, b[i + 1..end - 1].iter().any(|&c| c == x1 || c == x2)))
}

/// (SIMD targets: the flag comes out of the one scan.)
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
pub(crate) fn scan_key(b: &[u8], i: usize, x1: u8, x2: u8) -> Res<(usize, bool, bool)> {
    let mut j = i + 1;
    let (mut escaped, mut special) = (false, false);
    loop {
        j = find_stop_or(b, j, x1, x2);
        match b.get(j) {
            None => return fail(Code::Eof, b.len()),
            Some(b'"') => return Ok((j + 1, escaped, special)),
            Some(b'\\') => {
                escaped = true;
                j = scan_escape(b, j)?;
            }
            Some(&c) if c < 0x20 => return fail(Code::ControlInString, j),
            Some(_) => {
                special = true;
                j += 1;
            }
        }
    }
}

#[cold]
fn scan_escape(b: &[u8], j: usize) -> Res<usize> {
    match b.get(j + 1) {
        None => fail(Code::Eof, b.len()),
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(j + 2),
        Some(b'u') => {
            if b.len() < j + 6 {
                return fail(Code::Eof, b.len());
            }
            if b[j + 2..j + 6].iter().all(u8::is_ascii_hexdigit) {
                Ok(j + 6)
            } else {
                fail(Code::BadEscape, j)
            }
        }
        Some(_) => fail(Code::BadEscape, j),
    }
}

/// Validates a number starting at `b[i]` (per RFC 8259) and returns its end.
#[inline]
pub(crate) fn scan_number(b: &[u8], i: usize) -> Res<usize> {
    let mut j = i;
    if b.get(j) == Some(&b'-') {
        j += 1;
    }
    match b.get(j) {
        Some(b'0') => j += 1,
        Some(b'1'..=b'9') => {
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        None => return fail(Code::Eof, j),
        _ => return fail(Code::BadNumber, i),
    }
    if b.get(j) == Some(&b'.') {
        j += 1;
        let s = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == s {
            return if j >= b.len() { fail(Code::Eof, j) } else { fail(Code::BadNumber, i) };
        }
    }
    if matches!(b.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let s = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == s {
            return if j >= b.len() { fail(Code::Eof, j) } else { fail(Code::BadNumber, i) };
        }
    }
    // At the very end of the buffer a streaming caller cannot know the number is complete.
    Ok(j)
}

#[inline]
pub(crate) fn scan_literal(b: &[u8], i: usize) -> Res<usize> {
    let lit: &[u8] = match b[i] {
        b't' => b"true",
        b'f' => b"false",
        _ => b"null",
    };
    let end = i + lit.len();
    if b.len() < end {
        return if lit.starts_with(&b[i..]) { fail(Code::Eof, b.len()) } else { fail(Code::BadLiteral, i) };
    }
    if &b[i..end] == lit {
        Ok(end)
    } else {
        fail(Code::BadLiteral, i)
    }
}

/// A member of an object being scanned: `"key" :` read at `b[j]`.
pub(crate) struct MemberKey {
    /// The key's content (between the quotes) is `b[ks..ke]`.
    pub ks: usize,
    pub ke: usize,
    /// The key holds escapes.
    pub esc: bool,
    /// Where the value starts.
    pub value: usize,
}

/// Reads `"key" :` at `b[j]` (whitespace after the colon skipped). The one place the scanners
/// (`skip_value`, the flattening walker, the capture pass) read a member's key. (Called by the
/// flattening walker of builds without SIMD; the others inline [`member_key_inl`].)
#[cfg(not(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128"))))]
#[inline]
pub(crate) fn member_key(b: &[u8], j: usize) -> Res<MemberKey> {
    member_key_inl(b, j)
}

/// [`member_key`], always inlined: for the loops that read most keys (`skip_value`, the capture
/// pass), where the call and its result passed through memory were ~30 of its ~88 instructions.
#[inline(always)]
pub(crate) fn member_key_inl(b: &[u8], j: usize) -> Res<MemberKey> {
    match b.get(j) {
        Some(b'"') => {}
        None => return fail(Code::Eof, j),
        _ => return fail(Code::ExpectedKey, j),
    }
    let (kend, esc) = scan_str_fast(b, j)?;
    // The colon most often follows the key at once, and the value the colon (compact JSON): one
    // compare each then.
    let mut c = kend;
    if b.get(c) != Some(&b':') {
        c = skip_ws(b, kend);
        match b.get(c) {
            Some(b':') => {}
            None => return fail(Code::Eof, c),
            _ => return fail(Code::ExpectedColon, c),
        }
    }
    let value = if b.get(c + 1).is_some_and(|&v| !is_ws(v)) { c + 1 } else { skip_ws(b, c + 1) };
    Ok(MemberKey { ks: j + 1, ke: kend - 1, esc, value })
}

/// [`member_key`], also saying whether the key's raw content holds `x1` or `x2` (see [`scan_key`]).
#[cfg(any(target_arch = "x86_64", all(target_arch = "wasm32", target_feature = "simd128")))]
#[inline]
pub(crate) fn member_key_or(b: &[u8], j: usize, x1: u8, x2: u8) -> Res<(MemberKey, bool)> {
    match b.get(j) {
        Some(b'"') => {}
        None => return fail(Code::Eof, j),
        _ => return fail(Code::ExpectedKey, j),
    }
    let (kend, esc, special) = scan_key(b, j, x1, x2)?;
    // The colon most often follows the key at once, and the value the colon.
    let c = if b.get(kend) == Some(&b':') { kend } else { skip_ws(b, kend) };
    match b.get(c) {
        Some(b':') => {}
        None => return fail(Code::Eof, c),
        _ => return fail(Code::ExpectedColon, c),
    }
    let value = if b.get(c + 1).is_some_and(|&v| !is_ws(v)) { c + 1 } else { skip_ws(b, c + 1) };
    Ok((MemberKey { ks: j + 1, ke: kend - 1, esc, value }, special))
}

/// After a member's value (ending at `vend`): `Ok(next member's start)` after a comma, or
/// `Err(end)` when a `}` follows, `end` just past it.
#[inline]
pub(crate) fn member_next(b: &[u8], vend: usize) -> Res<core::result::Result<usize, usize>> {
    // Compact JSON: `,"` right after the value (no whitespace to skip).
    if b.get(vend) == Some(&b',') && b.get(vend + 1) == Some(&b'"') {
        return Ok(Ok(vend + 1));
    }
    let j = skip_ws(b, vend);
    match b.get(j) {
        Some(b',') => Ok(Ok(skip_ws(b, j + 1))),
        Some(b'}') => Ok(Err(j + 1)),
        None => fail(Code::Eof, j),
        _ => fail(Code::ExpectedCommaOrBrace, j),
    }
}

/// After an array element (ending at `vend`): `Ok(next element's start)` after a comma, or
/// `Err(end)` when a `]` follows, `end` just past it. The array counterpart of `member_next`.
/// (The flattening walker keeps its own copy of this step: see `kept_array`.)
#[inline]
pub(crate) fn element_next(b: &[u8], vend: usize) -> Res<core::result::Result<usize, usize>> {
    let j = skip_ws(b, vend);
    match b.get(j) {
        Some(b',') => Ok(Ok(skip_ws(b, j + 1))),
        Some(b']') => Ok(Err(j + 1)),
        None => fail(Code::Eof, j),
        _ => fail(Code::ExpectedCommaOrBracket, j),
    }
}

/// Skips (and validates) one value starting at `b[i]` (no leading whitespace). Returns its end.
/// `depth` is the nesting the value sits at (a container at `MAX_NESTING` or deeper is an error).
///
/// One loop over the value's tokens, not a call per value: the open containers are a stack of
/// bits (object or array), so a member costs its key, its value and its separator, read inline.
/// (The recursive form, kept in the tests as the reference, spent ~40 % of its instructions
/// on calls and on results passed through memory.) Fails exactly where and how it did.
pub(crate) fn skip_value(b: &[u8], i: usize, depth: usize) -> Res<usize> {
    // One bit per open container, the `n`-th from the outside at bit `n` (1: an object).
    let mut objs = [0u64; MAX_NESTING.div_ceil(64)];
    let mut n = 0usize;
    let mut j = i;
    // `b[j]` starts a member (`"key": value`) rather than a value.
    let mut key = false;
    loop {
        if key {
            j = member_key_inl(b, j)?.value;
        }
        match b.get(j) {
            Some(b'"') => j = scan_str_fast(b, j)?.0,
            Some(&c @ (b'{' | b'[')) => {
                if depth + n >= MAX_NESTING {
                    return fail(Code::TooDeep, j);
                }
                let obj = c == b'{';
                let k = skip_ws(b, j + 1);
                if b.get(k) != Some(&(c + 2)) {
                    // `{`+2 is `}`, `[`+2 is `]`: not empty, so it opens.
                    objs[n / 64] = objs[n / 64] & !(1 << (n % 64)) | (obj as u64) << (n % 64);
                    n += 1;
                    j = k;
                    key = obj;
                    continue;
                }
                j = k + 1;
            }
            Some(b'-' | b'0'..=b'9') => j = scan_number(b, j)?,
            Some(b't' | b'f' | b'n') => j = scan_literal(b, j)?,
            None => return fail(Code::Eof, j),
            Some(_) => return fail(Code::ExpectedValue, j),
        }
        // A value ended at `j`: the next member or element, or the end of containers.
        loop {
            if n == 0 {
                return Ok(j);
            }
            let obj = objs[(n - 1) / 64] >> ((n - 1) % 64) & 1 != 0;
            let next = if obj { member_next(b, j)? } else { element_next(b, j)? };
            match next {
                Ok(next) => {
                    j = next;
                    key = obj;
                    break;
                }
                Err(end) => {
                    j = end;
                    n -= 1;
                }
            }
        }
    }
}

/// Skips one value of input that was already validated, without validating it again: strings by
/// their stops, containers by bracket depth. Always advances on non-empty input (so iterators
/// over invalid input still end) and never reads out of bounds.
pub(crate) fn skip_fast(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        None => b.len(),
        Some(b'"') => skip_str_fast(b, i),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = skip_str_fast(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            b.len()
        }
        Some(_) => {
            let mut j = i + 1;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                j += 1;
            }
            j
        }
    }
}

#[inline]
fn skip_str_fast(b: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    loop {
        j = find_stop(b, j);
        match b.get(j) {
            None => return b.len(),
            Some(b'"') => return j + 1,
            Some(b'\\') => j += 2,
            Some(_) => j += 1,
        }
    }
}

/// The members of an object, as (raw key content, raw value) pairs. Keys are the raw text between
/// the quotes (escapes not decoded). Use on validated input: values are skipped without being
/// validated again. On malformed input it stops early or yields odd slices, never panics.
pub(crate) struct Members<'a> {
    b: &'a [u8],
    i: usize,
    done: bool,
}

pub(crate) fn members(obj: &[u8]) -> Members<'_> {
    let i = skip_ws(obj, 0);
    let ok = obj.get(i) == Some(&b'{');
    Members { b: obj, i: i + 1, done: !ok }
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a [u8], &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let b = self.b;
        let mut j = skip_ws(b, self.i);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
        if b.get(j) != Some(&b'"') {
            self.done = true;
            return None;
        }
        let kend = skip_str_fast(b, j);
        if kend < j + 2 || b[kend - 1] != b'"' {
            self.done = true;
            return None;
        }
        let key = &b[j + 1..kend - 1];
        let mut v = skip_ws(b, kend);
        if b.get(v) != Some(&b':') {
            self.done = true;
            return None;
        }
        v = skip_ws(b, v + 1);
        if v >= b.len() {
            self.done = true;
            return None;
        }
        let vend = skip_fast(b, v);
        self.i = vend;
        Some((key, &b[v..vend]))
    }
}

/// The elements of an array, as raw values. Use on validated input (on anything else it ends
/// early or yields odd slices, but never panics or loops).
pub(crate) struct Elements<'a> {
    b: &'a [u8],
    i: usize,
    done: bool,
}

pub(crate) fn elements(arr: &[u8]) -> Elements<'_> {
    let i = skip_ws(arr, 0);
    let ok = arr.get(i) == Some(&b'[');
    Elements { b: arr, i: i + 1, done: !ok }
}

impl<'a> Iterator for Elements<'a> {
    type Item = &'a [u8];
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let b = self.b;
        let mut j = skip_ws(b, self.i);
        if b.get(j) == Some(&b',') {
            j = skip_ws(b, j + 1);
        }
        match b.get(j) {
            None | Some(b']') => {
                self.done = true;
                return None;
            }
            _ => {}
        }
        let end = skip_fast(b, j);
        self.i = end;
        Some(&b[j..end])
    }
}

/// Follows a path of keys into a raw object value (keys compared after decoding).
pub(crate) fn get<'a>(mut v: &'a [u8], path: &[&str]) -> Option<&'a [u8]> {
    for key in path {
        v = members(v).find(|(k, _)| key_eq(k, key))?.1;
    }
    Some(v)
}

/// Compares a raw key (escapes possible) with a plain key.
#[inline]
pub(crate) fn key_eq(raw: &[u8], plain: &str) -> bool {
    if raw == plain.as_bytes() {
        return true;
    }
    raw.contains(&b'\\') && unescape(raw).is_some_and(|s| s == plain)
}

/// True when `b` is plain ASCII without a backslash: a string that needs neither decoding nor
/// validating (most of what enrichment reads). Whole 8-byte words, the last one overlapping the
/// one before (no byte loop: most of these strings are short), on every target.
#[inline]
pub(crate) fn plain_ascii(b: &[u8]) -> bool {
    let flagged = swar_any(b, |x, lo, hi| {
        let s = x ^ (lo * b'\\' as u64);
        (x | (s.wrapping_sub(lo) & !s)) & hi
    });
    flagged.map_or_else(|| b.iter().all(|&c| c != b'\\' && c < 0x80), |any| !any)
}

/// Whether `flags(word, lo, hi)` marks a byte of `b` (its high bit), for texts of 4 bytes or more:
/// whole 8-byte words, the last one overlapping the one before, or two overlapping 4-byte ones
/// (with `lo`/`hi` cut to 32 bits). `None` for shorter texts, which the caller checks byte by byte.
#[inline(always)]
fn swar_any(b: &[u8], flags: impl Fn(u64, u64, u64) -> u64) -> Option<bool> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let n = b.len();
    if n >= 8 {
        let mut any = 0;
        let mut words = b.chunks_exact(8);
        for w in &mut words {
            any |= flags(u64::from_le_bytes(w.try_into().unwrap_or_default()), LO, HI);
        }
        if !words.remainder().is_empty() {
            any |= flags(u64::from_le_bytes(b[n - 8..].try_into().unwrap_or_default()), LO, HI);
        }
        return Some(any != 0);
    }
    if n >= 4 {
        let (lo, hi) = (LO & 0xffff_ffff, HI & 0xffff_ffff);
        let (x, y) = (u32::from_le_bytes(b[..4].try_into().unwrap_or_default()), u32::from_le_bytes(b[n - 4..].try_into().unwrap_or_default()));
        return Some((flags(x as u64, lo, hi) | flags(y as u64, lo, hi)) != 0);
    }
    None
}

/// A raw value as a string, if it is a JSON string (decoded when it holds escapes).
pub(crate) fn as_str(v: &[u8]) -> Option<Cow<'_, str>> {
    if v.len() >= 2 && v[0] == b'"' && v[v.len() - 1] == b'"' {
        let inner = &v[1..v.len() - 1];
        if plain_ascii(inner) {
            // SAFETY: every byte is ASCII (checked just above), so the bytes are UTF-8.
            return Some(Cow::Borrowed(unsafe { core::str::from_utf8_unchecked(inner) }));
        }
        if inner.contains(&b'\\') {
            unescape(inner).map(Cow::Owned)
        } else {
            core::str::from_utf8(inner).ok().map(Cow::Borrowed)
        }
    } else {
        None
    }
}

/// A raw value as text: strings decoded, other scalars as written (`true`, `42`), null as None.
pub(crate) fn as_text(v: &[u8]) -> Option<Cow<'_, str>> {
    match v.first() {
        Some(b'"') => as_str(v),
        Some(b'n') | Some(b'{') | Some(b'[') | None => None,
        _ => core::str::from_utf8(v).ok().map(Cow::Borrowed),
    }
}

/// A raw value as a boolean: JSON true/false, or the strings "true"/"false" in any case.
pub(crate) fn as_bool(v: &[u8]) -> Option<bool> {
    match v {
        b"true" => Some(true),
        b"false" => Some(false),
        _ => {
            let s = as_str(v)?;
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        }
    }
}

/// Decodes the content of a JSON string (without quotes). Lone surrogates become U+FFFD.
pub(crate) fn unescape(raw: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(raw.len());
    unescape_to(raw, &mut out, false)?;
    String::from_utf8(out).ok()
}

/// Like [`unescape`], but a lone surrogate (`\ud800`) is kept as its generalized UTF-8 bytes
/// (WTF-8), so keys that differ only there stay apart; [`write_wtf8_content`] writes it back as
/// the same escape. For flat keys: `{"\ud800":1,"\ufffd":2}` must keep both members.
pub(crate) fn unescape_wtf8(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    unescape_to(raw, &mut out, true)?;
    Some(out)
}

fn unescape_to(raw: &[u8], out: &mut Vec<u8>, keep_lone: bool) -> Option<()> {
    let mut i = 0;
    while i < raw.len() {
        let start = i;
        while i < raw.len() && raw[i] != b'\\' {
            i += 1;
        }
        out.extend_from_slice(core::str::from_utf8(&raw[start..i]).ok()?.as_bytes());
        if i >= raw.len() {
            break;
        }
        let c = *raw.get(i + 1)?;
        i += 2;
        let simple = match c {
            b'"' => b'"',
            b'\\' => b'\\',
            b'/' => b'/',
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => 0,
            _ => return None,
        };
        if c != b'u' {
            out.push(simple);
            continue;
        }
        let hi = hex4(raw.get(i..i + 4)?)?;
        i += 4;
        let ch = if (0xD800..0xDC00).contains(&hi) {
            match raw.get(i..i + 2).filter(|p| *p == b"\\u").and_then(|_| raw.get(i + 2..i + 6)).and_then(hex4) {
                Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                    i += 6;
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                }
                _ => None,
            }
        } else {
            char::from_u32(hi)
        };
        match ch {
            Some(ch) => out.extend_from_slice(ch.encode_utf8(&mut [0u8; 4]).as_bytes()),
            // A lone surrogate: three bytes as UTF-8 would encode the code point.
            None if keep_lone => out.extend_from_slice(&[0xE0 | (hi >> 12) as u8, 0x80 | ((hi >> 6) & 0x3F) as u8, 0x80 | (hi & 0x3F) as u8]),
            None => out.extend_from_slice("\u{FFFD}".as_bytes()),
        }
    }
    Some(())
}

/// [`write_str_content`] for WTF-8 bytes from [`unescape_wtf8`]: a lone surrogate is written as
/// its `\uXXXX` escape again.
pub(crate) fn write_wtf8_content(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut i = 0;
    while i < s.len() {
        // Surrogates are the only 3-byte sequences starting 0xED with a second byte of 0xA0 or more.
        let j = s[i..].windows(2).position(|w| w[0] == 0xED && w[1] >= 0xA0).map_or(s.len(), |p| i + p);
        if j + 3 > s.len() {
            write_str_content(out, &s[i..]);
            break;
        }
        write_str_content(out, &s[i..j]);
        let cp = ((s[j] as u32 & 0x0F) << 12) | ((s[j + 1] as u32 & 0x3F) << 6) | (s[j + 2] as u32 & 0x3F);
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((cp >> shift) & 15) as usize]);
        }
        i = j + 3;
    }
}

fn hex4(h: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in h {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

/// Writes `v` in decimal, without a `format!` buffer.
pub(crate) fn write_int(out: &mut Vec<u8>, v: i64) {
    let mut buf = [0u8; 20];
    let mut n = v.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if v < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `items` as a JSON array of strings.
pub(crate) fn write_str_array<S: AsRef<str>>(out: &mut Vec<u8>, items: impl IntoIterator<Item = S>) {
    out.push(b'[');
    for (n, s) in items.into_iter().enumerate() {
        if n > 0 {
            out.push(b',');
        }
        write_str(out, s.as_ref());
    }
    out.push(b']');
}

/// Appends `s` as a JSON string literal (with quotes), escaping only what JSON requires.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let s = s.as_bytes();
    if !needs_escape(s) {
        // The usual case: quote, bytes, quote with one capacity check and no `memcpy` call for
        // short texts (enrichment writes ~30 of these per record).
        out.reserve(s.len() + 2);
        // SAFETY: the capacity holds `s.len() + 2` more bytes; all of them are written below.
        unsafe {
            let len = out.len();
            let p = out.as_mut_ptr().add(len);
            *p = b'"';
            let q = copy_small(p.add(1), s);
            *q = b'"';
            out.set_len(len + s.len() + 2);
        }
        return;
    }
    out.push(b'"');
    write_escaped(out, s);
    out.push(b'"');
}

/// Copies `s` to `dst` and returns the pointer just past it. Up to 32 bytes are moved as two
/// overlapping words (16, 8 or 4 bytes) instead of by a `memcpy` call, which costs more than the
/// copy itself for the short keys and values the writers append (only `dst..dst + s.len()` is
/// written).
///
/// # Safety
/// `dst` must be valid for writing `s.len()` bytes and must not overlap `s`.
#[inline(always)]
pub(crate) unsafe fn copy_small(dst: *mut u8, s: &[u8]) -> *mut u8 {
    #[cfg(not(target_arch = "wasm32"))]
    use core::ptr::copy_nonoverlapping;
    use core::ptr::{read_unaligned, write_unaligned};
    let n = s.len();
    let src = s.as_ptr();
    // SAFETY (each arm): the reads stay within `s` and the writes within `dst..dst + n`.
    unsafe {
        if n >= 16 {
            if n > 32 {
                // In the wasm a copy of unknown length is `memory.copy`, which V8 (Node 20)
                // runs as a C call, ~4.5 ns each: up to 128 bytes moved here instead.
                #[cfg(target_arch = "wasm32")]
                copy_mid(src, dst, n);
                #[cfg(not(target_arch = "wasm32"))]
                copy_nonoverlapping(src, dst, n);
            } else {
                write_unaligned(dst.cast::<[u8; 16]>(), read_unaligned(src.cast::<[u8; 16]>()));
                write_unaligned(dst.add(n - 16).cast::<[u8; 16]>(), read_unaligned(src.add(n - 16).cast::<[u8; 16]>()));
            }
        } else if n >= 8 {
            write_unaligned(dst.cast::<u64>(), read_unaligned(src.cast::<u64>()));
            write_unaligned(dst.add(n - 8).cast::<u64>(), read_unaligned(src.add(n - 8).cast::<u64>()));
        } else if n >= 4 {
            write_unaligned(dst.cast::<u32>(), read_unaligned(src.cast::<u32>()));
            write_unaligned(dst.add(n - 4).cast::<u32>(), read_unaligned(src.add(n - 4).cast::<u32>()));
        } else {
            // (The wasm: LLVM turns this loop into `memory.copy`, a C call for 1-3 bytes.)
            #[cfg(target_arch = "wasm32")]
            if n > 0 {
                *dst = *src;
                *dst.add(n / 2) = *src.add(n / 2);
                *dst.add(n - 1) = *src.add(n - 1);
            }
            #[cfg(not(target_arch = "wasm32"))]
            for (k, &c) in s.iter().enumerate() {
                *dst.add(k) = c;
            }
        }
        dst.add(n)
    }
}

/// [`copy_small`]'s copy of 33 bytes or more in the wasm: up to 128 bytes by overlapping 16-byte
/// moves (no loop, which LLVM would turn back into `memory.copy`), longer by `memory.copy`.
///
/// # Safety
/// As [`copy_small`], with `n == s.len() > 32`.
#[cfg(target_arch = "wasm32")]
#[inline(never)]
unsafe fn copy_mid(src: *const u8, dst: *mut u8, n: usize) {
    use core::ptr::{copy_nonoverlapping, read_unaligned, write_unaligned};
    // SAFETY: every move reads and writes 16 bytes at an offset in 0..=n - 16.
    unsafe {
        if n > 128 {
            copy_nonoverlapping(src, dst, n);
            return;
        }
        let m = |o: usize| write_unaligned(dst.add(o).cast::<[u8; 16]>(), read_unaligned(src.add(o).cast::<[u8; 16]>()));
        m(0);
        m(16);
        if n > 64 {
            m(32);
            m(48);
            m(n - 64);
            m(n - 48);
        }
        m(n - 32);
        m(n - 16);
    }
}

/// Appends `s` to `out` ([`copy_small`] for the copy).
#[inline(always)]
pub(crate) fn put(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len());
    // SAFETY: the capacity holds `s.len()` more bytes, all written by `copy_small`.
    unsafe {
        let len = out.len();
        copy_small(out.as_mut_ptr().add(len), s);
        out.set_len(len + s.len());
    }
}

/// Appends escaped string content (no quotes) for UTF-8 bytes. Runs of plain bytes are found
/// eight at a time and copied whole.
pub(crate) fn write_str_content(out: &mut Vec<u8>, s: &[u8]) {
    // Most strings written (enrichment's values) are short and need no escape: checked a word at
    // a time with no byte loop, then copied whole. `write_escaped` handles the rest.
    if !needs_escape(s) {
        out.extend_from_slice(s);
        return;
    }
    write_escaped(out, s);
}

/// The escaping loop of [`write_str_content`], for a text known to need it.
fn write_escaped(out: &mut Vec<u8>, s: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut i = 0;
    loop {
        let j = find_stop(s, i);
        out.extend_from_slice(&s[i..j]);
        let Some(&c) = s.get(j) else { return };
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]),
        }
        i = j + 1;
    }
}

/// Whether `s` holds a quote, backslash or control byte (what [`write_str_content`] escapes).
/// Whole words, the last one overlapping the one before (SWAR: a flagged word always holds a
/// true match, since a borrow only spreads upwards from a byte that matched).
#[inline]
fn needs_escape(s: &[u8]) -> bool {
    let flagged = swar_any(s, |x, lo, hi| {
        let q = x ^ (lo * b'"' as u64);
        let b = x ^ (lo * b'\\' as u64);
        ((q.wrapping_sub(lo) & !q) | (b.wrapping_sub(lo) & !b) | (x.wrapping_sub(lo * 0x20) & !x)) & hi
    });
    flagged.unwrap_or_else(|| s.iter().any(|&c| c == b'"' || c == b'\\' || c < 0x20))
}

/// Rewrites valid JSON text so it is pure ASCII: every non-ASCII character (only possible inside
/// strings) becomes a `\uXXXX` escape. The values are unchanged. Used where the text becomes a
/// JavaScript string: V8 stores an ASCII string in one byte per character, while a single
/// non-ASCII character makes it decode and store the whole output two bytes per character.
/// The index of the first byte >= 0x80 at or after `i` (or `b.len()`), eight bytes at a time.
#[inline]
fn next_non_ascii(b: &[u8], mut i: usize) -> usize {
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let hi = u64::from_le_bytes(w) & 0x8080_8080_8080_8080;
        if hi != 0 {
            return i + (hi.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] < 0x80 {
        i += 1;
    }
    i
}

pub(crate) fn to_ascii(text: Vec<u8>) -> Vec<u8> {
    // The first non-ASCII byte; most outputs have none and are returned as they are.
    if next_non_ascii(&text, 0) == text.len() {
        return text;
    }
    let mut out = Vec::with_capacity(text.len() + text.len() / 16);
    extend_ascii(&mut out, &text);
    out
}

/// Rewrites `out[from..]` as [`to_ascii`] does, in place (`out[..from]` is left as it is): one
/// block scan when it is all ASCII, as nearly every line of a log is.
#[inline]
pub(crate) fn make_ascii(out: &mut Vec<u8>, from: usize) {
    let i = next_non_ascii(out, from + ascii_prefix(&out[from..]));
    if i < out.len() {
        let rest = out.split_off(i);
        extend_ascii(out, &rest);
    }
}

/// Latin-1 bytes (one a character, as Node's `latin1Write` puts a string whose characters are all
/// below U+0100) → UTF-8: each byte >= 0x80 becomes two; a text with none (ASCII) is returned
/// as it is. In place when the vector has room for the extra bytes (the shim reserves some):
/// the high bytes' places are found first, then the runs between them move right from the last
/// one back, so no second copy of the whole log is made and written.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn latin1_to_utf8(b: Vec<u8>) -> Vec<u8> {
    latin1_to_utf8_with(b, 1 << 16)
}

/// [`latin1_to_utf8`], its places list bounded to `most` entries: past that (a text full of
/// accented letters) the runs are copied into a new vector instead.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
fn latin1_to_utf8_with(mut b: Vec<u8>, most: usize) -> Vec<u8> {
    let mut high: Vec<usize> = Vec::new();
    let mut i = 0;
    loop {
        let j = next_non_ascii(&b, i + ascii_prefix(&b[i..]));
        if j == b.len() {
            break;
        }
        if high.len() == most {
            return latin1_copied(&b);
        }
        high.push(j);
        i = j + 1;
    }
    let n = b.len();
    b.resize(n + high.len(), 0);
    let mut end = n;
    for (m, &j) in high.iter().enumerate().rev() {
        // The m high bytes before this one each add a byte: its two go at j + m, the run after
        // it (up to the next high byte, already moved) at j + m + 2.
        b.copy_within(j + 1..end, j + m + 2);
        let c = b[j];
        b[j + m] = 0xC0 | (c >> 6);
        b[j + m + 1] = 0x80 | (c & 0x3F);
        end = j;
    }
    b
}

/// [`latin1_to_utf8`] into a new vector, the runs between high bytes copied whole.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
fn latin1_copied(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + b.len() / 32 + 16);
    let mut i = 0;
    loop {
        let j = next_non_ascii(b, i + ascii_prefix(&b[i..]));
        out.extend_from_slice(&b[i..j]);
        let Some(&c) = b.get(j) else { return out };
        out.extend_from_slice(&[0xC0 | (c >> 6), 0x80 | (c & 0x3F)]);
        i = j + 1;
    }
}

/// Appends `text` to `out` as [`to_ascii`] rewrites it (for a caller that builds one output from
/// many texts, with no copy of each).
pub(crate) fn extend_ascii(out: &mut Vec<u8>, text: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut i = 0;
    let mut units = [0u16; 2];
    while i < text.len() {
        // Copy the ASCII run whole, then escape one character.
        let run = next_non_ascii(text, i) - i;
        out.extend_from_slice(&text[i..i + run]);
        i += run;
        if i >= text.len() {
            break;
        }
        let width = match text[i] {
            0xF0..=0xF7 => 4,
            0xE0..=0xEF => 3,
            0xC0..=0xDF => 2,
            _ => 1,
        };
        let ch = text.get(i..i + width).and_then(|b| core::str::from_utf8(b).ok()).and_then(|s| s.chars().next());
        let (c, used) = match ch {
            Some(c) => (c, width),
            None => ('\u{FFFD}', 1),
        };
        for u in c.encode_utf16(&mut units) {
            let u = *u;
            out.extend_from_slice(&[b'\\', b'u', HEX[(u >> 12) as usize & 15], HEX[(u >> 8) as usize & 15], HEX[(u >> 4) as usize & 15], HEX[u as usize & 15]]);
        }
        i += used;
    }
}

/// Appends raw JSON text (already valid) as the content of a JSON string: a compact copy with
/// insignificant whitespace removed, escaped. Used for subtrees kept as JSON-string fields.
pub(crate) fn write_json_as_str(out: &mut Vec<u8>, raw: &[u8]) {
    out.push(b'"');
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'"' {
            // Copy the whole string literal, escaping its quotes and backslashes.
            let end = scan_string(raw, i).map(|r| r.0).unwrap_or(raw.len());
            write_str_content(out, &raw[i..end]);
            i = end;
        } else {
            if !is_ws(c) {
                out.push(c);
            }
            i += 1;
        }
    }
    out.push(b'"');
}

/// Appends raw JSON text compactly (whitespace outside strings removed).
pub(crate) fn write_compact(out: &mut Vec<u8>, raw: &[u8]) {
    // Text without any whitespace byte (nearly every value of CloudTrail's compact text) is
    // compact already: copied whole, not re-scanned string by string.
    if memchr::memchr3(b' ', b'\n', b'\t', raw).is_none() && memchr::memchr(b'\r', raw).is_none() {
        out.extend_from_slice(raw);
        return;
    }
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c == b'"' {
            let end = scan_string(raw, i).map(|r| r.0).unwrap_or(raw.len());
            out.extend_from_slice(&raw[i..end]);
            i = end;
        } else {
            if !is_ws(c) {
                out.push(c);
            }
            i += 1;
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `member_key` as it was before its compact-JSON shortcuts (part of the reference below).
    fn member_key_ref(b: &[u8], j: usize) -> Res<MemberKey> {
        match b.get(j) {
            Some(b'"') => {}
            None => return fail(Code::Eof, j),
            _ => return fail(Code::ExpectedKey, j),
        }
        let (kend, esc) = scan_string(b, j)?;
        let c = skip_ws(b, kend);
        match b.get(c) {
            Some(b':') => {}
            None => return fail(Code::Eof, c),
            _ => return fail(Code::ExpectedColon, c),
        }
        Ok(MemberKey { ks: j + 1, ke: kend - 1, esc, value: skip_ws(b, c + 1) })
    }

    /// Whitespace outside strings goes, inside strings stays; text without any is copied as it is.
    #[test]
    fn write_compact_table() {
        let compact = |s: &str| {
            let mut out = b"x".to_vec();
            write_compact(&mut out, s.as_bytes());
            String::from_utf8(out).unwrap()
        };
        crate::table_test!(compact, [
            ("compact already", r#"{"a":[1,2],"b":"c d"}"#, r#"x{"a":[1,2],"b":"c d"}"#),
            ("every whitespace byte", "{ \"a\" :\n[ 1 ,\t2 ]\r}", r#"x{"a":[1,2]}"#),
            ("spaces in strings only", r#"{"a b":" x\" y ","c":{}}"#, r#"x{"a b":" x\" y ","c":{}}"#),
            ("escapes and spaces", r#"{"a":"\n", "b" : "\t"}"#, r#"x{"a":"\n","b":"\t"}"#),
            ("a scalar", "1", "x1"),
            ("nothing", "", "x"),
        ]);
    }

    /// Calls `f` with every prefix of `seed`, `seed` with each byte removed, and `seed` with each
    /// byte replaced by each of `bytes`: the damaged copies the differential tests try.
    pub(crate) fn each_damaged(seed: &[u8], bytes: &[u8], f: &mut impl FnMut(&[u8])) {
        for cut in 0..=seed.len() {
            f(&seed[..cut]);
        }
        for pos in 0..seed.len() {
            let mut t = seed.to_vec();
            t.remove(pos);
            f(&t);
            for &c in bytes {
                let mut t = seed.to_vec();
                t[pos] = c;
                f(&t);
            }
        }
    }

    /// The recursive `skip_value` this file had before the one-loop form: the reference the
    /// differential tests hold it to.
    pub(crate) fn skip_value_ref(b: &[u8], i: usize, depth: usize) -> Res<usize> {
        match b.get(i) {
            None => fail(Code::Eof, i),
            Some(b'"') => scan_string(b, i).map(|r| r.0),
            Some(b'{') => {
                if depth >= MAX_NESTING {
                    return fail(Code::TooDeep, i);
                }
                let mut j = skip_ws(b, i + 1);
                if b.get(j) == Some(&b'}') {
                    return Ok(j + 1);
                }
                loop {
                    let m = member_key_ref(b, j)?;
                    match member_next(b, skip_value_ref(b, m.value, depth + 1)?)? {
                        Ok(next) => j = next,
                        Err(end) => return Ok(end),
                    }
                }
            }
            Some(b'[') => {
                if depth >= MAX_NESTING {
                    return fail(Code::TooDeep, i);
                }
                let mut j = skip_ws(b, i + 1);
                if b.get(j) == Some(&b']') {
                    return Ok(j + 1);
                }
                loop {
                    match element_next(b, skip_value_ref(b, j, depth + 1)?)? {
                        Ok(next) => j = next,
                        Err(end) => return Ok(end),
                    }
                }
            }
            Some(b'-' | b'0'..=b'9') => scan_number(b, i),
            Some(b't' | b'f' | b'n') => scan_literal(b, i),
            Some(_) => fail(Code::ExpectedValue, i),
        }
    }

    #[test]
    fn ints_and_string_arrays() {
        for (v, s) in [(0i64, "0"), (42, "42"), (-7, "-7"), (i64::MIN, "-9223372036854775808"), (i64::MAX, "9223372036854775807")] {
            let mut o = Vec::new();
            write_int(&mut o, v);
            assert_eq!(o, s.as_bytes());
        }
        for (items, s) in [(&[][..], "[]"), (&["a"][..], r#"["a"]"#), (&["a", "\"b"][..], r#"["a","\"b"]"#)] {
            let mut o = Vec::new();
            write_str_array(&mut o, items);
            assert_eq!(o, s.as_bytes());
        }
    }

    #[test]
    fn element_next_table() {
        // (text, where the element ended)
        type Step = core::result::Result<core::result::Result<usize, usize>, (Code, usize)>;
        let f = |(b, vend): (&str, usize)| -> Step { element_next(b.as_bytes(), vend).map_err(|f| (f.code, f.at)) };
        let (next, end) = (|j| -> Step { Ok(Ok(j)) }, |j| -> Step { Ok(Err(j)) });
        let bad = |code, at| -> Step { Err((code, at)) };
        crate::table_test!(f, [
            ("comma", ("[1,2]", 2), next(3)),
            ("comma, whitespace around", ("[1 , 2]", 2), next(5)),
            ("close", ("[1]", 2), end(3)),
            ("close after whitespace", ("[1\n]", 2), end(4)),
            ("end of input", ("[1 ", 2), bad(Code::Eof, 3)),
            ("a brace is not a bracket", ("[1}", 2), bad(Code::ExpectedCommaOrBracket, 2)),
            ("no separator", ("[1 2]", 2), bad(Code::ExpectedCommaOrBracket, 3)),
        ]);
    }

    #[test]
    fn skip_value_table() {
        let ok: &[(&str, usize)] = &[
            (r#""a\"b""#, 6),
            ("123", 3),
            ("-0.5e+10", 8),
            ("[1, {\"a\": [] }]", 15),
            ("{}", 2),
            ("true", 4),
            ("null", 4),
        ];
        for (s, end) in ok {
            assert_eq!(skip_value(s.as_bytes(), 0, 0), Ok(*end), "{s}");
        }
        let bad: &[(&str, Code)] = &[
            ("01", Code::TrailingData),
            ("\"a", Code::Eof),
            ("\"\\x\"", Code::BadEscape),
            ("\"a\nb\"", Code::ControlInString),
            ("[1 2]", Code::ExpectedCommaOrBracket),
            ("{\"a\" 1}", Code::ExpectedColon),
            ("{1:2}", Code::ExpectedKey),
            ("nul", Code::Eof),
            ("nan", Code::BadLiteral),
            ("-", Code::Eof),
            ("1.", Code::Eof),
            ("1.x", Code::BadNumber),
            ("+1", Code::ExpectedValue),
        ];
        for (s, code) in bad {
            let got = skip_value(s.as_bytes(), 0, 0).and_then(|e| {
                if e == s.len() {
                    Ok(e)
                } else {
                    fail(Code::TrailingData, e)
                }
            });
            assert_eq!(got.map_err(|f| f.code), Err(*code), "{s}");
        }
    }

    /// The one-loop `skip_value` agrees with the recursive reference (its end, or its error's
    /// code and position) on valid JSON of every shape and on every damaged copy of it: each
    /// byte replaced by each byte that matters to the scanner, each byte removed, each prefix;
    /// at the depths around the nesting limit.
    #[test]
    fn skip_value_agrees_with_the_recursive_form() {
        let seeds: &[&str] = &[
            r#"{"a":"x","b":[1,-2.5e+3,true,false,null,{"c":{}},[]],"d":{"e":[[{}]]}}"#,
            "{ \"a\" : [ 1 , { \"b\" : \"\\u00e9\\n\" } ] ,\n\t\"c\":{ } }",
            r#"[{"k":"v","k":"w"},"s\"q",0,0.5,1E9,[[],[{}]]]"#,
            r#"{"deep":[[[[{"x":[[[1]]]}]]]],"":""}"#,
            r#""plain string with a \/ and \\ and \t""#,
            "-0.0e-0",
            "nul",
        ];
        let bytes: &[u8] = b"{}[]\",:\\ \n\t-+.0123456789eEtfnulrsax/\x00\x1f\xc3";
        let mut checked = 0;
        let mut agree = |t: &[u8]| {
            for depth in [0, 1, MAX_NESTING - 3, MAX_NESTING - 1, MAX_NESTING] {
                for start in [0, 1] {
                    if start <= t.len() {
                        assert_eq!(skip_value(t, start, depth), skip_value_ref(t, start, depth), "{:?} from {start} at depth {depth}", String::from_utf8_lossy(t));
                    }
                }
            }
            for (k, _) in t.iter().enumerate().filter(|(_, &c)| c == b'"') {
                // The quote-first scan against the plain one (which it falls back on), from every quote.
                assert_eq!(scan_str_fast(t, k), scan_string(t, k), "{:?} from {k}", String::from_utf8_lossy(t));
                // The scan that also says whether the string is plain: no escape, all ASCII.
                let want = scan_string(t, k).map(|(end, esc)| (end, !esc && t[k + 1..end - 1].is_ascii()));
                assert_eq!(scan_str_plain(t, k), want, "{:?} from {k}", String::from_utf8_lossy(t));
            }
            checked += 1;
        };
        for seed in seeds {
            each_damaged(seed.as_bytes(), bytes, &mut agree);
        }
        // Nesting around the limit, closed and unclosed, objects and arrays mixed.
        for n in [MAX_NESTING - 1, MAX_NESTING, MAX_NESTING + 1, 700] {
            let open: String = (0..n).map(|k| if k % 3 == 0 { "{\"k\":" } else { "[" }).collect();
            let close: String = (0..n).rev().map(|k| if k % 3 == 0 { "}" } else { "]" }).collect();
            agree(format!("{open}1{close}").as_bytes());
            agree(format!("{open}1").as_bytes());
            agree(format!("{open}{{}}{close}").as_bytes());
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn find_stop_agrees_with_the_table() {
        // Every stop byte at every position of a 20-byte window, with high bytes around it.
        for stop in [b'"', b'\\', 0u8, 0x1f, b'\n'] {
            for pos in 0..20 {
                let mut v = vec![0xC3u8; 20];
                for (k, c) in v.iter_mut().enumerate() {
                    *c = if k % 3 == 0 { b'a' } else if k % 3 == 1 { 0xFF } else { 0x20 };
                }
                v[pos] = stop;
                assert_eq!(find_stop(&v, 0), pos, "stop {stop:#x} at {pos}");
            }
        }
        assert_eq!(find_stop(b"abcdefghijklmnop", 0), 16);
    }

    /// `scan_str_plain` sees a non-ASCII byte at every position before the closing quote (across
    /// the 16-byte steps and the tail), and none of those after it.
    #[test]
    fn scan_str_plain_at_every_position() {
        for len in 0usize..=40 {
            for after in [0usize, 1, 20] {
                let text = |content: &[u8]| [&b"\""[..], content, b"\"", &vec![0xC3; after]].concat();
                let plain = vec![b'a'; len];
                assert_eq!(scan_str_plain(&text(&plain), 0), Ok((len + 2, true)), "{len} {after}");
                for pos in 0..len {
                    for high in [0x80u8, 0xC3, 0xFF] {
                        let mut t = plain.clone();
                        t[pos] = high;
                        assert_eq!(scan_str_plain(&text(&t), 0), Ok((len + 2, false)), "{len} {pos} {high:#x} {after}");
                    }
                    // An escape is not plain either, wherever it is.
                    let mut t = plain.clone();
                    t[pos] = b'\\';
                    t.insert(pos + 1, b'n');
                    assert_eq!(scan_str_plain(&text(&t), 0), Ok((len + 3, false)), "{len} {pos} {after}");
                }
            }
        }
    }

    #[test]
    fn scan_key_flags_the_extra_bytes_anywhere() {
        // `~` or the separator byte at every offset across the 16- and 8-byte steps and the tail.
        for len in [0usize, 3, 7, 8, 15, 16, 17, 31, 40] {
            let plain = format!("\"{}\":1", "k".repeat(len));
            assert_eq!(scan_key(plain.as_bytes(), 0, b'~', b'.'), Ok((len + 2, false, false)), "{plain}");
            for pos in 0..len {
                for x in [b'~', b'.', 0xC3] {
                    let mut k = "k".repeat(len).into_bytes();
                    k[pos] = x;
                    let mut t = vec![b'"'];
                    t.extend_from_slice(&k);
                    t.extend_from_slice(b"\":1");
                    let want = x != 0xC3;
                    assert_eq!(scan_key(&t, 0, b'~', b'.'), Ok((len + 2, false, want)), "{x} at {pos} of {len}");
                }
            }
        }
        // Escapes and errors as scan_string has them.
        assert_eq!(scan_key(br#""a\"~b":1"#, 0, b'~', b'.'), Ok((7, true, true)));
        assert_eq!(scan_key(b"\"ab\ncd\"", 0, b'~', b'.').unwrap_err().code, Code::ControlInString);
        assert_eq!(scan_key(b"\"abc", 0, b'~', b'.').unwrap_err().code, Code::Eof);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let s = "[".repeat(200_000);
        assert_eq!(skip_value(s.as_bytes(), 0, 0).unwrap_err().code, Code::TooDeep);
    }

    /// The word-at-a-time check finds a byte to escape at every position of every length
    /// (around the 4- and 8-byte words and their overlaps), and nothing in plain text, non-ASCII
    /// and DEL included; `write_str_content` then writes what the byte loop writes.
    #[test]
    fn needs_escape_at_every_position() {
        for len in 0usize..=40 {
            for fill in [b'a', 0x20, 0x7f, 0x80, 0xff] {
                let plain = vec![fill; len];
                assert!(!needs_escape(&plain), "{len} {fill:#x}");
                for pos in 0..len {
                    for bad in [b'"', b'\\', 0x00, 0x0a, 0x1f] {
                        let mut t = plain.clone();
                        t[pos] = bad;
                        assert!(needs_escape(&t), "{len} {pos} {bad:#x} in {fill:#x}");
                        let mut out = Vec::new();
                        write_str_content(&mut out, &t);
                        let want = serde_json::to_string(&String::from_utf8_lossy(&t)).unwrap();
                        if fill < 0x80 {
                            assert_eq!(out, want.as_bytes()[1..want.len() - 1], "{len} {pos} {bad:#x}");
                        }
                    }
                }
            }
        }
    }

    /// `write_str` (its short-copy path and its escaping path) writes what serde_json writes, for
    /// every length around the copy's word sizes, after whatever the buffer already holds.
    #[test]
    fn write_str_at_every_length() {
        for len in 0usize..=70 {
            let text: String = (0..len).map(|i| char::from(b'a' + (i * 7 % 26) as u8)).collect();
            let mut escaped = text.clone();
            if len > 0 {
                escaped.replace_range(len / 2..len / 2 + 1, "\"");
            }
            for t in [&text, &escaped, &format!("é{text}")] {
                for have in [0usize, 3, 17] {
                    let mut out = vec![b'x'; have];
                    write_str(&mut out, t);
                    let want = serde_json::to_string(t).unwrap();
                    assert_eq!(&out[..have], &vec![b'x'; have][..]);
                    assert_eq!(String::from_utf8_lossy(&out[have..]), want, "{len} {have}");
                }
            }
        }
    }

    /// `check_utf8` agrees with `from_utf8` (valid or not, and where the valid prefix ends) with a
    /// bad byte, a good multi-byte character or a cut one at every position around its blocks.
    #[test]
    fn check_utf8_at_every_position() {
        let want = |t: &[u8]| core::str::from_utf8(t).map(|_| ()).map_err(|e| e.valid_up_to());
        for len in 0usize..=100 {
            let plain = vec![b'a'; len];
            assert_eq!(check_utf8(&plain), Ok(()));
            for pos in 0..len {
                for ins in [&[0xffu8][..], &[0xc3, 0xa9], &[0xe2, 0x82], &[0xf0, 0x9f, 0x98, 0x80], &[0x80]] {
                    let mut t = plain.clone();
                    t.splice(pos..pos + 1, ins.iter().copied());
                    assert_eq!(check_utf8(&t), want(&t), "{len} {pos} {ins:x?}");
                }
            }
        }
    }

    /// `check_utf8` agrees with `from_utf8` on every sequence of up to three bytes after a
    /// non-ASCII lead (shortest forms, surrogates, the U+10FFFF bound, cut characters), alone,
    /// after a 32-byte ASCII block and followed by more text.
    #[test]
    fn check_utf8_agrees_with_from_utf8_on_every_lead() {
        let want = |t: &[u8]| core::str::from_utf8(t).map(|_| ()).map_err(|e| e.valid_up_to());
        let tails: Vec<u8> = vec![0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xe0, 0xf0, 0xff];
        for lead in 0x80..=0xffu8 {
            for &a in &tails {
                for &c in &tails {
                    for &d in &tails {
                        for pre in [0usize, 5, 32, 40] {
                            let mut t = vec![b'a'; pre];
                            t.extend_from_slice(&[lead, a, c, d]);
                            for cut in pre + 1..=t.len() {
                                assert_eq!(check_utf8(&t[..cut]), want(&t[..cut]), "{:x?}", &t[pre..cut]);
                            }
                            t.extend_from_slice(b"xyz \xc3\xa9 rest of the text and more");
                            assert_eq!(check_utf8(&t), want(&t), "{:x?}", &t[pre..]);
                        }
                    }
                }
            }
        }
    }

    /// `plain_ascii` sees a backslash or a non-ASCII byte at every position of every length.
    #[test]
    fn plain_ascii_at_every_position() {
        for len in 0usize..=40 {
            let plain = vec![b'a'; len];
            assert!(plain_ascii(&plain), "{len}");
            assert!(plain_ascii(&vec![0x7f; len]), "{len}");
            for pos in 0..len {
                for bad in [b'\\', 0x80, 0xc3, 0xff] {
                    let mut t = plain.clone();
                    t[pos] = bad;
                    assert!(!plain_ascii(&t), "{len} {pos} {bad:#x}");
                }
            }
        }
    }

    #[test]
    fn as_str_plain_escaped_and_non_ascii() {
        // A backslash or a non-ASCII byte at every offset, in every size of word check and its tail.
        for len in [0usize, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 33] {
            let plain = format!("\"{}\"", "a".repeat(len));
            assert_eq!(as_str(plain.as_bytes()).as_deref(), Some(&*"a".repeat(len)));
            for pos in 0..len {
                let mut s = "a".repeat(len);
                s.replace_range(pos..pos + 1, "\\u00e9");
                assert_eq!(as_str(format!("\"{s}\"").as_bytes()).as_deref(), Some(&*s.replace("\\u00e9", "\u{e9}")), "{s}");
                let mut s = "a".repeat(len);
                s.replace_range(pos..pos + 1, "\u{e9}");
                assert_eq!(as_str(format!("\"{s}\"").as_bytes()).as_deref(), Some(&*s), "{s}");
            }
        }
        // Invalid UTF-8 after an ASCII run is still refused.
        assert_eq!(as_str(b"\"abcdefghijklmnopq\xff\""), None);
        assert_eq!(as_str(b"\"abc\xc3\""), None);
    }

    #[test]
    fn unescape_handles_surrogates() {
        assert_eq!(unescape(br"a\u00e9\ud83d\ude00\n").unwrap(), "a\u{e9}\u{1F600}\n");
        assert_eq!(unescape(br"\ud800x").unwrap(), "\u{FFFD}x");
    }

    #[test]
    fn members_and_get() {
        let v = br#"{ "a" : {"b": [1,2]}, "c\u0064": "x" }"#;
        assert_eq!(get(v, &["a", "b"]), Some(&b"[1,2]"[..]));
        assert_eq!(get(v, &["cd"]), Some(&b"\"x\""[..]));
        assert_eq!(elements(b"[1, \"2\" ,{}]").count(), 3);
    }

    #[test]
    fn to_ascii_escapes_only_non_ascii() {
        assert_eq!(to_ascii(b"{\"a\":\"x\"}".to_vec()), b"{\"a\":\"x\"}");
        let out = to_ascii("{\"k\u{e9}\":\"\u{1F600} \\u00e9\"}".as_bytes().to_vec());
        assert_eq!(core::str::from_utf8(&out).unwrap(), r#"{"k\u00e9":"\ud83d\ude00 \u00e9"}"#);
        // Non-ASCII at every offset around the eight-byte steps.
        for pos in 0..24 {
            let s = alloc::format!("{}\u{e9}{}\u{1F600}x{}", "a".repeat(pos), "b".repeat(pos % 9), "c".repeat(pos % 5));
            let want: String = s
                .chars()
                .map(|c| if c.is_ascii() { String::from(c) } else { c.encode_utf16(&mut [0; 2]).iter().map(|u| alloc::format!("\\u{u:04x}")).collect() })
                .collect();
            assert_eq!(core::str::from_utf8(&to_ascii(s.clone().into_bytes())).unwrap(), want, "{s}");
            // Appended after what a buffer holds, as the wasm's text route builds its output.
            let mut out = b"{}\n".to_vec();
            extend_ascii(&mut out, s.as_bytes());
            assert_eq!(core::str::from_utf8(&out).unwrap(), alloc::format!("{{}}\n{want}"), "{s}");
        }
    }

    #[test]
    fn make_ascii_escapes_only_after_from() {
        for pos in 0..40 {
            let line = alloc::format!("{}\u{e9}{}\u{1F600}x", "a".repeat(pos), "b".repeat(pos % 7));
            let head = "\u{e9}{}\n"; // before `from`: left as it is
            let mut out = alloc::format!("{head}{line}").into_bytes();
            make_ascii(&mut out, head.len());
            assert_eq!(out, [head.as_bytes(), &to_ascii(line.clone().into_bytes())].concat(), "{pos}");
            let mut plain = alloc::format!("{head}{}", "a".repeat(pos)).into_bytes();
            let before = plain.clone();
            make_ascii(&mut plain, head.len());
            assert_eq!(plain, before);
        }
    }

    #[test]
    fn latin1_to_utf8_at_every_position() {
        // Every byte value, and a high byte at every offset around the 8- and 32-byte steps.
        let all: Vec<u8> = (0..=255u8).collect();
        let want: String = all.iter().map(|&c| char::from(c)).collect();
        assert_eq!(latin1_to_utf8(all), want.as_bytes());
        for len in 0..80 {
            let ascii = vec![b'a'; len];
            assert_eq!(latin1_to_utf8(ascii.clone()), ascii);
            for pos in 0..len {
                for hi in [0x80u8, 0xe9, 0xff] {
                    let mut t = ascii.clone();
                    t[pos] = hi;
                    t[len - 1 - (pos % 3).min(len - 1)] = 0xed;
                    let want: String = t.iter().map(|&c| char::from(c)).collect();
                    // In place with and without room, and copied (a places list of 0 or 1).
                    let mut roomy = Vec::with_capacity(t.len() + 3);
                    roomy.extend_from_slice(&t);
                    assert_eq!(latin1_to_utf8(roomy), want.as_bytes(), "{len} {pos} {hi:#x}");
                    assert_eq!(latin1_to_utf8_with(t.clone(), 0), want.as_bytes(), "{len} {pos} {hi:#x}");
                    assert_eq!(latin1_to_utf8_with(t.clone(), 1), want.as_bytes(), "{len} {pos} {hi:#x}");
                    assert_eq!(latin1_to_utf8(t), want.as_bytes(), "{len} {pos} {hi:#x}");
                }
            }
        }
        // Many high bytes, runs of every length between them, whatever room is left.
        let mut x = 0x2545_f491_u32;
        for round in 0..400 {
            let len = round % 300;
            let t: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    if x % (1 + round as u32 % 7) == 0 { 0x80 | (x >> 8) as u8 } else { b' ' + (x >> 8) as u8 % 90 }
                })
                .collect();
            let want: String = t.iter().map(|&c| char::from(c)).collect();
            let mut roomy = Vec::with_capacity(t.len() + round % 5);
            roomy.extend_from_slice(&t);
            assert_eq!(latin1_to_utf8(roomy), want.as_bytes(), "round {round}");
            assert_eq!(latin1_to_utf8_with(t.clone(), round % 4), want.as_bytes(), "round {round}");
        }
    }

    #[test]
    fn write_helpers() {
        let mut o = Vec::new();
        write_json_as_str(&mut o, br#"{ "a b": [1, "x\"y"] }"#);
        assert_eq!(core::str::from_utf8(&o).unwrap(), r#""{\"a b\":[1,\"x\\\"y\"]}""#);
        o.clear();
        write_str(&mut o, "a\u{1}\"");
        assert_eq!(o, b"\"a\\u0001\\\"\"");
    }
}
