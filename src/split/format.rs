//! Format detection: what the units read so far say the log is.

use super::Splitter;
use crate::input::Format;
use crate::json;

impl Splitter {
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

pub(super) fn is_insight(rec: &[u8]) -> bool {
    memchr::memmem::find(rec, b"AwsCloudTrailInsight").is_some()
}
