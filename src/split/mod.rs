//! The record splitter: takes a log's bytes in chunks of any size, finds each record and hands
//! it to the engine, keeping only the unfinished tail between chunks (memory stays flat however
//! large the log). The engine's own pass delimits a record, so a record is read once.
//!
//! Nothing is lost: a record that cannot be read becomes an error entry carrying its raw text,
//! and reading resumes at the next record boundary: the next line that starts with `{` or `[`
//! at top level, or, inside an array, the next element that parses and looks like a record.

use alloc::format;
use alloc::vec::Vec;

use crate::error::{Error, ErrorKind, Result};
use crate::input::gzip::{self, Gunzip};
use crate::input::unit::{self, Unit};
use crate::input::{base64, Format};
use crate::json::{self, skip_ws};
use crate::options::Options;
use crate::record::{write_error_entry, Engine};

mod format;
mod gzip_layers;
mod resync;
mod states;

/// One output of the splitter.
pub enum Item<'x> {
    /// A transformed record (JSON text, no newline).
    Record(&'x [u8]),
    /// An unreadable record: the error, its raw text, and the entry written for it in NDJSON.
    Bad { error: &'x Error, original: &'x [u8], entry: &'x [u8] },
}

impl<'x> Item<'x> {
    /// The line this item contributes to NDJSON output.
    pub fn json(&self) -> &'x [u8] {
        match self {
            Item::Record(j) => j,
            Item::Bad { entry, .. } => entry,
        }
    }
}

/// What a finished log held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    pub format: Format,
    pub gzip: bool,
    pub records: u64,
    pub errors: u64,
    /// Objects read and deliberately not turned into records: CloudWatch Logs control messages
    /// and CloudTrail digest files (docs/INPUTS.md). Every input object is a record, an error
    /// entry or one of these.
    pub skipped: u64,
    /// Of `records`, those salvaged from a damaged record (option `salvage`, docs/INPUTS.md):
    /// they count as records too, so records + errors + skipped still covers every input object.
    pub salvaged: u64,
    /// Bytes read after decompression.
    pub bytes: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ArrayKind {
    Records,
    Plain,
    Lookup,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum State {
    /// Between top-level values.
    Top,
    /// Inside an array of units; `comma` when the next thing must be `,` or `]`.
    Array { kind: ArrayKind, comma: bool },
    /// Inside a top-level object after its records array: expecting its closing `}`.
    Tail,
    /// After an unreadable stretch that started at the unconsumed start; searching from `from`.
    Resync { in_array: Option<ArrayKind>, from: usize },
    /// Inside a value (starting at the unconsumed start) that did not end within
    /// maxRecordBytes: its text goes out as limit entries of at most maxRecordBytes each, found
    /// by a lenient scan of strings and brackets (so what follows it is read as usual).
    Big { in_array: Option<ArrayKind>, scan: BigScan },
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
struct BigScan {
    /// Bytes of the current piece already scanned.
    scanned: usize,
    depth: u32,
    in_str: bool,
    esc: bool,
    /// Pieces already reported.
    part: u32,
}

/// What a nested unit's array holds (see `Frame`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Nested {
    /// CloudWatch Logs `logEvents`: each element's `message` is a record.
    LogEvents,
    /// `Records` inside a wrapper: records, or wrappers again.
    Records,
    /// `lookup-events` `Events`: wrappers holding a `CloudTrailEvent`.
    Lookup,
}

/// The rest of a nested unit's array when a call reached its budget partway through it: the
/// next call gives it out first, so a payload that inflates to hundreds of MB of records still
/// goes out in bounded pieces. A frame is pushed only when a call stops, so `push`/`finish`
/// (no budget) never make one.
struct Frame {
    /// Holds the array's rest: a copy of it made once (the unit's own bytes are consumed), or
    /// for logEvents the inflated CloudWatch Logs payload itself. Later stops only move `pos`.
    data: Vec<u8>,
    /// Where the next element (or the comma before it) starts in `data`.
    pos: usize,
    /// The stream offset `data[0]` stands for (the base of its elements' error offsets).
    at0: u64,
    layer: u8,
    kind: Nested,
}

/// Incremental reader of a whole log. See the module docs.
pub struct Splitter {
    engine: Engine,
    head: Vec<u8>,
    gz: Option<Gunzip>,
    /// A second gzip layer, when the first one's content is gzip again.
    gz_inner: Option<Gunzip>,
    gz_checked: bool,
    /// Reused buffer for the first layer's output.
    gz_out: Vec<u8>,
    sniffed: bool,
    /// Gzip input taken but not inflated yet (`in_start` of it is used): a push that stops at
    /// its output budget keeps the rest of its chunk here.
    pending_in: Vec<u8>,
    in_start: usize,
    /// The first gzip layer's output not yet inflated by the second (or, until the second layer
    /// is decided on, not yet handed on).
    mid: Vec<u8>,
    mid_start: usize,
    /// Unconsumed bytes (decompressed) are `buf[start..]`; `base` is the stream offset of
    /// `buf[start]`.
    buf: Vec<u8>,
    start: usize,
    base: u64,
    /// Output budget of the current call, and the bytes of items given out in it.
    budget: usize,
    emitted: usize,
    /// The last call stopped at its budget with input left to read.
    paused: bool,
    /// `finish_some` has been called: what is left is the end of the input.
    ending: bool,
    skipped: u64,
    /// Of `records`, the salvaged ones.
    salvaged: u64,
    state: State,
    format: Option<Format>,
    top_units: u64,
    records: u64,
    errors: u64,
    entry: Vec<u8>,
    /// The error of the stretch being resynchronised over.
    pending_error: Option<Error>,
    /// The log is a top-level JSON array.
    top_array: bool,
    finished: bool,
    /// Stream offset the buffered input must reach before an unfinished record is scanned again.
    retry_at: u64,
    /// Bytes parsed so far by the resynchronising search of the current stretch (see
    /// `next_element`); kept across chunks so the search decides the same whatever the chunking.
    resync_spent: usize,
    /// Nested units stopped at the budget, innermost last (at most one per wrapper layer):
    /// they come before anything still in `buf`.
    frames: Vec<Frame>,
    /// Items' lines go straight into the engine's buffer ([`Self::direct_output`]).
    direct: bool,
    /// Direct output as ASCII text ([`Self::ndjson_direct`]): the output up to here is checked
    /// (and escaped where needed); the rest is checked after each record and at the end.
    ascii_from: Option<usize>,
}

/// Every format, in a fixed order (for checkpoints).
const FORMATS: [Format; 11] = Format::ALL;

/// A checkpoint taken while a nested unit's rest was pending (see `checkpoint`).
const CHECKPOINT_NESTED: u8 = 2;

/// Unfinished records shorter than this are rescanned on every chunk; longer ones only once the
/// buffer has doubled, so a huge record arriving in small chunks costs linear time, not quadratic.
const RESCAN_FREELY: usize = 16 << 10;

type Sink<'s> = dyn FnMut(Item<'_>) + 's;

