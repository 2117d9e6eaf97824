//! The mapping-table machinery the nested profiles share: a row names a target path, where its
//! value comes from (alternatives, first present wins) and how it is converted. One loop
//! (`apply`) runs a profile's table; what does not fit a row (arrays, objects built from several
//! fields, class routing) is written by the profile's own code after the loop.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::enrich::Facts;
use crate::fields::{Fields, F};
use crate::json;
use crate::profiles::canon;
use crate::profiles::datetime;
use crate::profiles::slots::{self, Parts, Slots};

/// Reads one fact as text. Boolean facts answer `"true"`/`"false"` (see `bool_str`).
pub(crate) type FactFn = for<'f> fn(&'f Facts<'_>) -> Option<&'f str>;

#[derive(Clone, Copy)]
pub(crate) enum Src {
    /// A record field (see `Conv` for how its raw value is read).
    Field(F),
    /// An enrichment fact, named by its flat-profile key (docs/SCHEMA.md). With enrichment on
    /// it decides (sources after it are not tried); with enrichment off it is skipped.
    Fact(#[cfg_attr(not(test), allow(dead_code))] &'static str, FactFn),
    Const(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Conv {
    /// Text: strings decoded, other scalars as written (`true`, `1.05`); empty strings skipped.
    Str,
    /// Boolean from `true`/`false` or the strings "true"/"false" in any case.
    Bool,
    /// ISO 8601 → RFC 3339 UTC text; left out when it does not parse.
    Date,
    /// ISO 8601 → integer epoch milliseconds; left out when it does not parse.
    EpochMs,
    /// Canonical compact JSON text of the value, as a string (see canon.rs); `null` skipped.
    JsonString,
    /// The value itself when it is an object within the flattened caps (`FLATTENED_MAX_BYTES`,
    /// `FLATTENED_MAX_DEPTH`); otherwise left out (the `JsonString` row keeps it).
    Flattened,
}

pub(crate) struct Row {
    pub target: &'static str,
    pub from: &'static [Src],
    pub conv: Conv,
}

/// Elastic keeps a structured copy of a payload only under this many bytes of JSON text: the
/// largest term Lucene indexes (Elastic's pipeline uses the same number).
pub(crate) const FLATTENED_MAX_BYTES: usize = 32_766;
/// Elasticsearch's `flattened` field type rejects objects nested deeper than its `depth_limit`,
/// 20 by default; deeper payloads are kept only as the JSON string.
pub(crate) const FLATTENED_MAX_DEPTH: usize = 20;

pub(crate) fn bool_str(b: Option<bool>) -> Option<&'static str> {
    b.map(|b| if b { "true" } else { "false" })
}

/// The value of the first present source, as text (for `Field`: `Fields::text`).
/// With enrichment on, a fact source decides: when it has no value, the sources after it are
/// not tried (enrichment may have left a value out on purpose, such as an `errorCode` of
/// `"200"`, which is not an error). With enrichment off, fact sources are skipped.
// Inlined into `first_value` too (a call per source there cost ~5 M instructions of the ecs
// profile on the mix once `first_value` had a second caller).
#[inline(always)]
pub(crate) fn first_text<'a>(from: &[Src], fields: &Fields<'a>, facts: Option<&'a Facts<'a>>) -> Option<Cow<'a, str>> {
    for src in from {
        let v = match *src {
            Src::Field(f) => fields.text(f),
            Src::Fact(_, get) => match facts {
                Some(f) => return get(f).filter(|s| !s.is_empty()).map(Cow::Borrowed),
                None => None,
            },
            Src::Const(c) => Some(Cow::Borrowed(c)),
        };
        if v.is_some() {
            return v;
        }
    }
    None
}

