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
pub(crate) fn write_canonical(out: &mut Vec<u8>, raw: &[u8]) {
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
                write_canonical(out, val);
            }
            out.push(b'}');
        }
        Some(b'[') => {
            out.push(b'[');
            for (n, el) in json::elements(v).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_canonical(out, el);
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
pub(crate) fn to_canonical(raw: &[u8]) -> alloc::string::String {
    let mut out = Vec::with_capacity(raw.len());
    write_canonical(&mut out, raw);
    // Only valid UTF-8 is written: decoded strings, ASCII punctuation and number text.
    alloc::string::String::from_utf8(out).unwrap_or_default()
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
    fn depth_table() {
        crate::table_test!(|s: &str| depth(s.as_bytes()), [
            ("scalar", "1", 0usize),
            ("empty object", "{}", 1usize),
            ("nested", r#"{"a":[{"b":{}}]}"#, 4usize),
            ("brackets in strings ignored", r#"{"a":"{{[[\"]"}"#, 1usize),
        ]);
    }
}
