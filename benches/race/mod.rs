//! The race (issue 18, item 4): the flat profile (enrichment off, default options) written by two
//! maintained JSON readers instead of src/json.rs, each in one pass with no tree:
//!
//! - [`serde_flat`]: a serde_json streaming `Deserializer` driving `DeserializeSeed`s/`Visitor`s
//!   that write flat keys straight into the output; strings borrowed where serde_json can lend
//!   them (no escapes), numbers as written through serde_json's `arbitrary_precision` (this
//!   crate's dev-dependency turns it on; without it a number reaches a visitor as u64/i64/f64).
//! - [`jiter_flat`]: pydantic's `jiter`, an iterator over the bytes; strings and numbers as their
//!   raw bytes (`known_bytes`, `next_number_bytes`), keys too (`next_key_bytes`).
//!
//! Both write exactly what `transform(record, enrich: false)` writes for records like the bench
//! corpus's (tests/race.rs checks it record by record). Not shipped: only benches/core.rs,
//! tests/race.rs and the wasm build of the race (bench/race-wasm/) include this file. What they cannot do as json.rs does (see bench/README.md):
//! - a lone surrogate escape (`"\ud800"`, which JSON allows and CloudTrail passes on from
//!   callers) is an error in both: serde_json refuses it in a string, jiter validates every
//!   `\u` escape even when it hands out raw bytes. json.rs keeps it as written.
//! - a string with escapes reaches a serde visitor decoded; it is escaped again here with
//!   serde_json's rules, which equal JSON.stringify's (and CloudTrail's) for the usual escapes but
//!   not in general (`"\u00e9"` comes out as `"é"`, `"\/"` as `"/"`): "as written" holds for the
//!   corpus, not for every input.
//! - `maxDepth` / `maxFields` (a subtree kept whole as one JSON-string field) and `arrays: "index"`
//!   are not implemented: keeping a subtree's text needs its raw bytes, which a serde visitor does
//!   not see (serde_json's `RawValue` would mean a second pass over it). The corpus never reaches
//!   the limits, so the race is not tilted by them.
//! - Duplicate keys: both keep them, in order, as json.rs does (neither builds a map).

// Used by benches/core.rs and tests/race.rs, each a different subset.
#![allow(dead_code)]

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The output and the current path, shared by both contenders.
#[derive(Default)]
pub struct Flat {
    pub out: Vec<u8>,
    path: Vec<u8>,
    /// No field written yet in the current flattening context.
    first: bool,
}

#[derive(Clone, Copy)]
enum Mode {
    /// A member value: `path[base..]` is its flat key.
    Field { base: usize },
    /// An array element (kept arrays): scalars bare, objects a fresh flattening context.
    Elem,
}

impl Flat {
    fn begin(&mut self) {
        self.out.clear();
        self.path.clear();
    }

    /// Before a value: `,"key":` in a field context, nothing in an array.
    #[inline]
    fn prefix(&mut self, mode: Mode) {
        if let Mode::Field { base } = mode {
            if !self.first {
                self.out.push(b',');
            }
            self.first = false;
            self.out.push(b'"');
            self.out.extend_from_slice(&self.path[base..]);
            self.out.extend_from_slice(b"\":");
        }
    }

    /// The path for a member: `path[..plen]`, the separator when `joined`, the key as written
    /// (`raw`: the bytes between the quotes) with `~` as `~0` and `.` as `~1`.
    #[inline]
    fn key_raw(&mut self, plen: usize, joined: bool, raw: &[u8]) {
        self.path.truncate(plen);
        if joined {
            self.path.push(b'.');
        }
        if raw.iter().any(|&c| c == b'~' || c == b'.' || c == b'\\') {
            self.key_slow(raw);
        } else {
            self.path.extend_from_slice(raw);
        }
    }

