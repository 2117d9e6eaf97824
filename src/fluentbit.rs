//! The Fluent Bit `filter_wasm` entry points (cargo feature `fluentbit`; see docs/FLUENTBIT.md).
//!
//! The host's contract (fluent/fluent-bit `src/wasm/flb_wasm.c`, `Event_Format json`): for each
//! record it copies the tag and the record's JSON text into linear memory through the exported
//! `malloc` (each with a trailing NUL the lengths do not count), calls
//! `fn(tag, tag_len, time_sec, time_nsec, record, record_len) -> *const u8`, copies the
//! NUL-terminated JSON object the pointer names, then `free`s its two copies. NULL or an empty
//! string drops the record, so this module never returns either: a damaged record comes back
//! salvaged (every filter salvages: docs/INPUTS.md, "Salvage"; marked `event.salvaged`, its raw
//! text in `event.original`), and a record the core cannot read at all as an error entry (or,
//! with `cloudtrail_filter_passthrough`, unchanged with error keys), never dropped.
//!
//! The result lives in one buffer owned by the module (the engine's output buffer, reused for
//! every call), so a stream of records neither leaks nor grows linear memory once the buffer fits
//! the largest record. The returned pointer stays valid until the next call, which is all the
//! host needs: it copies the string before doing anything else with the instance.
//!
//! Built for wasm32-unknown-unknown without the `js` feature, the module imports nothing.

use alloc::vec::Vec;
use core::cell::RefCell;
use std::alloc::{alloc, dealloc, Layout};

use crate::error::{Error, ErrorKind};
use crate::json::{self, skip_ws};
use crate::options::{Options, Profile};
use crate::record::{write_error_entry, Engine};

/// What a filter function does with a record the core cannot read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnError {
    /// Return `{"error.message", "error.type", "error.offset", "event.original"}` instead.
    Entry,
    /// Return the record unchanged with `error.message` and `error.type` added, when it is a
    /// well-formed JSON object; otherwise the error entry (anything else would not be a JSON
    /// object, and the host would drop it).
    PassThrough,
}

/// One engine per profile and rule set (none, or the rules built in), made on first use: a
/// Fluent Bit filter instance calls one function, so usually only one is ever built. A `_sigma`
/// function in a build without rules keeps the reason instead, and answers every record with it.
/// Indexed by [`slot`].
type Engines = [Option<core::result::Result<Engine, Error>>; 2 * Profile::ALL.len()];

struct State {
    engines: Engines,
    /// The output of a function that has no engine (a `_sigma` one in a build without rules).
    spare: Vec<u8>,
}

thread_local! {
    // wasm32-unknown-unknown has one thread: this is a plain static with a borrow check.
    static STATE: RefCell<State> = const {
        RefCell::new(State { engines: [const { None }; 2 * Profile::ALL.len()], spare: Vec::new() })
    };
}

/// The rules a `_sigma` function evaluates, fixed at build time (build.rs): a JSON array of rules
/// as the `rules` option reads them, or scripts/sigma-rules.mjs's index.json (its `rules`
/// member); `[]` when the build had none.
static BUILTIN_RULES: &str = include_str!(concat!(env!("OUT_DIR"), "/builtin_rules.json"));

/// Which rules a filter function evaluates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    None,
    /// [`BUILTIN_RULES`].
    Builtin,
}

fn slot(profile: Profile, rules: Rules) -> usize {
    profile as usize + if rules == Rules::Builtin { Profile::ALL.len() } else { 0 }
}

/// Returned only if the filter is somehow re-entered (the host is single-threaded and never
/// does this); a JSON object, so even then the record is not dropped silently.
static REENTERED: &[u8] = b"{\"error.message\":\"cloudtrail filter re-entered\",\"error.type\":\"input\"}\0";

