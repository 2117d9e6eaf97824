//! The wasm-bindgen surface: the only file that imports wasm_bindgen. Thin on purpose: options
//! arrive as the JS options object (the JS names, camelCase; read into `Options` by
//! serde-wasm-bindgen, `undefined` for the defaults), results leave as JSON/NDJSON text or
//! bytes, and every `Error` crosses once, in [`to_js`], as a js-sys `Error` carrying `kind`,
//! `offset`, `line`, `column` and `record` as properties (set with `Reflect`). The public JS API is
//! js/core.mjs; these names are internal.
//!
//! Belt and braces: the core never panics on any input, but if it ever did, the panic hook asks
//! wasm-bindgen's glue to re-create the instance before the next call (the trapped one may hold a
//! corrupt stack or allocator), and the JS shim re-creates any Splitter that lived in it.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::{Error, ErrorKind, Item, Options};

/// The one conversion of a core `Error` into a JS value.
fn to_js(e: Error) -> JsValue {
    js_error(e).into()
}

fn js_error(e: Error) -> js_sys::Error {
    let js = js_sys::Error::new(&alloc::string::ToString::to_string(&e));
    set(&js, "kind", &JsValue::from_str(e.kind().as_str()));
    for (name, v) in [("offset", e.offset()), ("line", e.line()), ("column", e.column()), ("record", e.record())] {
        set(&js, name, &v.map_or(JsValue::UNDEFINED, |v| JsValue::from_f64(v as f64)));
    }
    js
}

/// Sets a property on a fresh `Error` (an ordinary extensible object: `Reflect.set` cannot fail).
fn set(target: &js_sys::Error, name: &str, v: &JsValue) {
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), v);
}

/// An error that ended a call after some output was written (`strict`): the NDJSON lines read
/// before it travel with it as `output`, so what was read is not lost.
fn to_js_with(e: Error, output: Vec<u8>) -> JsValue {
    let js = js_error(e);
    set(&js, "output", &JsValue::from(ascii_text(output)));
    js.into()
}

#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|_| {
        // Runs just before the abort traps: the glue builds a fresh instance on the next call.
        wasm_bindgen::handler::schedule_reinit();
    }));
}

/// Options from the object the shim sends (`undefined` or `null`: the defaults, read without
/// crossing). Its own enumerable members are read as a map (`Object.entries`), so a misspelt
/// option is met and refused: serde-wasm-bindgen alone reads a struct by looking up the known
/// names only. A `null` or `undefined` member means the default, as in `Options::from_json`.
///
/// The last object read is remembered: the shim hands over the same frozen snapshot for as long
/// as the caller's options do not change (a pipeline passes one options object per record), and
/// one `===` then stands for reading it again. A caller of these internal exports must not
/// change an options object it has passed.
fn options(v: &JsValue) -> crate::Result<Options> {
    if v.is_undefined() || v.is_null() {
        return Ok(Options::default());
    }
    std::thread_local! {
        static LAST: core::cell::RefCell<Option<(JsValue, Options)>> = const { core::cell::RefCell::new(None) };
    }
    if let Some(o) = LAST.with(|last| last.borrow().as_ref().filter(|(seen, _)| seen == v).map(|(_, o)| o.clone())) {
        return Ok(o);
    }
    let o = read_options(v)?;
    LAST.with(|last| *last.borrow_mut() = Some((v.clone(), o.clone())));
    Ok(o)
}

fn read_options(v: &JsValue) -> crate::Result<Options> {
    if !v.is_object() || js_sys::Array::is_array(v) {
        return Err(Error::new(ErrorKind::Option, "options must be an object"));
    }
    // The member being read when an error comes is the last one handed out: the message names it.
    let at = core::cell::RefCell::new(String::new());
    let members = js_sys::Object::entries(v.unchecked_ref()).into_iter().filter_map(|pair| {
        let pair: js_sys::Array = pair.unchecked_into();
        let value = pair.get(1);
        if value.is_undefined() || value.is_null() {
            return None;
        }
        let key = pair.get(0).as_string().unwrap_or_default();
        at.borrow_mut().clone_from(&key);
        Some((key, Member(value)))
    });
    Options::read_at(serde::de::value::MapDeserializer::<_, serde_wasm_bindgen::Error>::new(members), || at.take())
}