enum Step {
    /// Consumed up to here; go on.
    Go(usize),
    /// Need more input; consumed up to here.
    Wait(usize),
}

impl Splitter {
    pub fn new(opts: Options) -> Result<Splitter> {
        Ok(Splitter {
            engine: Engine::new(opts)?,
            head: Vec::new(),
            gz: None,
            gz_inner: None,
            gz_checked: false,
            gz_out: Vec::new(),
            sniffed: false,
            pending_in: Vec::new(),
            in_start: 0,
            mid: Vec::new(),
            mid_start: 0,
            buf: Vec::new(),
            start: 0,
            base: 0,
            budget: usize::MAX,
            emitted: 0,
            paused: false,
            ending: false,
            skipped: 0,
            salvaged: 0,
            state: State::Top,
            format: None,
            top_units: 0,
            records: 0,
            errors: 0,
            entry: Vec::new(),
            pending_error: None,
            top_array: false,
            finished: false,
            retry_at: 0,
            resync_spent: 0,
            frames: Vec::new(),
            direct: false,
            ascii_from: None,
        })
    }

    /// Continues the change tracking (src/track) of `previous`, the splitter that read the
    /// file before this one of the same log set: its known configurations move here (when both
    /// track), so a change in this file is compared with the state the earlier files left.
    pub fn carry_history_from(&mut self, previous: &mut Splitter) {
        self.engine.carry_history_from(&mut previous.engine);
    }

    /// The format detected so far (None until the first value is seen).
    pub fn format(&self) -> Option<Format> {
        self.format
    }

    /// Feeds the next chunk. Items are handed to `sink` as soon as they are complete.
    /// Returns an error only for input-level failures (gzip, limits) or, with `strict`, the first
    /// bad record; after an error the splitter must not be used again.
    pub fn push(&mut self, chunk: &[u8], sink: &mut Sink<'_>) -> Result<()> {
        self.push_some(chunk, usize::MAX, sink).map(|_| ())
    }

    /// Like [`push`](Self::push), but stops once about `budget` bytes of items have gone to
    /// `sink` (always after a whole item, also inside a CloudWatch Logs payload or a wrapper).
    /// Returns true when it stopped with input left: call [`resume`](Self::resume) until it
    /// returns false. Pushing again instead goes on where it stopped, then reads the new chunk.
    /// However much a chunk expands (gzip), no call produces much more than `budget` bytes.
    pub fn push_some(&mut self, chunk: &[u8], budget: usize, sink: &mut Sink<'_>) -> Result<bool> {
        if self.finished || self.ending {
            return Err(Error::new(ErrorKind::Input, "push after finish"));
        }
        self.budget = budget;
        self.emitted = 0;
        if !self.sniffed {
            if self.head.is_empty() && chunk.len() >= 2 {
                // Sniffed where it lies: copying a whole log into `head` for its first two
                // bytes cost a copy of all of it (4 MB on the mix) per whole-log call.
                self.sniffed = true;
                if gzip::is_gzip(chunk) {
                    self.gz = Some(Gunzip::new(self.engine.opts.max_decompressed_bytes));
                }
                return self.feed(chunk, false, sink);
            }
            self.head.extend_from_slice(chunk);
            if self.head.len() < 2 {
                return Ok(false);
            }
            self.sniffed = true;
            let head = core::mem::take(&mut self.head);
            if gzip::is_gzip(&head) {
                self.gz = Some(Gunzip::new(self.engine.opts.max_decompressed_bytes));
            }
            return self.feed(&head, false, sink);
        }
        self.feed(chunk, false, sink)
    }

    /// Continues a call that stopped at its budget; true while there is more.
    pub fn resume(&mut self, budget: usize, sink: &mut Sink<'_>) -> Result<bool> {
        if self.finished {
            return Ok(false);
        }
        self.budget = budget;
        self.emitted = 0;
        if !self.paused && !self.ending {
            return Ok(false);
        }
        let fin = self.ending;
        self.feed(&[], fin, sink)
    }