    /// A key with escapes or `~`/`.`: decoded, `~`/`.` escaped, written as a JSON string's
    /// content (serde_json's escaping).
    #[cold]
    fn key_slow(&mut self, raw: &[u8]) {
        let mut quoted = Vec::with_capacity(raw.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(raw);
        quoted.push(b'"');
        let decoded: String = serde_json::from_slice(&quoted).unwrap_or_default();
        self.key_decoded_escaped(&decoded);
    }

    fn key_decoded(&mut self, plen: usize, joined: bool, key: &str) {
        self.path.truncate(plen);
        if joined {
            self.path.push(b'.');
        }
        self.key_decoded_escaped(key);
    }

    fn key_decoded_escaped(&mut self, key: &str) {
        let escaped = key.replace('~', "~0").replace('.', "~1");
        let text = serde_json::to_vec(&escaped).unwrap_or_default();
        self.path.extend_from_slice(&text[1..text.len() - 1]);
    }
}

// ---- (a) serde_json: a streaming Deserializer and seeds that write as they go ----------------

/// The token serde_json's `arbitrary_precision` uses to hand a number over as its text.
const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// Flattens one record with serde_json; `Err` for anything it cannot read.
pub fn serde_flat(rec: &[u8], f: &mut Flat) -> Result<(), serde_json::Error> {
    f.begin();
    let mut de = serde_json::Deserializer::from_slice(rec);
    // The record is an object (deserialize_map refuses anything else), written as a context.
    de.deserialize_map(Val { f: &mut *f, mode: Mode::Elem })?;
    de.end()
}

struct Val<'a> {
    f: &'a mut Flat,
    mode: Mode,
}

impl<'de> DeserializeSeed<'de> for Val<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Val<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.extend_from_slice(b"null");
        Ok(())
    }

    // Without arbitrary_precision numbers arrive parsed: written back, not as written.
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }

    /// No escapes in the input: lent straight from it, so it is the text as written.
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.f.prefix(self.mode);
        self.f.out.push(b'"');
        self.f.out.extend_from_slice(v.as_bytes());
        self.f.out.push(b'"');
        Ok(())
    }

    /// Had escapes: decoded by serde_json, escaped again with its rules.
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.f.prefix(self.mode);
        serde_json::to_writer(&mut self.f.out, v).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let f = self.f;
        f.prefix(self.mode);
        f.out.push(b'[');
        let mut n = 0usize;
        loop {
            if n > 0 {
                // Written before the element; taken back if there was none.
                f.out.push(b',');
            }
            if seq.next_element_seed(Val { f: &mut *f, mode: Mode::Elem })?.is_none() {
                if n > 0 {
                    f.out.pop();
                }
                break;
            }
            n += 1;
        }
        f.out.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let f = self.f;
        let (plen, joined, elem) = match self.mode {
            Mode::Field { .. } => (f.path.len(), true, false),
            Mode::Elem => (f.path.len(), false, true),
        };
        let first_key = map.next_key_seed(Key { f: &mut *f, plen, joined })?;
        match first_key {
            None => {
                f.prefix(self.mode);
                f.out.extend_from_slice(b"{}");
                return Ok(());
            }
            Some(true) => {
                // arbitrary_precision: a number, as written.
                f.prefix(self.mode);
                return map.next_value_seed(NumberText { f });
            }
            Some(false) => {}
        }
        let (base, saved_first) = if elem {
            f.out.push(b'{');
            (plen, std::mem::replace(&mut f.first, true))
        } else {
            (match self.mode { Mode::Field { base } => base, Mode::Elem => unreachable!() }, f.first)
        };
        loop {
            map.next_value_seed(Val { f: &mut *f, mode: Mode::Field { base } })?;
            if map.next_key_seed(Key { f: &mut *f, plen, joined })?.is_none() {
                break;
            }
        }
        f.path.truncate(plen);
        if elem {
            f.out.push(b'}');
            f.first = saved_first;
        }
        Ok(())
    }
}