/// One option's value, read by serde-wasm-bindgen.
struct Member(JsValue);

impl<'de> serde::de::IntoDeserializer<'de, serde_wasm_bindgen::Error> for Member {
    type Deserializer = serde_wasm_bindgen::Deserializer;
    fn into_deserializer(self) -> serde_wasm_bindgen::Deserializer {
        serde_wasm_bindgen::Deserializer::from(self.0)
    }
}

fn transform_impl(input: &[u8], opts: &JsValue) -> Result<String, JsValue> {
    let o = options(opts).map_err(to_js)?;
    crate::record::with_engine(&o, |engine| {
        if let Err(e) = engine.record(input, 0) {
            // `salvage`: a damaged record comes back salvaged, as in `crate::transform`.
            if !engine.salvaged(input, &e) {
                return Err(e);
            }
        }
        Ok(ascii_text(engine.out.clone()))
    })
    .map_err(to_js)
}

/// The enrichment keys alone for a record's text (the JS shim's fast path for record objects:
/// it flattens them itself and sends only the view `captureSpec` describes). Enrichment takes
/// no options: the default engine serves, and no options text is passed or parsed per call.
/// Bytes, not a string: the shim encodes with `TextEncoder.encodeInto` (native), where passing a
/// string would walk it in JS first.
#[wasm_bindgen(js_name = factsBytes)]
pub fn facts_bytes(input: &[u8]) -> Result<JsValue, JsValue> {
    crate::record::with_engine(&Options::default(), |engine| {
        engine.facts(input)?;
        // Small text: decoded straight from the engine's buffer (no copy, no ASCII pass).
        core::str::from_utf8(&engine.out)
            .map(JsValue::from_str)
            .map_err(|_| Error::new(ErrorKind::Record, "internal: enrichment output is not UTF-8"))
    })
    .map_err(to_js)
}

/// `factsBytes` for a batch of views back to back in `input` (`ends[i]` where view i ends) →
/// one JSON array text, each element the view's enrichment keys or `null` (see
/// `profiles::flat::facts_many`): `transformMany` of record objects, one crossing per batch.
#[wasm_bindgen(js_name = factsMany)]
pub fn facts_many(input: &[u8], ends: &[u32]) -> Result<String, JsValue> {
    crate::record::with_engine(&Options::default(), |engine| {
        let out = crate::profiles::flat::facts_many(engine, input, ends)?;
        // Valid UTF-8 (the views are checked as they are read): no ASCII pass needed.
        String::from_utf8(out).map_err(|_| Error::new(ErrorKind::Record, "internal: enrichment output is not UTF-8"))
    })
    .map_err(to_js)
}

/// `transformMany`: records back to back in `input`, `ends[i]` where record i ends → one JSON
/// array text, each element the record's output or its error entry (one crossing per batch).
#[wasm_bindgen(js_name = transformMany)]
pub fn transform_many(input: &[u8], ends: &[u32], opts: &JsValue) -> Result<String, JsValue> {
    let o = options(opts).map_err(to_js)?;
    crate::record::with_engine(&o, |engine| crate::record::transform_many(engine, input, ends))
        .map(ascii_text)
        .map_err(to_js)
}

/// What enrichment reads of a record, as JSON (see `fields::capture_spec`).
#[wasm_bindgen(js_name = captureSpec)]
pub fn capture_spec() -> String {
    String::from_utf8(crate::fields::capture_spec()).unwrap_or_default()
}

fn ascii_text(v: Vec<u8>) -> String {
    String::from_utf8(crate::to_ascii(v)).unwrap_or_default()
}

/// One record (JSON object text as bytes) → one output document (JSON text).
#[wasm_bindgen(js_name = transformBytes)]
pub fn transform_bytes(input: &[u8], opts: &JsValue) -> Result<String, JsValue> {
    transform_impl(input, opts)
}

/// One record (JSON object text) → one output document (JSON text).
#[wasm_bindgen(js_name = transformText)]
pub fn transform_text(input: &str, opts: &JsValue) -> Result<String, JsValue> {
    transform_impl(input.as_bytes(), opts)
}