    /// Whether a call stopped at its budget with input left to read.
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// Ends the input: flushes what is left (a truncated last record becomes an error entry).
    pub fn finish(&mut self, sink: &mut Sink<'_>) -> Result<Summary> {
        loop {
            if let Some(s) = self.finish_some(usize::MAX, sink)? {
                return Ok(s);
            }
        }
    }

    /// Like [`finish`](Self::finish), but stops at `budget` bytes of output: None while there
    /// is more (call it again).
    pub fn finish_some(&mut self, budget: usize, sink: &mut Sink<'_>) -> Result<Option<Summary>> {
        if !self.finished {
            self.budget = budget;
            self.emitted = 0;
            self.ending = true;
            if !self.sniffed {
                self.sniffed = true;
                let head = core::mem::take(&mut self.head);
                if self.feed(&head, true, sink)? {
                    return Ok(None);
                }
            } else if self.feed(&[], true, sink)? {
                return Ok(None);
            }
            if self.format.is_none() && !self.top_array && self.records == 0 && self.errors == 0 && self.skipped == 0 {
                // Nothing at all to read is worth saying: an empty file is usually a mistake
                // upstream (a failed download, the wrong object), not an empty log.
                let at = self.base;
                self.bad(Error::new(ErrorKind::Input, "empty input: no JSON value found").at_offset(at), &[], sink)?;
            }
            self.finished = true;
        }
        Ok(Some(self.summary()))
    }

    fn summary(&self) -> Summary {
        Summary {
            format: self.format.unwrap_or(if self.top_array { Format::Array } else { Format::Empty }),
            gzip: self.gz.is_some(),
            records: self.records,
            errors: self.errors,
            skipped: self.skipped,
            salvaged: self.salvaged,
            bytes: self.base + (self.buf.len() - self.start) as u64,
        }
    }

    /// Records, error entries and skipped objects so far.
    pub fn counts(&self) -> (u64, u64, u64) {
        (self.records, self.errors, self.skipped)
    }

    /// Of the records so far, those salvaged from a damaged record.
    pub fn salvaged(&self) -> u64 {
        self.salvaged
    }

    /// Stream offset (after decompression) up to which the input has been read and given out:
    /// what comes after it is buffered, not yet reported.
    pub fn consumed(&self) -> u64 {
        self.base
    }

    /// Whether `finish_some` has begun ending the input.
    pub fn is_ending(&self) -> bool {
        self.ending
    }

    /// Whether the input is gzip (known once its first two bytes have arrived).
    pub fn is_gzip(&self) -> bool {
        self.gz.is_some()
    }

    /// The reading state at `consumed()`, as a few bytes: with the bytes after that offset, a
    /// new splitter made by [`restore`](Self::restore) reads on exactly as this one would. The
    /// JS shim keeps it after every call, so a splitter survives the loss of its WebAssembly
    /// instance (another splitter's trap) with its partial record and context. None for gzip
    /// input (the inflater's state is not kept) and before the first bytes are sniffed. While a
    /// bounded call has stopped inside a nested unit (its bytes are consumed, its rest held in a
    /// frame), the checkpoint is a marker that `restore` refuses with an `input` error.
    pub fn checkpoint(&self) -> Option<Vec<u8>> {
        if self.gz.is_some() || !self.sniffed || self.finished {
            return None;
        }
        if !self.frames.is_empty() {
            // Stopped inside a nested unit whose bytes are consumed: its rest (up to
            // maxDecompressedBytes of inflated records) is not worth copying after every call,
            // so this checkpoint says it cannot be restored rather than reading on wrongly.
            return Some(alloc::vec![CHECKPOINT_NESTED]);
        }
        let mut w = Vec::with_capacity(96);
        let put = |w: &mut Vec<u8>, v: u64| w.extend_from_slice(&v.to_le_bytes());
        let kind = |k: Option<ArrayKind>| match k {
            None => 0u8,
            Some(ArrayKind::Records) => 1,
            Some(ArrayKind::Plain) => 2,
            Some(ArrayKind::Lookup) => 3,
        };
        w.push(1); // version
        match self.state {
            State::Top => w.push(0),
            State::Array { kind: k, comma } => w.extend_from_slice(&[1, kind(Some(k)), comma as u8]),
            State::Tail => w.push(2),
            State::Resync { in_array, from } => {
                w.extend_from_slice(&[3, kind(in_array)]);
                put(&mut w, from as u64);
            }
            State::Big { in_array, scan } => {
                w.extend_from_slice(&[4, kind(in_array), scan.in_str as u8, scan.esc as u8]);
                put(&mut w, scan.scanned as u64);
                put(&mut w, scan.depth as u64);
                put(&mut w, scan.part as u64);
            }
        }
        let formats = FORMATS.iter().position(|f| Some(*f) == self.format).map_or(0, |i| i as u8 + 1);
        w.extend_from_slice(&[formats, self.top_array as u8, self.ending as u8]);
        for v in [self.top_units, self.records, self.errors, self.skipped, self.base, self.resync_spent as u64] {
            put(&mut w, v);
        }
        match &self.pending_error {
            None => w.push(0),
            Some(e) => {
                w.push(1 + ErrorKind::ALL.iter().position(|k| *k == e.kind()).unwrap_or(0) as u8);
                for v in [e.offset(), e.line(), e.column(), e.record()] {
                    put(&mut w, v.map_or(u64::MAX, |x| x));
                }
                put(&mut w, e.message().len() as u64);
                w.extend_from_slice(e.message().as_bytes());
            }
        }
        // Last, so a checkpoint written before this count existed still restores (as 0).
        put(&mut w, self.salvaged);
        Some(w)
    }