/// A member's key: appended to the path. `true` for arbitrary_precision's number token.
struct Key<'a> {
    f: &'a mut Flat,
    plen: usize,
    joined: bool,
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<bool, E> {
        if v == NUMBER_TOKEN {
            return Ok(true);
        }
        self.f.key_raw(self.plen, self.joined, v.as_bytes());
        Ok(false)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        if v == NUMBER_TOKEN {
            return Ok(true);
        }
        self.f.key_decoded(self.plen, self.joined, v);
        Ok(false)
    }
}

/// The number text arbitrary_precision hands over.
struct NumberText<'a> {
    f: &'a mut Flat,
}

impl<'de> DeserializeSeed<'de> for NumberText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NumberText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number's text")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.f.out.extend_from_slice(v.as_bytes());
        Ok(())
    }
}

// ---- (b) jiter: an iterator over the bytes -----------------------------------------------------

pub use jiter_impl::jiter_flat;

mod jiter_impl {
    use super::{Flat, Mode};
    use jiter::{Jiter, JiterResult, Peek};

    /// Flattens one record with jiter; `Err` for anything it cannot read. The raw bytes jiter
    /// hands out are not checked for UTF-8 by it, so the record is, first (json.rs checks each
    /// record too).
    pub fn jiter_flat(rec: &[u8], f: &mut Flat) -> Result<(), String> {
        std::str::from_utf8(rec).map_err(|e| e.to_string())?;
        f.begin();
        let mut j = Jiter::new(rec);
        let peek = j.peek().map_err(|e| e.to_string())?;
        if peek != Peek::Object {
            return Err(String::from("not an object"));
        }
        value(&mut j, f, peek, Mode::Elem).map_err(|e| e.to_string())?;
        j.finish().map_err(|e| e.to_string())
    }

    fn value(j: &mut Jiter<'_>, f: &mut Flat, peek: Peek, mode: Mode) -> JiterResult<()> {
        match peek {
            Peek::String => {
                let raw = j.known_bytes()?;
                f.prefix(mode);
                f.out.push(b'"');
                f.out.extend_from_slice(raw);
                f.out.push(b'"');
            }
            Peek::Object => object(j, f, mode)?,
            Peek::Array => {
                f.prefix(mode);
                f.out.push(b'[');
                let mut next = j.known_array()?;
                let mut n = 0;
                while let Some(p) = next {
                    if n > 0 {
                        f.out.push(b',');
                    }
                    value(j, f, p, Mode::Elem)?;
                    n += 1;
                    next = j.array_step()?;
                }
                f.out.push(b']');
            }
            Peek::Null => {
                j.known_null()?;
                f.prefix(mode);
                f.out.extend_from_slice(b"null");
            }
            Peek::True | Peek::False => {
                let v = j.known_bool(peek)?;
                f.prefix(mode);
                f.out.extend_from_slice(if v { b"true" } else { b"false" });
            }
            _ => {
                let raw = j.known_number_bytes(peek)?;
                f.prefix(mode);
                f.out.extend_from_slice(raw);
            }
        }
        Ok(())
    }

    fn object(j: &mut Jiter<'_>, f: &mut Flat, mode: Mode) -> JiterResult<()> {
        let (plen, joined, elem) = match mode {
            Mode::Field { .. } => (f.path.len(), true, false),
            Mode::Elem => (f.path.len(), false, true),
        };
        let Some(k) = j.next_object_bytes()? else {
            f.prefix(mode);
            f.out.extend_from_slice(b"{}");
            return Ok(());
        };
        f.key_raw(plen, joined, k);
        let (base, saved_first) = match mode {
            Mode::Elem => {
                f.out.push(b'{');
                (plen, std::mem::replace(&mut f.first, true))
            }
            Mode::Field { base } => (base, f.first),
        };
        loop {
            let p = j.peek()?;
            value(j, f, p, Mode::Field { base })?;
            match j.next_key_bytes()? {
                Some(k) => f.key_raw(plen, joined, k),
                None => break,
            }
        }
        f.path.truncate(plen);
        if elem {
            f.out.push(b'}');
            f.first = saved_first;
        }
        Ok(())
    }
}