/// One exported filter function with Fluent Bit's signature (tag and timestamps are unused:
/// the record carries its own time).
macro_rules! filter {
    ($(#[$doc:meta])* $name:ident, $profile:expr, $on_error:expr, $rules:expr) => {
        $(#[$doc])*
        #[no_mangle]
        pub extern "C" fn $name(
            tag: *const u8,
            tag_len: u32,
            time_sec: u32,
            time_nsec: u32,
            record: *const u8,
            record_len: u32,
        ) -> *const u8 {
            let _ = (tag, tag_len, time_sec, time_nsec);
            run($profile, $on_error, $rules, record, record_len)
        }
    };
}

filter!(
    /// The default filter: flat profile with enrichment, as the Node package's defaults.
    /// Unreadable records become error entries carrying the original text in `event.original`.
    cloudtrail_filter, Profile::Flat, OnError::Entry, Rules::None
);
filter!(
    /// Like [`cloudtrail_filter`], but an unreadable record that is still a well-formed JSON
    /// object passes through unchanged, with `error.message` and `error.type` added.
    cloudtrail_filter_passthrough, Profile::Flat, OnError::PassThrough, Rules::None
);
filter!(
    /// The `ecs` profile (a nested Elastic Common Schema document); errors as [`cloudtrail_filter`].
    cloudtrail_filter_ecs, Profile::Ecs, OnError::Entry, Rules::None
);
filter!(
    /// The `ocsf` profile (an OCSF event); errors as [`cloudtrail_filter`].
    cloudtrail_filter_ocsf, Profile::Ocsf, OnError::Entry, Rules::None
);
filter!(
    /// [`cloudtrail_filter`] with the Sigma rules built in (SigmaHQ's CloudTrail rules,
    /// docs/DETECTIONS.md): matches as `rule.id`, `rule.name`, `rule.level`,
    /// `threat.technique.id`, as `transform(record, { rules: sigmaRules() })`. In a build without
    /// rules every record comes back as an error entry saying so, never as if nothing matched.
    cloudtrail_filter_sigma, Profile::Flat, OnError::Entry, Rules::Builtin
);
filter!(
    /// [`cloudtrail_filter_ecs`] with the rules built in (`rule.*`, `threat.*`).
    cloudtrail_filter_ecs_sigma, Profile::Ecs, OnError::Entry, Rules::Builtin
);
filter!(
    /// [`cloudtrail_filter_ocsf`] with the rules built in (`enrichments`).
    cloudtrail_filter_ocsf_sigma, Profile::Ocsf, OnError::Entry, Rules::Builtin
);

fn run(profile: Profile, on_error: OnError, rules: Rules, record: *const u8, record_len: u32) -> *const u8 {
    let rec: &[u8] = if record.is_null() || record_len == 0 {
        &[]
    } else {
        // SAFETY: the host copied `record_len` bytes (plus a NUL) to `record` through `malloc`
        // and keeps them alive for the duration of this call.
        unsafe { core::slice::from_raw_parts(record, record_len as usize) }
    };
    STATE.with(|cell| match cell.try_borrow_mut() {
        Ok(mut state) => {
            let State { engines, spare } = &mut *state;
            let engine = engines[slot(profile, rules)].get_or_insert_with(|| match rules {
                Rules::None => Ok(new_engine(profile)),
                Rules::Builtin => rules_engine(profile, BUILTIN_RULES),
            });
            match engine {
                Ok(engine) => filter(engine, on_error, rec),
                Err(why) => {
                    spare.clear();
                    write_error_entry(spare, why, rec);
                    spare.push(0);
                    spare.as_ptr()
                }
            }
        }
        Err(_) => REENTERED.as_ptr(),
    })
}

/// The library's defaults with `profile`, and `salvage` on: the filter has no options, and it
/// meets records one line at a time from shippers that cut and mangle lines, where what can be
/// read of a damaged record (marked, its raw text kept) serves the store better than an error.
fn new_engine(profile: Profile) -> Engine {
    match engine_with(profile, crate::Rules::default()) {
        Ok(engine) => engine,
        // Only options can fail validation, and these are the defaults with another profile.
        Err(e) => core::panic!("default options rejected: {e}"),
    }
}

fn engine_with(profile: Profile, rules: crate::Rules) -> crate::Result<Engine> {
    // Stateless: the filter returns what `transform(record)` returns, byte for byte (no change
    // tracking across the records Fluent Bit hands it).
    Engine::stateless(Options { profile, salvage: true, rules, ..Options::default() })
}

/// [`new_engine`] with the rules in `text` (a JSON array of rules, or an object whose `rules`
/// member is one, as scripts/sigma-rules.mjs's index.json). No rules is an error: a `_sigma`
/// function must not pass records through as if none had matched.
fn rules_engine(profile: Profile, text: &str) -> crate::Result<Engine> {
    let b = text.as_bytes();
    let start = skip_ws(b, 0);
    let list = if b.get(start) == Some(&b'{') {
        json::members(b).find(|(k, _)| *k == b"rules").map(|(_, v)| v).unwrap_or(b"[]")
    } else {
        b
    };
    // `members` hands out slices at token boundaries of a &str: valid UTF-8.
    let rules = crate::Rules::from_json(core::str::from_utf8(list).unwrap_or("[]"))?;
    if rules.is_empty() {
        return Err(Error::new(
            ErrorKind::Option,
            "the Sigma rules are not in this build of the filter (scripts/build.d/fluentbit.sh found no copy of SigmaHQ/sigma; docs/FLUENTBIT.md): use the functions without _sigma",
        ));
    }
    engine_with(profile, rules)
}

/// Transforms `rec` into the engine's output buffer, NUL-terminated, and returns its address.
fn filter(engine: &mut Engine, on_error: OnError, rec: &[u8]) -> *const u8 {
    let res = if rec.len() > engine.opts.max_record_bytes {
        Err(too_big(rec.len(), engine.opts.max_record_bytes))
    } else {
        engine.record(rec, 0)
    };
    if let Err(err) = res {
        if engine.salvaged(rec, &err) {
            engine.out.push(0);
            return engine.out.as_ptr();
        }
        engine.out.clear();
        if on_error == OnError::PassThrough && is_object(rec) {
            write_passthrough(&mut engine.out, &err, rec);
        } else {
            write_error_entry(&mut engine.out, &err, rec);
        }
    }
    // The output is JSON with control characters escaped, so it holds no NUL before this one.
    engine.out.push(0);
    engine.out.as_ptr()
}

#[cold]
fn too_big(len: usize, max: usize) -> Error {
    Error::new(ErrorKind::Limit, alloc::format!("record of {len} bytes is larger than maxRecordBytes ({max})"))
}

/// True when `rec` is one well-formed JSON object in valid UTF-8 (surrounding whitespace
/// allowed), so splicing members into it keeps it one.
fn is_object(rec: &[u8]) -> bool {
    let start = skip_ws(rec, 0);
    if rec.get(start) != Some(&b'{') || core::str::from_utf8(rec).is_err() {
        return false;
    }
    match json::skip_value(rec, start, 0) {
        Ok(end) => skip_ws(rec, end) == rec.len(),
        Err(_) => false,
    }
}

/// `{"error.message":...,"error.type":...,` followed by the record's own members, unchanged.
fn write_passthrough(out: &mut Vec<u8>, err: &Error, rec: &[u8]) {
    let start = skip_ws(rec, 0);
    out.push(b'{');
    let mut w = crate::profiles::ObjWriter { out, first: true };
    w.str("error.message", &alloc::string::ToString::to_string(err));
    w.str("error.type", err.kind().as_str());
    // `is_object` checked that `rec[start]` is `{`; the rest is the members and the closing `}`.
    let rest = rec.get(start + 1..).unwrap_or(b"}");
    if skip_ws(rest, 0) < rest.len() && rest.get(skip_ws(rest, 0)) != Some(&b'}') {
        w.out.push(b',');
    }
    w.out.extend_from_slice(rest);
}

/// Allocation for the host: `wasm_runtime_module_malloc` (and so Fluent Bit's copies of the tag
/// and the record) comes here when the module exports `malloc` and `free`, and WAMR then adds no
/// heap of its own to linear memory (`WASM_Heap_Size` is not needed for records).
/// Returns 0 when out of memory; the host treats that as a failed copy.
// Exported under the C name only in the wasm build: natively it would replace libc's malloc,
// which the Rust allocator itself calls.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn malloc(size: u32) -> *mut u8 {
    // A header before the block remembers its size, which `free` needs for the layout.
    let Some(total) = (size as usize).checked_add(HEADER) else { return core::ptr::null_mut() };
    let Ok(layout) = Layout::from_size_align(total, HEADER) else { return core::ptr::null_mut() };
    // SAFETY: `layout` has a non-zero size (at least HEADER).
    let base = unsafe { alloc(layout) };
    if base.is_null() {
        return base;
    }
    // SAFETY: `base` points to at least HEADER bytes, aligned to HEADER.
    unsafe {
        (base as *mut usize).write(total);
        base.add(HEADER)
    }
}

/// Frees a block from [`malloc`]; NULL is ignored.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn free(ptr: *mut u8) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: the host passes only pointers `malloc` returned, which sit HEADER bytes after a
    // block whose first word is its total size.
    unsafe {
        let base = ptr.sub(HEADER);
        let total = (base as *const usize).read();
        dealloc(base, Layout::from_size_align_unchecked(total, HEADER));
    }
}

