//! cloudfront-trail: AWS CloudTrail records (CloudFront API events above all) in, flat, enriched,
//! lossless records out.
//!
//! The API is small: [`transform`] one record, [`transform_log`] / [`transform_log_to_ndjson`] a
//! whole log in any of the shapes CloudTrail arrives in (gzip too), [`Splitter`] the same
//! incrementally for streams, and [`unflatten`], the exact inverse of flattening.
//! Data flows one way: input → split → flatten/enrich → profile → output.

// The unit tests built for wasm32 (by `wasm-pack test`) leave out the native-only ones, which
// are the only readers of some test-only descriptor fields.
#![cfg_attr(all(test, target_arch = "wasm32"), allow(dead_code))]

extern crate alloc;

mod detect;
mod digest;
mod enrich;
mod error;
mod fields;
mod flatten;
mod geoip;
mod input;
mod json;
mod options;
mod profiles;
mod record;
mod salvage;
mod sort;
mod split;
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
mod keytokens;
mod track;
mod unflatten;
#[cfg(feature = "serde")]
mod value;
#[cfg(test)]
mod test_util;

// Public (hidden) only so tests/wasm.rs can call the exported functions from Rust.
#[cfg(all(target_arch = "wasm32", feature = "js"))]
#[doc(hidden)]
pub mod wasm;
#[cfg(feature = "fluentbit")]
mod fluentbit;

pub use detect::{Detection, Rules};
pub use error::{Error, ErrorKind, Result};
pub use flatten::OVERFLOW_KEY;
pub use geoip::GeoIp;
pub use input::Format;
pub use options::{Arrays, Options, Profile};
pub use salvage::{salvage, Damage, Salvaged, DAMAGED_KEY};
pub use split::{Item, Splitter, Summary};
#[cfg(feature = "serde")]
pub use value::{transform_log_values, transform_value, LogValues};

use alloc::string::String;
use alloc::vec::Vec;

/// Transforms one record (a JSON object's text) into one output document (JSON text).
/// Input that is not a JSON object is an error that says what and where.
pub fn transform(record: &[u8], opts: &Options) -> Result<String> {
    record::with_engine(opts, |engine| {
        if let Err(e) = engine.record(record, 0) {
            // With `salvage`, a damaged record comes back salvaged and marked (docs/INPUTS.md).
            if !engine.salvaged(record, &e) {
                return Err(e);
            }
        }
        // The engine writes only valid UTF-8 (input validated, escapes ASCII).
        Ok(String::from_utf8(engine.out.clone()).unwrap_or_default())
    })
}

/// A record that could not be read: the error and the record's raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BadRecord {
    pub error: Error,
    /// The raw text of the unreadable record (lossily decoded when not UTF-8).
    pub original: String,
    /// The error entry as written in NDJSON output (`error.message`, `event.original`, ...).
    pub entry: String,
}

/// The result of [`transform_log`] (with the `serde` feature, [`transform_log_values`] gives
/// the records as `serde_json::Value`s).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Log {
    pub format: Format,
    /// True when the input (outer layer) was gzip.
    pub gzip: bool,
    /// One output document (JSON text) per readable record, in input order.
    pub records: Vec<String>,
    /// One entry per unreadable record or stretch, in input order.
    pub errors: Vec<BadRecord>,
}

/// Reads a whole log in any supported shape (detected by content) and transforms every record.
/// Fails as a whole only for input-level problems (unknown format, bad gzip, limits) or, with
/// `strict`, at the first bad record.
pub fn transform_log(input: &[u8], opts: &Options) -> Result<Log> {
    let (records, errors, summary) = read_log(input, opts, |json| Ok(String::from_utf8_lossy(json).into_owned()))?;
    Ok(Log { format: summary.format, gzip: summary.gzip, records, errors })
}

/// Reads a whole log, each output document made a `T` by `record`; one it refuses becomes an
/// error entry with the document's text (shared by [`transform_log`] and the serde face).
pub(crate) fn read_log<T>(input: &[u8], opts: &Options, mut record: impl FnMut(&[u8]) -> Result<T>) -> Result<(Vec<T>, Vec<BadRecord>, Summary)> {
    let mut sp = Splitter::new(opts.clone())?;
    let mut records = Vec::new();
    let mut errors = Vec::new();
    let mut sink = |item: Item<'_>| match item {
        Item::Record(json) => match record(json) {
            Ok(v) => records.push(v),
            Err(error) => errors.push(BadRecord { entry: String::new(), original: String::from_utf8_lossy(json).into_owned(), error }),
        },
        Item::Bad { error, original, entry } => errors.push(BadRecord {
            error: error.clone(),
            original: String::from_utf8_lossy(original).into_owned(),
            entry: String::from_utf8_lossy(entry).into_owned(),
        }),
    };
    sp.push(input, &mut sink)?;
    let summary = sp.finish(&mut sink)?;
    Ok((records, errors, summary))
}

/// Like [`transform_log`], but writes NDJSON (one document per line, error entries inline)
/// without building anything per record: the fast path for shippers.
pub fn transform_log_to_ndjson(input: &[u8], opts: &Options) -> Result<(Vec<u8>, Summary)> {
    let mut sp = Splitter::new(opts.clone())?;
    // Flat output runs about 1.8x the input (repeated key prefixes): size for it once. The
    // engine writes each line straight into it (no copy of every record from the engine's buffer:
    // that copy, into memory not yet in cache, was ~11 % of this call's time natively).
    let (out, res) = sp.ndjson_direct(input, input.len() * 2, false);
    res.map(|summary| (out, summary))
}

/// Rewrites JSON text (such as `transform` output) as pure ASCII, non-ASCII characters as
/// `\uXXXX` escapes; the values do not change. Hosts that turn the text into UTF-16 strings
/// (JavaScript) build them faster and smaller from ASCII.
pub fn to_ascii(json_text: Vec<u8>) -> Vec<u8> {
    json::to_ascii(json_text)
}

/// The exact inverse of flattening (with enrichment off): flat JSON object text in, nested JSON
/// text out. `~overflow` is merged back; `__proto__` and friends are ordinary keys.
pub fn unflatten(flat: &[u8], opts: &Options) -> Result<String> {
    unflatten::unflatten(flat, opts)
}