/// A value `first_value` found: text to write as a JSON string, or a record's string token that
/// already is its own JSON form.
enum Value<'a> {
    Text(Cow<'a, str>),
    Json(&'a [u8]),
}

/// `first_text`, except that a field holding a non-empty string without escapes comes back as its
/// token (`"..."`): valid JSON holds no raw quote or control byte, so writing its text again would
/// give the same bytes (decoding and re-escaping the values was ~10 % of the ecs profile).
#[inline(always)]
fn first_value<'a>(from: &[Src], fields: &Fields<'a>, facts: Option<&'a Facts<'a>>) -> Option<Value<'a>> {
    for src in from {
        if let Src::Field(f) = *src {
            let text = fields.text(f);
            // (A string token without text is empty: records are valid UTF-8 by now, record.rs.)
            if let (Some(t), Some(raw)) = (&text, fields.raw(f)) {
                // Text borrowed from inside the token itself (a string the capture found plain
                // is read so with no scan): nothing decoded, the token is its own JSON form.
                if matches!(t, Cow::Borrowed(b) if raw.len() == b.len() + 2 && raw.as_ptr().wrapping_add(1) == b.as_ptr()) {
                    return Some(Value::Json(raw));
                }
                // (A fold the compiler runs a vector at a time: these tokens are short, and a
                // `memchr` call per field cost more than its scan.)
                if raw.len() > 2 && raw[0] == b'"' && raw[raw.len() - 1] == b'"' && !raw.iter().fold(false, |e, &c| e | (c == b'\\')) {
                    return Some(Value::Json(raw));
                }
            }
            if text.is_some() {
                return text.map(Value::Text);
            }
            continue;
        }
        if let Some(v) = first_text(core::slice::from_ref(src), fields, facts) {
            return Some(Value::Text(v));
        }
        if matches!(src, Src::Fact(..)) && facts.is_some() {
            // A fact decides (see `first_text`).
            return None;
        }
    }
    None
}

/// A text row's value as JSON text appended to `o` (`first_value`: a field's plain string token
/// copied, anything else escaped); false when no source has one.
pub(crate) fn write_text(from: &[Src], fields: &Fields<'_>, facts: Option<&Facts<'_>>, o: &mut alloc::vec::Vec<u8>) -> bool {
    match first_value(from, fields, facts) {
        Some(Value::Json(raw)) => o.extend_from_slice(raw),
        Some(Value::Text(v)) => json::write_str(o, &v),
        None => return false,
    }
    true
}

/// A boolean row's value: a field's `true`/`false` (or the strings, any case), a fact's
/// `"true"`/`"false"` (with enrichment on it decides, as in `first_text`), or a constant.
pub(crate) fn first_bool(from: &[Src], fields: &Fields<'_>, facts: Option<&Facts<'_>>) -> Option<bool> {
    for src in from {
        let v = match *src {
            Src::Field(f) => fields.boolean(f),
            Src::Fact(_, get) => match facts {
                Some(f) => {
                    return get(f).and_then(|t| match t {
                        "true" => Some(true),
                        "false" => Some(false),
                        _ => None,
                    })
                }
                None => None,
            },
            Src::Const(c) => Some(c == "true"),
        };
        if v.is_some() {
            return v;
        }
    }
    None
}

/// A table's row as `apply` runs it: its sources, conversion and slot (`slots::table_rows!`).
#[derive(Clone, Copy)]
pub(crate) struct SlotRow {
    pub from: &'static [Src],
    pub conv: Conv,
    pub slot: u8,
}