    /// A splitter that reads on from a [`checkpoint`](Self::checkpoint): push it the bytes
    /// after the checkpoint's offset.
    pub fn restore(opts: Options, cp: &[u8]) -> Result<Splitter> {
        let bad = || Error::new(ErrorKind::Input, "not a splitter checkpoint");
        let mut sp = Splitter::new(opts)?;
        let mut r = cp;
        let mut byte = || -> Result<u8> {
            let (&b, rest) = r.split_first().ok_or_else(bad)?;
            r = rest;
            Ok(b)
        };
        match byte()? {
            1 => {}
            CHECKPOINT_NESTED if r.is_empty() => {
                return Err(Error::new(
                    ErrorKind::Input,
                    "the splitter stopped inside a nested unit (a CloudWatch Logs payload or a wrapper's records) cannot be restored from a checkpoint",
                ))
            }
            _ => return Err(bad()),
        }
        fn kind_of(b: u8) -> Result<Option<ArrayKind>> {
            Ok(match b {
                0 => None,
                1 => Some(ArrayKind::Records),
                2 => Some(ArrayKind::Plain),
                3 => Some(ArrayKind::Lookup),
                _ => return Err(Error::new(ErrorKind::Input, "not a splitter checkpoint")),
            })
        }
        let mut rest = r;
        let mut take = |n: usize| -> Result<&[u8]> {
            if rest.len() < n {
                return Err(Error::new(ErrorKind::Input, "not a splitter checkpoint"));
            }
            let (a, b) = rest.split_at(n);
            rest = b;
            Ok(a)
        };
        let u64_of = |b: &[u8]| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        let tag = take(1)?[0];
        sp.state = match tag {
            0 => State::Top,
            1 => {
                let b = take(2)?;
                State::Array { kind: kind_of(b[0])?.ok_or_else(bad)?, comma: b[1] != 0 }
            }
            2 => State::Tail,
            3 => {
                let k = kind_of(take(1)?[0])?;
                State::Resync { in_array: k, from: u64_of(take(8)?) as usize }
            }
            4 => {
                let b = take(3)?;
                let (k, in_str, esc) = (kind_of(b[0])?, b[1] != 0, b[2] != 0);
                let scanned = u64_of(take(8)?) as usize;
                let depth = u64_of(take(8)?) as u32;
                let part = u64_of(take(8)?) as u32;
                State::Big { in_array: k, scan: BigScan { scanned, depth, in_str, esc, part } }
            }
            _ => return Err(bad()),
        };
        let b = take(3)?;
        sp.format = match b[0] {
            0 => None,
            i => Some(*FORMATS.get(i as usize - 1).ok_or_else(bad)?),
        };
        sp.top_array = b[1] != 0;
        sp.ending = b[2] != 0;
        sp.top_units = u64_of(take(8)?);
        sp.records = u64_of(take(8)?);
        sp.errors = u64_of(take(8)?);
        sp.skipped = u64_of(take(8)?);
        sp.base = u64_of(take(8)?);
        sp.resync_spent = u64_of(take(8)?) as usize;
        let e = take(1)?[0];
        if e != 0 {
            let kind = *ErrorKind::ALL.get(e as usize - 1).ok_or_else(bad)?;
            let opt = |v: u64| (v != u64::MAX).then_some(v);
            let (offset, line, column, record) = (opt(u64_of(take(8)?)), opt(u64_of(take(8)?)), opt(u64_of(take(8)?)), opt(u64_of(take(8)?)));
            let n = u64_of(take(8)?) as usize;
            let msg = core::str::from_utf8(take(n)?).map_err(|_| bad())?;
            let mut err = Error::new(kind, msg).with_position(line, column);
            if let Some(o) = offset {
                err = err.at_offset(o);
            }
            if let Some(r) = record {
                err = err.in_record(r);
            }
            sp.pending_error = Some(err);
        }
        // Absent from checkpoints written before the count existed.
        if let Ok(b) = take(8) {
            sp.salvaged = u64_of(b);
        }
        // Only values this splitter could have written (arithmetic on them must not overflow).
        const HUGE: u64 = 1 << 62;
        let window = sp.engine.opts.max_record_bytes as u64 + 1;
        let positions_ok = match sp.state {
            State::Resync { from, .. } => from as u64 <= window,
            State::Big { scan, .. } => scan.scanned as u64 <= window && scan.depth < 1 << 30 && scan.part < 1 << 30,
            _ => true,
        };
        let counts_ok = [sp.top_units, sp.records, sp.errors, sp.skipped, sp.base, sp.resync_spent as u64].iter().all(|&v| v < HUGE) && sp.salvaged <= sp.records;
        if !positions_ok || !counts_ok || !rest.is_empty() {
            return Err(bad());
        }
        sp.sniffed = true;
        Ok(sp)
    }

