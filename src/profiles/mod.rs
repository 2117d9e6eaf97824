//! Output profiles: how one record's flat fields and enrichment facts are written.
//! `flat` (default) writes dotted keys; `ecs` and `ocsf` write nested documents.

pub(crate) mod canon;
pub(crate) mod datetime;
pub(crate) mod doc;
#[cfg(test)]
mod docs;
pub(crate) mod ecs;
pub(crate) mod flat;
pub(crate) mod ocsf;
pub(crate) mod rows;
pub(crate) mod slots;

use alloc::vec::Vec;

use crate::json;

/// Appends members to a JSON object being written (the opening `{` already out).
pub(crate) struct ObjWriter<'o> {
    pub out: &'o mut Vec<u8>,
    pub first: bool,
}

/// A key that JSON writes as it is: printable ASCII without `"` or `\\`.
pub(crate) fn plain_key(key: &str) -> bool {
    key.bytes().all(|c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\')
}

impl<'o> ObjWriter<'o> {
    /// Keys are this crate's own names (`&'static`), never data: plain ASCII with nothing to
    /// escape, so they are copied as they are (a test checks every documented key).
    #[inline]
    pub(crate) fn key(&mut self, key: &'static str) {
        debug_assert!(plain_key(key), "{key}");
        self.out.reserve(key.len() + 4);
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    pub(crate) fn str(&mut self, key: &'static str, v: &str) {
        self.key(key);
        json::write_str(self.out, v);
    }

    pub(crate) fn opt_str(&mut self, key: &'static str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(key, v);
        }
    }

    pub(crate) fn bool(&mut self, key: &'static str, v: bool) {
        self.key(key);
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
    }

    pub(crate) fn str_array<S: AsRef<str>>(&mut self, key: &'static str, items: impl IntoIterator<Item = S>) {
        self.key(key);
        json::write_str_array(self.out, items);
    }
}