/// Size of the header before each block, also its alignment (enough for any wasm32 value).
const HEADER: usize = 8;

#[cfg(test)]
mod tests {
    use super::*;

    fn call(profile: Profile, on_error: OnError, rec: &[u8]) -> alloc::string::String {
        let p = run(profile, on_error, Rules::None, rec.as_ptr(), rec.len() as u32);
        // SAFETY: `run` returns a NUL-terminated buffer that lives until the next call.
        let s = unsafe { std::ffi::CStr::from_ptr(p as *const core::ffi::c_char) };
        s.to_str().map(alloc::string::ToString::to_string).unwrap_or_default()
    }

    #[test]
    fn same_output_as_transform() {
        let rec = br#"{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution2020_05_31","awsRegion":"us-east-1","requestParameters":{"id":"E1"}}"#;
        let want = crate::transform(rec, &Options::default()).unwrap_or_default();
        assert!(!want.is_empty());
        assert_eq!(call(Profile::Flat, OnError::Entry, rec), want);
        // The reused engine gives the same answer the second time.
        assert_eq!(call(Profile::Flat, OnError::Entry, rec), want);
    }

    #[test]
    fn unreadable_records_come_back() {
        let cases: &[(&str, &[u8], OnError, &str)] = &[
            ("invalid json, entry", b"{\"a\":", OnError::Entry, "\"event.original\":\"{\\\"a\\\":\""),
            ("not an object, entry", b"[1,2]", OnError::Entry, "\"event.original\":\"[1,2]\""),
            ("empty, entry", b"", OnError::Entry, "\"event.original\":\"\""),
            ("invalid json, passthrough falls back", b"{\"a\":", OnError::PassThrough, "\"event.original\":"),
            ("not an object, passthrough falls back", b"7", OnError::PassThrough, "\"event.original\":\"7\""),
        ];
        for (name, rec, mode, needle) in cases {
            let out = call(Profile::Flat, *mode, rec);
            assert!(out.starts_with("{\"error.message\":"), "{name}: {out}");
            assert!(out.contains(needle), "{name}: {out}");
            assert!(out.ends_with('}'), "{name}: {out}");
        }
    }