    /// Feeds `chunk` (empty to go on with what is buffered); true when stopped at the budget.
    fn feed(&mut self, chunk: &[u8], fin: bool, sink: &mut Sink<'_>) -> Result<bool> {
        if self.gz.is_some() {
            if !chunk.is_empty() {
                if self.in_start == self.pending_in.len() {
                    self.pending_in.clear();
                    self.in_start = 0;
                }
                self.pending_in.extend_from_slice(chunk);
            }
            return self.feed_gzip(fin, sink);
        }
        // Plain input is not limited as a whole (a multi-GB file streams); memory stays bounded
        // by maxRecordBytes, since only an unfinished record is ever kept.
        let have = self.buf.len() - self.start;
        if !fin && !self.paused && self.base + ((have + chunk.len()) as u64) < self.retry_at {
            self.buf.extend_from_slice(chunk);
            return Ok(false);
        }
        if have == 0 {
            // Work on the caller's chunk directly; keep only the unfinished tail.
            self.buf.clear();
            self.start = 0;
            let used = self.drain(chunk, fin, sink)?;
            self.buf.extend_from_slice(&chunk[used..]);
            self.base += used as u64;
            return Ok(self.paused);
        }
        self.buf.extend_from_slice(chunk);
        self.drain_buf(fin, sink)?;
        Ok(self.paused)
    }

    fn drain_buf(&mut self, fin: bool, sink: &mut Sink<'_>) -> Result<()> {
        let buf = core::mem::take(&mut self.buf);
        let r = self.drain(&buf[self.start..], fin, sink);
        self.buf = buf;
        let used = r?;
        self.start += used;
        self.base += used as u64;
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start >= 64 << 10 && self.start * 2 >= self.buf.len() {
            // Consumed bytes go once they are most of the buffer (not on every call: a push that
            // stops at its budget many times over a large buffer must not move it each time).
            self.buf.drain(..self.start);
            self.start = 0;
        }
        Ok(())
    }

    /// Runs the state machine over `d` (the unconsumed bytes). Returns how much was consumed.
    ///
    /// Each step sees at most maxRecordBytes + 1 bytes from where it starts: a value or stretch
    /// that cannot be decided within them is too large, whether the input came whole or in
    /// pieces, so a stream and a whole call cut it at the same places (see `oversized`).
    fn drain(&mut self, d: &[u8], fin: bool, sink: &mut Sink<'_>) -> Result<usize> {
        self.paused = false;
        if !self.frames.is_empty() {
            // The rest of a nested unit stopped at the last call's budget comes first.
            self.run_frames(sink)?;
            if self.emitted >= self.budget {
                self.paused = true;
                self.retry_at = 0;
                return Ok(0);
            }
        }
        let limit = self.engine.opts.max_record_bytes;
        let mut p: usize = 0;
        loop {
            let end = d.len().min(p.saturating_add(limit).saturating_add(1));
            let w = &d[..end];
            let wfin = fin && end == d.len();
            let step = match self.state {
                State::Top => self.top(w, p, wfin, sink)?,
                State::Array { kind, comma } => self.array(w, p, kind, comma, wfin, sink)?,
                State::Tail => self.tail(w, p, wfin, sink)?,
                State::Resync { in_array, from } => self.resync(w, p, in_array, from, wfin, sink)?,
                State::Big { in_array, scan } => self.big(w, p, in_array, scan, wfin, sink)?,
            };
            match step {
                Step::Go(q) => {
                    p = q;
                    if self.emitted >= self.budget {
                        self.paused = true;
                        self.retry_at = 0;
                        return Ok(p);
                    }
                }
                Step::Wait(q) if end - q > limit => p = self.oversized(w, q, sink)?,
                // The step read to the end of its window and consumed up to `q`: go on from there.
                Step::Wait(q) if end < d.len() => p = q,
                Step::Wait(q) => {
                    let pending = d.len() - q;
                    self.retry_at = if pending < RESCAN_FREELY { 0 } else { self.base + (q + (2 * pending).min(limit + 1)) as u64 };
                    return Ok(q);
                }
            }
        }
    }

