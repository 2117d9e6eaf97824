//! Compact NDJSON for the viewer: every top-level key of a flat output line (`"key":`) replaced
//! by a short token naming it in a table, so that a tab holding a large log keeps about 60% of
//! the text (issue 16: keys are ~46% of a flat line, and the same ~1,000 keys recur on every
//! line). Values are untouched, so a free-text search over the compact text still finds them.
//!
//! A token is a lead byte 0x01..=0x04 (how many digits follow: 1 to 4) and that many digits from
//! [`DIGITS`]: control bytes that JSON text never holds unescaped (and not `\t`, `\n`, `\r`, its
//! whitespace), so a token can be told from data without a parse and no search a person types
//! matches one. Ids are given in order of first sight; past [`CAPACITY`] keys stay as they are.
//! A line that is not a compact JSON object (which the core never writes) is copied unchanged.
//!
//! Each encoded line's enrichment (its members from the last top-level `"@timestamp"` on, which
//! the core writes first among the enrichment keys) is also given back as a JSON object of its
//! own, uncompressed, one per line (an empty line where there is none), for the viewer's columns.

use alloc::vec::Vec;
use std::collections::HashMap;

/// The digit bytes, in order of value.
const DIGITS: [u8; 24] = [5, 6, 7, 8, 0x0b, 0x0c, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f];
const BASE: usize = DIGITS.len();
/// Ids with 1, 2, 3 and 4 digits.
pub const CAPACITY: usize = BASE + BASE * BASE + BASE * BASE * BASE + BASE * BASE * BASE * BASE;
const ENRICH_KEY: &[u8] = b"\"@timestamp\"";

/// The table of keys seen so far (each as its JSON text with quotes, without the colon).
pub struct KeyTokens {
    ids: HashMap<Vec<u8>, usize>,
    keys: Vec<Vec<u8>>,
    /// For each id (and, last, for a line's start), the id of the key that followed it last
    /// time: lines of one shape repeat their keys in order, so most keys are this guess, checked
    /// with one comparison instead of a scan and a hash (the encoding ran at ~175 MB/s without).
    next: Vec<usize>,
    /// The guess for a line's first key.
    first: usize,
    /// How many keys `new_keys` has given out.
    given: usize,
}

impl Default for KeyTokens {
    fn default() -> Self {
        KeyTokens { ids: HashMap::new(), keys: Vec::new(), next: Vec::new(), first: usize::MAX, given: 0 }
    }
}