    /// A damaged record comes back salvaged from every filter (marked, its raw text kept);
    /// garbage stays an error entry.
    #[test]
    fn damaged_records_are_salvaged() {
        let rec = br#"{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"cloudfront.amazonaws.com","eventName":"UpdateDistribution2020_05_31","userIdentity":{"type":"IAMUser","userName":"bob","accountId":"1","arn":"arn:aws:iam::1:user/bob"},"requestParameters":{"id":"E1","distributionConfig":{ omitted }},"awsRegion":"us-east-1"}"#;
        let flat = call(Profile::Flat, OnError::Entry, rec);
        assert_eq!(flat, crate::transform(rec, &Options { salvage: true, ..Options::default() }).unwrap_or_default());
        assert!(flat.contains("\"event.salvaged\":true") && flat.contains("\"requestParameters.distributionConfig.~0damaged\":\"omitted\""), "{flat}");
        assert!(call(Profile::Flat, OnError::PassThrough, rec).contains("\"event.salvaged\":true"));
        assert!(call(Profile::Ecs, OnError::Entry, rec).contains("\"tags\":[\"salvaged\"]"));
        assert!(call(Profile::Ocsf, OnError::Entry, rec).contains("\"labels\":[\"salvaged\"]"));
        let garbage = call(Profile::Flat, OnError::Entry, b"{ eventName: x");
        assert!(garbage.starts_with("{\"error.message\":"), "{garbage}");
    }