    /// A complete value that may be a wrapper: unwrap it until records appear.
    fn unit(&mut self, u: &[u8], base: u64, layer: u8, sink: &mut Sink<'_>) -> Result<()> {
        if layer > 4 {
            return self.bad(Error::new(ErrorKind::Input, "wrappers nested more than 4 deep").at_offset(base), u, sink);
        }
        let unit = unit::classify(u);
        self.detect_unit(&unit, layer);
        match unit {
            Unit::Record => self.one(u, base, sink),
            Unit::Records(arr) => {
                self.nested(arr, base, layer, Nested::Records, sink)
            }
            Unit::EventBridge(detail) => {
                let off = base + offset_in(u, detail);
                self.one(detail, off, sink)
            }
            Unit::AwsLogs(data) => {
                let decoded = json::as_str(data).and_then(|s| base64::decode(s.as_bytes()));
                let Some(bytes) = decoded else {
                    return self.bad(Error::new(ErrorKind::Input, "awslogs.data is not base64").at_offset(base), u, sink);
                };
                let inner = if gzip::is_gzip(&bytes) {
                    match gzip::gunzip_all(&bytes, self.engine.opts.max_decompressed_bytes) {
                        Ok(v) => v,
                        Err(e) => return self.bad(e.at_offset(base), u, sink),
                    }
                } else {
                    bytes
                };
                let start = skip_ws(&inner, 0);
                match json::skip_value(&inner, start, 0) {
                    Ok(e) => {
                        let u = &inner[start..e];
                        // The usual payload, logEvents: a frame stopped in it keeps `inner`
                        // itself rather than a copy of its rest (up to maxDecompressedBytes).
                        if let (Unit::LogEvents(events), true) = (unit::classify(u), layer < 4) {
                            if events.first() == Some(&b'[') {
                                let (k, at0) = (offset_in(&inner, events) as usize, base + offset_in(u, events));
                                return self.nested_owned(inner, k, at0, layer + 1, Nested::LogEvents, sink);
                            }
                        }
                        self.unit(u, base, layer + 1, sink)
                    }
                    Err(f) => {
                        let e = Error::from_fail(f, &inner, 0);
                        let msg = format!("in awslogs.data: {}", e.message());
                        self.bad(Error::new(e.kind(), msg).with_position(e.line(), e.column()).at_offset(base), &inner, sink)
                    }
                }
            }
            Unit::LogEvents(events) => {
                if events.first() != Some(&b'[') {
                    return self.bad(Error::new(ErrorKind::Record, "CloudWatch Logs DATA_MESSAGE whose logEvents is not an array").at_offset(base), u, sink);
                }
                self.nested(events, base + offset_in(u, events), layer, Nested::LogEvents, sink)
            }
            Unit::Control => {
                // Counted: CloudWatch Logs sends these to check the destination; its logEvents
                // (if any) are CloudWatch's own messages, not records.
                self.skipped += 1;
                Ok(())
            }
            Unit::LookupEvents(events) => {
                self.nested(events, base + offset_in(u, events), layer, Nested::Lookup, sink)
            }
            Unit::LookupEvent(s) => {
                match json::as_str(s) {
                    Some(text) => self.one(text.as_bytes(), base, sink),
                    None => self.bad(Error::new(ErrorKind::Record, "CloudTrailEvent is not a valid string").at_offset(base), u, sink),
                }
            }
            Unit::Digest => {
                if self.engine.opts.digests {
                    // One document per listed log file (src/digest.rs).
                    let (before, records, emitted) = (self.records, &mut self.records, &mut self.emitted);
                    let mut direct = self.direct.then_some(&mut self.engine.out);
                    let base = &mut self.engine.base;
                    crate::digest::documents(u, &self.engine.opts, &mut self.entry, |doc| {
                        *records += 1;
                        *emitted += doc.len() + 1;
                        if let Some(out) = direct.as_deref_mut() {
                            out.truncate(*base);
                            out.extend_from_slice(doc);
                            out.push(b'\n');
                            *base = out.len();
                        }
                        sink(Item::Record(doc));
                    });
                    if self.records > before {
                        return Ok(());
                    }
                    // Listing no log file, it gives nothing: still a counted skip.
                }
                self.skipped += 1;
                Ok(())
            }
        }
    }

    /// The elements of a nested unit's array `arr` (which starts with `[`; `arr[0]` is at stream
    /// offset `at0`). Stops after an element once the call's budget is reached and keeps the rest
    /// as a frame (see `Frame`).
    fn nested(&mut self, arr: &[u8], at0: u64, layer: u8, kind: Nested, sink: &mut Sink<'_>) -> Result<()> {
        if arr.first() != Some(&b'[') {
            return Ok(()); // as `json::elements`: nothing (callers check for an array)
        }
        let depth = self.frames.len();
        if let Some(i) = self.elements_from(arr, 1, at0, layer, kind, sink)? {
            // Below any frame an element of it left (those come first).
            self.frames.insert(depth, Frame { data: arr[i..].to_vec(), pos: 0, at0: at0.wrapping_add(i as u64), layer, kind });
        }
        Ok(())
    }

    /// As `nested`, for an array at `data[k..]` in a buffer the splitter owns (kept whole as the
    /// frame, no copy).
    fn nested_owned(&mut self, data: Vec<u8>, k: usize, at0: u64, layer: u8, kind: Nested, sink: &mut Sink<'_>) -> Result<()> {
        // Offsets are `at0 + index in arr`; as indexes in `data`, `data[0]` stands for `at0 - k`
        // (modular: only the sums are offsets).
        let at0 = at0.wrapping_sub(k as u64);
        let depth = self.frames.len();
        if let Some(i) = self.elements_from(&data, k + 1, at0, layer, kind, sink)? {
            self.frames.insert(depth, Frame { data, pos: i, at0, layer, kind });
        }
        Ok(())
    }

    /// Gives out pending frames, innermost first, until none is left or the budget is reached.
    fn run_frames(&mut self, sink: &mut Sink<'_>) -> Result<()> {
        while let Some(mut f) = self.frames.pop() {
            let depth = self.frames.len();
            if let Some(i) = self.elements_from(&f.data, f.pos, f.at0, f.layer, f.kind, sink)? {
                f.pos = i;
                self.frames.insert(depth, f);
                return Ok(());
            }
            if self.emitted >= self.budget {
                return Ok(());
            }
        }
        Ok(())
    }

    /// The elements of `arr` from `i` on (just after its `[` or after an element). Some(where
    /// the rest starts) when it stopped at the budget with elements left.
    fn elements_from(&mut self, arr: &[u8], mut i: usize, at0: u64, layer: u8, kind: Nested, sink: &mut Sink<'_>) -> Result<Option<usize>> {
        loop {
            // As `json::elements` reads a validated array.
            let mut j = skip_ws(arr, i);
            if arr.get(j) == Some(&b',') {
                j = skip_ws(arr, j + 1);
            }
            match arr.get(j) {
                None | Some(b']') => return Ok(None),
                _ if self.emitted >= self.budget => return Ok(Some(i)),
                _ => {}
            }
            let end = json::skip_fast(arr, j).clamp(j + 1, arr.len());
            let el = &arr[j..end];
            let off = at0.wrapping_add(j as u64);
            match kind {
                Nested::LogEvents => match json::get(el, &["message"]).and_then(json::as_str) {
                    Some(msg) => self.one(msg.as_bytes(), off, sink)?,
                    None => self.bad(Error::new(ErrorKind::Record, "logEvents entry without a string message").at_offset(off), el, sink)?,
                },
                Nested::Records => {
                    if el.first() == Some(&b'{') && matches!(peek_first_key(el, 0), Peek::Key(k, _) if unit::is_wrapper_key(k)) {
                        self.unit(el, off, layer + 1, sink)?;
                    } else {
                        self.one(el, off, sink)?;
                    }
                }
                Nested::Lookup => self.unit(el, off, layer + 1, sink)?,
            }
            i = end;
        }
    }