/// A whole log → `{"format":..,"gzip":..,"records":[..],"errors":[..]}` as one JSON text, so the
/// JS side builds every object with one `JSON.parse`. Error entries are the NDJSON entries.
fn log_impl(input: &[u8], opts: &JsValue) -> Result<String, JsValue> {
    let o = options(opts).map_err(to_js)?;
    let mut out = Vec::with_capacity(input.len() + input.len() / 4 + 64);
    let mut errs = Vec::new();
    let mut nrec = 0u64;
    out.extend_from_slice(b"{\"records\":[");
    let mut sp = crate::Splitter::new(o).map_err(to_js)?;
    let mut sink = |item: Item<'_>| match item {
        Item::Record(j) => {
            if nrec > 0 {
                out.push(b',');
            }
            nrec += 1;
            out.extend_from_slice(j);
        }
        Item::Bad { entry, .. } => {
            if !errs.is_empty() {
                errs.push(b',');
            }
            errs.extend_from_slice(entry);
        }
    };
    let r = sp.push(input, &mut sink).and_then(|_| sp.finish(&mut sink));
    let summary = match r {
        Ok(s) => s,
        Err(e) => {
            // `strict`: the records read before the bad one go with the error, as a JSON array.
            let mut body = out.split_off(b"{\"records\":".len());
            body.push(b']');
            return Err(to_js_with(e, body));
        }
    };
    out.extend_from_slice(b"],\"errors\":[");
    out.extend_from_slice(&errs);
    out.extend_from_slice(b"],\"format\":\"");
    out.extend_from_slice(summary.format.as_str().as_bytes());
    out.extend_from_slice(if summary.gzip { b"\",\"gzip\":true" } else { b"\",\"gzip\":false" });
    out.extend_from_slice(alloc::format!(",\"skipped\":{},\"salvaged\":{}}}", summary.skipped, summary.salvaged).as_bytes());
    // Records and entries are valid UTF-8 (the engine validates input and writes lossy text).
    Ok(ascii_text(out))
}

#[wasm_bindgen(js_name = transformLogBytes)]
pub fn transform_log_bytes(input: &[u8], opts: &JsValue) -> Result<String, JsValue> {
    log_impl(input, opts)
}

#[wasm_bindgen(js_name = transformLogText)]
pub fn transform_log_text(input: &str, opts: &JsValue) -> Result<String, JsValue> {
    log_impl(input.as_bytes(), opts)
}

/// `ascii`: the lines as ASCII text (non-ASCII characters as `\u` escapes). Either way the engine
/// writes the lines straight into the output; for ASCII each line is checked just after it is
/// written (the few that need it escaped then), with no copy of every line through a sink.
fn ndjson_impl(input: &[u8], opts: &JsValue, ascii: bool) -> Result<Vec<u8>, JsValue> {
    let o = options(opts).map_err(to_js)?;
    let mut sp = crate::Splitter::new(o).map_err(to_js)?;
    match sp.ndjson_direct(input, input.len() * 2, ascii) {
        (out, Ok(_)) => Ok(out),
        // `strict`: the lines read before the bad record go with the error.
        (out, Err(e)) => Err(to_js_with(e, out)),
    }
}

/// A whole log crosses in place: the shim writes it straight into wasm memory (`logInput`) and
/// reads the NDJSON straight out of it (`ndjsonInPlace`, `logOutput`): no copy through a JS
/// buffer, and for a string out no TextDecoder (the text is ASCII, so the shim reads it as
/// Latin-1, a plain copy into a one-byte string). `logRelease` empties both buffers, so a
/// long-lived instance keeps no log's worth of memory between calls.
struct InPlace {
    input: Vec<u8>,
    output: Vec<u8>,
}

std::thread_local! {
    static IN_PLACE: core::cell::RefCell<InPlace> =
        const { core::cell::RefCell::new(InPlace { input: Vec::new(), output: Vec::new() }) };
}