    #[test]
    fn passthrough_keeps_the_record() {
        // A well-formed object the engine refuses: over a (small) maxRecordBytes.
        let Ok(mut engine) = Engine::new(Options { max_record_bytes: 1024, ..Options::default() }) else { panic!("options") };
        let mut rec = b"{ \"big\":\"".to_vec();
        rec.extend(core::iter::repeat(b'x').take(2000));
        rec.extend_from_slice(b"\"}");
        let p = filter(&mut engine, OnError::PassThrough, &rec);
        let out = unsafe { std::ffi::CStr::from_ptr(p as *const core::ffi::c_char) }.to_bytes().to_vec();
        let text = alloc::string::String::from_utf8(out).unwrap_or_default();
        assert!(text.starts_with("{\"error.message\":\"limit: record of 2011 bytes"), "{text}");
        assert!(text.contains("\"error.type\":\"limit\", \"big\":\""), "{text}");
        let empty = filter(&mut engine, OnError::PassThrough, &[b' '; 2000][..]);
        let out = unsafe { std::ffi::CStr::from_ptr(empty as *const core::ffi::c_char) }.to_bytes();
        assert!(out.starts_with(b"{\"error.message\":") && out.ends_with(b"}"));
        let mut obj = b"{}".to_vec();
        obj.extend(core::iter::repeat(b' ').take(2000));
        let p = filter(&mut engine, OnError::PassThrough, &obj);
        let out = unsafe { std::ffi::CStr::from_ptr(p as *const core::ffi::c_char) }.to_bytes();
        assert!(out.starts_with(b"{\"error.message\":\"limit:"), "{}", alloc::string::String::from_utf8_lossy(out));
        assert!(!out.windows(2).any(|w| w == b",}"), "no dangling comma for an empty object");
    }

    /// Our own rule (not SigmaHQ's), in the JSON form the `rules` option reads.
    const RULE: &str = r#"[{"title":"Fixture stop logging","id":"fixture-fb-1","level":"high","tags":["attack.t1562.008"],"logsource":{"product":"aws","service":"cloudtrail"},"detection":{"selection":{"eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging"},"condition":"selection"}}]"#;
    const STOP: &[u8] = br#"{"eventVersion":"1.08","eventTime":"2024-01-02T03:04:05Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","requestParameters":{"name":"trail"}}"#;

