//! One record in, one output document out: flatten (capturing fields), enrich, write the profile.
//! `Engine` owns the reusable buffers, so a stream of records allocates nothing per record once
//! the buffers have grown.

use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};
use crate::fields::Fields;
use crate::flatten::{self, Scratch};
use crate::json::{self, fail, skip_ws, Code};
use crate::options::{Options, Profile};
use crate::profiles::{self, ObjWriter};

pub(crate) struct Engine {
    pub opts: Options,
    scratch: Scratch,
    /// Output of the last record (one JSON object, no newline): `out[base..]`.
    pub out: Vec<u8>,
    /// Where the last record's output starts in `out`: 0, except for a splitter writing a whole
    /// log's NDJSON straight into `out` ([`crate::Splitter`]'s direct output), where the lines
    /// before it are the log's output so far.
    pub base: usize,
    /// Set only while [`Self::salvaged`] runs the rebuilt record: what the profile marks it with.
    marks: Option<Marks>,
    /// Change tracking across the records this engine reads (src/track): on for a log or
    /// stream (`Splitter`) unless `track` or `enrich` is off; never for one-record calls.
    tracker: Option<crate::track::Tracker>,
    /// The buffer OCSF's capture keeps a record's members in, lent to each record's `Fields`.
    kept: Vec<crate::fields::KeptMember>,
}

/// What a salvaged record carries besides its rebuilt text; each profile writes it under its own
/// documented keys (docs/INPUTS.md, "Salvage").
pub(crate) struct Marks {
    pub damages: Vec<crate::salvage::Damage>,
    pub truncated: bool,
    /// The record's whole raw text (lossy UTF-8), as in an error entry.
    pub original: alloc::string::String,
}

/// Writes `damages` as a JSON array of `{"offset", "path", "message"}` objects.
pub(crate) fn write_damages(out: &mut Vec<u8>, damages: &[crate::salvage::Damage]) {
    out.push(b'[');
    for (i, d) in damages.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"offset\":");
        json::write_int(out, d.offset as i64);
        out.extend_from_slice(b",\"path\":");
        json::write_str(out, &d.path);
        out.extend_from_slice(b",\"message\":");
        json::write_str(out, d.message);
        out.push(b'}');
    }
    out.push(b']');
}

impl Engine {
    pub(crate) fn new(opts: Options) -> Result<Engine> {
        opts.validate()?;
        let tracker = (opts.track && opts.enrich).then(|| crate::track::Tracker::new(opts.track_max_resources));
        Ok(Engine { opts, scratch: Scratch::default(), out: Vec::with_capacity(16 << 10), base: 0, marks: None, tracker, kept: Vec::new() })
    }

    /// An engine without history, for calls that see one record at a time (`transform`).
    pub(crate) fn stateless(opts: Options) -> Result<Engine> {
        let mut e = Engine::new(opts)?;
        e.tracker = None;
        Ok(e)
    }

    /// Takes over `previous`'s change-tracking state (when both track).
    pub(crate) fn carry_history_from(&mut self, previous: &mut Engine) {
        if let (Some(mine), Some(theirs)) = (self.tracker.as_mut(), previous.tracker.as_mut()) {
            mine.adopt(theirs);
        }
    }

    /// The last record's output.
    pub(crate) fn doc(&self) -> &[u8] {
        &self.out[self.base..]
    }

    /// Transforms the record in `rec` (surrounding whitespace allowed) into `self.out`.
    /// `base` is the record's byte offset in the caller's input, for error positions.
    pub(crate) fn record(&mut self, rec: &[u8], base: u64) -> Result<()> {
        self.whole(rec, base, true)
    }

    /// With the `salvage` option: writes into `self.out` the salvaged record for `raw`, a record
    /// that failed with `err`, and returns true; false (and `self.out` unspecified) when salvage
    /// does not apply: option off, `strict`, an error that is not a syntax error, text
    /// [`crate::salvage::salvage`] declines, or a rebuilt record the profile refuses (an OCSF
    /// event without what its class requires). Runs only after a failure.
    #[cold]
    pub(crate) fn salvaged(&mut self, raw: &[u8], err: &Error) -> bool {
        if !self.opts.salvage || self.opts.strict || err.kind() != ErrorKind::Syntax {
            return false;
        }
        let Some(s) = crate::salvage::salvage(raw, self.opts.separator) else { return false };
        let original = alloc::string::String::from_utf8_lossy(raw).into_owned();
        self.marks = Some(Marks { damages: s.damages, truncated: s.truncated, original });
        let ok = self.record(&s.json, 0).is_ok() && self.out.last() == Some(&b'}');
        self.marks = None;
        ok
    }

