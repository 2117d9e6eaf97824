//! The serde face for Rust users (cargo feature `serde`, on by default): `Serialize` for the
//! results ([`Log`], [`BadRecord`], [`Error`], [`Format`]) beside the options' Deserialize and
//! Serialize, and the transforms on `serde_json::Value`, for Rust pipelines that hold records as
//! values (a Vector-style transform, a Lambda in Rust).
//!
//! The values go through the same engine as the text API, as text: `transform_value` writes the
//! value as compact JSON, transforms it and reads the output back. What a `Value` cannot hold is
//! lost on the way in or out, not by the engine: numbers beyond f64/u64 without serde_json's
//! `arbitrary_precision` feature, repeated keys (a map keeps one), lone surrogate escapes. Use the
//! text API when those matter.

use alloc::string::String;
use alloc::vec::Vec;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::{BadRecord, Error, ErrorKind, Format, Options, Result};

/// [`crate::transform`] on a `serde_json::Value`: the record as a value in, the output document
/// as a value out. A value that is not an object is an error, as in the text API.
pub fn transform_value(record: &Value, opts: &Options) -> Result<Value> {
    let text = serde_json::to_vec(record).map_err(|e| Error::new(ErrorKind::Record, alloc::format!("cannot write the record as JSON: {e}")))?;
    let out = crate::transform(&text, opts)?;
    read_output(out.as_bytes())
}

/// The result of [`transform_log_values`]: [`crate::Log`] with the records as values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogValues {
    pub format: Format,
    /// True when the input (outer layer) was gzip.
    pub gzip: bool,
    /// One output document per readable record, in input order.
    pub records: Vec<Value>,
    /// One entry per unreadable record or stretch, in input order.
    pub errors: Vec<BadRecord>,
}

/// [`crate::transform_log`] yielding `serde_json::Value`s: each output document is read into a
/// value straight from the engine's buffer (no `String` per record).
pub fn transform_log_values(input: &[u8], opts: &Options) -> Result<LogValues> {
    // A document past serde_json's nesting limit (128) is kept, as an error entry with its text.
    let (records, errors, summary) = crate::read_log(input, opts, read_output)?;
    Ok(LogValues { format: summary.format, gzip: summary.gzip, records, errors })
}

fn read_output(json: &[u8]) -> Result<Value> {
    serde_json::from_slice(json).map_err(|e| Error::new(ErrorKind::Limit, alloc::format!("the output document cannot be read as a serde_json::Value: {e}")))
}

impl Serialize for Format {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Format {
    fn deserialize<D: Deserializer<'de>>(d: D) -> core::result::Result<Format, D::Error> {
        let name = String::deserialize(d)?;
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| serde::de::Error::custom(alloc::format!("unknown format {name:?}")))
    }
}


impl Serialize for ErrorKind {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `{"kind", "message", "offset", "line", "column", "record"}` (the positions when known), as the
/// JS `Error` carries them.
impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        let at = [("offset", self.offset()), ("line", self.line()), ("column", self.column()), ("record", self.record())];
        let mut st = s.serialize_struct("Error", 2 + at.iter().filter(|(_, v)| v.is_some()).count())?;
        st.serialize_field("kind", &self.kind())?;
        // The whole text, as a JS Error's message has it.
        st.serialize_field("message", &alloc::string::ToString::to_string(self))?;
        for (name, v) in at {
            match v {
                Some(v) => st.serialize_field(name, &v)?,
                None => st.skip_field(name)?,
            }
        }
        st.end()
    }
}