/// Runs every row of a table into `s`: each value straight into the slots' buffer; a row whose
/// slot has a value already is not read (the first value wins).
pub(crate) fn apply<'a>(rows: &[SlotRow], fields: &Fields<'a>, facts: Option<&'a Facts<'a>>, s: &mut Slots) {
    let Parts { buf: o, at, present, text, members } = s.parts();
    // The string row and the structured row of one payload share its canonical text, written
    // into a buffer the slots keep between records (a new one per payload cost ~3 % of the
    // ecs profile in allocation).
    let mut last: Option<(*const u8, usize, usize)> = None;
    for row in rows {
        let slot = row.slot as usize;
        let (w, b) = slots::bit(slot);
        if present[w] & b != 0 {
            continue;
        }
        let start = o.len();
        match row.conv {
            Conv::JsonString | Conv::Flattened => payload(row, fields, o, text, members, &mut last),
            Conv::Str => {
                write_text(row.from, fields, facts, o);
            }
            Conv::Bool => {
                if let Some(v) = first_bool(row.from, fields, facts) {
                    o.extend_from_slice(if v { b"true" } else { b"false" });
                }
            }
            Conv::Date => match first_text(row.from, fields, facts) {
                // Already its own RFC 3339 form (as `@timestamp` from enrichment is): copied.
                Some(t) if datetime::is_rfc3339_utc(&t) => {
                    o.push(b'"');
                    o.extend_from_slice(t.as_bytes());
                    o.push(b'"');
                }
                Some(t) => {
                    if let Some(v) = datetime::to_rfc3339(&t) {
                        json::write_str(o, &v);
                    }
                }
                None => {}
            },
            Conv::EpochMs => {
                if let Some(v) = first_text(row.from, fields, facts).and_then(|t| datetime::to_epoch_ms(&t)) {
                    json::write_int(o, v);
                }
            }
        }
        // A value is never empty JSON text: nothing written, no value.
        if o.len() > start {
            at[slot % slots::MAX_SLOTS] = (start as u32, o.len() as u32);
            present[w] |= b;
        }
    }
}

/// A payload row (`JsonString`, `Flattened`) of `apply`: out of line, so that the loop over the
/// other rows keeps its registers (inlined, its canonical-text code made every row dearer).
/// `last` is the payload whose canonical text `text` holds, and its depth.
#[inline(never)]
fn payload(row: &SlotRow, fields: &Fields<'_>, o: &mut Vec<u8>, text: &mut Vec<u8>, members: &mut Vec<canon::Member>, last: &mut Option<(*const u8, usize, usize)>) {
    let Some(raw) = row.from.iter().find_map(|s| match *s {
        Src::Field(f) => fields.raw(f).filter(|v| *v != b"null"),
        _ => None,
    }) else {
        return;
    };
    let key = (raw.as_ptr(), raw.len());
    let depth = match *last {
        Some((p, n, d)) if (p, n) == key => d,
        _ => canon::canonical_into(text, members, raw),
    };
    *last = Some((key.0, key.1, depth));
    if row.conv == Conv::JsonString {
        o.push(b'"');
        canon::write_string_content(o, text);
        o.push(b'"');
    } else if raw.first() == Some(&b'{') && text.len() < FLATTENED_MAX_BYTES && depth <= FLATTENED_MAX_DEPTH {
        // Canonical text is compact already: copied, not re-scanned.
        o.extend_from_slice(text);
    }
}

/// A mapping table as Markdown (docs/PROFILES.md is checked against this).
#[cfg(test)]
pub(crate) fn markdown(table: &[Row]) -> alloc::string::String {
    use alloc::string::String;
    let mut s = String::from("| target | from (first present wins) | conversion |\n|---|---|---|\n");
    for row in table {
        let from: alloc::vec::Vec<String> = row
            .from
            .iter()
            .map(|src| match *src {
                Src::Field(f) => alloc::format!("`{}`", crate::fields::path(f)),
                Src::Fact(label, _) => alloc::format!("enrichment `{label}`"),
                Src::Const(c) => alloc::format!("`\"{c}\"`"),
            })
            .collect();
        let conv = match row.conv {
            Conv::Str => "text",
            Conv::Bool => "boolean",
            Conv::Date => "date → RFC 3339 UTC",
            Conv::EpochMs => "date → epoch ms",
            Conv::JsonString => "canonical JSON string",
            Conv::Flattened => "object, if under the caps",
        };
        s.push_str(&alloc::format!("| `{}` | {} | {} |\n", row.target, from.join(", then "), conv));
    }
    s
}