    /// Writes only the enrichment keys for the record in `rec` (what the flat profile appends
    /// after the record's own keys) into `self.out`, as one JSON object. The JS shim flattens
    /// record objects itself and sends this the record's enrichment view
    /// ([`crate::fields::capture_spec`]).
    #[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
    pub(crate) fn facts(&mut self, rec: &[u8]) -> Result<()> {
        self.whole(rec, 0, false)
    }

    fn whole(&mut self, rec: &[u8], base: u64, flat_keys: bool) -> Result<()> {
        let start = skip_ws(rec, 0);
        let end = self.run(rec, start, flat_keys).map_err(|f| Error::from_fail(f, rec, base))?;
        if skip_ws(rec, end) != rec.len() {
            self.out.truncate(self.base);
            return Err(Error::from_fail(json::Fail { code: Code::TrailingData, at: skip_ws(rec, end) }, rec, base));
        }
        Ok(())
    }

    /// Transforms the record starting at `rec[start]` into `self.out`; returns where it ends.
    /// Failures stay a cheap `Fail` so a streaming caller can tell "need more bytes" (`Eof`).
    pub(crate) fn record_at(&mut self, rec: &[u8], start: usize) -> json::Res<usize> {
        self.run(rec, start, true)
    }

    /// `flat_keys: false` writes the flat profile without the record's own keys ([`Self::facts`]).
    fn run(&mut self, rec: &[u8], start: usize, flat_keys: bool) -> json::Res<usize> {
        self.out.truncate(self.base);
        let mut fields = Fields::default();
        if self.opts.profile == Profile::Ocsf {
            // Its `unmapped` reads the members of the record's objects from the capture.
            fields.keep_members(profiles::ocsf::KEEP_NODES, profiles::ocsf::CONSUMED_MASK);
            // One buffer for record after record, not an allocation a record (taken back after
            // the write; a record that fails before it leaves the next one to allocate again).
            fields.lend_kept_buffer(core::mem::take(&mut self.kept));
        }
        let res = match self.opts.profile {
            Profile::Flat if flat_keys => {
                flatten::flatten_record(rec, start, &self.opts, &mut self.out, &mut self.scratch, &mut fields).map(|(end, _)| end)
            }
            Profile::Flat => {
                self.out.push(b'{');
                self.capture_only(rec, start, &mut fields)
            }
            // Nested profiles do not need the flat keys: validate and capture only.
            _ => self.capture_only(rec, start, &mut fields),
        };
        let end = res?;
        if let Err(valid) = json::check_utf8(&rec[start..end]) {
            return fail(Code::InvalidUtf8, start + valid);
        }
        if self.opts.strict && !crate::enrich::is_cloudtrail(&fields) {
            self.out.truncate(self.base);
            return fail(Code::NotCloudTrail, start);
        }
        let marks = self.marks.as_ref();
        let mut facts = if self.opts.enrich { Some(crate::enrich::enrich_with(&fields, marks.is_some(), &self.opts.geoip)) } else { None };
        // A salvaged record's configuration is partly unreadable: comparing it would claim
        // changes it cannot prove, so it neither changes nor is compared with tracked state.
        if let (Some(t), Some(f), None) = (self.tracker.as_mut(), facts.as_mut(), marks) {
            f.change = t.observe(&fields, f);
        }
        // Zero cost without rules: an empty Vec.
        let hits = crate::detect::hits(&self.opts.rules, &rec[start..end], &fields);
        match self.opts.profile {
            Profile::Flat => {
                let mut w = ObjWriter { first: self.out.len() == self.base + 1, out: &mut self.out };
                if let Some(f) = &facts {
                    profiles::flat::write_facts(&mut w, f);
                }
                if let Some(m) = marks {
                    profiles::flat::write_marks(&mut w, m);
                }
                crate::detect::write_flat(&hits, &mut w);
                self.out.push(b'}');
            }
            Profile::Ecs => profiles::ecs::write(&rec[start..end], &fields, facts.as_ref(), marks, &hits, &mut self.out),
            // An object OCSF cannot hold as a valid event is an error entry, not an invalid event.
            Profile::Ocsf => {
                let written = profiles::ocsf::write(&rec[start..end], &fields, facts.as_ref(), marks, &hits, &mut self.out);
                self.kept = fields.take_kept_buffer();
                if let Err(code) = written {
                    self.out.truncate(self.base);
                    return fail(code, start);
                }
            }
        }
        Ok(end)
    }