/// Room for `len` bytes of input, of which the first `kept` are what the shim wrote into the room
/// of the call before (it asks again when a text turns out longer in UTF-8 than first reserved);
/// returns where it starts in wasm memory. The room is not zeroed: the shim writes every byte of
/// it that `ndjsonInPlace` then reads.
#[wasm_bindgen(js_name = logInput)]
pub fn log_input(len: usize, kept: usize) -> usize {
    IN_PLACE.with_borrow_mut(|b| {
        b.output = Vec::new();
        let kept = kept.min(b.input.capacity());
        // SAFETY: within capacity; wasm memory holds no uninitialised bytes (the shim wrote these
        // through the memory's buffer) and every byte is a valid u8.
        unsafe { b.input.set_len(kept) };
        b.input.reserve(len.saturating_sub(kept));
        b.input.as_ptr() as usize
    })
}

/// The first `len` bytes of the input room (a whole log, written there by the shim; `latin1`: one
/// byte a character, a string with none above U+00FF, turned into UTF-8 here) → NDJSON kept in
/// the output buffer (`ascii`: as ASCII text, for a string); returns its length (`logOutput` says
/// where it starts).
#[wasm_bindgen(js_name = ndjsonInPlace)]
pub fn ndjson_in_place(len: usize, opts: &JsValue, ascii: bool, latin1: bool) -> Result<usize, JsValue> {
    let mut input = IN_PLACE.with_borrow_mut(|b| core::mem::take(&mut b.input));
    let len = len.min(input.capacity());
    // SAFETY: as in `log_input`.
    unsafe { input.set_len(len) };
    if latin1 {
        input = crate::json::latin1_to_utf8(input);
    }
    let r = ndjson_impl(&input, opts, ascii);
    IN_PLACE.with_borrow_mut(|b| {
        b.input = input;
        let out = r?;
        let n = out.len();
        b.output = out;
        Ok(n)
    })
}

/// Where the output of the last `ndjsonInPlace` starts in wasm memory.
#[wasm_bindgen(js_name = logOutput)]
pub fn log_output() -> usize {
    IN_PLACE.with_borrow(|b| b.output.as_ptr() as usize)
}

/// Frees both buffers.
#[wasm_bindgen(js_name = logRelease)]
pub fn log_release() {
    IN_PLACE.with_borrow_mut(|b| *b = InPlace { input: Vec::new(), output: Vec::new() });
}

/// The instance's memory, for the shim's reads and writes of the buffers above.
#[wasm_bindgen(js_name = wasmMemory)]
pub fn wasm_memory() -> JsValue {
    wasm_bindgen::memory()
}

/// Flat JSON object text → nested JSON text.
#[wasm_bindgen]
pub fn unflatten(flat: &str, opts: &JsValue) -> Result<String, JsValue> {
    let o = options(opts).map_err(to_js)?;
    crate::unflatten(flat.as_bytes(), &o).map_err(to_js)
}

/// Options JSON text → normalised, validated options (throws like every call would).
#[wasm_bindgen(js_name = checkOptions)]
pub fn check_options(opts: &JsValue) -> Result<(), JsValue> {
    options(opts).map(|_| ()).map_err(to_js)
}

/// Reads a MaxMind-format database (`.mmdb` bytes) into the instance once and returns its
/// handle; options name it as `"geoip": handle` (src/geoip.rs). Throws an `option` error when
/// the bytes are no such database.
#[wasm_bindgen(js_name = loadGeoip)]
pub fn load_geoip(bytes: Vec<u8>) -> Result<u32, JsValue> {
    crate::geoip::load(bytes).map_err(to_js)
}

/// Forgets a database loaded with `loadGeoip`.
#[wasm_bindgen(js_name = unloadGeoip)]
pub fn unload_geoip(handle: u32) {
    crate::geoip::unload(handle);
}

/// Only for the shim's recovery test: panics, so the instance traps and is re-created.
#[wasm_bindgen(js_name = __panicForTest)]
pub fn panic_for_test() {
    panic!("deliberate panic (recovery test)");
}

/// Output of one bounded splitter call: a piece of NDJSON of about this many bytes at most (a
/// piece ends after a whole line, also inside a CloudWatch Logs payload).
const PIECE: usize = 1 << 20;

/// The streaming splitter: push chunks, get the NDJSON lines completed so far.
#[wasm_bindgen(js_name = Splitter)]
pub struct WasmSplitter {
    inner: crate::Splitter,
    out: Vec<u8>,
    summary: Option<crate::Summary>,
    broken: bool,
    /// `finishSome` was called: `next` goes on ending the input.
    ending: bool,
}