/// Checks a table: targets unique, no target both a leaf and a prefix of another, every row
/// has a source. Used by each profile's unit tests.
#[cfg(test)]
pub(crate) fn check_table(table: &[Row]) -> Result<(), alloc::string::String> {
    for (i, a) in table.iter().enumerate() {
        if a.from.is_empty() {
            return Err(alloc::format!("{} has no source", a.target));
        }
        for src in a.from {
            if let Src::Field(f) = src {
                if crate::fields::path(*f).is_empty() {
                    return Err(alloc::format!("{}: field {:?} has no path in the capture trie", a.target, f));
                }
            }
        }
        for b in &table[i + 1..] {
            if a.target == b.target {
                return Err(alloc::format!("{} twice", a.target));
            }
            for (x, y) in [(a, b), (b, a)] {
                if y.target.starts_with(x.target) && y.target.as_bytes().get(x.target.len()) == Some(&b'.') {
                    return Err(alloc::format!("{} is a leaf and a parent of {}", x.target, y.target));
                }
            }
        }
    }
    Ok(())
}

/// Test helpers: validate a whole output document and look a value up by JSON pointer
/// (`/a/b/0`), without serde_json (whose `PartialEq<Value>` impls would make every table test
/// in the crate ambiguous).
#[cfg(test)]
pub(crate) mod testing {
    use crate::json;

    /// Panics unless `out` is exactly one JSON object.
    pub(crate) fn assert_object(out: &[u8]) {
        assert_eq!(out.first(), Some(&b'{'), "{}", alloc::string::String::from_utf8_lossy(out));
        let end = json::skip_value(out, 0, 0).unwrap_or_else(|e| panic!("{e:?} in {}", alloc::string::String::from_utf8_lossy(out)));
        assert_eq!(end, out.len(), "trailing data in {}", alloc::string::String::from_utf8_lossy(out));
        // No duplicate keys at any level.
        fn no_dups(v: &[u8]) {
            match v.first() {
                Some(b'{') => {
                    let keys: alloc::vec::Vec<&[u8]> = json::members(v).map(|(k, _)| k).collect();
                    for (i, k) in keys.iter().enumerate() {
                        assert!(!keys[i + 1..].contains(k), "duplicate key {}", alloc::string::String::from_utf8_lossy(k));
                    }
                    json::members(v).for_each(|(_, x)| no_dups(x));
                }
                Some(b'[') => json::elements(v).for_each(no_dups),
                _ => {}
            }
        }
        no_dups(out);
    }

    /// The raw value at a JSON pointer (array indexes as numbers), as compact text.
    pub(crate) fn pointer(doc: &[u8], ptr: &str) -> Option<alloc::string::String> {
        let mut v = doc;
        for part in ptr.split('/').skip(1) {
            v = match v.first() {
                Some(b'[') => json::elements(v).nth(part.parse().ok()?)?,
                _ => json::get(v, &[part])?,
            };
        }
        let mut out = alloc::vec::Vec::new();
        json::write_compact(&mut out, v);
        alloc::string::String::from_utf8(out).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::F;
    use alloc::string::String;
    use alloc::vec::Vec;

    /// A text row writes a field's token as it is only when that is what escaping its text gives:
    /// plain and non-ASCII strings, escapes decoded and written again, other scalars as text,
    /// empty strings and `null` skipped to the next source.
    #[test]
    fn a_field_token_is_copied_only_when_it_is_its_own_json_form() {
        let tokens = [r#""GetObject""#, "\"caf\u{e9} \u{1F600}\"", r#""a\"b""#, r#""caf\u00e9""#, r#""\u0041B""#, r#""a\/b""#, r#""""#, "1.08", "true", "null", r#""x""#];
        for tok in tokens {
            let rec = alloc::format!(r#"{{"eventName":{tok},"eventSource":"next"}}"#);
            let fields = Fields::capture(rec.as_bytes());
            let mut got = Vec::new();
            assert!(write_text(&[Src::Field(F::EventName), Src::Field(F::EventSource)], &fields, None, &mut got));
            let mut want = Vec::new();
            match fields.text(F::EventName) {
                Some(t) => json::write_str(&mut want, &t),
                None => want.extend_from_slice(br#""next""#),
            }
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "{tok}");
        }
    }
}