    fn capture_only<'a>(&mut self, rec: &'a [u8], start: usize, fields: &mut Fields<'a>) -> json::Res<usize> {
        if rec.get(start) != Some(&b'{') {
            return fail(if start >= rec.len() { Code::Eof } else { Code::NotObject }, start);
        }
        fields.capture_checked(rec, start)
    }
}

/// Runs `f` with this thread's engine for `opts`: a caller transforms record after record with
/// the same options, so the engine (its buffers, the validated options) is kept between calls and
/// made anew only when the options change.
pub(crate) fn with_engine<T>(opts: &Options, f: impl FnOnce(&mut Engine) -> Result<T>) -> Result<T> {
    std::thread_local! {
        static ENGINE: core::cell::RefCell<Option<Engine>> = const { core::cell::RefCell::new(None) };
    }
    ENGINE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let engine = match slot.as_mut() {
            Some(e) if e.opts == *opts => e,
            _ => slot.insert(Engine::stateless(opts.clone())?),
        };
        f(engine)
    })
}

/// The spans of `ends` (where each record of `input` ends, the records back to back), or an
/// `input` error when they are not ascending within `input`.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn spans<'a>(input: &'a [u8], ends: &'a [u32]) -> Result<impl Iterator<Item = &'a [u8]> + 'a> {
    let mut prev = 0usize;
    for &e in ends {
        let e = e as usize;
        if e < prev || e > input.len() {
            return Err(Error::new(ErrorKind::Input, "input: the record ends are not ascending within the input"));
        }
        prev = e;
    }
    Ok(ends.iter().scan(0usize, move |at, &e| {
        let r = &input[*at..e as usize];
        *at = e as usize;
        Some(r)
    }))
}

/// `transformMany` (the JS batch call): the records of `input` (back to back, `ends` where each
/// ends) → `[out, ...]`, one element per record in order: its output as `transform` gives it
/// (salvage included), or its error entry. One bad record never fails the batch.
#[cfg_attr(not(all(target_arch = "wasm32", feature = "js")), allow(dead_code))]
pub(crate) fn transform_many(engine: &mut Engine, input: &[u8], ends: &[u32]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() + input.len() / 2 + 2);
    out.push(b'[');
    for (i, rec) in spans(input, ends)?.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match engine.record(rec, 0) {
            Ok(()) => out.extend_from_slice(&engine.out),
            Err(e) if engine.salvaged(rec, &e) => out.extend_from_slice(&engine.out),
            Err(e) => write_error_entry(&mut out, &e, rec),
        }
    }
    out.push(b']');
    Ok(out)
}

