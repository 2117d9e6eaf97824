//! One record in, one output document out: flatten (capturing fields), enrich, write the profile.
//! `Engine` owns the reusable buffers, so a stream of records allocates nothing per record once
//! the buffers have grown.

use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::fields::Fields;
use crate::flatten::{self, Scratch};
use crate::json::{self, fail, skip_ws, Code};
use crate::options::{Options, Profile};
use crate::profiles::{self, ObjWriter};

pub(crate) struct Engine {
    pub opts: Options,
    scratch: Scratch,
    /// Output of the last record (one JSON object, no newline).
    pub out: Vec<u8>,
}

impl Engine {
    pub(crate) fn new(opts: Options) -> Result<Engine> {
        opts.validate()?;
        Ok(Engine { opts, scratch: Scratch::default(), out: Vec::with_capacity(16 << 10) })
    }

    /// Transforms the record in `rec` (surrounding whitespace allowed) into `self.out`.
    /// `base` is the record's byte offset in the caller's input, for error positions.
    pub(crate) fn record(&mut self, rec: &[u8], base: u64) -> Result<()> {
        let start = skip_ws(rec, 0);
        let end = self.record_at(rec, start).map_err(|f| Error::from_fail(f, rec, base))?;
        if skip_ws(rec, end) != rec.len() {
            self.out.clear();
            return Err(Error::from_fail(json::Fail { code: Code::TrailingData, at: skip_ws(rec, end) }, rec, base));
        }
        Ok(())
    }

    /// Transforms the record starting at `rec[start]` into `self.out`; returns where it ends.
    /// Failures stay a cheap `Fail` so a streaming caller can tell "need more bytes" (`Eof`).
    pub(crate) fn record_at(&mut self, rec: &[u8], start: usize) -> json::Res<usize> {
        self.out.clear();
        let mut fields = Fields::default();
        let res = match self.opts.profile {
            Profile::Flat => {
                flatten::flatten_record(rec, start, &self.opts, &mut self.out, &mut self.scratch, &mut fields).map(|(end, _)| end)
            }
            // Nested profiles do not need the flat keys: validate and capture only.
            _ => self.capture_only(rec, start, &mut fields),
        };
        let end = res?;
        if let Err(e) = core::str::from_utf8(&rec[start..end]) {
            return fail(Code::InvalidUtf8, start + e.valid_up_to());
        }
        let facts = if self.opts.enrich { Some(crate::enrich::enrich(&fields)) } else { None };
        match self.opts.profile {
            Profile::Flat => {
                let mut w = ObjWriter { first: self.out.len() == 1, out: &mut self.out };
                if let Some(f) = &facts {
                    profiles::flat::write_facts(&mut w, f);
                }
                self.out.push(b'}');
            }
            Profile::Ecs => profiles::ecs::write(&rec[start..end], &fields, facts.as_ref(), &self.opts, &mut self.out),
            Profile::Ocsf => profiles::ocsf::write(&rec[start..end], &fields, facts.as_ref(), &self.opts, &mut self.out),
        }
        Ok(end)
    }

    /// Writes only the enrichment keys for the record in `rec` (what the flat profile appends
    /// after the record's own keys) into `self.out`, as one JSON object. The JS shim flattens
    /// record objects itself and sends this the record's enrichment view
    /// ([`crate::fields::capture_spec`]).
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
    pub(crate) fn facts(&mut self, rec: &[u8]) -> Result<()> {
        self.out.clear();
        let start = skip_ws(rec, 0);
        let mut fields = Fields::default();
        let end = self.capture_only(rec, start, &mut fields).map_err(|f| Error::from_fail(f, rec, 0))?;
        if skip_ws(rec, end) != rec.len() {
            return Err(Error::from_fail(json::Fail { code: Code::TrailingData, at: skip_ws(rec, end) }, rec, 0));
        }
        if let Err(e) = core::str::from_utf8(&rec[start..end]) {
            return Err(Error::from_fail(json::Fail { code: Code::InvalidUtf8, at: start + e.valid_up_to() }, rec, 0));
        }
        self.out.push(b'{');
        if self.opts.enrich {
            let facts = crate::enrich::enrich(&fields);
            let mut w = ObjWriter { first: true, out: &mut self.out };
            profiles::flat::write_facts(&mut w, &facts);
        }
        self.out.push(b'}');
        Ok(())
    }

    fn capture_only<'a>(&mut self, rec: &'a [u8], start: usize, fields: &mut Fields<'a>) -> json::Res<usize> {
        if rec.get(start) != Some(&b'{') {
            return fail(if start >= rec.len() { Code::Eof } else { Code::NotObject }, start);
        }
        fields.capture_checked(rec, start)
    }
}

/// Writes the entry that stands in for a record that could not be read:
/// `{"error.message": ..., "error.type": kind, "error.offset": n, "event.original": raw text}`.
/// The raw text is decoded lossily (invalid UTF-8 becomes U+FFFD) so it is always a string.
pub(crate) fn write_error_entry(out: &mut Vec<u8>, err: &Error, original: &[u8]) {
    out.push(b'{');
    let mut w = ObjWriter { out, first: true };
    w.str("error.message", &alloc::string::ToString::to_string(err));
    w.str("error.type", err.kind().as_str());
    if let Some(o) = err.offset() {
        w.key("error.offset");
        let mut buf = alloc::string::String::new();
        core::fmt::Write::write_fmt(&mut buf, format_args!("{o}")).ok();
        w.out.extend_from_slice(buf.as_bytes());
    }
    if let Some(r) = err.record() {
        w.key("error.record");
        let mut buf = alloc::string::String::new();
        core::fmt::Write::write_fmt(&mut buf, format_args!("{r}")).ok();
        w.out.extend_from_slice(buf.as_bytes());
    }
    w.str("event.original", &alloc::string::String::from_utf8_lossy(original));
    w.out.push(b'}');
}