enum Call<'c> {
    Push(&'c [u8], usize),
    Finish(usize),
    Next,
}

#[wasm_bindgen(js_class = Splitter)]
impl WasmSplitter {
    #[wasm_bindgen(constructor)]
    pub fn new(opts: &JsValue) -> Result<WasmSplitter, JsValue> {
        let o = options(opts).map_err(to_js)?;
        Ok(WasmSplitter { inner: crate::Splitter::new(o).map_err(to_js)?, out: Vec::new(), summary: None, broken: false, ending: false })
    }

    fn run(&mut self, call: Call<'_>) -> Result<String, JsValue> {
        if self.broken {
            return Err(to_js(Error::new(ErrorKind::Input, "the splitter failed earlier and cannot be used again")));
        }
        self.out.clear();
        let out = &mut self.out;
        let mut sink = |item: Item<'_>| {
            out.extend_from_slice(item.json());
            out.push(b'\n');
        };
        let inner = &mut self.inner;
        let r = match call {
            Call::Push(c, budget) => inner.push_some(c, budget, &mut sink).map(|_| ()),
            Call::Finish(budget) => {
                self.ending = true;
                inner.finish_some(budget, &mut sink).map(|s| self.summary = s)
            }
            Call::Next if self.ending && self.summary.is_none() => inner.finish_some(PIECE, &mut sink).map(|s| self.summary = s),
            Call::Next => inner.resume(PIECE, &mut sink).map(|_| ()),
        };
        if let Err(e) = r {
            self.broken = true;
            // `strict`: what was read before the bad record goes with the error.
            return Err(to_js_with(e, core::mem::take(&mut self.out)));
        }
        Ok(ascii_text(core::mem::take(&mut self.out)))
    }

    /// A splitter reading on from `checkpoint` (see `Splitter::restore`): the shim's way to keep
    /// a splitter whose instance was lost to another splitter's trap.
    pub fn restore(opts: &JsValue, checkpoint: &[u8]) -> Result<WasmSplitter, JsValue> {
        let o = options(opts).map_err(to_js)?;
        let inner = crate::Splitter::restore(o, checkpoint).map_err(to_js)?;
        let ending = inner.is_ending();
        Ok(WasmSplitter { inner, out: Vec::new(), summary: None, broken: false, ending })
    }

    /// Continues the change tracking of `previous` (the splitter of the file before this one):
    /// its known configurations move here. See `Splitter::carry_history_from`.
    #[wasm_bindgen(js_name = carryHistoryFrom)]
    pub fn carry_history_from(&mut self, previous: &mut WasmSplitter) {
        self.inner.carry_history_from(&mut previous.inner);
    }

    /// The reading state at `consumed` (undefined for gzip input and once finished).
    #[wasm_bindgen(getter)]
    pub fn checkpoint(&self) -> Option<Vec<u8>> {
        if self.broken || self.summary.is_some() {
            return None;
        }
        self.inner.checkpoint()
    }

    /// Whether the input is gzip (known from its first two bytes).
    #[wasm_bindgen(getter)]
    pub fn compressed(&self) -> bool {
        self.inner.is_gzip()
    }

    /// Feeds a chunk; returns all the NDJSON lines (each ending in `\n`) completed by it.
    pub fn push(&mut self, chunk: &[u8]) -> Result<String, JsValue> {
        self.run(Call::Push(chunk, usize::MAX))
    }

    /// Ends the input; returns the last NDJSON lines. The summary getters work after this.
    pub fn finish(&mut self) -> Result<String, JsValue> {
        self.run(Call::Finish(usize::MAX))
    }

    /// Feeds a chunk; returns the first piece (about 1 MiB at most) of the lines it completes.
    /// While `more` is true, `next` returns the following pieces.
    #[wasm_bindgen(js_name = pushSome)]
    pub fn push_some(&mut self, chunk: &[u8]) -> Result<String, JsValue> {
        self.run(Call::Push(chunk, PIECE))
    }

    /// Ends the input; returns the first piece of the last lines (then `next` while `more`).
    #[wasm_bindgen(js_name = finishSome)]
    pub fn finish_some(&mut self) -> Result<String, JsValue> {
        self.run(Call::Finish(PIECE))
    }

    /// The next piece of output of the last `pushSome`/`finishSome` ("" when there is none).
    pub fn next(&mut self) -> Result<String, JsValue> {
        if !self.more() {
            return Ok(String::new());
        }
        self.run(Call::Next)
    }

    /// After a call, in one crossing: [records, errors, skipped, more (0/1), consumed,
    /// compressed (0/1), salvaged (of the records)].
    pub fn status(&self) -> Vec<f64> {
        let (r, e, k) = self.inner.counts();
        let more = self.more() as u8 as f64;
        alloc::vec![r as f64, e as f64, k as f64, more, self.inner.consumed() as f64, self.inner.is_gzip() as u8 as f64, self.inner.salvaged() as f64]
    }

    /// Whether a bounded call left output to read with `next`.
    #[wasm_bindgen(getter)]
    pub fn more(&self) -> bool {
        !self.broken && (self.inner.paused() || (self.ending && self.summary.is_none()))
    }

    /// Detected format (`"empty"` until a value is seen).
    #[wasm_bindgen(getter)]
    pub fn format(&self) -> String {
        String::from(self.summary.map(|s| s.format).or(self.inner.format()).unwrap_or(crate::Format::Empty).as_str())
    }

    #[wasm_bindgen(getter)]
    pub fn gzip(&self) -> bool {
        self.summary.map_or(false, |s| s.gzip)
    }

    /// Records out so far.
    #[wasm_bindgen(getter)]
    pub fn records(&self) -> f64 {
        self.inner.counts().0 as f64
    }

    /// Error entries out so far.
    #[wasm_bindgen(getter)]
    pub fn errors(&self) -> f64 {
        self.inner.counts().1 as f64
    }

    /// Objects skipped on purpose so far (control messages, digest files).
    #[wasm_bindgen(getter)]
    pub fn skipped(&self) -> f64 {
        self.inner.counts().2 as f64
    }

    /// Of the records out so far, those salvaged from a damaged record (option `salvage`).
    #[wasm_bindgen(getter)]
    pub fn salvaged(&self) -> f64 {
        self.inner.salvaged() as f64
    }

    /// Offset (after decompression) up to which input has been read and reported.
    #[wasm_bindgen(getter)]
    pub fn consumed(&self) -> f64 {
        self.inner.consumed() as f64
    }

    /// Bytes read after decompression (after finish).
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> f64 {
        self.summary.map_or(0.0, |s| s.bytes as f64)
    }
}

