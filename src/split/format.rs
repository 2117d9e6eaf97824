//! Format detection: what the units read so far say the log is. Every decision about
//! `Splitter::format` is made here; the states call in with what they found.

use super::{ArrayKind, Splitter};
use crate::input::unit::Unit;
use crate::input::Format;
use crate::json;

impl Splitter {
    /// A complete unit, classified: a wrapper gives its format; a record makes an array, a
    /// record or (two or more at top level) NDJSON.
    pub(super) fn detect_unit(&mut self, unit: &Unit<'_>, layer: u8) {
        match unit.format() {
            Some(f) => self.set_format(f),
            None => {
                self.set_format(if self.top_array { Format::Array } else { Format::Record });
                if layer == 0 && self.top_units >= 2 && self.format == Some(Format::Record) {
                    self.format = Some(Format::Ndjson);
                }
            }
        }
    }

    /// A top-level object whose first member is its records array (`Records` or `Events`),
    /// streamed element by element.
    pub(super) fn detect_records_array(&mut self, kind: ArrayKind) {
        self.set_format(if kind == ArrayKind::Records { Format::CloudTrail } else { Format::LookupEvents });
    }

    /// A record read on the fast path (`record_at`), at top level or in an array of `kind`: the
    /// first record of a CloudTrail file tells an Insights file.
    #[inline]
    pub(super) fn detect_record(&mut self, in_array: Option<ArrayKind>, rec: &[u8]) {
        if in_array == Some(ArrayKind::Plain) {
            self.set_format(Format::Array);
        } else if in_array.is_none() {
            self.top_units += 1;
            self.set_format(Format::Record);
            if self.top_units == 2 && self.format == Some(Format::Record) {
                self.format = Some(Format::Ndjson);
            }
        } else if self.records == 0 && self.format == Some(Format::CloudTrail) && is_insight(rec) {
            self.format = Some(Format::Insights);
        }
    }

    pub(super) fn set_format(&mut self, f: Format) {
        // `Unknown` (unreadable text at top level) gives way to whatever is found after it.
        if matches!(self.format, None | Some(Format::Unknown)) {
            self.format = Some(f);
        }
    }

    /// A top-level value that could not be read still tells the input's shape: one that starts
    /// like JSON counts as a record (two or more make NDJSON), anything else is `unknown` until
    /// something readable turns up.
    ///
    /// `read` is the part of it read before it failed (a deterministic prefix): an object whose
    /// members there include `"Records": [` is a CloudTrail file (`{"x":1,"Records":[bad]}`).
    pub(super) fn note_top_unit(&mut self, c: u8, read: &[u8]) {
        self.top_units += 1;
        if c == b'{' && json::members(read).take(64).any(|(k, v)| k == b"Records" && v.first() == Some(&b'[')) {
            self.set_format(Format::CloudTrail);
            return;
        }
        if c == b'{' || c == b'[' {
            self.set_format(Format::Record);
            if self.top_units >= 2 && self.format == Some(Format::Record) {
                self.format = Some(Format::Ndjson);
            }
        } else if self.format.is_none() {
            self.format = Some(Format::Unknown);
        }
    }
}

fn is_insight(rec: &[u8]) -> bool {
    memchr::memmem::find(rec, b"AwsCloudTrailInsight").is_some()
}