    /// Hands the record the engine just wrote to `sink`; with direct output, the line stays in
    /// the engine's buffer (a newline after it) instead of being copied out by the sink.
    #[inline]
    pub(super) fn emit_record(&mut self, sink: &mut Sink<'_>) {
        self.emitted += self.engine.doc().len() + 1;
        sink(Item::Record(self.engine.doc()));
        if self.direct {
            self.engine.out.push(b'\n');
            self.engine.base = self.engine.out.len();
            if let Some(from) = self.ascii_from {
                // The line is still in cache: check (and rarely escape) it now, not in a second
                // pass over the whole output. Error lines and digests since the last record too.
                json::make_ascii(&mut self.engine.out, from);
                self.engine.base = self.engine.out.len();
                self.ascii_from = Some(self.engine.base);
            }
        }
    }

    /// With direct output, appends the error entry in `self.entry` as a line of the output.
    fn keep_line(&mut self) {
        if self.direct {
            let out = &mut self.engine.out;
            out.truncate(self.engine.base);
            out.extend_from_slice(&self.entry);
            out.push(b'\n');
            self.engine.base = out.len();
        }
    }

    /// Direct output (`transform_log_to_ndjson`): from now on every item's NDJSON line is
    /// written into `buf` in order (the records by the engine itself, so the output is not
    /// copied once more); the sink still sees each item. [`Self::take_output`] returns `buf`.
    pub(crate) fn direct_output(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        self.engine.out = buf;
        self.engine.base = 0;
        self.direct = true;
        self.ascii_from = None;
    }

    /// The lines written since [`Self::direct_output`], and back to ordinary output.
    pub(crate) fn take_output(&mut self) -> Vec<u8> {
        let mut out = core::mem::take(&mut self.engine.out);
        out.truncate(self.engine.base);
        if let Some(from) = self.ascii_from.take() {
            json::make_ascii(&mut out, from);
        }
        self.engine.base = 0;
        self.direct = false;
        out
    }

    /// The whole of `input` as NDJSON through direct output ([`Self::direct_output`]), with
    /// room for `reserve` bytes up front: the lines, and the summary or the error that stopped
    /// the read (`strict`), the lines before it kept. `transform_log_to_ndjson` and the wasm's
    /// whole-log calls. `ascii`: the lines as [`json::to_ascii`] rewrites them (for a JS string).
    pub(crate) fn ndjson_direct(&mut self, input: &[u8], reserve: usize, ascii: bool) -> (Vec<u8>, Result<Summary>) {
        self.direct_output(Vec::with_capacity(reserve));
        if ascii {
            self.ascii_from = Some(0);
        }
        let mut sink = |_: Item<'_>| {};
        let res = self.push(input, &mut sink).and_then(|()| self.finish(&mut sink));
        (self.take_output(), res)
    }

    /// Exactly one record whose bounds are known.
    fn one(&mut self, rec: &[u8], base: u64, sink: &mut Sink<'_>) -> Result<()> {
        match self.engine.record(rec, base) {
            Ok(()) => {
                self.records += 1;
                self.emit_record(sink);
                Ok(())
            }
            Err(e) => {
                let at = e.offset().unwrap_or(base);
                self.bad(e.at_offset(at), rec, sink)
            }
        }
    }

    fn bad(&mut self, err: Error, original: &[u8], sink: &mut Sink<'_>) -> Result<()> {
        let err = err.in_record(self.records + self.errors);
        // With `salvage`, a damaged record that can be read in part becomes a marked record.
        if self.engine.salvaged(original, &err) {
            self.records += 1;
            self.salvaged += 1;
            self.emit_record(sink);
            return Ok(());
        }
        if self.engine.opts.strict {
            return Err(err);
        }
        self.errors += 1;
        self.entry.clear();
        write_error_entry(&mut self.entry, &err, original);
        self.emitted += self.entry.len() + 1;
        self.keep_line();
        sink(Item::Bad { error: &err, original, entry: &self.entry });
        Ok(())
    }
}

fn offset_in(outer: &[u8], inner: &[u8]) -> u64 {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize) as u64
}

enum Peek<'a> {
    /// The first key, and where its value starts.
    Key(&'a [u8], usize),
    More,
    /// Empty object or not an object with a key.
    Other,
}

fn peek_first_key(d: &[u8], p: usize) -> Peek<'_> {
    let k = skip_ws(d, p + 1);
    match d.get(k) {
        None => return Peek::More,
        Some(b'"') => {}
        Some(_) => return Peek::Other,
    }
    let Ok((kend, _)) = json::scan_string(d, k) else {
        return if memchr::memchr(b'"', &d[k + 1..]).is_none() { Peek::More } else { Peek::Other };
    };
    let c = skip_ws(d, kend);
    match d.get(c) {
        None => Peek::More,
        Some(b':') => {
            let v = skip_ws(d, c + 1);
            if v >= d.len() {
                Peek::More
            } else {
                Peek::Key(&d[k + 1..kend - 1], v)
            }
        }
        Some(_) => Peek::Other,
    }
}