impl KeyTokens {
    /// A table that starts with `keys` (ids 0, 1, ...): the viewer's own copy, to go on with after
    /// the instance holding the previous table was lost.
    pub fn with_keys<'k>(keys: impl IntoIterator<Item = &'k [u8]>) -> Self {
        let mut t = KeyTokens::default();
        for k in keys {
            t.id(k);
        }
        t.given = t.keys.len();
        t
    }

    fn id(&mut self, key: &[u8]) -> Option<usize> {
        if let Some(&id) = self.ids.get(key) {
            return Some(id);
        }
        let id = self.keys.len();
        if id >= CAPACITY {
            return None;
        }
        self.ids.insert(key.to_vec(), id);
        self.keys.push(key.to_vec());
        self.next.push(usize::MAX);
        Some(id)
    }

    /// The keys added since the last call, one a line (JSON key texts hold no raw newline).
    pub fn new_keys(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for (n, k) in self.keys[self.given..].iter().enumerate() {
            if n > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(k);
        }
        self.given = self.keys.len();
        out
    }

    /// Encodes NDJSON `text` (lines of compact JSON objects): appends the compact lines to `out`
    /// and each line's enrichment object to `enrichment` (both newline-separated, line for line).
    pub fn encode(&mut self, text: &[u8], out: &mut Vec<u8>, enrichment: &mut Vec<u8>) {
        out.reserve(text.len() * 2 / 3);
        let mut i = 0;
        while i < text.len() {
            if text[i] == b'\n' {
                i += 1;
                continue;
            }
            // A line is parsed from its `{`: the parse finds its end (no scan for newlines first,
            // which took most of the time), and stops at a newline where a compact object has none.
            let mark = out.len();
            let end = match self.line(text, i, out) {
                Some((end, enrich)) if end == text.len() || text[end] == b'\n' => {
                    if let Some(at) = enrich {
                        enrichment.push(b'{');
                        enrichment.extend_from_slice(&text[at..end]);
                    }
                    end
                }
                _ => {
                    out.truncate(mark);
                    let end = memchr::memchr(b'\n', &text[i..]).map_or(text.len(), |n| i + n);
                    out.extend_from_slice(&text[i..end]);
                    end
                }
            };
            out.push(b'\n');
            enrichment.push(b'\n');
            i = end + 1;
        }
    }

    /// The line at `b[start]`; `None` when it is not a compact object (what was written is then
    /// dropped), else the index past its `}` and where its enrichment begins, if it has one.
    fn line(&mut self, b: &[u8], start: usize, out: &mut Vec<u8>) -> Option<(usize, Option<usize>)> {
        if b[start] != b'{' {
            return None;
        }
        out.push(b'{');
        let mut enrich = None;
        let mut i = start + 1;
        if b.get(i) == Some(&b'}') {
            out.push(b'}');
            return Some((i + 1, None));
        }
        // The line start's guess lives in the slot past the last id.
        let mut prev = usize::MAX;
        loop {
            let slot = if prev == usize::MAX { &mut self.first } else { &mut self.next[prev] };
            let guess = *slot;
            let (ke, id) = match self.keys.get(guess) {
                Some(k) if b[i..].starts_with(k) && b.get(i + k.len()) == Some(&b':') => (i + k.len(), Some(guess)),
                _ => {
                    let ke = string_end(b, i)?;
                    if b.get(ke) != Some(&b':') {
                        return None;
                    }
                    let id = self.id(&b[i..ke]);
                    if let Some(id) = id {
                        if prev == usize::MAX {
                            self.first = id;
                        } else {
                            self.next[prev] = id;
                        }
                    }
                    (ke, id)
                }
            };
            if ke - i == ENRICH_KEY.len() && &b[i..ke] == ENRICH_KEY {
                enrich = Some(i);
            }
            match id {
                Some(id) => {
                    push_token(out, id);
                    prev = id;
                }
                None => {
                    out.extend_from_slice(&b[i..=ke]);
                    prev = usize::MAX;
                }
            }
            let vs = ke + 1;
            let ve = value_end(b, vs)?;
            out.extend_from_slice(&b[vs..ve]);
            match b.get(ve) {
                Some(b',') => {
                    out.push(b',');
                    i = ve + 1;
                }
                Some(b'}') => {
                    out.push(b'}');
                    return Some((ve + 1, enrich));
                }
                _ => return None,
            }
        }
    }
}

fn push_token(out: &mut Vec<u8>, id: usize) {
    let (mut n, mut rest) = (1, id);
    let mut span = BASE;
    while rest >= span {
        rest -= span;
        n += 1;
        span *= BASE;
    }
    out.push(n as u8);
    let at = out.len();
    out.resize(at + n, 0);
    for k in (0..n).rev() {
        out[at + k] = DIGITS[rest % BASE];
        rest /= BASE;
    }
}

/// The index just past the string starting at `b[i]` (a `"`); `None` at a newline (none is in
/// a JSON string).
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        j += memchr::memchr3(b'"', b'\\', b'\n', b.get(j..)?)?;
        match b[j] {
            b'\\' if b.get(j + 1) != Some(&b'\n') => j += 2,
            b'"' => return Some(j + 1),
            _ => return None,
        }
    }
}

/// The index just past the value starting at `b[i]` (compact JSON: no whitespace between tokens
/// is assumed; a value that does not end where one should makes the caller copy the line).
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match *b.get(j)? {
                    b'\n' => return None,
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let n = b[i..].iter().position(|&c| c == b',' || c == b'}' || c == b'\n')?;
            (n > 0 && b[i + n] != b'\n').then_some(i + n)
        }
    }
}

/// The inverse, for tests: compact lines back to the text they came from.
#[cfg(test)]
pub(crate) fn decode(keys: &[Vec<u8>], text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let n = text[i] as usize;
        if (1..=4).contains(&n) {
            // Ids of fewer digits come first.
            let (mut id, mut span) = (0, BASE);
            for _ in 1..n {
                id += span;
                span *= BASE;
            }
            let mut v = 0;
            for &d in &text[i + 1..i + 1 + n] {
                v = v * BASE + DIGITS.iter().position(|&x| x == d).expect("a digit");
            }
            out.extend_from_slice(&keys[id + v]);
            out.push(b':');
            i += 1 + n;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests;