/// The viewer's compact text (src/keytokens.rs): NDJSON lines with their keys as tokens of one
/// table, which the viewer keeps its own copy of (`newKeys`) and can seed a new table with.
#[wasm_bindgen(js_name = KeyTokens)]
pub struct WasmKeyTokens {
    inner: crate::keytokens::KeyTokens,
    enrichment: Vec<u8>,
}

#[wasm_bindgen(js_class = KeyTokens)]
impl WasmKeyTokens {
    /// A table starting with `keys` (JSON key texts, one a line), in id order.
    #[wasm_bindgen(constructor)]
    pub fn new(keys: &str) -> WasmKeyTokens {
        let inner = crate::keytokens::KeyTokens::with_keys(keys.split('\n').filter(|k| !k.is_empty()).map(str::as_bytes));
        WasmKeyTokens { inner, enrichment: Vec::new() }
    }

    /// NDJSON text → its compact lines (ASCII text in, ASCII text out).
    pub fn encode(&mut self, text: &str) -> Result<String, JsValue> {
        let mut out = Vec::new();
        self.enrichment.clear();
        self.inner.encode(text.as_bytes(), &mut out, &mut self.enrichment);
        utf8(out)
    }

    /// The enrichment of each line of the last `encode`, as JSON objects, line for line.
    #[wasm_bindgen(js_name = takeEnrichment)]
    pub fn take_enrichment(&mut self) -> Result<String, JsValue> {
        utf8(core::mem::take(&mut self.enrichment))
    }

    /// The keys first seen since the last call, one a line.
    #[wasm_bindgen(js_name = newKeys)]
    pub fn new_keys(&mut self) -> Result<String, JsValue> {
        utf8(self.inner.new_keys())
    }
}