#[cfg(all(test, not(target_arch = "wasm32")))]
mod direct_tests {
    use super::{Item, Splitter};
    use crate::Options;

    /// The NDJSON a sink makes of the items (what `transform_log_to_ndjson` did before it wrote
    /// through the splitter's direct output).
    fn by_sink(input: &[u8], o: &Options) -> crate::Result<(Vec<u8>, super::Summary)> {
        let (out, res) = by_sink_partial(input, o);
        res.map(|s| (out, s))
    }

    /// The sink's lines, also those before an error.
    fn by_sink_partial(input: &[u8], o: &Options) -> (Vec<u8>, crate::Result<super::Summary>) {
        let mut sp = Splitter::new(o.clone()).unwrap();
        let mut out = Vec::new();
        let mut sink = |item: Item<'_>| {
            out.extend_from_slice(item.json());
            out.push(b'\n');
        };
        let res = sp.push(input, &mut sink).and_then(|()| sp.finish(&mut sink));
        (out, res)
    }

    /// Direct output writes the same lines as the sink, in the same order, for every fixture and
    /// sample (bad records, salvage, digests, gzip, nested units, every profile).
    #[test]
    fn direct_output_equals_the_sink() {
        let files = crate::test_util::sample_files(4 << 20, true);
        assert!(files.len() > 50, "{} files", files.len());
        let sets = [
            r#"{}"#,
            r#"{"salvage":true}"#,
            r#"{"digests":true}"#,
            r#"{"profile":"ecs","salvage":true}"#,
            r#"{"profile":"ocsf"}"#,
            r#"{"strict":true}"#,
            r#"{"enrich":false,"maxFields":5}"#,
        ];
        let (mut lines, mut partial, mut escaped) = (0, 0, 0);
        for set in sets {
            let o = Options::from_json(set).unwrap();
            for f in &files {
                let input = std::fs::read(f).unwrap();
                let got = crate::transform_log_to_ndjson(&input, &o);
                let want = by_sink(&input, &o);
                match (got, want) {
                    (Ok(g), Ok(w)) => {
                        assert!(g.0 == w.0, "{set} {}: lines differ", f.display());
                        // As ASCII text (the wasm's string output): each line checked as written.
                        let (a, res) = Splitter::new(o.clone()).unwrap().ndjson_direct(&input, 0, true);
                        assert!(res.is_ok() && a == crate::json::to_ascii(w.0.clone()), "{set} {}: ASCII lines differ", f.display());
                        escaped += usize::from(a != w.0);
                        assert_eq!(g.1, w.1, "{set} {}", f.display());
                        lines += w.0.iter().filter(|&&c| c == b'\n').count();
                    }
                    (Err(g), Err(w)) => {
                        assert_eq!(g.to_string(), w.to_string(), "{set} {}", f.display());
                        // The lines before the error, as the wasm's whole-log calls return them.
                        let (got, res) = Splitter::new(o.clone()).unwrap().ndjson_direct(&input, 0, false);
                        let (want, _) = by_sink_partial(&input, &o);
                        assert!(res.is_err() && got == want, "{set} {}: lines before the error differ", f.display());
                        let (a, res) = Splitter::new(o.clone()).unwrap().ndjson_direct(&input, 0, true);
                        assert!(res.is_err() && a == crate::json::to_ascii(want.clone()), "{set} {}: ASCII lines before the error differ", f.display());
                        partial += usize::from(!want.is_empty());
                    }
                    (g, w) => panic!("{set} {}: {:?} vs {:?}", f.display(), g.map(|x| x.1), w.map(|x| x.1)),
                }
            }
        }
        assert!(lines > 1000 && partial > 0 && escaped > 0, "{lines} lines, {partial} partial outputs, {escaped} escaped");
    }

    /// The same on damaged logs: fixtures cut short, with bytes overwritten or removed (records
    /// that end early, resynchronisation, salvage), from a fixed pseudo-random sequence.
    #[test]
    fn direct_output_equals_the_sink_on_damage() {
        let files = crate::test_util::sample_files(64 << 10, false);
        assert!(files.len() > 20, "{} files", files.len());
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n.max(1) as u64) as usize
        };
        let sets = [Options::default(), Options::from_json(r#"{"salvage":true}"#).unwrap(), Options::from_json(r#"{"profile":"ocsf"}"#).unwrap()];
        for f in &files {
            let base = std::fs::read(f).unwrap();
            if base.is_empty() {
                continue;
            }
            for _ in 0..12 {
                let mut t = base.clone();
                for _ in 0..1 + next(3) {
                    let at = next(t.len());
                    match next(3) {
                        0 => t.truncate(at.max(1)),
                        1 => t[at] = b"{}[]\",:x\n\xff"[next(10)],
                        _ => {
                            t.remove(at);
                        }
                    }
                    if t.is_empty() {
                        t.push(b'{');
                    }
                }
                for o in &sets {
                    let (got, gres) = Splitter::new(o.clone()).unwrap().ndjson_direct(&t, 0, false);
                    let (want, wres) = by_sink_partial(&t, o);
                    assert!(got == want, "{}: lines differ", f.display());
                    let (a, _) = Splitter::new(o.clone()).unwrap().ndjson_direct(&t, 0, true);
                    assert!(a == crate::json::to_ascii(want.clone()), "{}: ASCII lines differ", f.display());
                    assert_eq!(gres.map_err(|e| e.to_string()), wres.map_err(|e| e.to_string()), "{}", f.display());
                }
            }
        }
    }
}