/// Writes the entry that stands in for a record that could not be read:
/// `{"error.message": ..., "error.type": kind, "error.offset": n, "error.line": l, "error.column": c,
/// "error.record": i, "event.original": raw text}` (each position only where known).
/// The raw text is decoded lossily (invalid UTF-8 becomes U+FFFD) so it is always a string.
pub(crate) fn write_error_entry(out: &mut Vec<u8>, err: &Error, original: &[u8]) {
    out.push(b'{');
    let mut w = ObjWriter { out, first: true };
    w.str("error.message", &alloc::string::ToString::to_string(err));
    w.str("error.type", err.kind().as_str());
    // Positions are data as well as text: line and column count from one within `original`.
    for (key, v) in [("error.offset", err.offset()), ("error.line", err.line()), ("error.column", err.column()), ("error.record", err.record())] {
        if let Some(v) = v {
            w.key(key);
            json::write_int(w.out, v as i64);
        }
    }
    w.str("event.original", &alloc::string::String::from_utf8_lossy(original));
    w.out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::Engine;
    use crate::{ErrorKind, Options};

    fn keys(text: &[u8]) -> serde_json::Map<String, serde_json::Value> {
        serde_json::from_slice(text).expect("a JSON object")
    }

    /// `facts` writes exactly the keys that `record` appends to the record's own.
    #[test]
    fn facts_are_what_record_appends() {
        let rec = br#"{"eventVersion":"1.08","eventTime":"2024-03-01T10:00:00Z","eventSource":"cloudfront.amazonaws.com","eventName":"CreateInvalidation2020_05_31","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"111122223333"},"requestParameters":{"distributionId":"E1","invalidationBatch":{"paths":{"items":["/*"]}}}}"#;
        let mut e = Engine::new(Options::default()).unwrap();
        e.record(rec, 0).unwrap();
        let full = keys(&e.out);
        e.facts(rec).unwrap();
        let facts = keys(&e.out);
        let mut plain = Engine::new(Options { enrich: false, ..Options::default() }).unwrap();
        plain.record(rec, 0).unwrap();
        let own = keys(&plain.out);
        assert!(facts.contains_key("cloudfront.risk") && facts.contains_key("user.name"), "{facts:?}");
        assert_eq!(full.len(), own.len() + facts.len());
        for (k, v) in &facts {
            assert_eq!(full.get(k), Some(v), "{k}");
        }
    }

    /// The batch calls: one element per record, in order, equal to the one-record calls; a bad
    /// record becomes its error entry in place; bad spans are an input error.
    #[test]
    fn many_equals_one_at_a_time() {
        let recs: [&[u8]; 4] = [
            br#"{"eventVersion":"1.08","eventSource":"cloudfront.amazonaws.com","eventName":"GetDistribution","userIdentity":{"type":"IAMUser","userName":"bob"}}"#,
            b"{\"a\":",
            br#"{"eventName":"X","caf\u00e9":"cr\u00e8me"}"#,
            b"[1]",
        ];
        let input: Vec<u8> = recs.concat();
        let ends: Vec<u32> = recs.iter().scan(0u32, |a, r| { *a += r.len() as u32; Some(*a) }).collect();
        let mut e = Engine::stateless(Options::default()).unwrap();
        let many: Vec<serde_json::Value> = serde_json::from_slice(&super::transform_many(&mut e, &input, &ends).unwrap()).unwrap();
        assert_eq!(many.len(), recs.len());
        for (rec, got) in recs.iter().zip(&many) {
            match e.record(rec, 0) {
                Ok(()) => assert_eq!(got, &serde_json::from_slice::<serde_json::Value>(&e.out).unwrap()),
                Err(err) => {
                    assert_eq!(got["error.message"], serde_json::Value::from(err.to_string()));
                    assert_eq!(got["event.original"], serde_json::Value::from(String::from_utf8_lossy(rec).into_owned()));
                }
            }
        }
        assert_eq!(&super::transform_many(&mut e, b"", &[]).unwrap(), b"[]");
        for bad in [&[3u32, 2][..], &[99]] {
            assert_eq!(super::transform_many(&mut e, b"{}{}", bad).unwrap_err().kind(), ErrorKind::Input);
        }
    }

    /// The view comes from JS and is checked like any record: bad text is an error, not a panic.
    #[test]
    fn facts_reports_bad_text() {
        let mut e = Engine::new(Options::default()).unwrap();
        for (text, kind) in [
            (&b"[1]"[..], ErrorKind::Record),
            (b"", ErrorKind::Syntax),
            (b"{\"a\":", ErrorKind::Syntax),
            (b"{\"a\":1} x", ErrorKind::Syntax),
            (b"{\"a\":\"\xff\"}", ErrorKind::Syntax),
        ] {
            let err = e.facts(text).unwrap_err();
            assert_eq!(err.kind(), kind, "{:?}: {err}", String::from_utf8_lossy(text));
        }
        e.facts(b"{\"eventName\":\"X\"}").unwrap();
        assert_eq!(keys(&e.out).get("cloud.provider").and_then(|v| v.as_str()), Some("aws"));
        // `{}` is no CloudTrail record: marked, not enriched.
        e.facts(b"{}").unwrap();
        assert_eq!(keys(&e.out).get("cloud.provider"), None);
        assert_eq!(keys(&e.out).get("error.type").and_then(|v| v.as_str()), Some("not_cloudtrail"));
    }
}