/// Tokens are ASCII control bytes and everything else is copied from valid UTF-8 at ASCII
/// punctuation, so this never fails; if it ever did, the viewer must say so (its reader ends
/// the file with an error entry) rather than get an empty text, which would drop the records.
fn utf8(bytes: Vec<u8>) -> Result<String, JsValue> {
    String::from_utf8(bytes).map_err(|e| to_js(Error::new(ErrorKind::Input, alloc::format!("internal: compact text is not UTF-8 at byte {}", e.utf8_error().valid_up_to()))))
}

/// `memcmp` for the wasm build, where the one linked otherwise (compiler-builtins', a weak symbol)
/// compares a byte a step: slice comparisons and sorts of keys and texts (change tracking's diff
/// and sort above all) call it. Eight bytes a step here, then the differing byte. Measured with
/// a names-section build under `node --cpu-prof`: memcmp was 9 % of `transformLogToNdjson` on
/// the CloudFront-heavy corpus with change tracking on.
///
/// # Safety
/// As C's `memcmp`: `a` and `b` point to at least `n` readable bytes.
// Not inlined: LTO would copy it into each of the hundreds of callers (+8 KB gzipped).
#[inline(never)]
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i + 8 <= n {
        // SAFETY: i + 8 <= n, and the caller gives n readable bytes at each pointer.
        let (x, y) = unsafe { ((a.add(i) as *const u64).read_unaligned(), (b.add(i) as *const u64).read_unaligned()) };
        if x != y {
            // Little-endian: the lowest differing byte of the words is the first in memory.
            i += ((x ^ y).trailing_zeros() / 8) as usize;
            break;
        }
        i += 8;
    }
    while i < n {
        // SAFETY: i < n.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// `bcmp` (equality only, which LLVM calls for `==` on slices): the same comparison.
///
/// # Safety
/// As `memcmp`.
#[inline(never)]
#[no_mangle]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: the caller's guarantee, passed on.
    unsafe { memcmp(a, b, n) }
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// `json::put` (`copy_small`, whose short and middle copies are wasm-only code) appends what
    /// `extend_from_slice` does, for every length through the 16-byte moves and past 128.
    #[wasm_bindgen_test]
    fn put_appends_as_extend() {
        let src: Vec<u8> = (0u8..=200).map(|i| i.wrapping_mul(37).wrapping_add(1)).collect();
        for n in 0..=src.len() {
            for have in [0usize, 1, 15, 16, 17] {
                let mut a: Vec<u8> = (0..have).map(|i| i as u8 ^ 0x55).collect();
                a.reserve_exact(n % 3);
                let mut b = a.clone();
                crate::json::put(&mut a, &src[..n]);
                b.extend_from_slice(&src[..n]);
                assert_eq!(a, b, "n {n} have {have}");
            }
        }
    }

    /// memcmp's sign and bcmp's zero against a byte-by-byte reference, for every length up to
    /// three words and a difference (or none) at every position, either way round.
    #[wasm_bindgen_test]
    fn memcmp_orders_as_bytes_do() {
        for n in 0..25usize {
            let a: Vec<u8> = (0..n as u8).map(|i| i.wrapping_mul(37) | 0x80).collect();
            for pos in 0..=n {
                let mut b = a.clone();
                if pos < n {
                    b[pos] = b[pos].wrapping_sub(1 + pos as u8 % 3);
                }
                let want = a.iter().zip(&b).find(|(x, y)| x != y).map_or(0, |(x, y)| i32::from(*x) - i32::from(*y));
                // SAFETY: both hold n bytes.
                let (ab, ba, eq) = unsafe { (super::memcmp(a.as_ptr(), b.as_ptr(), n), super::memcmp(b.as_ptr(), a.as_ptr(), n), super::bcmp(a.as_ptr(), b.as_ptr(), n)) };
                assert_eq!(ab.signum(), want.signum(), "n {n} pos {pos}");
                assert_eq!(ba.signum(), -want.signum(), "n {n} pos {pos}");
                assert_eq!(eq == 0, want == 0, "n {n} pos {pos}");
            }
        }
    }
}