    fn out(engine: &mut Engine, rec: &[u8]) -> alloc::string::String {
        let p = filter(engine, OnError::Entry, rec);
        // SAFETY: `filter` returns a NUL-terminated buffer that lives until the next call.
        let s = unsafe { std::ffi::CStr::from_ptr(p as *const core::ffi::c_char) };
        s.to_str().map(alloc::string::ToString::to_string).unwrap_or_default()
    }

    /// A `_sigma` engine gives what `transform` gives with the same rules (and salvage), from a
    /// rules array or an index.json, in every profile.
    #[test]
    fn rules_engine_matches_transform() {
        let Ok(rules) = crate::Rules::from_json(RULE) else { panic!("rule") };
        let index = alloc::format!(r#"{{"commit":"0","source":"ours","license":"MIT","rules":{RULE}}}"#);
        for profile in Profile::ALL {
            let want = crate::transform(STOP, &Options { profile, salvage: true, rules: rules.clone(), ..Options::default() }).unwrap_or_default();
            assert!(want.contains("fixture-fb-1"), "{want}");
            for text in [RULE, index.as_str()] {
                let Ok(mut engine) = rules_engine(profile, text) else { panic!("rules_engine {text}") };
                assert_eq!(out(&mut engine, STOP), want);
            }
        }
        let Ok(mut engine) = rules_engine(Profile::Flat, RULE) else { panic!("rules_engine") };
        let flat = out(&mut engine, STOP);
        assert!(flat.contains("\"rule.id\":\"fixture-fb-1\"") && flat.contains("\"rule.level\":\"high\""), "{flat}");
        // A record no rule matches: exactly the output without rules.
        let other = br#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","eventTime":"2024-01-02T03:04:05Z"}"#;
        assert_eq!(out(&mut engine, other), out(&mut new_engine(Profile::Flat), other));
    }

    /// No rules (a build without SigmaHQ's copy) is an error, never an engine that matches
    /// nothing; a rule the engine cannot evaluate is one too.
    #[test]
    fn rules_engine_without_rules_refuses() {
        for text in ["[]", "{\"commit\":\"0\"}", "{\"rules\":[]}"] {
            let Err(e) = rules_engine(Profile::Flat, text) else { panic!("{text:?}: accepted") };
            assert!(e.to_string().contains("not in this build"), "{text:?}: {e}");
        }
        let Err(e) = rules_engine(Profile::Flat, r#"[{"title":"bad","detection":{"condition":"nope"}}]"#) else { panic!("bad rule accepted") };
        assert_eq!(e.kind(), ErrorKind::Option, "{e}");
    }

    /// What this build's `_sigma` functions do with a record: with rules built in, transform it
    /// with them; without, an error entry that keeps the record and says why.
    #[test]
    fn builtin_rules_or_an_error_entry() {
        let p = run(Profile::Flat, OnError::Entry, Rules::Builtin, STOP.as_ptr(), STOP.len() as u32);
        // SAFETY: as in `call`.
        let got = unsafe { std::ffi::CStr::from_ptr(p as *const core::ffi::c_char) }.to_str().map(alloc::string::ToString::to_string).unwrap_or_default();
        match rules_engine(Profile::Flat, BUILTIN_RULES) {
            Ok(mut engine) => assert_eq!(got, out(&mut engine, STOP)),
            Err(e) => {
                let mut want = Vec::new();
                write_error_entry(&mut want, &e, STOP);
                assert_eq!(got.as_bytes(), &want[..]);
                assert!(got.contains("not in this build") && got.contains("\"event.original\":"), "{got}");
            }
        }
    }

    #[test]
    fn malloc_and_free_round_trip() {
        let p = malloc(5);
        assert!(!p.is_null());
        // SAFETY: `p` has 5 writable bytes.
        unsafe { p.copy_from_nonoverlapping(b"abcd\0".as_ptr(), 5) };
        free(p);
        free(core::ptr::null_mut());
        let z = malloc(0);
        assert!(!z.is_null());
        free(z);
    }
}
